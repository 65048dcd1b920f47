import * as fc from 'fast-check';
import { configuration, ctrSvc, domainMapping, errors, podSvc, revision, route, service } from './helpers';
import {
  admit, applyDefaults, formatViolation, validate, validateConfiguration, validateDomainMapping, validateRevision, validateRoute,
  validateService, Violation,
} from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

describe('formatViolation', () => {
  test.each<[Violation, string]>([
    [{ path: 'spec.traffic', message: 'Traffic targets sum to 120, want 100', value: 120, fix: 'Make the traffic percents add up to exactly 100.' },
      'spec.traffic: Traffic targets sum to 120, want 100 (got 120). Fix: Make the traffic percents add up to exactly 100.'],
    [{ path: 'a.b', message: 'must not set the field(s)', value: { x: 'y' }, fix: 'Remove b.' }, 'a.b: must not set the field(s) (got {"x":"y"}). Fix: Remove b.'],
    [{ path: 'a', message: 'missing field(s)', fix: 'Set a.' }, 'a: missing field(s). Fix: Set a.'],
    [{ path: 'a', message: 'm' }, 'a: m.'],
  ])('%j', (v, want) => {
    expect(formatViolation(v)).toBe(want);
  });

  test('every reported violation carries a fix', () => {
    const obj = ctrSvc((c) => { c.ports = [{ containerPort: 8012, hostPort: 1 }]; c.stdin = true; c.env = [{ name: 'PORT' }]; });
    const vs = admit(obj).violations;
    expect(vs.length).toBeGreaterThan(3);
    for (const v of vs) expect(v.fix).toMatch(/\S/);
    expect(vs.filter((v) => v.path.endsWith('containerPort')).map(formatViolation)).toEqual([
      'spec.template.spec.containers[0].ports[0].containerPort: 8012 is a reserved port (got 8012). Fix: Use a port other than 8012, 8013, 8022, 8008, 9090, 9091.',
    ]);
  });
});

describe('wrong types are violations, never exceptions', () => {
  test.each<[string, KubeObject, string[]]>([
    ['containers not a list', podSvc((p) => { p.containers = 'nginx'; }), ['spec.template.spec.containers: invalid value: "nginx"']],
    ['container not an object', podSvc((p) => { p.containers = [42]; }), ['spec.template.spec.containers[0]: invalid value: 42']],
    ['image a number', ctrSvc((c) => { c.image = 5; }), ['spec.template.spec.containers[0].image: invalid value: 5']],
    ['containerPort a string', ctrSvc((c) => { c.ports = [{ containerPort: '8080' }]; }), ['spec.template.spec.containers[0].ports[0].containerPort: invalid value: "8080"']],
    ['metadata a string', service((s) => { s.metadata = 'x'; }), ['metadata: invalid value: "x"']],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test('unknown kind / apiVersion', () => {
    expect(validate({ apiVersion: 'v1', kind: 'Pod', metadata: {} }).map((v) => `${v.path}: ${v.message}`)).toEqual(['kind: invalid value: "Pod"']);
    expect(validate({ apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Service', metadata: {} }).map((v) => `${v.path}: ${v.message}`))
      .toEqual(['apiVersion: invalid value: "serving.knative.dev/v1alpha1"']);
  });

  test('arbitrary JSON never throws, and applyDefaults is idempotent on the admitted object (property)', () => {
    const kinds = fc.constantFrom('Service', 'Configuration', 'Revision', 'Route', 'DomainMapping');
    fc.assert(fc.property(kinds, fc.jsonValue(), fc.jsonValue(), (kind, metadata, spec) => {
      const obj = { apiVersion: kind === 'DomainMapping' ? 'serving.knative.dev/v1beta1' : 'serving.knative.dev/v1', kind, metadata, spec } as unknown as KubeObject;
      const r = admit(obj);
      const again = applyDefaults(r.object);
      expect(again).toStrictEqual(r.object);
      expect(Array.isArray(validate(obj, { operation: 'update', old: obj }))).toBe(true);
    }), { numRuns: 300 });
  });

  test('arbitrary JSON inside a container never throws (property)', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('image', 'ports', 'env', 'readinessProbe', 'volumeMounts', 'securityContext', 'resources', 'name'), fc.jsonValue()), (c) => {
      const obj = podSvc((p) => { p.containers = [c]; p.volumes = [{ name: 'v', secret: c }]; });
      expect(Array.isArray(admit(obj).violations)).toBe(true);
    }), { numRuns: 300 });
  });
});

describe('per-kind entry points agree with validate()', () => {
  const bad = (o: any) => { o.metadata.name = 'Bad'; };
  test.each<[string, (o: KubeObject) => Violation[], KubeObject]>([
    ['validateService', validateService, service(bad)],
    ['validateConfiguration', validateConfiguration, configuration(bad)],
    ['validateRevision', validateRevision, revision(bad)],
    ['validateRoute', validateRoute, route(bad)],
    ['validateDomainMapping', validateDomainMapping, domainMapping((d) => { d.metadata.name = 'Bad'; })],
  ])('%s', (_n, fn, obj) => {
    const got = fn(obj);
    expect(got).toEqual(validate(obj));
    expect(got.filter((v) => v.path === 'metadata.name').length).toBe(1);
  });
  test('non-object input: validateService(null) reports invalid value: null', () => {
    expect(validateService(null as unknown as KubeObject).map((v) => v.message)).toEqual(['invalid value: null']);
  });
});
