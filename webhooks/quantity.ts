// Kubernetes resource.Quantity values (k8s.io/apimachinery/pkg/api/resource), read as plain
// numbers of cores or bytes so that requests and limits can be compared across suffixes.
import { CodedError } from '../src/errors/coded-error.ts';

const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENTS: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

// Upstream accepts only an integer after 'e'/'E' (strconv.ParseInt in interpretSuffix), though
// the CRD pattern in src/api/webapp.ts lets "1e1.5" through; such a value throws here.
const QUANTITY = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

/** Not a quantity; the message is a violation's text in a denial, so it carries no code. */
export class QuantityError extends CodedError<'INVALID_QUANTITY'> {
  static override readonly codeInMessage = false;
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_QUANTITY', message, options);
  }
}

/** 10^0 .. 10^22: every power of ten a double holds exactly. */
const EXACT_POWERS_OF_10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Integers of up to 15 digits are exact doubles (below 2^53). */
const EXACT_DIGITS = 15;

/**
 * digits x 10^power10, rounded once to the nearest double, as Number(`${digits}e${power10}`) reads
 * it. With exact operands (an integer below 2^53 and an exact power of ten) one IEEE multiplication
 * or division rounds the exact result once, which is the same double; it builds and parses no
 * string, which was most of what a quantity cost the validating webhook (4 per WebApp).
 */
function toDecimal(negative: boolean, digits: string, power10: number): number {
  const exact = digits.length <= EXACT_DIGITS && power10 >= -22 && power10 <= 22;
  if (!exact) return Number(`${negative ? '-' : ''}${digits}e${power10}`);
  const mantissa = Number(digits);
  const value = power10 >= 0 ? mantissa * EXACT_POWERS_OF_10[power10]! : mantissa / EXACT_POWERS_OF_10[-power10]!;
  return negative ? -value : value;
}

/**
 * The value of a quantity such as "500m" (0.5), "1Gi" (1073741824), "1e3" or 2. Decimal parts are
 * rounded once, to the nearest double, so equal quantities spelled differently ("1.1", "1100m")
 * give the same number. Throws QuantityError on anything upstream would refuse, or on a value
 * too large for a double.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (Number.isFinite(q)) return q;
    throw new QuantityError(`${q} is not a finite quantity`);
  }
  const match = QUANTITY.exec(q);
  if (!match) throw new QuantityError(`"${q}" is not a Kubernetes quantity`);
  const [, sign, whole, fraction = '', bareFraction, binary, decimal, exponent] = match;
  const digits = bareFraction === undefined ? `${whole}${fraction}` : bareFraction;
  const scale = bareFraction === undefined ? fraction.length : bareFraction.length;
  const power10 = (exponent === undefined ? DECIMAL_EXPONENTS[decimal ?? '']! : Number(exponent)) - scale;
  const value = toDecimal(sign === '-', digits, power10) * 2 ** (binary ? BINARY_EXPONENTS[binary]! : 0);
  if (!Number.isFinite(value)) throw new QuantityError(`"${q}" is too large`);
  return value;
}

/** Negative when a < b, zero when equal, positive when a > b. Throws like parseQuantity. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
