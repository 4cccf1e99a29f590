import {
  type AddMemberRequest,
  type Member,
  type MemberRole,
  type UpdateMemberRequest,
  type UserSummary,
} from '@concord/shared';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { publishAfterCommit } from '../common/domain-events';
import { ProblemError } from '../common/problem.error';
import { withTransaction } from '../database/transaction';
import { isUuid, readVisible } from './document-access';
import { MEMBERSHIP_CHANGED, MembershipChangedEvent } from './document-events';
import { type MemberRow, select, toMember } from './document-rows';

const MEMBER_OF_DOCUMENT = `SELECT m.user_id, u.username, u.display_name, m.role
                              FROM document_members m JOIN users u ON u.id = m.user_id
                             WHERE m.document_id = $1 AND m.user_id = $2`;

/** The roles of some users in some documents as stored now, and each document's owner. */
export interface MembershipsNow {
  /** By `${documentId}:${userId}`; a pair absent here is not (or no longer) a member. */
  roles: Map<string, MemberRole>;
  /** By document id; a deleted document is absent. */
  owners: Map<string, UserSummary>;
}

/** Who may read and write a document: its members and their roles (CONTRACT §2). */
@Injectable()
export class MembersService {
  private readonly logger = new Logger(MembersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * For the realtime gateway's periodic check of the rooms its sockets are in (a notice of a
   * change made on another instance can be lost): one query for every pair it holds.
   */
  async membershipsNow(documentIds: readonly string[], userIds: readonly string[]): Promise<MembershipsNow> {
    const rows = await select<{
      document_id: string;
      owner_id: string;
      owner_username: string;
      owner_display_name: string;
      user_id: string | null;
      role: MemberRole | null;
    }>(
      this.dataSource.manager,
      `SELECT d.id AS document_id, o.id AS owner_id, o.username AS owner_username,
              o.display_name AS owner_display_name, m.user_id, m.role
         FROM documents d
         JOIN users o ON o.id = d.owner_id
         LEFT JOIN document_members m ON m.document_id = d.id AND m.user_id = ANY($2::uuid[])
        WHERE d.id = ANY($1::uuid[])`,
      [documentIds, userIds],
    );
    const now: MembershipsNow = { roles: new Map(), owners: new Map() };
    for (const row of rows) {
      now.owners.set(row.document_id, {
        id: row.owner_id,
        username: row.owner_username,
        displayName: row.owner_display_name,
      });
      if (row.user_id !== null && row.role !== null)
        now.roles.set(`${row.document_id}:${row.user_id}`, row.role);
    }
    return now;
  }

  async listMembers(user: UserSummary, id: string): Promise<Member[]> {
    await readVisible(this.dataSource.manager, user, id);
    const rows = await select<MemberRow>(
      this.dataSource.manager,
      `SELECT m.user_id, u.username, u.display_name, m.role
         FROM document_members m JOIN users u ON u.id = m.user_id
        WHERE m.document_id = $1
        ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, u.username`,
      [id],
    );
    return rows.map(toMember);
  }

  /** Owner only. An unknown username is a 422 on the `username` field (not a 404, which would read as "no such document"). */
  async addMember(user: UserSummary, id: string, request: AddMemberRequest): Promise<Member> {
    const row = await withTransaction(this.dataSource, async (m) => {
      const current = await readVisible(m, user, id);
      if (current.role !== 'owner') throw ProblemError.forbidden('Only the owner may share this document.');
      const [target] = await select<{ id: string; username: string; display_name: string }>(
        m,
        `SELECT id, username, display_name FROM users WHERE username = $1`,
        [request.username],
      );
      if (target === undefined) {
        throw new ProblemError('validation_failed', 422, `There is no user named "${request.username}".`, {
          extensions: { errors: [{ path: 'username', message: 'no such user' }] },
        });
      }
      const inserted = await select<{ user_id: string }>(
        m,
        `INSERT INTO document_members (document_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (document_id, user_id) DO NOTHING RETURNING user_id`,
        [id, target.id, request.role, new Date()],
      );
      if (inserted.length === 0) {
        throw new ProblemError(
          'member_exists',
          409,
          `${target.username} is already a member of this document.`,
        );
      }
      return {
        user_id: target.id,
        username: target.username,
        display_name: target.display_name,
        role: request.role,
      };
    });
    return toMember(row);
  }

  /**
   * Owner only; the owner's own role is fixed. The document row is locked as every write locks
   * it, so a write that commits after this answer is judged by the new role.
   */
  async updateRole(
    user: UserSummary,
    id: string,
    memberId: string,
    request: UpdateMemberRequest,
  ): Promise<Member> {
    const { row, changed } = await withTransaction(this.dataSource, async (m) => {
      const current = await readVisible(m, user, id, true);
      if (current.role !== 'owner')
        throw ProblemError.forbidden('Only the owner may change what members can do.');
      const target = await this.memberOf(m, id, memberId);
      if (target.role === 'owner') throw ownerRoleFixed('The owner’s role cannot change.');
      if (target.role === request.role) return { row: target, changed: false };
      await m.query(`UPDATE document_members SET role = $3 WHERE document_id = $1 AND user_id = $2`, [
        id,
        memberId,
        request.role,
      ]);
      return { row: { ...target, role: request.role }, changed: true };
    });
    if (changed) this.publish(new MembershipChangedEvent(id, memberId, request.role, user));
    return toMember(row);
  }

  /**
   * The owner removes a member, or a member leaves (their own id); the owner cannot leave their
   * own document (they delete it instead). Locked like `updateRole`.
   */
  async removeMember(user: UserSummary, id: string, memberId: string): Promise<void> {
    await withTransaction(this.dataSource, async (m) => {
      const current = await readVisible(m, user, id, true);
      if (current.role !== 'owner' && memberId !== user.id) {
        throw ProblemError.forbidden('Only the owner may remove other members.');
      }
      const target = await this.memberOf(m, id, memberId);
      if (target.role === 'owner') {
        throw ownerRoleFixed('The owner cannot leave their own document; delete it instead.');
      }
      await m.query(`DELETE FROM document_members WHERE document_id = $1 AND user_id = $2`, [id, memberId]);
    });
    this.publish(new MembershipChangedEvent(id, memberId, null, user));
  }

  /** A member of a document the caller can see; anything else (a malformed id too) is a 404. */
  private async memberOf(m: EntityManager, id: string, memberId: string): Promise<MemberRow> {
    const [row] = isUuid(memberId) ? await select<MemberRow>(m, MEMBER_OF_DOCUMENT, [id, memberId]) : [];
    if (row === undefined) throw ProblemError.notFound('That user is not a member of this document.');
    return row;
  }

  private publish(event: MembershipChangedEvent): void {
    publishAfterCommit(this.events, this.logger, MEMBERSHIP_CHANGED, event);
  }
}

function ownerRoleFixed(detail: string): ProblemError {
  return new ProblemError('owner_role_fixed', 409, detail);
}
