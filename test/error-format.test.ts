/**
 * One error format for every error a user can see from src/serving and src/control-plane:
 * `[<construct path>] <field>: <message> (got <value>). Fix: <fix>` (issue 10).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { EnvFieldPaths, EnvValue } from 'cdk8s-plus-28';
import { DomainMapping, KnService, Route, ServingControlPlane, TrafficSplit, TrafficTarget } from '../src';
import { KnativeError } from '../src/serving/errors';

const ROOT = path.join(__dirname, '..');
const FOLDERS = ['src/serving', 'src/control-plane'];

/** `[path] field: message (got value). Fix: fix`, capturing each part. */
const FORMAT = /^\[([^\]]+)\] ([^:]+?): (.+) \(got (.+)\)\. Fix: (\S.*)$/s;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The code of a line without `//` comments and string contents (a pattern in a message is not a call). */
function code(line: string): string {
  return line.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""').replace(/\/\/.*$/, '');
}

/** `file:line: text` for every construction of a plain Error (any *Error but KnativeError). */
function bareErrors(files: string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let inComment = false;
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (inComment || trimmed.startsWith('/*')) inComment = !trimmed.includes('*/');
      if (inComment || trimmed.startsWith('*') || trimmed.startsWith('/*')) return;
      if (/\bnew\s+(?!KnativeError\b)\w*Error\s*\(/.test(code(line))) {
        hits.push(`${path.relative(ROOT, file)}:${i + 1}: ${trimmed}`);
      }
    });
  }
  return hits;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** A thrown error: a KnativeError in the one format, with its parts on the object. */
function expectFormatted(e: unknown, want: { path: string; field: string; value: unknown }): void {
  expect(KnativeError.is(e)).toBe(true);
  const err = e as KnativeError;
  const m = FORMAT.exec(err.message);
  expect(m).not.toBeNull();
  expect([m![1], m![2]]).toEqual([want.path, want.field]);
  expect(err).toMatchObject({ constructPath: want.path, field: want.field, hasValue: true });
  expect(err.value).toEqual(want.value);
  expect(err.fix.length).toBeGreaterThan(0);
  expect(err.body).toBe(err.message.slice(`[${want.path}] `.length));
}

describe('one error format', () => {
  test('src/serving and src/control-plane construct no Error other than KnativeError', () => {
    const files = FOLDERS.flatMap((f) => tsFiles(path.join(ROOT, f)));
    expect(files.length).toBeGreaterThan(10);
    expect(bareErrors(files)).toEqual([]);
  });

  test('the scan finds bare errors (it would fail on them), and ignores comments and strings', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-'));
    try {
      const file = path.join(dir, 'x.ts');
      fs.writeFileSync(file, [
        "throw new Error('a');",
        '  const e = new TypeError(`b`);',
        '// throw new Error("in a comment")',
        ' * new Error( in a doc comment',
        "const s = 'new Error(';",
        'throw new KnativeError(this, details);',
      ].join('\n'));
      expect(bareErrors([file]).map((h) => h.split(': ')[0].split(':').pop())).toEqual(['1', '2']);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  test('constructor: a bad prop names the construct, field, value and fix', () => {
    const chart = new Chart(new App(), 'shop');
    expectFormatted(thrown(() => new KnService(chart, 'Api', { image: 'img', containerConcurrency: 2.5 })),
      { path: 'shop/Api', field: 'containerConcurrency', value: 2.5 });
    // Checked before the construct exists (the domain is its name): still its path.
    const target = KnService.fromServiceName(chart, 'Hello', 'hello');
    expectFormatted(thrown(() => new DomainMapping(chart, 'Dm', { domain: 'example', target })),
      { path: 'shop/Dm', field: 'domain', value: 'example' });
  });

  test('mutator: a bad call on a construct (or its container) names the construct', () => {
    const chart = new Chart(new App(), 'shop');
    const svc = new KnService(chart, 'Api', { containers: [{ image: 'img', envVariables: { A: EnvValue.fromValue('1') } }] });
    expectFormatted(thrown(() => svc.template.containers[0].addEnv('A', EnvValue.fromValue('2'))),
      { path: 'shop/Api', field: 'containers[0].env["A"]', value: 'A' });
    expectFormatted(thrown(() => svc.tagUrl('V2')), { path: 'shop/Api', field: 'tagUrl(tag)', value: 'V2' });
  });

  test('unattached TrafficSplit: nothing thrown while building; the Service or Route using it throws with its path', () => {
    const split = TrafficSplit.create().toLatest(90).to(TrafficTarget.revisionName('api-v1'), 110, { tag: 'v1' });
    const chart = new Chart(new App(), 'shop');
    expectFormatted(thrown(() => new KnService(chart, 'Api', { image: 'img', traffic: split })),
      { path: 'shop/Api', field: 'traffic[1].percent', value: 110 });
    const route = new Route(chart, 'Route', { traffic: TrafficSplit.create().to(TrafficTarget.revisionName('api-v1'), 100) });
    expectFormatted(thrown(() => route.replaceTraffic(TrafficSplit.create().to(TrafficTarget.revisionName(''), 100))),
      { path: 'shop/Route', field: 'traffic[0]', value: '' });
  });

  test('control-plane prop: the ServingControlPlane path and the prop', () => {
    const chart = new Chart(new App(), 'infra');
    expectFormatted(thrown(() => new ServingControlPlane(chart, 'Knative', { ingress: { httpPort: 70000 } })),
      { path: 'infra/Knative', field: 'ingress.httpPort', value: 70000 });
  });

  test('synth-time validation: the same shape, every line', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Api', { image: 'img', timeout: Duration.seconds(900) });
    const lines = (thrown(() => Testing.synth(chart)) as Error).message.split('\n').slice(1).map((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(FORMAT);
    expect(lines[0]).toMatch(/^\[test\/Api\] spec\.template\.spec\.timeoutSeconds: expected 0 <= 900 <= 600 \(got 900\)\. Fix: Use a timeout between 0 \(the cluster default\) and 600 seconds/);
  });

  test('synth-time checks of our own (feature gates, traffic tags) have the same shape (no "got" when the field itself is the problem)', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Api', {
      metadata: { name: 'a'.repeat(60) },
      image: 'img',
      nodeSelector: { disk: 'ssd' },
      envVariables: { POD: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAME) },
      traffic: TrafficSplit.create().toLatest(100, { tag: 'preview' }),
    });
    const lines = (thrown(() => Testing.synth(chart)) as Error).message.split('\n').slice(1).map((l) => l.trim());
    const shape = /^\[test\/Api\] ([^:]+?): (.+?)(?: \(got (.+)\))?\. Fix: [A-Z]\S*/s;
    expect(lines.map((l) => shape.exec(l)?.[1])).toEqual([
      'spec.template.spec.containers[0].env["POD"].valueFrom.fieldRef',
      'spec.template.spec.nodeSelector',
      'spec.traffic.tag',
    ]);
  });
});
