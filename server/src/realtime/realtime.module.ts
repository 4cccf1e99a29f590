import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DocumentsModule } from '../documents/documents.module';
import { DocumentSessionService } from './document-session.service';
import { RealtimeGateway } from './realtime.gateway';

/**
 * The live channel (CONTRACT §3). Its settings are the `realtime` config area (config.module);
 * its socket.io server options live in ConcordIoAdapter, installed by app.factory.
 */
@Module({
  imports: [AuthModule, DocumentsModule],
  providers: [RealtimeGateway, DocumentSessionService],
})
export class RealtimeModule {}
