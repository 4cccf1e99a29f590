import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { loggableError } from './loggable-error';
import { renderProblem } from './problem.renderer';
import { PROBLEM_CODE_LOCAL } from '../observability/metrics.service';
import { requestIdOf } from './request-id.middleware';

/** Writes `error` as problem+json; shared by the Nest filter and the body-parser error middleware. */
export function sendProblem(error: unknown, request: Request, response: Response, logger: Logger): void {
  const requestId = requestIdOf(request);
  const rendered = renderProblem(error, request.path, requestId);
  if (rendered.unexpected) {
    logger.error({ err: loggableError(error), requestId, path: request.path, method: request.method }, 'unhandled error');
  }
  if (response.headersSent) {
    // Too late for a problem body: cut the connection so the client sees a failure, not a truncated 200.
    response.destroy();
    return;
  }
  // The metrics middleware labels 409s with this code (observability/metrics.service.ts).
  response.locals[PROBLEM_CODE_LOCAL] = rendered.body.code;
  response.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers)) response.setHeader(name, value);
  response.send(JSON.stringify(rendered.body));
}

/** The one HTTP exception filter: everything becomes RFC 9457 problem+json with the request id. */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<Request>(), http.getResponse<Response>(), this.logger);
  }
}
