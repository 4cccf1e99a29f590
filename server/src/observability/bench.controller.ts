import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/public.decorator';

/**
 * The read benchmark's baseline (test/bench/read): a hello-world route through the same Nest
 * app and middleware stack (request id, helmet, logging, metrics, guard) as the document routes.
 * Registered only when CONCORD_BENCH_ROUTES=1; never in a normal deployment.
 */
@Controller('api/bench')
export class BenchController {
  @Public()
  @Get('hello')
  @Header('Cache-Control', 'no-store')
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}

/** Read once at boot, like the rest of the configuration. */
export function benchRoutesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CONCORD_BENCH_ROUTES === '1';
}
