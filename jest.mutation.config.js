/**
 * The tests Stryker runs for `npm run test:mutation` (stryker.config.json): the fast, in-memory
 * ones (no servers, no simulator, no child processes), so that each of the thousands of mutants
 * runs in milliseconds. The end-to-end suite (test/e2e, test/simulator, the Salesforce adapter
 * tests against the simulator) is `npm test`, not this.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/cowork/*.test.ts',
    '<rootDir>/test/forms/*.test.ts',
    '<rootDir>/test/dialogs/*.test.ts',
    '<rootDir>/test/mutation/*.test.ts',
    '<rootDir>/test/salesforce/statusPublisher.test.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};
