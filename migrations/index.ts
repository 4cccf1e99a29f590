import { CreateUsers1764100000000 } from './1764100000000-create-users';
import { Documents1764108000000 } from './1764108000000-documents';
import { VersionPatchIndex1764200000000 } from './1764200000000-version-patch-index';
import { Lz4Content1764300000000 } from './1764300000000-lz4-content';
import { VersionDeltas1764400000000 } from './1764400000000-version-deltas';
import { SlugPerOwner1764500000000 } from './1764500000000-slug-per-owner';
import { TokenGeneration1764600000000 } from './1764600000000-token-generation';

/**
 * Every migration, oldest first, listed explicitly so Jest (TypeScript sources) and the built
 * server (JavaScript) load the same classes without a file glob. Append new ones at the end;
 * never edit one that has landed.
 */
export const migrations = [
  CreateUsers1764100000000,
  Documents1764108000000,
  VersionPatchIndex1764200000000,
  Lz4Content1764300000000,
  VersionDeltas1764400000000,
  SlugPerOwner1764500000000,
  TokenGeneration1764600000000,
];
