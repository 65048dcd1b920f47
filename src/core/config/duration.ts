/**
 * Go `time.Duration` strings: parsing and formatting as Go does (used by config parsers, the
 * rules for duration annotations and the runtime).
 */
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign
  μs: 1e-6, // U+03BC greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Parse a Go `time.ParseDuration` string (e.g. `1h2m3s`, `1.5h`, `-30s`, `300ms`, `0`) into
 * seconds (possibly fractional). Throws an Error for anything Go would reject (e.g. `10`, `5d`, ``).
 */
export function parseGoDuration(input: string): number {
  const orig = input;
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[0-9.]+$/.test(s)) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
      throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
    }
    const num = parseFloat(`${m[1] || '0'}.${m[2] || '0'}`);
    total += num * DURATION_UNITS[m[3]];
    s = s.slice(m[0].length);
  }
  // Round away floating-point noise below a nanosecond.
  return sign * Math.round(total * 1e9) / 1e9;
}

/** Format whole/fractional seconds the way Go's Duration.String() does (e.g. 3723 → `1h2m3s`). */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  let out = '';
  if (rest < 1) {
    const ms = rest * 1000;
    out = Number.isInteger(ms) ? `${ms}ms` : `${Math.round(rest * 1e9)}ns`;
  } else {
    const h = Math.floor(rest / 3600);
    rest -= h * 3600;
    const m = Math.floor(rest / 60);
    rest = Math.round((rest - m * 60) * 1e9) / 1e9;
    if (h > 0) out += `${h}h`;
    if (h > 0 || m > 0) out += `${m}m`;
    out += `${rest}s`;
  }
  return (neg ? '-' : '') + out;
}
