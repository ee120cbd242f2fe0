import t from 'tap';
import fc from 'fast-check';
import { QUANTITY_PATTERN } from '../../../src/api/webapp.ts';
import { compareQuantities, parseQuantity, QuantityError } from '../../../webhooks/quantity.ts';

t.test('parses every suffix Kubernetes accepts', async (t) => {
  const cases: [string | number, number][] = [
    ['1', 1],
    ['0', 0],
    [2, 2],
    ['500m', 0.5],
    ['250u', 0.00025],
    ['100n', 1e-7],
    ['1k', 1000],
    ['2M', 2e6],
    ['3G', 3e9],
    ['4T', 4e12],
    ['5P', 5e15],
    ['1E', 1e18],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['+1.5k', 1500],
    ['-2Mi', -2 * 2 ** 20],
    ['1e3', 1000],
    ['1E3', 1000],
    ['12e-3', 0.012],
    ['1e+2', 100],
  ];
  for (const [q, value] of cases) t.equal(parseQuantity(q), value, String(q));
});

t.test('equal quantities spelled differently give the same number', async (t) => {
  t.equal(parseQuantity('1.1'), parseQuantity('1100m'));
  t.equal(parseQuantity('0.1'), parseQuantity('100m'));
  t.equal(parseQuantity('1k'), parseQuantity('1e3'));
  t.equal(parseQuantity('1024Mi'), parseQuantity('1Gi'));
});

t.test('throws a QuantityError on what upstream refuses', async (t) => {
  for (const q of [
    '',
    ' 1',
    '1 ',
    'abc',
    '1g',
    '1mi',
    '1KiB',
    '1.2.3',
    'e3',
    '1e',
    '1e1.5',
    '--1',
    '1Ki2',
    '1e999',
    NaN,
    Infinity,
  ]) {
    t.throws(() => parseQuantity(q), { name: 'QuantityError', code: 'INVALID_QUANTITY' }, JSON.stringify(q));
  }
  t.throws(() => parseQuantity('abc'), new QuantityError('"abc" is not a Kubernetes quantity'));
});

t.test('accepts everything the CRD pattern accepts, except decimal exponents', async (t) => {
  for (const q of ['1', '1.5Gi', '+.5', '-1e-3', '7E', '3Ei', '0.000m']) {
    t.ok(QUANTITY_PATTERN.test(q), `${q} matches the CRD pattern`);
    t.doesNotThrow(() => parseQuantity(q), q);
  }
});

t.test('compareQuantities orders across suffixes', async (t) => {
  t.equal(compareQuantities('100m', '200m'), -1);
  t.equal(compareQuantities('1', '999m'), 1);
  t.equal(compareQuantities('1100m', '1.1'), 0);
  t.equal(compareQuantities('1Gi', '1G'), 1, 'binary gibibyte is larger than decimal gigabyte');
  t.equal(compareQuantities('512Mi', '1Gi'), -1);
  t.equal(compareQuantities(2, '2000m'), 0);
  t.equal(compareQuantities('-1', '0'), -1);
  t.throws(() => compareQuantities('1', 'lots'), QuantityError);
});

t.test('a value is the decimal reading of its digits, rounded once (as the string formula reads it)', async (t) => {
  // The reference: the digits, the decimal exponent after the fraction is moved, read by Number().
  const reference = (sign: string, whole: string, fraction: string, exponent: number, binary: number) =>
    Number(`${sign}${whole}${fraction}e${exponent - fraction.length}`) * 2 ** binary;
  const suffixes: [string, number, number][] = [
    ...Object.entries({ n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }).map(
      ([s, e]): [string, number, number] => [s, e, 0],
    ),
    ...Object.entries({ Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 }).map(([s, b]): [string, number, number] => [
      s,
      0,
      b,
    ]),
  ];
  const result = fc.check(
    fc.property(
      fc.constantFrom('', '+', '-'),
      fc.stringMatching(/^\d{1,20}$/),
      fc.option(fc.stringMatching(/^\d{0,12}$/), { nil: undefined }),
      fc.oneof(
        fc.constantFrom(...suffixes).map(([suffix, e, b]) => ({ suffix, e, b })),
        fc.integer({ min: -40, max: 40 }).map((e) => ({ suffix: `e${e}`, e, b: 0 })),
      ),
      (sign, whole, fraction, { suffix, e, b }) => {
        const q = `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${suffix}`;
        const expected = reference(sign, whole, fraction ?? '', e, b);
        if (!Number.isFinite(expected)) return true;
        return Object.is(parseQuantity(q), expected);
      },
    ),
    { numRuns: 20_000 },
  );
  t.notOk(result.failed, fc.defaultReportMessage(result) ?? 'agree');
});
