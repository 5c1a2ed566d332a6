// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.simulator/**',
      '.stryker-tmp/**',
      'reports/**',
      'jest.config.js',
      'test/harness/summaryReporter.js',
    ],
  },
  // Lightning Web Components are JavaScript for the Salesforce platform, checked by their own jest
  // project (@salesforce/sfdx-lwc-jest); Salesforce's LWC lint rules are not this TypeScript config's.
  { ignores: ['salesforce/force-app/**/lwc/**'] },
  ...tseslint.configs.recommended,
  // CommonJS files loaded with `node --require` (test/harness/offMachineHook.cjs) cannot use `import`.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // `npm start`'s launcher is plain CommonJS run by node before anything is compiled: require() is its only import.
  { files: ['scripts/start.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
