// ESLint runs only the checks that need the type checker and that Biome cannot make across files: a store
// call or a page whose promise nobody awaits loses its error and its order. Formatting and the other lint
// rules are Biome's (biome.json).
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['src/**/*.ts', 'commands/**/*.ts'],
  languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  plugins: { '@typescript-eslint': tseslint.plugin },
  linterOptions: { reportUnusedDisableDirectives: 'error' },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
  },
});
