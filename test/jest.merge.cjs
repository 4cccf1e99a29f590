// The merge engine against `git merge-file` (issue 3): a Jest project of its own, so it can run
// alone (`npx jest --selectProjects merge`).
const { withTestTimeout } = require('./jest.timeout.cjs');

module.exports = withTestTimeout(
  {
    ...require('../jest.preset.cjs'),
    displayName: 'merge',
    rootDir: __dirname,
    testMatch: ['<rootDir>/merge/**/*.spec.ts'],
  },
  120_000,
);
