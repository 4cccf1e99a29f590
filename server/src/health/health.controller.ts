import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { HealthService, type HealthStatus } from './health.service';

@Controller('api/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  check(): Promise<HealthStatus> {
    return this.health.check();
  }
}
