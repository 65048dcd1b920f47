/**
 * Property: for any JSON under an admitted kind's metadata and spec (well-formed or not), the
 * webhook's answers are well-formed: defaulting never throws and its patch applies (the emulator's
 * RFC 6902 implementation) to exactly `defaultedForAdmission`; validation never throws and
 * either allows or denies with a message.
 */
import fc from 'fast-check';
import { defaultedForAdmission } from '../../../src/core/admission';
import type { KubeObject } from '../../../src/core/types';
import { AdmissionRequest, defaultingReview, validationReview } from '../../../src/runtime/webhook/review';
import { jsonPatch } from '../../support/patch';

/** Any JSON value, `__proto__` keys included (Go keeps them like any other key). */
const json = (): fc.Arbitrary<unknown> => fc.jsonValue();

const KINDS: Array<[string, string]> = [
  ['serving.knative.dev/v1', 'Service'], ['serving.knative.dev/v1', 'Configuration'], ['serving.knative.dev/v1', 'Revision'],
  ['serving.knative.dev/v1', 'Route'], ['serving.knative.dev/v1beta1', 'DomainMapping'],
];

const container = fc.record({
  image: fc.oneof(fc.string(), json()),
  name: fc.option(fc.string(), { nil: undefined }),
  ports: fc.option(fc.array(fc.record({ containerPort: fc.oneof(fc.integer({ min: -1, max: 70000 }), json()) })), { nil: undefined }),
  readinessProbe: fc.option(fc.oneof(json(), fc.record({ periodSeconds: fc.integer(), grpc: json() })), { nil: undefined }),
  resources: fc.option(json(), { nil: undefined }),
  securityContext: fc.option(json(), { nil: undefined }),
}, { requiredKeys: [] });

const spec = fc.oneof(
  json(),
  fc.record({
    template: fc.oneof(json(), fc.record({
      metadata: fc.option(json(), { nil: undefined }),
      spec: fc.oneof(json(), fc.record({
        containers: fc.oneof(json(), fc.array(container, { maxLength: 3 })),
        timeoutSeconds: json(),
      }, { requiredKeys: [] })),
    }, { requiredKeys: [] })),
    traffic: fc.oneof(json(), fc.array(fc.record({ percent: json(), revisionName: json(), tag: fc.string() }, { requiredKeys: [] }))),
    containers: fc.oneof(json(), fc.array(container, { maxLength: 3 })),
    ref: json(),
  }, { requiredKeys: [] }),
);

const object = fc.record({
  kind: fc.constantFrom(...KINDS),
  metadata: fc.oneof(json(), fc.record({ name: json(), namespace: fc.string(), annotations: json(), ownerReferences: json() }, { requiredKeys: [] })),
  spec,
}).map(({ kind: [apiVersion, kind], metadata, spec: s }) => ({ apiVersion, kind, metadata, spec: s }) as unknown as KubeObject);

function req(operation: 'CREATE' | 'UPDATE', obj: KubeObject, old?: KubeObject): AdmissionRequest {
  const [group, version] = obj.apiVersion.split('/');
  return { uid: 'u', kind: { group, version, kind: obj.kind }, operation, userInfo: { username: 'alice' }, object: obj, oldObject: old };
}

test('defaulting and validation answer any object, and the patch gives exactly the defaulted object', () => {
  fc.assert(fc.property(object, fc.option(object, { nil: undefined }), (obj, old) => {
    const update = old !== undefined && old.kind === obj.kind;
    const r = req(update ? 'UPDATE' : 'CREATE', obj, update ? old : undefined);
    const d = defaultingReview(r, undefined);
    expect(d.allowed).toBe(true);
    const patched = d.patch === undefined ? obj : jsonPatch(obj, JSON.parse(Buffer.from(d.patch, 'base64').toString()));
    const expected = defaultedForAdmission({ operation: update ? 'update' : 'create', object: obj, old: update ? old : undefined, user: 'alice' });
    // Compared as JSON texts decode (-0 and 0 are the same JSON number).
    expect(JSON.parse(JSON.stringify(patched))).toEqual(JSON.parse(JSON.stringify(expected)));
    const v = validationReview({ ...r, object: patched as KubeObject }, undefined);
    if (!v.allowed) expect(v.status!.message).toMatch(/^validation failed: \S/);
  }), { numRuns: 300 });
});
