import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { UserSummary } from '@concord/shared';

/** Table `users` (migration CreateUsers1764100000000). */
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

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

export function toUserSummary(user: Pick<UserEntity, 'id' | 'username' | 'displayName'>): UserSummary {
  return { id: user.id, username: user.username, displayName: user.displayName };
}
