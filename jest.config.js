/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig sets isolatedModules: ts-jest transpiles file by file; `npm run typecheck` checks types once.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  // Two cores in CI: one worker per core keeps loopback servers from starving each other.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/harness/summaryReporter.js'],
};
