/**
 * Kubernetes resource quantities as the Go type `resource.Quantity` (k8s.io/apimachinery) reads
 * and writes them: `canonicalQuantity(s)` is the string `json.Marshal(json.Unmarshal(s))` yields.
 *
 * PURE module. The parser keeps the original text when it is already in canonical form (the
 * apimachinery fast path, which also keeps a leading `+` or leading zeros); otherwise the value
 * is rounded up to nano precision and written in canonical form: no fractional digits, the
 * largest exponent that loses nothing, the suffix family of the input (`1024Mi` → `1Gi`,
 * `1000m` → `1`, `0.5` → `500m`, `1.5Gi` → `1536Mi`).
 */

const BIG = (n: number | string): bigint => BigInt(n);
const ZERO = BIG(0);
const TEN = BIG(10);
const B1024 = BIG(1024);
const TWO = BIG(2);
const INT64_MAX = TWO ** BIG(63) - BIG(1);
/** maxInt64Factors: the most decimal digits that always fit an int64. */
const MAX_INT64_FACTORS = 18;
/** Nano: the smallest scale a quantity keeps (10^-9). */
const NANO = -9;

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: value = mantissa × 10^exp10, plus the text when it is kept verbatim. */
interface Parsed {
  mantissa: bigint;
  exp10: number;
  format: Format;
  verbatim?: string;
}

const DECIMAL_SUFFIXES: Record<string, number> = { 'n': -9, 'u': -6, 'm': -3, '': 0, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map<number, string>(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map<number, string>(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));
const SUFFIX_CHARS = 'eEinumkKMGTP';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The scanner of apimachinery's parseQuantityString; undefined where it reports an error. */
function scan(str: string): { positive: boolean; value: string; num: string; denom: string; suffix: string } | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.substring(pos), denom: '', suffix: '' };
  let num = str.substring(pos, i);
  if (num === '') num = '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.substring(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.substring(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, value, num, denom, suffix: str.substring(suffixStart) };
}

/** The suffixer's interpret(): base, exponent and format of a suffix; undefined when unknown. */
function interpret(suffix: string): { base: 10 | 2; exponent: number; format: Format } | undefined {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.substring(1))) {
    const exponent = Number(suffix.substring(1));
    // strconv.ParseInt(…, 64) then int32(): out-of-range exponents are not worth modelling.
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 2 ** 31 - 1) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

const pow10 = (n: number): bigint => TEN ** BIG(n);
const abs = (n: bigint): bigint => (n < ZERO ? -n : n);

/** Sign of mantissa × 10^exp10 − k. */
function compare(mantissa: bigint, exp10: number, k: bigint): number {
  const [a, b] = exp10 >= 0 ? [mantissa * pow10(exp10), k] : [mantissa, k * pow10(-exp10)];
  return a === b ? 0 : a < b ? -1 : 1;
}

/** ParseQuantity; undefined where Go reports an error. */
function parse(str: string): Parsed | undefined {
  if (str === '') return undefined;
  if (str === '0') return { mantissa: ZERO, exp10: 0, format: 'DecimalSI', verbatim: str };
  const s = scan(str);
  if (!s) return undefined;
  const suffix = interpret(s.suffix);
  if (!suffix) return undefined;
  const { base, exponent } = suffix;
  let format = suffix.format;

  // The int64 fast path, which keeps the text when it is already canonical.
  let precision: number;
  let scale = 0;
  let multiplier = BIG(1);
  if (base === 10) {
    scale = exponent;
    precision = MAX_INT64_FACTORS - (s.num.length + s.denom.length);
  } else if (exponent >= 0 && s.denom.length === 0) {
    multiplier = TWO ** BIG(exponent);
    precision = 15 - s.num.length - Math.trunc(exponent * 3 / 10) - 1;
  } else {
    precision = -1;
  }
  if (precision >= 0) {
    scale -= s.denom.length;
    if (scale >= NANO) {
      const shifted = s.num + s.denom;
      const value = BIG(shifted);
      const product = value * multiplier;
      if (product <= INT64_MAX) {
        const mantissa = s.positive ? product : -product;
        const keepText = base === 2
          ? exponent % 10 === 0 && value % BIG(8) !== ZERO
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return { mantissa, exp10: scale, format, verbatim: keepText ? str : undefined };
      }
    }
  }

  // The arbitrary-precision path: exact value, rounded up (away from zero) to nano precision.
  const [intPart, fracPart = ''] = s.value.replace(/^[+-]/, '').split('.');
  let mantissa = BIG((intPart || '0') + fracPart);
  let exp10 = -fracPart.length;
  if (base === 10) exp10 += exponent;
  else mantissa *= TWO ** BIG(exponent);
  if (mantissa !== ZERO && exp10 < NANO) {
    const d = pow10(NANO - exp10);
    mantissa = (mantissa + d - BIG(1)) / d;
    exp10 = NANO;
  }
  if (format === 'BinarySI') {
    if (compare(mantissa, exp10, INT64_MAX) > 0) {
      mantissa = INT64_MAX;
      exp10 = 0;
    }
    // 0 < value < 1 is written as DecimalSI.
    if (mantissa !== ZERO && compare(mantissa, exp10, BIG(1)) < 0) format = 'DecimalSI';
  }
  return { mantissa: s.positive ? mantissa : -mantissa, exp10, format };
}

/** Strip factors of `base` from |m| (while |m| >= base), counting them. */
function removeFactors(m: bigint, base: bigint): [bigint, number] {
  let times = 0;
  let r = abs(m);
  while (r >= base && r % base === ZERO) {
    r /= base;
    times++;
  }
  return [m < ZERO ? -r : r, times];
}

/** CanonicalizeBytes: the text of a parsed quantity that has no verbatim form. */
function canonicalText(q: Parsed): string {
  if (q.mantissa === ZERO) return '0';
  let fmt = q.format;
  // The value as an integer, when it is one (AsScale(0) exact).
  let integer: bigint | undefined;
  if (q.exp10 >= 0) integer = q.mantissa * pow10(q.exp10);
  else if (q.mantissa % pow10(-q.exp10) === ZERO) integer = q.mantissa / pow10(-q.exp10);
  // BinarySI only for integers of magnitude >= 1024; anything else is written as DecimalSI.
  if (fmt === 'BinarySI' && (integer === undefined || abs(integer) < B1024)) fmt = 'DecimalSI';
  if (fmt === 'BinarySI') {
    const [m, times] = removeFactors(integer!, B1024);
    return `${m}${BINARY_BY_EXPONENT.get(times * 10) ?? ''}`;
  }
  let [m, times] = removeFactors(q.mantissa, TEN);
  let exponent = q.exp10 + times;
  while (((exponent % 3) + 3) % 3 !== 0) {
    m *= TEN;
    exponent--;
  }
  if (fmt === 'DecimalExponent') return exponent === 0 ? `${m}` : `${m}e${exponent}`;
  // A DecimalSI exponent without a suffix (beyond E) is written without one, as apimachinery does.
  return `${m}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

/**
 * The text Go writes for a quantity read from `s` (surrounding whitespace is trimmed, as
 * `Quantity.UnmarshalJSON` does); undefined when Go cannot parse it (the object is rejected).
 */
export function canonicalQuantity(s: string): string | undefined {
  const q = parse(s.trim());
  if (!q) return undefined;
  return q.verbatim ?? canonicalText(q);
}
