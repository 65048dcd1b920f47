/**
 * Every example (examples/<name>/main.ts) synthesizes, step by step, through cdk8s validation
 * (our Knative admission checks run as construct validations), and every emitted object is a
 * fixed point of Knative admission: its Go JSON round trip drops and rewrites nothing, defaulting
 * changes nothing and validation reports no errors. Each step's YAML is snapshot-tested; the
 * traffic tables match the seeds' numbers.
 */
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import type { Example } from '../examples/example';
import { loadExamples, trafficRows } from '../scripts/synth-examples';
import { parseServingConfig } from '../src/core/config';
import { goJsonRoundTripChanges } from '../src/core/go-json';
import { applyDefaults, formatViolation, validate } from '../src/core/rules';
import type { KubeObject } from '../src/core/types';

/**
 * The examples this suite owns (snapshots and seed numbers). examples/full-stack is snapshot-tested
 * in test/control-plane; here its Knative objects are checked for the admission fixed point
 * (see `example full-stack`).
 */
const OWNED = [
  'automatic-rollout',
  'first-service',
  'function',
  'managed-release',
  'rollback',
  'stock-service-gray-release',
  'with-cdk8s-plus',
];

const examples = loadExamples();
const byName = new Map<string, Example>(examples.map((e) => [e.name, e]));
const config = parseServingConfig({ 'config-domain': { 'example.com': '' } });

/** Synthesize one step the way `npm run synth` does (App.synthYaml runs all validations). */
function synthStep(example: Example, stepName: string): { yaml: string; objects: KubeObject[] } {
  const step = example.steps.find((s) => s.name === stepName);
  if (!step) throw new Error(`${example.name} has no step ${stepName}`);
  const app = new App();
  step.build(app);
  const yaml = app.synthYaml();
  const objects = parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o);
  return { yaml, objects };
}

function isKnative(obj: KubeObject): boolean {
  return obj.apiVersion.startsWith('serving.knative.dev/');
}

function serviceOf(objects: KubeObject[], name: string): KubeObject {
  const svc = objects.find((o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service' && o.metadata.name === name);
  if (!svc) throw new Error(`no Service ${name}`);
  return svc;
}

/** Rows as compact tuples `[tags, traffic, revision]`. */
function table(example: string, step: string, service: string): Array<[string, string, string]> {
  const { objects } = synthStep(byName.get(example)!, step);
  return trafficRows(serviceOf(objects, service), config).rows.map((r) => [r.tags, r.traffic, r.revision]);
}

test('all examples are found and export `example` with unique step names', () => {
  expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(OWNED));
  for (const e of examples) {
    expect(e.steps.length).toBeGreaterThan(0);
    expect(new Set(e.steps.map((s) => s.name)).size).toBe(e.steps.length);
    for (const s of e.steps) expect(s.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  }
});

describe.each(examples.filter((e) => OWNED.includes(e.name)).map((e) => [e.name, e] as const))('example %s', (_name, example) => {
  test.each(example.steps.map((s, i) => [i + 1, s.name] as const))('step %i %s: admission fixed point', (_i, stepName) => {
    const { objects } = synthStep(example, stepName);
    expect(objects.filter(isKnative).length).toBeGreaterThan(0);
    for (const obj of objects) {
      expect(obj.metadata.namespace).toBe('default');
      // Knative's webhooks admit only serving.knative.dev objects (cdk8s-plus/core objects pass through).
      if (!isKnative(obj)) continue;
      const errors = validate(obj, { operation: 'create' }).filter((v) => v.severity !== 'warning').map(formatViolation);
      expect({ object: `${obj.kind}/${obj.metadata.name}`, errors }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, errors: [] });
      expect(applyDefaults(obj, { operation: 'create' })).toEqual(obj);
    }
  });

  test.each(example.steps.map((s, i) => [i + 1, s.name] as const))('step %i %s: manifest snapshot', (_i, stepName) => {
    expect(synthStep(example, stepName).yaml).toMatchSnapshot();
  });
});

describe('example full-stack', () => {
  const example = byName.get('full-stack')!;

  test.each(example.steps.map((s, i) => [i + 1, s.name] as const))('step %i %s: admission fixed point', (_i, stepName) => {
    const { objects } = synthStep(example, stepName);
    const knative = objects.filter(isKnative);
    expect(knative.length).toBeGreaterThan(0);
    // The cluster configuration the example installs (config-* ConfigMaps of the control plane).
    const data: Record<string, Record<string, string>> = {};
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'knative-serving')) {
      data[cm.metadata.name!] = (cm.data as Record<string, string>) ?? {};
    }
    for (const cfg of [undefined, parseServingConfig(data)]) {
      for (const obj of knative) {
        const errors = validate(obj, { config: cfg, operation: 'create' }).filter((v) => v.severity !== 'warning').map(formatViolation);
        expect({ object: `${obj.kind}/${obj.metadata.name}`, errors }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, errors: [] });
        expect(applyDefaults(obj, { config: cfg, operation: 'create' })).toEqual(obj);
      }
    }
  });
});

/**
 * The README's fixed-point claim. Knative's defaulting webhook first decodes every object into its
 * Go types and encodes it again (src/core/go-json.ts models that round trip): nothing we emit may
 * be dropped (a zero value with `omitempty`) or rewritten (a non-canonical quantity). Go also
 * writes fields the object leaves out; for our output those are only an empty `status` (owned by
 * the API server) and an empty `spec.template.metadata` when the template has no labels,
 * annotations or name.
 */
describe('Knative\'s Go JSON round trip removes and rewrites nothing (every example)', () => {
  const ALLOWED_ADDITIONS = new Set(['status', 'spec.template.metadata']);
  const steps = examples.flatMap((e) => e.steps.map((s) => [e.name, s.name, e] as const));

  test.each(steps)('%s step %s', (_name, stepName, example) => {
    const knative = synthStep(example, stepName).objects.filter(isKnative);
    expect(knative.length).toBeGreaterThan(0);
    for (const obj of knative) {
      const changes = goJsonRoundTripChanges(obj)
        .filter((c) => !(c.change === 'added' && ALLOWED_ADDITIONS.has(c.path) && JSON.stringify(c.after) === '{}'));
      expect({ object: `${obj.kind}/${obj.metadata.name}`, changes }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, changes: [] });
    }
  });
});

describe('seed numbers', () => {
  test('automatic rollout: only the image changes, 100% to the latest revision', () => {
    const [v1, v2] = ['v1', 'v2-new-image'].map((s) => serviceOf(synthStep(byName.get('automatic-rollout')!, s).objects, 'my-service'));
    expect(v1.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(v2.spec.traffic).toEqual(v1.spec.traffic);
    const images = [v1, v2].map((s) => s.spec.template.spec.containers[0].image);
    expect(images[0]).not.toEqual(images[1]);
    const withoutImage = (s: KubeObject) => JSON.parse(JSON.stringify(s.spec).split(s.spec.template.spec.containers[0].image).join('IMAGE'));
    expect(withoutImage(v2)).toEqual(withoutImage(v1));
  });

  test('first service: env FOO=bar, HELLO=world', () => {
    const svc = serviceOf(synthStep(byName.get('first-service')!, 'create').objects, 'my-service');
    expect(svc.spec.template.spec.containers[0].env).toEqual([{ name: 'FOO', value: 'bar' }, { name: 'HELLO', value: 'world' }]);
  });

  test('managed release: the seeds\' `knative revisions list` tables', () => {
    expect(table('managed-release', 'pin-current', 'my-service')).toEqual([
      ['current,latest', '100%', 'my-service-def'],
    ]);
    expect(table('managed-release', 'deploy-candidate', 'my-service')).toEqual([
      ['current', '100%', 'my-service-def'],
      ['latest', '0%', 'my-service-ghi'],
    ]);
    expect(table('managed-release', 'begin', 'my-service')).toEqual([
      ['current', '100%', 'my-service-def'],
      ['candidate,latest', '0%', 'my-service-ghi'],
    ]);
    expect(table('managed-release', 'candidate-5', 'my-service')).toEqual([
      ['current', '95%', 'my-service-def'],
      ['candidate,latest', '5%', 'my-service-ghi'],
    ]);
    expect(table('managed-release', 'candidate-50', 'my-service')).toEqual([
      ['current', '50%', 'my-service-def'],
      ['candidate,latest', '50%', 'my-service-ghi'],
    ]);
    expect(table('managed-release', 'promote', 'my-service')).toEqual([
      ['current,latest', '100%', 'my-service-ghi'],
    ]);
  });

  test('managed release: spec.traffic as in the seed PATCHes', () => {
    const traffic = (step: string) => serviceOf(synthStep(byName.get('managed-release')!, step).objects, 'my-service').spec.traffic;
    expect(traffic('candidate-5')).toEqual([
      { revisionName: 'my-service-def', tag: 'current', percent: 95, latestRevision: false },
      { revisionName: 'my-service-ghi', tag: 'candidate', percent: 5, latestRevision: false },
      { latestRevision: true, tag: 'latest', percent: 0 },
    ]);
    expect(traffic('promote')).toEqual([
      { revisionName: 'my-service-ghi', tag: 'current', percent: 100, latestRevision: false },
      { latestRevision: true, tag: 'latest', percent: 0 },
    ]);
    const ghi = serviceOf(synthStep(byName.get('managed-release')!, 'deploy-candidate').objects, 'my-service');
    expect(ghi.spec.template.metadata.name).toBe('my-service-ghi');
    expect(ghi.spec.template.spec.containers[0].env).toContainEqual({ name: 'HELLO', value: 'blurg' });
  });

  test('rollback: 100% to my-service-abc, latest at 0%, template unchanged', () => {
    const ex = byName.get('rollback')!;
    const bad = serviceOf(synthStep(ex, 'deploy-def').objects, 'my-service');
    const rolledBack = serviceOf(synthStep(ex, 'rollback').objects, 'my-service');
    expect(rolledBack.spec.template).toEqual(bad.spec.template);
    expect(table('rollback', 'rollback', 'my-service')).toEqual([
      ['-', '100%', 'my-service-abc'],
      ['latest', '0%', 'my-service-def'],
    ]);
  });

  test('function: containerConcurrency 1, timeoutSeconds 20, function type label', () => {
    const { objects } = synthStep(byName.get('function')!, 'deploy');
    const cfg = objects.find((o) => o.kind === 'Configuration')!;
    expect(cfg.metadata.name).toBe('my-function');
    expect(cfg.spec.template.spec).toMatchObject({ containerConcurrency: 1, timeoutSeconds: 20 });
    expect(Object.values(cfg.spec.template.metadata.labels)).toContain('function');
    const route = objects.find((o) => o.kind === 'Route')!;
    expect(route.spec.traffic).toEqual([{ configurationName: 'my-function', latestRevision: true, percent: 100 }]);
  });

  test('stock service: v1 readiness probe and the 50/50 and 40/30/30 splits', () => {
    const ex = byName.get('stock-service-gray-release')!;
    const v1 = serviceOf(synthStep(ex, 'v1').objects, 'stock-service-example');
    expect(v1.spec.template.metadata.name).toBe('stock-service-example-v1');
    // The seed's `initialDelaySeconds: 0` is Go's zero value: left out, as Knative's admission would drop it.
    expect(v1.spec.template.spec.containers[0].readinessProbe)
      .toEqual({ httpGet: { path: '/', port: 0 }, periodSeconds: 3, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
    expect(v1.spec.template.spec.containers[0].env).toEqual([{ name: 'RESOURCE', value: 'v1' }]);
    expect(table('stock-service-gray-release', 'v1', 'stock-service-example')).toEqual([['-', '100%', 'stock-service-example-v1']]);
    expect(table('stock-service-gray-release', 'v2-50-50', 'stock-service-example')).toEqual([
      ['v1', '50%', 'stock-service-example-v1'],
      ['v2,latest', '50%', 'stock-service-example-v2'],
    ]);
    expect(table('stock-service-gray-release', 'v3-latest-only', 'stock-service-example')).toEqual([
      ['v1', '50%', 'stock-service-example-v1'],
      ['v2', '50%', 'stock-service-example-v2'],
      ['latest', '0%', 'stock-service-example-v3'],
    ]);
    expect(table('stock-service-gray-release', 'v3-40-30-30', 'stock-service-example')).toEqual([
      ['v1', '40%', 'stock-service-example-v1'],
      ['v2', '30%', 'stock-service-example-v2'],
      ['v3,latest', '30%', 'stock-service-example-v3'],
    ]);
    const rows = trafficRows(serviceOf(synthStep(ex, 'v3-40-30-30').objects, 'stock-service-example'), config).rows;
    expect(rows.map((r) => r.url)).toEqual([
      'http://v1-stock-service-example.default.example.com',
      'http://v2-stock-service-example.default.example.com',
      'http://v3-stock-service-example.default.example.com http://latest-stock-service-example.default.example.com',
    ]);
  });

  test('with-cdk8s-plus: env from a secret key, envFrom + mounted ConfigMap, service account', () => {
    const { objects } = synthStep(byName.get('with-cdk8s-plus')!, 'deploy');
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Secret', 'Service', 'ServiceAccount']);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    const cm = objects.find((o) => o.kind === 'ConfigMap')!;
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const spec = serviceOf(objects, 'greeter').spec.template.spec;
    const c = spec.containers[0];
    expect(spec.serviceAccountName).toBe(sa.metadata.name);
    expect(c.env).toEqual([{ name: 'API_KEY', valueFrom: { secretKeyRef: { name: secret.metadata.name, key: 'api-key' } } }]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: cm.metadata.name } }]);
    expect(spec.volumes).toEqual([{ name: 'config', configMap: { name: cm.metadata.name } }]);
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/greeter', readOnly: true }]);
  });
});
