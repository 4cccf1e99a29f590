import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { MetricsService } from './metrics.service';

/**
 * `GET /api/metrics`, Prometheus text format. Public like /api/health: scrapers carry no user
 * token, and nothing here names a user or a document (labels are route patterns and codes).
 * Keep it behind the reverse proxy if the counts themselves are sensitive.
 */
@Controller('api/metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    res.setHeader('Cache-Control', 'no-store');
    // end(), not send(): send() would add `charset=utf-8` in front of the exposition `version`.
    res.status(200).setHeader('Content-Type', contentType);
    res.end(body);
  }
}
