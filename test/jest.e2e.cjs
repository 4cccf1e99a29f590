// End-to-end suites run once per database: the real PostgreSQL and the embedded PGlite.
// `CONCORD_TEST_DB` tells the harness (test/support) which one a project uses.
const preset = require('../jest.preset.cjs');
const { withTestTimeout } = require('./jest.timeout.cjs');

function e2eProject(database) {
  return withTestTimeout(
    {
      ...preset,
      displayName: `e2e:${database}`,
      rootDir: __dirname,
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globals: { CONCORD_TEST_DB: database },
    },
    60_000,
  );
}

module.exports = { e2eProject };
