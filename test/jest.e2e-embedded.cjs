// PGlite cannot be shared by two server processes, so the multi-instance suite is PostgreSQL-only.
module.exports = {
  ...require('./jest.e2e.cjs').e2eProject('embedded'),
  testPathIgnorePatterns: ['/node_modules/', '/e2e/multi-instance[^/]*\\.e2e-spec\\.ts$'],
};
