import { type AddMemberRequest, type Member, type UserSummary } from '@concord/shared';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemError } from '../common/problem.error';
import { withTransaction } from '../database/transaction';
import { readVisible } from './document-access';
import { type MemberRow, select, toMember } from './document-rows';

/** Who may read and write a document: its members and their roles (CONTRACT §2). */
@Injectable()
export class MembersService {
  constructor(private readonly dataSource: DataSource) {}

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
}
