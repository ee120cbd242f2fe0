import t from 'tap';
import { parseImageReference } from '../../../webhooks/image-reference.ts';

const SHA256 = `sha256:${'0123456789abcdef'.repeat(4)}`;

t.test('splits valid references into name, tag and digest', async (t) => {
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ['nginx', { name: 'nginx' }],
    ['nginx:1.27', { name: 'nginx', tag: '1.27' }],
    ['library/nginx:1.27-alpine', { name: 'library/nginx', tag: '1.27-alpine' }],
    ['docker.io/library/nginx:latest', { name: 'docker.io/library/nginx', tag: 'latest' }],
    ['Registry.Example.com/team/app', { name: 'Registry.Example.com/team/app' }],
    ['registry.example:5000/team/app:1.2', { name: 'registry.example:5000/team/app', tag: '1.2' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    ['localhost:5000', { name: 'localhost', tag: '5000' }],
    ['[::1]:5000/app:v1', { name: '[::1]:5000/app', tag: 'v1' }],
    ['a__b/c--d/e.f_g', { name: 'a__b/c--d/e.f_g' }],
    ['app:V1_2.3-rc', { name: 'app', tag: 'V1_2.3-rc' }],
    [`app:${'x'.repeat(128)}`, { name: 'app', tag: 'x'.repeat(128) }],
    [`app@${SHA256}`, { name: 'app', digest: SHA256 }],
    [`ghcr.io/org/app:1.0@${SHA256}`, { name: 'ghcr.io/org/app', tag: '1.0', digest: SHA256 }],
    [`app@sha512:${'ab'.repeat(64)}`, { name: 'app', digest: `sha512:${'ab'.repeat(64)}` }],
    [`app@multihash+base58:${'0'.repeat(32)}`, { name: 'app', digest: `multihash+base58:${'0'.repeat(32)}` }],
    [`${'a'.repeat(255)}`, { name: 'a'.repeat(255) }],
  ];
  for (const [ref, expected] of cases) t.strictSame(parseImageReference(ref), expected, ref);
});

t.test('returns undefined for invalid references', async (t) => {
  const invalid = [
    '',
    'Not A Ref',
    'Nginx',
    'ghcr.io/Org/app',
    'nginx:',
    ':1.0',
    'nginx :1.0',
    'app:-tag',
    `app:${'x'.repeat(129)}`,
    'a___b',
    'app-',
    '-app',
    'a//b',
    'app/',
    '/app',
    'a:b:c',
    'app@',
    'app@sha256:abc',
    `app@sha256:${'A'.repeat(64)}`,
    `app@sha256:${'a'.repeat(63)}`,
    `app@${SHA256}@${SHA256}`,
    `app@1sha:${'0'.repeat(32)}`,
    `${'a'.repeat(256)}`,
    'host:port/app',
  ];
  for (const ref of invalid) t.equal(parseImageReference(ref), undefined, JSON.stringify(ref));
});
