import { applyPatchStrict, makePatch, threeWayMerge } from '@concord/shared';
import { randomId } from '../api/api.client';
import type { SyncDeps } from './sync.machine';

/** The shared library's patch and merge functions, as the save state machine uses them. */
export const sharedSyncDeps: SyncDeps = {
  applyPatch(text, patch) {
    const result = applyPatchStrict(text, patch);
    if (!result.ok) throw new Error(`patch ${result.reason}: ${result.detail}`);
    return result.text;
  },
  makePatch,
  merge: threeWayMerge,
  newId: randomId,
};
