import { Global, Module } from '@nestjs/common';
import { BenchController, benchRoutesEnabled } from './bench.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Metrics (`/api/metrics`). Global so the documents service and the realtime gateway can
 * inject MetricsService without importing this module. OpenAPI is wired by app.factory
 * through `setupOpenApi` (it needs the app instance, not a provider).
 */
@Global()
@Module({
  controllers: [MetricsController, ...(benchRoutesEnabled() ? [BenchController] : [])],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class ObservabilityModule {}
