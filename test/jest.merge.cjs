// The merge engine against `git merge-file` (issue 3): a Jest project of its own, so it can run
// alone (`npx jest --selectProjects merge`).
module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'merge',
  rootDir: __dirname,
  testMatch: ['<rootDir>/merge/**/*.spec.ts'],
  testTimeout: 120_000,
};
