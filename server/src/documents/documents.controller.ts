import {
  type AddMemberRequest,
  AddMemberRequestSchema,
  type Change,
  type ConcordDocument,
  type CreateDocumentRequest,
  CreateDocumentRequestSchema,
  type DocumentList,
  type Draft,
  type ListDocumentsQuery,
  ListDocumentsQuerySchema,
  type ListDraftsQuery,
  ListDraftsQuerySchema,
  type ListVersionsQuery,
  ListVersionsQuerySchema,
  type Member,
  type PatchDocumentRequest,
  PatchDocumentRequestSchema,
  type PutDocumentRequest,
  PutDocumentRequestSchema,
  type UpdateMemberRequest,
  UpdateMemberRequestSchema,
  type UserSummary,
  type VersionListItem,
} from '@concord/shared';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator';
import { WriteThrottleGuard } from '../auth/write-throttle.guard';
import { ProblemError } from '../common/problem.error';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { DocumentHistoryService } from './document-history.service';
import { DocumentsService, type ContentChange } from './documents.service';
import { DraftsService } from './drafts.service';
import { type ChangesQuery, ChangesQuerySchema, parseVersionParam } from './dto/documents-query.dto';
import { NoBodySchema } from '../common/no-body.dto';
import { Conditions, type WriteConditions } from './dto/write-conditions.decorator';
import { IdempotencyService } from './idempotency.service';
import { MembersService } from './members.service';
import { ifNoneMatchMatches, MalformedPreconditionError, parseEntityTagList } from './preconditions';

/** The headers every response carrying a document has: its strong ETag and when it last changed. */
function documentHeaders(document: ConcordDocument): Record<string, string> {
  return { ETag: document.etag, 'Last-Modified': new Date(document.updatedAt).toUTCString() };
}

function setHeaders(res: Response, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/** HTTP translation of CONTRACT §1 over DocumentsService; no decisions are made here. */
// Writes are rate-limited per user and per IP (429 + Retry-After); reads are not.
@UseGuards(WriteThrottleGuard)
@Controller('api/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly history: DocumentHistoryService,
    private readonly members: MembersService,
    private readonly drafts: DraftsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @HttpCode(201)
  async create(
    @CurrentUser() user: UserSummary,
    @Body(new ZodValidationPipe(CreateDocumentRequestSchema)) body: CreateDocumentRequest,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    if (key === undefined) {
      const document = await this.documents.create(user, body);
      setHeaders(res, { ...documentHeaders(document), Location: `/api/documents/${document.id}` });
      return document;
    }
    IdempotencyService.validateKey(key);
    const start = await this.idempotency.start(user, key, IdempotencyService.hashBody(body));
    if (start.kind === 'replay') {
      // Only 201s are stored, so @HttpCode(201) is also the replayed status.
      setHeaders(res, { ...start.response.headers, 'Idempotent-Replayed': 'true' });
      return start.response.body;
    }
    let document: ConcordDocument;
    try {
      document = await this.documents.create(user, body);
    } catch (error) {
      await this.idempotency.release(user, key);
      throw error;
    }
    const headers = { ...documentHeaders(document), Location: `/api/documents/${document.id}` };
    await this.idempotency.complete(user, key, { status: 201, headers, body: document });
    setHeaders(res, headers);
    return document;
  }

  @Get()
  list(
    @CurrentUser() user: UserSummary,
    @Query(new ZodValidationPipe(ListDocumentsQuerySchema)) query: ListDocumentsQuery,
  ): Promise<DocumentList> {
    return this.documents.list(user, query);
  }

  /** Sends the response itself: Nest would overwrite a 304 status set on a passthrough response. */
  @Get(':id')
  async get(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { document } = await this.documents.getForUser(user, id);
    setHeaders(res, documentHeaders(document));
    if (ifNoneMatch !== undefined && ifNoneMatchMatchesSafely(ifNoneMatch, document.etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).json(document);
  }

  @Put(':id')
  async put(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(PutDocumentRequestSchema)) body: PutDocumentRequest,
    @Conditions() conditions: WriteConditions,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConcordDocument> {
    return this.save(user, id, conditions, res, { kind: 'put', ...body });
  }

  @Patch(':id')
  async patch(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(PatchDocumentRequestSchema)) body: PatchDocumentRequest,
    @Conditions() conditions: WriteConditions,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConcordDocument> {
    return this.save(user, id, conditions, res, { kind: 'patch', ...body });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
    @Conditions() conditions: WriteConditions,
  ): Promise<void> {
    await this.documents.remove(user, id, conditions.precondition);
  }

  @Post(':id/archive')
  @HttpCode(200)
  archive(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
    @Conditions() conditions: WriteConditions,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConcordDocument> {
    return this.stateChange(user, id, conditions, res, 'archived');
  }

  @Post(':id/restore')
  @HttpCode(200)
  restore(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
    @Conditions() conditions: WriteConditions,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConcordDocument> {
    return this.stateChange(user, id, conditions, res, 'active');
  }

  @Get(':id/versions')
  async versions(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(ListVersionsQuerySchema)) query: ListVersionsQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<VersionListItem[]> {
    const page = await this.history.listVersions(user, id, query);
    setNextPageLink(res, `/api/documents/${id}/versions`, query.limit, page, (item) => item.version);
    return page.items;
  }

  @Get(':id/versions/:v')
  async version(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Param('v') v: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConcordDocument> {
    const version = parseVersionParam(v);
    if (version === null) {
      await this.documents.getForUser(user, id); // an invisible document stays a plain 404
      throw ProblemError.notFound(`"${v}" is not a version number.`);
    }
    const document = await this.history.getVersion(user, id, version);
    setHeaders(res, documentHeaders(document));
    return document;
  }

  @Get(':id/changes')
  changes(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(ChangesQuerySchema)) query: ChangesQuery,
  ): Promise<Change[]> {
    return this.history.changesSince(user, id, query.since);
  }

  @Get(':id/drafts')
  async listDrafts(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(ListDraftsQuerySchema)) query: ListDraftsQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Draft[]> {
    const page = await this.drafts.list(user, id, query);
    setNextPageLink(res, `/api/documents/${id}/drafts`, query.limit, page, (item) => item.id);
    return page.items;
  }

  @Get(':id/members')
  listMembers(@CurrentUser() user: UserSummary, @Param('id') id: string): Promise<Member[]> {
    return this.members.listMembers(user, id);
  }

  @Post(':id/members')
  @HttpCode(201)
  addMember(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(AddMemberRequestSchema)) body: AddMemberRequest,
  ): Promise<Member> {
    return this.members.addMember(user, id, body);
  }

  @Patch(':id/members/:userId')
  updateMember(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Body(new ZodValidationPipe(UpdateMemberRequestSchema)) body: UpdateMemberRequest,
  ): Promise<Member> {
    return this.members.updateRole(user, id, userId, body);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  async removeMember(
    @CurrentUser() user: UserSummary,
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Body(new ZodValidationPipe(NoBodySchema)) _body: unknown,
  ): Promise<void> {
    await this.members.removeMember(user, id, userId);
  }

  private async stateChange(
    user: UserSummary,
    id: string,
    conditions: WriteConditions,
    res: Response,
    state: 'active' | 'archived',
  ): Promise<ConcordDocument> {
    const document = await this.documents.setState(user, id, conditions.precondition, state);
    setHeaders(res, documentHeaders(document));
    return document;
  }

  /** PUT and PATCH: one write path, `Preference-Applied: merge` when the server merged. */
  private async save(
    user: UserSummary,
    id: string,
    conditions: WriteConditions,
    res: Response,
    change: ContentChange,
  ): Promise<ConcordDocument> {
    const result = await this.documents.write(user, id, conditions.precondition, change, {
      merge: conditions.merge,
    });
    setHeaders(res, documentHeaders(result.document));
    if (result.merged) setHeaders(res, { 'Preference-Applied': 'merge' });
    return result.document;
  }
}

/** A malformed If-None-Match is ignored (a plain 200): a GET has nothing to protect. */
function ifNoneMatchMatchesSafely(header: string, etag: string): boolean {
  try {
    return ifNoneMatchMatches(parseEntityTagList('If-None-Match', header), etag);
  } catch (error) {
    if (error instanceof MalformedPreconditionError) return false;
    throw error;
  }
}

/**
 * RFC 8288 `Link: <path?limit=N&before=K>; rel="next"` on a page that has more after it, K naming
 * its last item. The path's id is a UUID by now (an invisible or malformed one was a 404).
 */
function setNextPageLink<T>(
  res: Response,
  path: string,
  limit: number | undefined,
  page: { items: T[]; hasMore: boolean },
  keyOf: (item: T) => string | number,
): void {
  const oldest = page.items.at(-1);
  if (!page.hasMore || oldest === undefined || limit === undefined) return;
  res.setHeader('Link', `<${path}?limit=${limit}&before=${keyOf(oldest)}>; rel="next"`);
}
