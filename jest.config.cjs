// The whole suite in one Jest run (npm test): unit tests beside the code, then the
// cross-cutting suites in test/. Each project can also run alone (`npx jest --selectProjects shared`).
module.exports = {
  projects: [
    '<rootDir>/shared/jest.config.cjs',
    '<rootDir>/server/jest.config.cjs',
    '<rootDir>/web/jest.config.cjs',
    '<rootDir>/test/jest.e2e-postgres.cjs',
    '<rootDir>/test/jest.e2e-embedded.cjs',
    '<rootDir>/test/jest.merge.cjs',
    '<rootDir>/test/jest.browser.cjs',
    '<rootDir>/test/jest.reliability.cjs',
  ],
};
