// Browser end-to-end suites: playwright-core driving Debian's Chromium against the built web
// client, served with the API by an in-process server on an ephemeral port (embedded database).
const preset = require('../jest.preset.cjs');
const { withTestTimeout } = require('./jest.timeout.cjs');

module.exports = withTestTimeout(
  {
    ...preset,
    displayName: 'browser',
    rootDir: __dirname,
    testMatch: ['<rootDir>/browser/**/*.browser-spec.ts'],
    globals: { CONCORD_TEST_DB: 'embedded' },
  },
  90_000,
);
