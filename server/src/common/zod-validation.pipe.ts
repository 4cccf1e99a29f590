import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { validationProblem } from './problem.renderer';

/**
 * Validates one argument against a schema from @concord/shared and returns the parsed value.
 * The shared request schemas are strict objects, so unknown fields are a 422 too.
 *   `@Body(new ZodValidationPipe(RegisterRequestSchema)) body: RegisterRequest`
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    // A missing or non-JSON body arrives as undefined and fails as "expected object": a 422, not a crash.
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const what = metadata.type === 'body' ? 'The request body' : metadata.type === 'query' ? 'The query' : 'The request';
    throw validationProblem(result.error, what);
  }
}
