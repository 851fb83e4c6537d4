// eslint (flat config) with type-aware typescript-eslint rules, run by `npm test` (`npx eslint .`).
// Covers src/, test/, bench/ and the JavaScript entry points (bin/kubectl-incident, config files).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  module: 'writable',
  require: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
};

export default defineConfig(
  { ignores: ['dist/', 'dist-test/', 'node_modules/', '.cache/', '.tmp/', '.coord/', 'test/cluster/tools/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: an unawaited reconcile, patch or assertion fails silently.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Casts: `x as T` that narrows is a claim the compiler cannot check (status fields, API bodies).
      // Parse or guard instead; src/api/ is the one place that turns API JSON into the typed Incident.
      '@typescript-eslint/no-unsafe-type-assertion': 'error',
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'as', objectLiteralTypeAssertions: 'never' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The redactor and the kubectl plugin match control characters (terminal escapes) on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Time comes from the injected Clock (tests use FakeClock); only src/runtime/clock.ts reads the wall clock.
    files: ['src/**/*.ts'],
    ignores: ['src/runtime/clock.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock (src/runtime/clock.ts), not new Date().' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock (src/runtime/clock.ts), not Date.now().' },
      ],
    },
  },
  {
    // The typed API boundary: API JSON becomes Incident / status types here, and only here.
    files: ['src/api/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-type-assertion': 'off' },
  },
  {
    // Tests read untyped JSON (API server, PostgreSQL, receivers) and build deliberately malformed fixtures;
    // their assertions check the shapes. Promise rules stay on: an unawaited assertion passes silently.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-type-assertion': 'off',
      '@typescript-eslint/consistent-type-assertions': 'off',
      '@typescript-eslint/no-unused-expressions': 'off', // chai: expect(x).to.be.true
      '@typescript-eslint/require-await': 'off', // fakes implement async interfaces
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs', 'bin/kubectl-incident'],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // Extensionless entry point: a script that only uses dynamic import(), valid as ESM and as CommonJS.
  { files: ['bin/kubectl-incident'], languageOptions: { sourceType: 'script' } },
);
