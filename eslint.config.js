import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:fs',
                'node:fs/*',
                'node:child_process',
                'node:net',
                'node:http',
                'node:https',
                'node:os',
                'node:process',
                'simple-git',
                '@actions/*',
              ],
              message: 'src/core is pure: no I/O imports.',
            },
            {
              group: [
                '../ecosystems/*',
                '../git/*',
                '../mirror/*',
                '../render/*',
                '../cli/*',
                '../action/*',
                '../env/*',
              ],
              message: 'src/core must not depend on adapters.',
            },
          ],
        },
      ],
    },
  },
)
