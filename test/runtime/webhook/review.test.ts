/**
 * AdmissionReview handling of the admission webhook (src/runtime/webhook/review.ts over
 * src/core/admission.ts, src/core/json-patch.ts): the defaulting patch applied to the request
 * object gives exactly what Knative's defaulting computes (every example's objects and sparse
 * hand-written ones, patch applied by the emulator's independent RFC 6902 implementation),
 * creator/lastModifier as upstream sets them, validation texts as at synth time, warnings, update
 * rules, config-map validation.
 */
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { loadExamples } from '../../../scripts/synth-examples';
import { configMapProblem } from '../../../src/core/admission';
import { parseServingConfig } from '../../../src/core/config';
import { goJsonRoundTrip, goJsonRoundTripChanges } from '../../../src/core/go-json';
import { jsonPatchDiff } from '../../../src/core/json-patch';
import { applyDefaults, applyUserInfo, formatViolation, validate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';
import {
  AdmissionRequest, AdmissionResponse, configValidationReview, defaultingReview, parseReview, ReviewError, validationReview,
} from '../../../src/runtime/webhook/review';
import { jsonPatch } from '../../support/patch';

const CREATOR = 'serving.knative.dev/creator';
const LAST_MODIFIER = 'serving.knative.dev/lastModifier';
const USER = 'alice@example.com';

function gvk(obj: KubeObject): AdmissionRequest['kind'] {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return { group, version, kind: obj.kind };
}

let seq = 0;
function request(operation: 'CREATE' | 'UPDATE' | 'DELETE', object: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: `uid-${++seq}`,
    kind: gvk(object),
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    operation,
    userInfo: { username: USER },
    object,
    ...extra,
  };
}

/** The request object with the response's patch applied (the emulator's RFC 6902 implementation). */
function patched(req: AdmissionRequest, res: AdmissionResponse): KubeObject {
  expect(res.uid).toBe(req.uid);
  expect(res.allowed).toBe(true);
  if (res.patch === undefined) return req.object as KubeObject;
  expect(res.patchType).toBe('JSONPatch');
  return jsonPatch(req.object, JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8'))) as KubeObject;
}

const svc = (spec: any, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello', namespace: 'default', ...meta }, spec,
});

describe('jsonPatchDiff', () => {
  test.each<[string, unknown, unknown, unknown[]]>([
    ['equal', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, []],
    ['add, remove, replace', { a: 1, b: 2 }, { a: 3, c: 4 }, [{ op: 'remove', path: '/b' }, { op: 'replace', path: '/a', value: 3 }, { op: 'add', path: '/c', value: 4 }]],
    ['pointer escaping', { m: {} }, { m: { 'serving.knative.dev/creator': 'u', 'a~b': 1 } },
      [{ op: 'add', path: '/m/serving.knative.dev~1creator', value: 'u' }, { op: 'add', path: '/m/a~0b', value: 1 }]],
    ['same-length arrays element-wise', { l: [{ n: 1 }, { n: 2 }] }, { l: [{ n: 1 }, { n: 2, x: true }] }, [{ op: 'add', path: '/l/1/x', value: true }]],
    ['other arrays replaced whole', { l: [1] }, { l: [1, 2] }, [{ op: 'replace', path: '/l', value: [1, 2] }]],
    ['type change', { a: { b: 1 } }, { a: [1] }, [{ op: 'replace', path: '/a', value: [1] }]],
    ['undefined members are absent', { a: undefined, b: 1 }, { a: 2, b: undefined }, [{ op: 'remove', path: '/b' }, { op: 'add', path: '/a', value: 2 }]],
    ['root replaced', 1, 'x', [{ op: 'replace', path: '', value: 'x' }]],
  ])('%s', (_name, from, to, ops) => {
    expect(jsonPatchDiff(from, to)).toEqual(ops);
    expect(jsonPatch(from, ops)).toEqual(JSON.parse(JSON.stringify(to)));
  });
});

describe('defaulting', () => {
  test('a sparse Service: the exact patch (round trip, defaults, creator/lastModifier)', () => {
    const req = request('CREATE', svc({ template: { spec: { containers: [{ image: 'ghcr.io/x/hello' }] } } }));
    const res = defaultingReview(req, undefined);
    expect(JSON.parse(Buffer.from(res.patch!, 'base64').toString())).toEqual([
      { op: 'add', path: '/metadata/annotations', value: { [CREATOR]: USER, [LAST_MODIFIER]: USER } },
      { op: 'add', path: '/spec/template/spec/containers/0/name', value: 'user-container' },
      { op: 'add', path: '/spec/template/spec/containers/0/resources', value: {} },
      { op: 'add', path: '/spec/template/spec/containers/0/readinessProbe', value: { tcpSocket: { port: 0 }, successThreshold: 1 } },
      { op: 'add', path: '/spec/template/spec/timeoutSeconds', value: 300 },
      { op: 'add', path: '/spec/template/spec/containerConcurrency', value: 0 },
      { op: 'add', path: '/spec/template/spec/enableServiceLinks', value: false },
      { op: 'add', path: '/spec/template/metadata', value: {} },
      { op: 'add', path: '/spec/traffic', value: [{ percent: 100, latestRevision: true }] },
    ]);
  });

  // Sparse objects of every kind: the patch gives exactly round trip → applyDefaults → applyUserInfo.
  const sparse: Array<[string, KubeObject]> = [
    ['Service, two containers and a volume', svc({
      template: {
        spec: {
          containers: [{ image: 'aa', ports: [{ containerPort: 8080 }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }, { image: 'bb', env: [] }],
          volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
        },
      },
      traffic: [{ tag: 'x', revisionName: 'hello-1', percent: 100 }],
    })],
    ['Service with a BYO name and a gRPC probe', svc({
      template: {
        metadata: { name: 'hello-v1' },
        spec: {
          containers: [{ image: 'aa', readinessProbe: { grpc: { port: 8080 }, periodSeconds: 5 } }],
        },
      },
    })],
    ['Configuration', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'c', namespace: 'ns' },
      spec: { template: { spec: { containers: [{ image: 'aa' }] } } },
    }],
    ['Configuration owned by a Service (no creator)', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'c', namespace: 'ns', ownerReferences: [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'c', uid: 'u1' }] },
      spec: { template: { spec: { containers: [{ image: 'aa' }] } } },
    }],
    ['Revision', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'r-1', namespace: 'ns' },
      spec: { containers: [{ image: 'aa' }] },
    }],
    ['Route', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'r', namespace: 'ns' },
      spec: { traffic: [{ configurationName: 'c', percent: 90 }, { revisionName: 'c-1', percent: 10, tag: 'old' }] },
    }],
    ['DomainMapping', {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'a.example.com', namespace: 'ns' },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' } },
    }],
  ];
  test.each(sparse)('%s: patch(input) = Knative defaulting', (_name, obj) => {
    const req = request('CREATE', obj);
    const rt = goJsonRoundTrip(obj);
    delete rt.status;
    const expected = applyUserInfo(applyDefaults(rt, { operation: 'create' }), USER, { operation: 'create' });
    const out = patched(req, defaultingReview(req, undefined));
    expect(out).toEqual(expected);
    expect(out).not.toEqual(obj);
  });

  test('the configuration is used (config-defaults, config-features)', () => {
    const cfg = parseServingConfig({
      'config-defaults': { 'revision-timeout-seconds': '120', 'container-name-template': '{{.Name}}' },
      'config-features': { 'secure-pod-defaults': 'Enabled' },
    });
    const req = request('CREATE', svc({ template: { spec: { containers: [{ image: 'aa' }] } } }));
    const spec = patched(req, defaultingReview(req, cfg)).spec.template.spec;
    expect(spec.timeoutSeconds).toBe(120);
    expect(spec.containers[0].name).toBe('hello');
    expect(spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] }, runAsNonRoot: true,
    });
  });

  test('update: lastModifier only when the spec changes; creator kept; no patch for an unchanged defaulted object', () => {
    const create = request('CREATE', svc({ template: { spec: { containers: [{ image: 'aa' }] } } }));
    const stored = patched(create, defaultingReview(create, undefined));
    expect(stored.metadata.annotations).toEqual({ [CREATOR]: USER, [LAST_MODIFIER]: USER });

    const same = request('UPDATE', stored, { oldObject: stored, userInfo: { username: 'bob' } });
    expect(defaultingReview(same, undefined)).toEqual({ uid: same.uid, allowed: true });

    const edited = JSON.parse(JSON.stringify(stored));
    edited.spec.template.spec.containers[0].image = 'bb';
    const upd = request('UPDATE', edited, { oldObject: stored, userInfo: { username: 'bob' } });
    expect(patched(upd, defaultingReview(upd, undefined)).metadata.annotations).toEqual({ [CREATOR]: USER, [LAST_MODIFIER]: 'bob' });
  });

  test('update of a Revision is not defaulted (its spec is immutable; validation denies the edit)', () => {
    const create = request('CREATE', { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r', namespace: 'ns' }, spec: { containers: [{ image: 'aa' }] } });
    const stored = patched(create, defaultingReview(create, undefined));
    expect(stored.spec.timeoutSeconds).toBe(300);
    const edited = JSON.parse(JSON.stringify(stored));
    delete edited.spec.timeoutSeconds;
    const req = request('UPDATE', edited, { oldObject: stored });
    expect(defaultingReview(req, undefined)).toEqual({ uid: req.uid, allowed: true });
  });

  test('status writes, DELETE and other kinds get no patch', () => {
    const obj = svc({ template: { spec: { containers: [{ image: 'aa' }] } } });
    for (const req of [
      request('UPDATE', obj, { subResource: 'status', oldObject: obj }),
      request('DELETE', obj, { object: null, oldObject: obj }),
      request('CREATE', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: {} }),
      request('CREATE', { ...obj, apiVersion: 'serving.knative.dev/v1alpha1' }),
    ]) {
      expect(defaultingReview(req, undefined)).toEqual({ uid: req.uid, allowed: true });
    }
  });

  // One test per example (each synthesizes its own steps), every Knative object checked.
  test.each(loadExamples().map((e) => [e.name, e] as const))('example %s: patch(input) = Go round trip + applyDefaults + creator/lastModifier (the objects are admission fixed points)', (_name, example) => {
    let checked = 0;
    for (const step of example.steps) {
      const app = new App();
      step.build(app);
      for (const doc of parseAllDocuments(app.synthYaml())) {
        const obj = doc.toJSON() as KubeObject;
        if (!obj?.apiVersion?.startsWith('serving.knative.dev/')) continue;
        const req = request('CREATE', obj);
        const out = patched(req, defaultingReview(req, undefined));
        const rt = goJsonRoundTrip(obj);
        delete rt.status;
        expect(out).toEqual(applyUserInfo(applyDefaults(rt), USER));
        // Fixed point: defaulting changes nothing; the patch adds what Go's encoding only adds
        // (e.g. `template.metadata: {}`) and creator/lastModifier where Knative does.
        expect(applyDefaults(rt)).toEqual(rt);
        expect(goJsonRoundTripChanges(obj).filter((c) => c.change !== 'added' && c.path !== 'status')).toEqual([]);
        const { annotations: outAnns, ...outMeta } = out.metadata;
        const { annotations: inAnns, ...inMeta } = rt.metadata;
        expect({ ...out, metadata: outMeta }).toEqual({ ...rt, metadata: inMeta });
        const added = Object.keys(outAnns ?? {}).filter((k) => !(k in (inAnns ?? {})));
        const tracked = obj.kind === 'Service' || obj.kind === 'DomainMapping' || ((obj.kind === 'Configuration' || obj.kind === 'Route') && !obj.metadata.ownerReferences);
        expect(added).toEqual(tracked ? [CREATOR, LAST_MODIFIER] : []);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('validation', () => {
  const errorsOf = (obj: KubeObject, ctx?: Parameters<typeof validate>[1]) => validate(obj, ctx).filter((v) => v.severity !== 'warning').map(formatViolation);

  test('an invalid Service is denied with the synth-time texts, every error, one per line', () => {
    const obj = applyDefaults(svc({ template: { spec: { containers: [{ image: '', ports: [{ containerPort: 8012 }] }], timeoutSeconds: 5000 } } }));
    const req = request('CREATE', obj);
    const res = validationReview(req, undefined);
    const expected = errorsOf(obj);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const warnings = validate(obj).filter((v) => v.severity === 'warning').map(formatViolation);
    expect(warnings.length).toBeGreaterThan(0);
    expect(res).toEqual({
      uid: req.uid, allowed: false, status: { status: 'Failure', code: 400, reason: 'BadRequest', message: `validation failed: ${expected.join('\n')}` }, warnings,
    });
    expect(res.status!.message).toContain('spec.template.spec.containers[0].ports[0].containerPort');
    expect(res.status!.message).toContain('8012');
  });

  test('warnings go back as admission warnings and do not deny', () => {
    const obj = applyDefaults(svc({
      template: {
        metadata: { annotations: { 'queue.sidecar.serving.knative.dev/resource-percentage': '20' } },
        spec: { containers: [{ image: 'aa' }] },
      },
    }));
    const req = request('CREATE', obj);
    const res = validationReview(req, undefined);
    expect(res.allowed).toBe(true);
    expect(res.warnings).toEqual(validate(obj).filter((v) => v.severity === 'warning').map(formatViolation));
    expect(res.warnings!.join('\n')).toContain('resource-percentage is deprecated');
  });

  test('the configuration is used (max-revision-timeout-seconds)', () => {
    const obj = applyDefaults(svc({ template: { spec: { containers: [{ image: 'aa' }], timeoutSeconds: 500 } } }));
    expect(validationReview(request('CREATE', obj), undefined).allowed).toBe(true);
    const cfg = parseServingConfig({ 'config-defaults': { 'max-revision-timeout-seconds': '400' } });
    const res = validationReview(request('CREATE', obj), cfg);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toContain('spec.template.spec.timeoutSeconds');
  });

  const rev = (image: string): KubeObject => applyDefaults({
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r-1', namespace: 'ns' }, spec: { containers: [{ image }] },
  });

  test('a Revision spec is immutable: the edit is denied naming the field; metadata may change', () => {
    const res = validationReview(request('UPDATE', rev('b'), { oldObject: rev('a') }), undefined);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toMatch(/^validation failed: spec: Immutable fields changed \(-old \+new\) \(got \["spec\.containers"\]\)\. Fix: Revisions are immutable/);
    const relabelled = { ...rev('a'), metadata: { ...rev('a').metadata, labels: { x: 'y' } } };
    expect(validationReview(request('UPDATE', relabelled, { oldObject: rev('a') }), undefined).allowed).toBe(true);
  });

  test('a BYO revision name must change when the template changes', () => {
    const old = applyDefaults(svc({ template: { metadata: { name: 'hello-v1' }, spec: { containers: [{ image: 'aa' }] } } }));
    const edited = JSON.parse(JSON.stringify(old));
    edited.spec.template.spec.containers[0].image = 'bb';
    const res = validationReview(request('UPDATE', edited, { oldObject: old }), undefined);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toBe(`validation failed: ${errorsOf(edited, { operation: 'update', old }).join('\n')}`);
    expect(res.status!.message).toContain('spec.template.metadata.name');
    edited.spec.template.metadata.name = 'hello-v2';
    expect(validationReview(request('UPDATE', edited, { oldObject: old }), undefined).allowed).toBe(true);
  });

  test('creator is immutable on update', () => {
    const old = applyUserInfo(applyDefaults(svc({ template: { spec: { containers: [{ image: 'aa' }] } } })), USER);
    const edited = JSON.parse(JSON.stringify(old));
    edited.metadata.annotations[CREATOR] = 'mallory';
    const res = validationReview(request('UPDATE', edited, { oldObject: old }), undefined);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toContain(`metadata.annotations.${CREATOR}: annotation value is immutable`);
  });

  test('status writes: a Service is not validated, a Route is; DELETE and deleting objects pass', () => {
    const bad = svc({ template: { spec: { containers: [{ image: 'aa', ports: [{ containerPort: 8012 }] }] } } });
    expect(validationReview(request('UPDATE', bad, { subResource: 'status', oldObject: bad }), undefined).allowed).toBe(true);
    const route: KubeObject = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'r', namespace: 'ns' },
      spec: { traffic: [{ configurationName: 'c', percent: 50, latestRevision: true }] },
    };
    const res = validationReview(request('UPDATE', route, { subResource: 'status', oldObject: route }), undefined);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toContain('spec.traffic');
    expect(validationReview(request('DELETE', bad, { object: null, oldObject: bad }), undefined).allowed).toBe(true);
    const deleting = { ...bad, metadata: { ...bad.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(validationReview(request('UPDATE', deleting, { oldObject: bad }), undefined).allowed).toBe(true);
  });

  test('a DomainMapping without a ref is denied', () => {
    const dm: KubeObject = { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'a.example.com', namespace: 'ns' }, spec: {} };
    const res = validationReview(request('CREATE', dm), undefined);
    expect(res.allowed).toBe(false);
    expect(res.status!.message).toBe(`validation failed: ${errorsOf(dm).join('\n')}`);
  });
});

describe('config-map validation', () => {
  const cm = (name: string, data: Record<string, string>, namespace = 'knative-serving'): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data,
  } as KubeObject);

  test.each<[string, Record<string, string>, RegExp]>([
    ['config-autoscaler', { 'container-concurrency-target-default': 'lots' }, /^config-autoscaler: invalid value "lots" for key "container-concurrency-target-default"/],
    ['config-defaults', { 'revision-timeout-seconds': 'abc' }, /^config-defaults: invalid value "abc" for key "revision-timeout-seconds"/],
    ['config-network', { 'domain-template': '{{.Name}' }, /^config-network: invalid value/],
    ['config-domain', { 'example.com': 'selector: [' }, /^config-domain: invalid value/],
    ['config-gc', { 'retain-since-create-time': 'soon' }, /^config-gc: invalid value "soon"/],
  ])('%s with a bad value is denied with the parser message', (name, data, message) => {
    const problem = configMapProblem(name, data);
    expect(problem).toMatch(message);
    const req = request('UPDATE', cm(name, data));
    expect(configValidationReview(req, 'knative-serving')).toEqual({
      uid: req.uid, allowed: false, status: { status: 'Failure', code: 400, reason: 'BadRequest', message: `validation failed: ${problem}` },
    });
  });

  test('valid maps, _example, other ConfigMaps, other namespaces and DELETE pass', () => {
    for (const req of [
      request('CREATE', cm('config-autoscaler', { 'container-concurrency-target-default': '50' })),
      request('CREATE', cm('config-autoscaler', { _example: 'anything: [' })),
      request('CREATE', cm('my-app-config', { 'container-concurrency-target-default': 'lots' })),
      request('CREATE', cm('config-autoscaler', { 'container-concurrency-target-default': 'lots' }, 'default')),
      request('DELETE', cm('config-autoscaler', {}), { object: null }),
    ]) {
      expect(configValidationReview(req, 'knative-serving')).toEqual({ uid: req.uid, allowed: true });
    }
  });
});

describe('parseReview', () => {
  test.each<[string, string, RegExp]>([
    ['not JSON', '{', /not JSON/],
    ['v1beta1', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'CREATE', kind: {} } }), /admissionReviewVersions: \["v1"\]/],
    ['no uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE', kind: {} } }), /no request with a uid/],
  ])('%s', (_name, body, message) => {
    expect(() => parseReview(body)).toThrow(ReviewError);
    expect(() => parseReview(body)).toThrow(message);
  });

  test('a good review', () => {
    const req = request('CREATE', svc({}));
    expect(parseReview(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: req }))).toEqual(req);
  });
});
