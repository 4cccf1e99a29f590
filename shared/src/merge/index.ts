export { makePatch, applyPatchStrict, type ApplyPatchResult } from './patch';
export { diffHunks, type Hunk } from './diff';
