// `testTimeout` is a global Jest option that `projects` ignore, so each slow project sets its
// bound here (test/jest.timeout.cjs).
jest.setTimeout(globalThis.CONCORD_TEST_TIMEOUT_MS);
