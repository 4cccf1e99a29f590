export { makePatch, patchOfEdits, applyPatchStrict, type ApplyPatchResult } from './patch';
export { threeWayMerge, mergeForAuthor, type AuthorMerge } from './three-way-merge';
export { diffHunks, type Hunk } from './diff';
