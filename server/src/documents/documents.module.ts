import { Module } from '@nestjs/common';
import { DocumentHistoryService } from './document-history.service';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DraftsService } from './drafts.service';
import { IdempotencyService } from './idempotency.service';
import { MembersService } from './members.service';

/**
 * The one write path (DocumentsService, exported for the socket gateway), the history reads
 * (DocumentHistoryService, exported for the socket catch-up), members, drafts of rejected writes,
 * Idempotency-Key records and the HTTP controller over them. Needs the global ConfigModule (with
 * the `documents` area), TypeORM's DataSource and EventEmitterModule.forRoot() from the app module.
 */
@Module({
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentHistoryService, MembersService, DraftsService, IdempotencyService],
  exports: [DocumentsService, DocumentHistoryService, MembersService],
})
export class DocumentsModule {}
