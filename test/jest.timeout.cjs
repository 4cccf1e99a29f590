// Jest honours `testTimeout` only as a global option, not inside `projects` (the root config
// runs every suite as a project), so the slow projects set their bound in a setup file.
const path = require('node:path');

function withTestTimeout(config, milliseconds) {
  return {
    ...config,
    setupFilesAfterEnv: [...(config.setupFilesAfterEnv ?? []), path.join(__dirname, 'support/jest-timeout-setup.cjs')],
    globals: { ...config.globals, CONCORD_TEST_TIMEOUT_MS: milliseconds },
  };
}

module.exports = { withTestTimeout };
