// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layers, lowest first (docs/architecture.md, "Layers"). A module may import from its own layer and from
// lower ones, never from a higher one; nothing that runs in a cluster imports the dev-only code.
const FOUNDATION = ['src/errors', 'src/json', 'src/constants.ts', 'src/runtime'];
const API = ['src/api'];
const POLICY = ['webhooks'];
const ADAPTERS = [
  'src/admission',
  'src/conversion',
  'src/kube',
  'src/tls',
  'src/pki',
  'src/leader',
  'src/config',
  'src/manifests',
];
const PARTS = ['src/operator', 'src/server', 'src/cli'];
const TELEMETRY = ['src/telemetry'];
const WIRING = ['src/main.ts'];
const DEV = ['src/control-plane', 'src/dev', 'src/net', 'src/docs'];
const LAYERS = [FOUNDATION, API, POLICY, ADAPTERS, PARTS, TELEMETRY, WIRING];

/** @type {Array<{ target: string[]; from: string[]; message: string }>} */
const zones = LAYERS.slice(0, -1).map((layer, i) => ({
  target: layer.map((path) => `./${path}`),
  from: [...LAYERS.slice(i + 1).flat(), ...DEV].map((path) => `./${path}`),
  message: 'imports a higher layer or dev-only code (see the Layers section of docs/architecture.md)',
}));
// Within the parts: the operator, the server and the CLI know nothing of one another.
for (const part of PARTS) {
  zones.push({
    target: [`./${part}`],
    from: PARTS.filter((other) => other !== part).map((path) => `./${path}`),
    message: 'the operator, the server and the CLI do not import one another',
  });
}

export default tseslint.config(
  { ignores: ['node_modules/', '.tap/', '.shipshape/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['src/**/*.ts', 'webhooks/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
);
