// One transform for every project: swc with the decorator metadata Nest and TypeORM need.
const path = require('node:path');

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true, decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  transform: { '^.+\\.(t|j)sx?$': swcTransform },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@concord/shared$': path.join(__dirname, 'shared/src/index.ts'),
    '^@concord/shared/(.*)$': path.join(__dirname, 'shared/src/$1'),
  },
  testEnvironment: 'node',
};
