// The fault suites (test/reliability): the BUILT server as child processes, SIGKILL/SIGTERM,
// private PostgreSQL and Redis servers restarted under load. Bounded: ~4 minutes on 2 cores.
const preset = require('../jest.preset.cjs');
const { withTestTimeout } = require('./jest.timeout.cjs');

module.exports = withTestTimeout(
  {
    ...preset,
    displayName: 'reliability',
    rootDir: __dirname,
    testMatch: ['<rootDir>/reliability/**/*.fault-spec.ts'],
  },
  120_000,
);
