module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'server',
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/../migrations'],
  testMatch: ['**/*.spec.ts'],
};
