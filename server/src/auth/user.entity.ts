import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { UserSummary } from '@concord/shared';

/** Table `users` (migrations CreateUsers1764100000000, TokenGeneration1764600000000). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @Column({ type: 'text', name: 'password_hash', select: false })
  passwordHash!: string;

  /** Tokens of any other generation are refused; bumped to sign out everywhere. */
  @Column({ type: 'integer', name: 'token_generation', default: 0 })
  tokenGeneration!: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

export function toUserSummary(user: Pick<UserEntity, 'id' | 'username' | 'displayName'>): UserSummary {
  return { id: user.id, username: user.username, displayName: user.displayName };
}
