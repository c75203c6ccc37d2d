/** Jest runs TypeScript through SWC (TypeScript 7 has no ts-jest); `npm run typecheck` checks types. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: { '^#shared/(.*)$': '<rootDir>/lambdas/shared/$1' },
  // Real local services (PostgreSQL, DynamoDB, S3, FTPS) start once per run, not once per file.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
