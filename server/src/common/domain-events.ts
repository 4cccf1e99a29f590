import type { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * Emits a domain event after its change is committed. A listener that throws must not turn a
 * durable change into an error answer (the client would retry a write that happened), so the
 * failure is logged instead.
 */
export function publishAfterCommit(events: EventEmitter2, logger: Logger, name: string, event: object): void {
  try {
    events.emit(name, event);
  } catch (error) {
    logger.error(
      `a ${name} listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
