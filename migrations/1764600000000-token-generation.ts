import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A generation number per user, carried by every token as `gen`: a token whose generation is not
 * the user's current one is refused. Signing out everywhere and changing the password bump it,
 * so a leaked token can be cut off without deleting the account. Tokens issued before this
 * migration carry no `gen` and count as generation 0, so they keep working until the first bump.
 */
export class TokenGeneration1764600000000 implements MigrationInterface {
  name = 'TokenGeneration1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN token_generation`);
  }
}
