export { makePatch, applyPatchStrict, type ApplyPatchResult } from './patch';
export { threeWayMerge } from './three-way-merge';
export { diffHunks, type Hunk } from './diff';
