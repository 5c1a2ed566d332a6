const path = require('node:path');

/**
 * Salesforce's own preset for Lightning Web Components (`@salesforce/sfdx-lwc-jest`: the LWC
 * compiler, jsdom, and its `lightning/*` stubs such as empApi and uiRecordApi). It finds the
 * SFDX project through the working directory, which is `salesforce/` here, not the repository root.
 */
function lwcConfig() {
  const cwd = process.cwd();
  process.chdir(path.join(__dirname, 'salesforce'));
  try {
    return require('@salesforce/sfdx-lwc-jest/config').jestConfig;
  } finally {
    process.chdir(cwd);
  }
}

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Two cores in CI: one worker per core keeps loopback servers from starving each other.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/harness/summaryReporter.js'],
  projects: [
    {
      displayName: 'bot',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: {
        // tsconfig sets isolatedModules: ts-jest transpiles file by file; `npm run typecheck` checks types once.
        '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
        // jose 6 (jwks-rsa 4, the Agents SDK's JWT middleware) is ESM only: Node requires it, jest's
        // module system cannot, so its files are turned into CommonJS for the tests.
        '/node_modules/jose/.+\\.js$': ['babel-jest', { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] }],
      },
      transformIgnorePatterns: ['/node_modules/(?!jose/)'],
    },
    {
      ...lwcConfig(),
      displayName: 'lwc',
      rootDir: path.join(__dirname, 'salesforce'),
      roots: ['<rootDir>/force-app'],
      testMatch: ['**/lwc/**/__tests__/**/*.test.js'],
    },
  ],
};
