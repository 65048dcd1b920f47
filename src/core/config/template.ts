/**
 * The Go text/template subset Knative's templates use (domain-template, tag-template,
 * container-name templates). Shared by the config parsers and core/hosts.
 */
export type TemplateValues = Record<string, string | Record<string, string> | undefined>;

/**
 * Render the Go text/template subset Knative's templates use: literal text, `{{.Field}}`,
 * `{{index .Map "key"}}` (missing key → ""), optional `{{-`/`-}}` trim markers.
 * Anything else throws an Error naming the unsupported action.
 */
export function renderTemplate(tpl: string, values: TemplateValues): string {
  let out = '';
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      out += tpl.slice(i);
      break;
    }
    out += tpl.slice(i, open);
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`template: unclosed action in ${JSON.stringify(tpl)}`);
    let action = tpl.slice(open + 2, close);
    let next = close + 2;
    if (action.startsWith('- ') || action === '-') {
      out = out.replace(/\s+$/, '');
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(tpl.slice(next))!;
      next += m[0].length;
    }
    out += evalAction(action.trim(), values, tpl);
    i = next;
  }
  return out;
}

function evalAction(action: string, values: TemplateValues, tpl: string): string {
  let m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
  if (m) {
    const name = m[1];
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new Error(`template: can't evaluate field ${name} (available: ${Object.keys(values).map(k => '.' + k).join(', ')})`);
    }
    const v = values[name];
    if (v !== undefined && typeof v !== 'string') {
      throw new Error(`template: .${name} is a map; use {{index .${name} "key"}}`);
    }
    return v ?? '';
  }
  m = /^index\s+\.([A-Za-z_][A-Za-z0-9_]*)\s+("(?:[^"\\]|\\.)*"|`[^`]*`)$/.exec(action);
  if (m) {
    const name = m[1];
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new Error(`template: can't evaluate field ${name} (available: ${Object.keys(values).map(k => '.' + k).join(', ')})`);
    }
    const map = values[name];
    if (typeof map === 'string') throw new Error(`template: can't index item of type string (.${name})`);
    const key = m[2].startsWith('`') ? m[2].slice(1, -1) : JSON.parse(m[2]);
    return map?.[key] ?? '';
  }
  throw new Error(`template: unsupported action {{${action}}} in ${JSON.stringify(tpl)}; supported: {{.Field}}, {{index .Map "key"}}`);
}
