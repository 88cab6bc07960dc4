// One jest config for the whole repo, a project per package. Tests are TypeScript compiled by
// swc; they use the built packages (threads run built JavaScript in real workers), so the test
// script builds first.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  projects: [
    {
      displayName: 'daebus',
      rootDir: '<rootDir>/packages/daebus',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The package's own tests import it by name, as a consumer would, and get the build.
      moduleNameMapper: {
        '^daebus$': '<rootDir>/dist/main/index.js',
        '^daebus/thread$': '<rootDir>/dist/thread/index.js',
      },
    },
    {
      displayName: 'examples',
      rootDir: '<rootDir>/packages/examples',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
  ],
};
