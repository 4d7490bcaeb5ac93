import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * Layers import downward only (README, "Layout"): lib <- core <- engines, platform <-
 * stores <- components <- app <- cli. Above the engines only their ports are seen: a
 * port's contract (engines/<port>/port.ts) and the outage error (engines/shared/unavailable.ts).
 */
const layer = (regex, message) => ({ regex, message });
const LOWER_THAN_STORES = '^(\\.\\./)+(stores|components|app|cli)/';
const ENGINE_INTERNALS = '^(\\.\\./)+engines/(?!\\w+/port\\.ts$|shared/unavailable\\.ts$)';
const restrict = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
const layers = [
  restrict(['src/lib/**/*.ts'], layer('^(\\.\\./)+(core|engines|platform|stores|components|app|cli)/', 'lib/ knows nothing of Orbit: it imports no other layer')),
  restrict(['src/core/**/*.ts'], layer('^(\\.\\./)+(lib|engines|platform|stores|components|app|cli)/', 'core/ imports nothing of Orbit')),
  restrict(['src/engines/**/*.ts'], layer('^(\\.\\./)+(platform|stores|components|app|cli)/', 'engines/ import core, lib and their own helpers (engines/shared) only')),
  restrict(['src/platform/**/*.ts'], layer('^(\\.\\./)+(engines|stores|components|app|cli)/', 'platform/ imports core and lib only; the application hands it what it needs from the engines')),
  restrict(['src/stores/**/*.ts'], layer(LOWER_THAN_STORES.replace('stores|', ''), 'stores import core, lib, platform and ports only'), layer(ENGINE_INTERNALS, 'stores see a port, never the implementation the application picked')),
  // A component's files may sit one folder deep (pages/): from there `../` is still the component itself.
  ...[['src/components/*/*.ts', '^\\.\\./[^./]'], ['src/components/*/*/*.ts', '^\\.\\./\\.\\./[^./]']].map(([files, otherComponent]) => restrict([files],
    layer(`^(\\.\\./)+(components|app|cli)/|${otherComponent}`, 'a component imports core, lib, platform, ports and stores; another component is reached through messages or a store'),
    layer(ENGINE_INTERNALS, 'components see a port, never the implementation the application picked'))),
  restrict(['src/app/**/*.ts'], layer('^(\\.\\./)+cli/', 'only the command line sits above app/')),
  restrict(['src/cli/**/*.ts'], layer('^(\\.\\./)+(engines|stores|components)/', 'the command line goes through app/')),
  restrict(['web/*/src/**/*.{ts,tsx}'], layer('^(\\.\\./)+src/(?!core/|components/[\\w-]+/schemas\\.ts$)', 'a web app reaches the server through its API; it shares the schemas (src/core/, a component\'s schemas.ts) only')),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.engines', '.engines/**', 'web/*/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', structuredClone: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', Buffer: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layers,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/*/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
);
