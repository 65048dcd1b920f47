/**
 * A typed reader over one ConfigMap's `data`, with Go's parsing rules for ints, floats, bools
 * and durations. Every bad value throws a ConfigError naming the ConfigMap, key, value and fix.
 */
import { formatGoDuration, parseGoDuration } from './duration';
import { ConfigError, FlagState } from './types';

export class Reader {
  constructor(public readonly cm: string, private readonly data: Record<string, string>) {}

  /** First present key wins (primary first, then legacy spellings). */
  raw(...keys: string[]): { key: string; value: string } | undefined {
    for (const k of keys) {
      if (Object.prototype.hasOwnProperty.call(this.data, k) && this.data[k] !== undefined) {
        return { key: k, value: String(this.data[k]) };
      }
    }
    return undefined;
  }

  fail(key: string, value: string, problem: string, fix: string): never {
    throw new ConfigError(this.cm, key, value, problem, fix);
  }

  string(def: string, ...keys: string[]): string {
    const r = this.raw(...keys);
    return r === undefined ? def : r.value;
  }

  int(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = r.value.trim();
    if (!/^[-+]?\d+$/.test(v)) this.fail(r.key, r.value, 'not an integer', `set "${r.key}" to a whole number such as "${def}"`);
    return parseInt(v, 10);
  }

  float(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = r.value.trim();
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) {
      this.fail(r.key, r.value, 'not a number', `set "${r.key}" to a number such as "${def}"`);
    }
    return parseFloat(v);
  }

  /** Go strconv.ParseBool semantics. */
  bool(def: boolean, ...keys: string[]): boolean {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = parseGoBool(r.value.trim());
    if (v === undefined) this.fail(r.key, r.value, 'not a boolean', `set "${r.key}" to "true" or "false"`);
    return v;
  }

  /** Duration in seconds. */
  duration(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    try {
      return parseGoDuration(r.value.trim());
    } catch (e) {
      return this.fail(r.key, r.value, `not a Go duration (${(e as Error).message})`,
        `set "${r.key}" to a duration such as "${formatGoDuration(def)}" (units ns, us, ms, s, m, h)`);
    }
  }

  /** Duration in seconds, or null for `disabled`. */
  durationOrDisabled(def: number | null, ...keys: string[]): number | null {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    if (r.value.trim().toLowerCase() === 'disabled') return null;
    let v: number;
    try {
      v = parseGoDuration(r.value.trim());
    } catch (e) {
      return this.fail(r.key, r.value, `not a Go duration or "disabled" (${(e as Error).message})`,
        `set "${r.key}" to a duration such as "48h", or "disabled"`);
    }
    if (v < 0) this.fail(r.key, r.value, 'must be non-negative or "disabled"', 'use a duration ≥ 0 such as "48h", or "disabled"');
    return v;
  }
}

export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function parseFlagState(v: string): FlagState | undefined {
  switch (v.trim().toLowerCase()) {
    case 'enabled': return 'Enabled';
    case 'allowed': return 'Allowed';
    case 'disabled': return 'Disabled';
    default: return undefined;
  }
}


export function enabledDisabled(r: Reader, def: 'Enabled' | 'Disabled', ...keys: string[]): 'Enabled' | 'Disabled' {
  const x = r.raw(...keys);
  if (x === undefined) return def;
  return x.value.trim().toLowerCase() === 'enabled' ? 'Enabled' : 'Disabled';
}

/** Like Knative's system-internal-tls / cluster-local-domain-tls: '', enabled, disabled; anything else is an error. */
export function strictEnabledDisabled(r: Reader, def: 'Enabled' | 'Disabled', key: string): 'Enabled' | 'Disabled' {
  const x = r.raw(key);
  if (x === undefined) return def;
  switch (x.value.trim().toLowerCase()) {
    case '': return def;
    case 'enabled': return 'Enabled';
    case 'disabled': return 'Disabled';
    default: return r.fail(key, x.value, 'not supported', `set ${key} to "Enabled" or "Disabled"`);
  }
}
