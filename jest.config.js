/** Packages published as ES modules only (string-width and its dependencies measure ops' table columns). */
const ESM_ONLY = ['node-pg-migrate', 'string-width', 'get-east-asian-width', 'strip-ansi', 'ansi-regex'];

/** Jest runs TypeScript through SWC (TypeScript 7 has no ts-jest); `npm run typecheck` checks types. */
const transform = {
  '^.+\\.tsx?$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
  // These ship ES modules only; jest (CommonJS, Node 20) needs them compiled.
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
  ],
};
const shared = {
  testEnvironment: 'node',
  transform,
  moduleNameMapper: { '^#shared/(.*)$': '<rootDir>/lambdas/shared/$1' },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};

/**
 * Two projects: `unit` (unit + infra tests, no services) and `services` (integration + browser tests).
 * Only `services` starts PostgreSQL, DynamoDB, S3 and FTPS, once per run: a project's globalSetup
 * runs only when one of its tests is selected, so `npm run jest -- --selectProjects unit` starts nothing.
 * @type {import('jest').Config}
 */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test/unit', '<rootDir>/test/infra'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'services',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/browser'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
