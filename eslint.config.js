// ESLint flat config for the whole monorepo. The authoritative layering rules live in tooling/check-layers;
// the import bans here give the same signal early, in the editor.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.test-results/**', '.turbo/**', '**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@boxwood/*/src', '@boxwood/*/src/*'], message: 'Import the package entry point.' }] },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
      'max-lines': ['warn', { max: 800, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The portable core: no host clock or randomness (time and randomness arrive through contracts).
    files: ['packages/vmm/src/**/*.ts', 'packages/devices/src/**/*.ts'],
    ignores: ['packages/devices/src/node/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'Date', message: 'Use the virtual clock from the context.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded random source from the context.' },
        { object: 'performance', property: 'now', message: 'Use the virtual clock from the context.' },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts', 'tests/**/*.ts', 'tooling/**/*.ts'],
    rules: { 'max-lines': 'off' },
  },
)
