import { Module } from '@nestjs/common';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DraftsService } from './drafts.service';
import { IdempotencyService } from './idempotency.service';

/**
 * The one write path (DocumentsService, exported for the socket gateway), its HTTP controller,
 * drafts of rejected writes and Idempotency-Key records. Needs the global ConfigModule (with the
 * `documents` area), TypeORM's DataSource and EventEmitterModule.forRoot() from the app module.
 */
@Module({
  controllers: [DocumentsController],
  providers: [DocumentsService, DraftsService, IdempotencyService],
  exports: [DocumentsService],
})
export class DocumentsModule {}
