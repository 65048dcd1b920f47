/**
 * The small YAML subset a config-domain value uses (`selector:` with one label per line, or a
 * flow map). Not a general YAML parser: anything else is rejected by the caller.
 */
export function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    if (t[0] === '"') {
      try {
        return JSON.parse(t);
      } catch {
        return t.slice(1, -1);
      }
    }
    return t.slice(1, -1).replace(/''/g, "'");
  }
  return t;
}

export function stripComment(line: string): string {
  // A '#' starts a comment at line start or after whitespace, outside quotes.
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") {
      q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Split `k: v` at the first ": " (or trailing ':'), honouring quotes. */
export function splitKeyValue(s: string): [string, string] | undefined {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") {
      q = c;
    } else if (c === ':' && (i === s.length - 1 || s[i + 1] === ' ' || s[i + 1] === '\t')) {
      return [unquote(s.slice(0, i)), s.slice(i + 1).trim()];
    }
  }
  return undefined;
}

export function parseFlowMap(s: string, fail: (why: string) => never): Record<string, string> {
  const inner = s.trim().slice(1, -1).trim();
  const out: Record<string, string> = {};
  if (inner === '') return out;
  for (const part of inner.split(',')) {
    if (part.trim() === '') continue;
    const kv = splitKeyValue(part.trim()) ?? (() => {
      const i = part.indexOf(':');
      return i < 0 ? undefined : [unquote(part.slice(0, i)), part.slice(i + 1).trim()] as [string, string];
    })();
    if (!kv || kv[0] === '') fail(`cannot parse "${part.trim()}" inside the selector map`);
    out[kv[0]] = unquote(kv[1]);
  }
  return out;
}

/**
 * Parse one config-domain value: empty, `selector: {}`, `selector: {k: v}` or
 * `selector:\n  k: v\n  k2: v2`. Returns the selector labels. Throws ConfigError otherwise.
 */
