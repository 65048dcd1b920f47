/** config-domain: domain suffixes and their Route label selectors (reference §11.1). */
import { ConfigError, DomainConfig } from './types';
import { parseFlowMap, splitKeyValue, stripComment, unquote } from './yaml';

export function parseDomainSelector(domain: string, value: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new ConfigError('config-domain', domain, value, why,
      'use an empty value for the default domain, or "selector:\\n  <label>: <value>" (one label per indented line)');
  };
  const lines = value.split(/\r?\n/).map(stripComment).filter(l => l.trim() !== '' && l.trim() !== '---');
  const sel: Record<string, string> = {};
  if (lines.length === 0) return sel;
  const first = lines[0];
  if (/^\s/.test(first)) fail('unexpected indentation on the first line');
  const kv = splitKeyValue(first.trim());
  if (!kv) {
    if (first.trim() === '{}') return sel;
    return fail('expected a "selector:" mapping');
  }
  if (kv[0] !== 'selector') fail(`unknown field "${kv[0]}" (only "selector" is allowed)`);
  const rest = kv[1];
  if (rest !== '') {
    if (lines.length > 1) fail('unexpected lines after an inline selector');
    if (rest === '{}' || rest === '~' || rest === 'null') return sel;
    if (rest.startsWith('{') && rest.endsWith('}')) return parseFlowMap(rest, fail);
    return fail('the selector must be a map of label keys to values');
  }
  let indent: string | undefined;
  for (const line of lines.slice(1)) {
    const m = /^(\s+)(.*)$/.exec(line);
    if (!m) fail(`unexpected top-level line "${line.trim()}"`);
    if (indent === undefined) indent = m![1];
    else if (m![1] !== indent) fail(`inconsistent indentation at "${line.trim()}"`);
    const pair = splitKeyValue(m![2].trimEnd());
    if (!pair || pair[0] === '') fail(`cannot parse selector line "${line.trim()}" (expected "<label>: <value>")`);
    const v = pair![1];
    if (v.startsWith('{') || v.startsWith('[') || v.startsWith('|') || v.startsWith('>')) {
      fail(`label "${pair![0]}" must have a plain string value`);
    }
    sel[pair![0]] = unquote(v);
  }
  return sel;
}

export function parseDomain(data: Record<string, string>): DomainConfig {
  const d: DomainConfig = {};
  for (const key of Object.keys(data).sort()) {
    if (key === '_example') continue;
    d[key] = parseDomainSelector(key, data[key] ?? '');
  }
  return d;
}
