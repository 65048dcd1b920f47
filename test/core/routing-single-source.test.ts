/**
 * Hosts are computed in one place (issue 11, step 1): outside src/core no code renders a domain
 * or tag template or builds a host by string concatenation; it calls core/hosts (`domainHost`,
 * `tagHostName`, `clusterLocalHost`, `clusterLocalDomainOf`, `routeHosts`) or core/routing.
 * This test greps the code lines (comments are skipped) of every .ts file under src/ except
 * src/core.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== path.join(SRC, 'core')) out.push(...tsFiles(p));
    } else if (e.name.endsWith('.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** Code lines: JSDoc/block-comment lines and `//` comments removed. */
function codeLines(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let inBlock = false;
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end === -1) return;
      line = line.slice(end + 2);
      inBlock = false;
    }
    const t = line.trim();
    if (t.startsWith('//')) return;
    if (t.startsWith('/*')) {
      if (!t.includes('*/')) inBlock = true;
      return;
    }
    line = line.replace(/\s\/\/ .*$/, '');
    if (line.trim() !== '') out.push([i + 1, line]);
  });
  return out;
}

/** Host string building: `<name>.<ns>.svc.<cd>`, `svc.<cd>`, `<tag>-<name>`, `<name>.<ns>.<domain>`. */
const HOST_BUILDING: Array<[string, RegExp]> = [
  ['cluster-local domain built from a variable (svc.${…})', /svc\.\$\{/],
  ['a literal cluster-local domain', /svc\.cluster\.local/],
  ['a Service host ending in .svc', /\$\{[^}]+\}\.svc\b/],
  ['<name>.<namespace>.<domain> concatenation', /\$\{[^}]+\}\.\$\{[^}]+\}\.\$\{/],
  ['<tag>-<name> concatenation', /\$\{[^}]*\btag\b[^}]*\}-\$\{/i],
];

/** Go-template actions of the domain and tag templates. */
const TEMPLATE_ACTION = /\{\{-?\s*(\.(Tag|Name|Namespace|Domain|Annotations|Labels)\b|index\s+\.(Annotations|Labels))/;
/** Template rendering by regular expression (the ingress used to do this). */
const REGEX_RENDERING = /\\\{\\\{/;

/**
 * Template text shown to the user in construct-side error and fix messages (never rendered): the
 * exact fragments, so a new occurrence fails this test.
 */
const MESSAGE_FRAGMENTS: Record<string, string[]> = {
  'src/serving/cluster-config.ts': [
    'or "{{.Name}}-{{.Namespace}}.{{.Domain}}"',
    'does not use {{.Name}}',
    'include {{.Name}}',
    'does not use {{.Tag}}',
    'include {{.Tag}}',
    'or "{{.Name}}-{{.Tag}}"',
  ],
};

describe('hosts are rendered only in src/core', () => {
  const files = tsFiles(SRC);

  test('the scan sees the constructs, the control plane and the runtime', () => {
    const rel = files.map((f) => path.relative(ROOT, f));
    for (const f of ['src/serving/addressable.ts', 'src/serving/route.ts', 'src/runtime/ingress/table.ts', 'src/runtime/controller/reconcilers/route.ts']) {
      expect(rel).toContain(f);
    }
    expect(rel.some((f) => f.startsWith('src/core/'))).toBe(false);
  });

  test('no host string building outside src/core', () => {
    const found: string[] = [];
    for (const f of files) {
      for (const [n, line] of codeLines(fs.readFileSync(f, 'utf8'))) {
        for (const [what, re] of HOST_BUILDING) {
          if (re.test(line)) found.push(`${path.relative(ROOT, f)}:${n}: ${what}: ${line.trim()}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  test('no domain/tag template rendering outside src/core', () => {
    const found: string[] = [];
    for (const f of files) {
      const rel = path.relative(ROOT, f);
      for (const [n, line] of codeLines(fs.readFileSync(f, 'utf8'))) {
        let rest = line;
        for (const frag of MESSAGE_FRAGMENTS[rel] ?? []) rest = rest.split(frag).join('');
        if (TEMPLATE_ACTION.test(rest)) found.push(`${rel}:${n}: template action: ${line.trim()}`);
        if (REGEX_RENDERING.test(line)) found.push(`${rel}:${n}: regex template rendering: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });

  test('the patterns catch what they are meant to', () => {
    const flagged = (line: string): boolean =>
      HOST_BUILDING.some(([, re]) => re.test(line)) || TEMPLATE_ACTION.test(line) || REGEX_RENDERING.test(line);
    for (const bad of [
      'const h = `${name}.${ns}.svc.${cd}`;',
      'return `svc.${clusterDomain}`;',
      "const CLUSTER_LOCAL_DOMAIN = 'svc.cluster.local';",
      'return `${name}.${namespace ?? \'default\'}.${domain}`;',
      'const label = `${tag}-${routeName}`;',
      "export const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';",
      "const tpl = '{{ .Name }}.{{index .Labels \"x\"}}';",
      'tpl.replace(/\\{\\{\\s*\\.Tag\\s*\\}\\}/g, tag)',
      'origin: `http://${revision}.${namespace}.svc:80`',
    ]) expect([bad, flagged(bad)]).toEqual([bad, true]);
    for (const ok of [
      'const key = `${ns}/${name}`;',
      'return clusterLocalHost(name, namespace, clusterDomain);',
      'const msg = `${a}.${b}`;',
    ]) expect([ok, flagged(ok)]).toEqual([ok, false]);
    expect(codeLines('/**\n * `{{.Tag}}-{{.Name}}`\n */\nconst x = 1; // svc.cluster.local\n').map(([, l]) => l)).toEqual(['const x = 1;']);
  });
});
