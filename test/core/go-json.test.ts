/**
 * The Go JSON round trip of Knative's defaulting webhook (src/core/go-json.ts) and resource
 * quantities (src/core/quantity.ts). Expected values were checked against Go's encoding/json
 * with k8s.io/api + k8s.io/apimachinery v0.35.0 and Knative's struct tags (decode, then encode).
 */
import { goFieldAt, goFieldIsSet, goStructIsSet, goJsonRoundTrip, goJsonRoundTripAs, goJsonRoundTripChanges, goJsonRoundTripSpec, goTypeOf } from '../../src/core/go-json';
import { canonicalQuantity } from '../../src/core/quantity';
import { JsonSchema, KnativeKind, schemaFor } from '../../src/core/schema';

const svc = (spec: unknown, metadata: unknown = { name: 'a' }): any => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata, spec });
const container = (c: Record<string, unknown>): any => goJsonRoundTripAs('Container', { name: 'c', image: 'i', resources: {}, ...c });

describe('plain values with omitempty: Go drops the zero value', () => {
  test('zero ints, false bools and empty strings disappear; non-zero ones stay', () => {
    const probe = { tcpSocket: { port: 0, host: '' }, initialDelaySeconds: 0, timeoutSeconds: 0, periodSeconds: 3, successThreshold: 1, failureThreshold: 0 };
    expect(container({ readinessProbe: probe }).readinessProbe).toEqual({ tcpSocket: { port: 0 }, periodSeconds: 3, successThreshold: 1 });
    expect(container({ volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: false, subPath: '' }] }).volumeMounts)
      .toEqual([{ name: 'v', mountPath: '/v' }]);
    expect(container({ volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }] }).volumeMounts)
      .toEqual([{ name: 'v', mountPath: '/v', readOnly: true }]);
    expect(container({ env: [{ name: 'A', value: '' }, { name: 'B', value: 'b' }] }).env).toEqual([{ name: 'A' }, { name: 'B', value: 'b' }]);
    expect(container({ workingDir: '', imagePullPolicy: '', stdin: false })).toEqual({ name: 'c', image: 'i', resources: {} });
    expect(goJsonRoundTripAs('RevisionSpec', { containers: [], hostNetwork: false, serviceAccountName: '', schedulerName: '' }))
      .toEqual({ containers: [] });
  });

  test('empty lists and maps disappear like nil ones; non-empty ones stay', () => {
    expect(container({ command: [], args: [], env: [], ports: [] })).toEqual({ name: 'c', image: 'i', resources: {} });
    expect(container({ securityContext: { capabilities: { drop: [], add: [] } } }).securityContext).toEqual({ capabilities: {} });
    expect(goJsonRoundTripAs('RevisionSpec', { containers: [], nodeSelector: {}, volumes: [], imagePullSecrets: [], tolerations: [] }))
      .toEqual({ containers: [] });
    expect(goJsonRoundTripAs('RevisionTemplateSpec', { metadata: { labels: {}, annotations: { a: '' } }, spec: { containers: [] } }))
      .toEqual({ metadata: { annotations: { a: '' } }, spec: { containers: [] } });
    expect(goJsonRoundTripAs('RouteSpec', { traffic: [] })).toEqual({});
  });

  test('a struct value is never omitted: resources: {} stays, and Go writes it when absent', () => {
    expect(container({ resources: {} }).resources).toEqual({});
    expect(container({ resources: { limits: {}, requests: {} } }).resources).toEqual({});
    expect(goJsonRoundTripAs('Container', { name: 'c' })).toEqual({ name: 'c', resources: {} });
    expect(goJsonRoundTripAs('Container', { name: 'c' }, { fillAbsent: false })).toEqual({ name: 'c' });
  });
});

describe('pointer fields keep their zero values', () => {
  test('RevisionSpec timeouts and containerConcurrency (*int64), enableServiceLinks and automount (*bool)', () => {
    const timeouts = { containerConcurrency: 0, timeoutSeconds: 0, responseStartTimeoutSeconds: 0, idleTimeoutSeconds: 0 };
    const flags = { enableServiceLinks: false, automountServiceAccountToken: false, shareProcessNamespace: false, runtimeClassName: '' };
    const spec = { containers: [], ...timeouts, ...flags };
    expect(goJsonRoundTripAs('RevisionSpec', spec)).toEqual(spec);
  });

  test('traffic percent (*int64) and latestRevision (*bool); tag and names (string) are dropped when empty', () => {
    expect(goJsonRoundTripSpec(svc(undefined), { template: { metadata: {}, spec: { containers: [] } }, traffic: [{ percent: 0, latestRevision: false, tag: '', revisionName: '' }] }))
      .toEqual({ template: { metadata: {}, spec: { containers: [] } }, traffic: [{ percent: 0, latestRevision: false }] });
  });

  test('security contexts, volume sources, env key selectors and tolerations: pointer fields keep zero values, plain ones are dropped', () => {
    const sc = {
      privileged: false,
      runAsNonRoot: false,
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      runAsUser: 0,
      runAsGroup: 0,
    };
    expect(container({ securityContext: sc }).securityContext).toEqual(sc);
    expect(goJsonRoundTripAs('Volume', { name: 'v', secret: { secretName: 's', optional: false, defaultMode: 0, items: [{ key: 'k', path: 'p', mode: 0 }] } }))
      .toEqual({ name: 'v', secret: { secretName: 's', optional: false, defaultMode: 0, items: [{ key: 'k', path: 'p', mode: 0 }] } });
    expect(container({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }] }).env)
      .toEqual([{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }]);
    expect(goJsonRoundTripAs('Toleration', { key: '', operator: 'Exists', value: '', effect: '', tolerationSeconds: 0 }))
      .toEqual({ operator: 'Exists', tolerationSeconds: 0 });
  });
});

describe('fields without omitempty are always written', () => {
  test('probe ports: tcpSocket/httpGet port (IntOrString) and grpc port (int32) stay at 0, and are written when absent', () => {
    expect(container({ readinessProbe: { tcpSocket: { port: 0 } } }).readinessProbe).toEqual({ tcpSocket: { port: 0 } });
    expect(container({ readinessProbe: { httpGet: { path: '/', port: 'http' } } }).readinessProbe).toEqual({ httpGet: { path: '/', port: 'http' } });
    expect(container({ readinessProbe: { httpGet: { path: '' } } }).readinessProbe).toEqual({ httpGet: { port: 0 } });
    // GRPCAction.service is a *string without omitempty: null when absent.
    expect(container({ livenessProbe: { grpc: {} } }).livenessProbe).toEqual({ grpc: { port: 0, service: null } });
  });

  test('containerPort, env name, key/path, seccomp type and KReference kind/name', () => {
    expect(container({ ports: [{ containerPort: 0, name: '', hostPort: 0, protocol: '' }] }).ports).toEqual([{ containerPort: 0 }]);
    expect(goJsonRoundTripAs('EnvVar', { value: 'x' })).toEqual({ name: '', value: 'x' });
    expect(goJsonRoundTripAs('KeyToPath', {})).toEqual({ key: '', path: '' });
    expect(goJsonRoundTripAs('SeccompProfile', {})).toEqual({ type: '' });
    expect(goJsonRoundTripAs('DomainMappingSpec', {})).toEqual({ ref: { kind: '', name: '' } });
  });

  test('a resourceFieldRef divisor (a Quantity struct) is written as "0" when absent', () => {
    expect(goJsonRoundTripAs('ResourceFieldSelector', { resource: 'limits.cpu' })).toEqual({ resource: 'limits.cpu', divisor: '0' });
    expect(goJsonRoundTripAs('ResourceFieldSelector', { resource: 'limits.cpu' }, { fillAbsent: false })).toEqual({ resource: 'limits.cpu' });
  });

  test('a nil slice without omitempty is written as null; an empty one as []', () => {
    expect(goJsonRoundTripAs('RevisionSpec', {})).toEqual({ containers: null });
    expect(goJsonRoundTripAs('ProjectedVolumeSource', { sources: [] })).toEqual({ sources: [] });
  });
});

describe('nested lists of structs', () => {
  test('each item of each list is round-tripped on its own type', () => {
    const spec = {
      containers: [
        { name: 'a', image: 'a', resources: {}, ports: [{ containerPort: 8080, hostPort: 0 }], env: [{ name: 'X', value: '' }] },
        { name: 'b', image: 'b', resources: { limits: { memory: '1024Mi' } }, volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: false }] },
      ],
      volumes: [{ name: 'v', projected: { sources: [{ downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'metadata.name', apiVersion: '' } }] } }, { secret: { name: 's', items: [] } }] } }],
    };
    expect(goJsonRoundTripAs('RevisionSpec', spec, { fillAbsent: false })).toEqual({
      containers: [
        { name: 'a', image: 'a', resources: {}, ports: [{ containerPort: 8080 }], env: [{ name: 'X' }] },
        { name: 'b', image: 'b', resources: { limits: { memory: '1Gi' } }, volumeMounts: [{ name: 'v', mountPath: '/v' }] },
      ],
      volumes: [{ name: 'v', projected: { sources: [{ downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'metadata.name' } }] } }, { secret: { name: 's' } }] } }],
    });
  });

  test('null decodes to the zero value: nil for pointers, lists and maps, the zero value for plain fields', () => {
    expect(goJsonRoundTripAs('Container', { name: null, image: 'i', env: null, livenessProbe: null, resources: null, ports: [null] }))
      .toEqual({ name: '', image: 'i', resources: {}, ports: [{ containerPort: 0 }] });
    expect(goJsonRoundTripAs('ObjectMeta', { labels: { a: null } })).toEqual({ labels: { a: '' } });
  });
});

describe('quantities are written in canonical form', () => {
  // [input, Go's output]; undefined = Go rejects it.
  const vectors: Array<[string, string | undefined]> = [
    ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'], ['0.5Ki', '512'], ['1000M', '1G'],
    ['100m', '100m'], ['1000m', '1'], ['2000m', '2'], ['0.5', '500m'], ['1.5', '1500m'], ['1.0', '1'], ['0.001', '1m'],
    ['.001Ki', '1024m'], ['.000000000001Ki', '2n'], ['1e-12', '1e-9'], ['1e3', '1e3'], ['1e2', '100'], ['1.23e-3', '1230e-6'],
    ['+1', '+1'], ['+1024Mi', '1Gi'], ['01', '01'], ['0300Ti', '300Ti'], ['-1024Mi', '-1Gi'], ['-1.5Gi', '-1536Mi'],
    ['0', '0'], ['0.0', '0'], ['0Mi', '0'], ['1000P', '1E'], ['1000E', '1'], ['8Ei', '9223372036854775807'], ['  5 ', '5'],
    ['1K', undefined], ['1.5.5', undefined], ['5 Mi', undefined], ['0x10', undefined], ['', undefined],
  ];
  test.each(vectors)('%j → %j', (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  test('resources, overhead, divisor and sizeLimit; numbers become strings', () => {
    expect(container({ resources: { limits: { cpu: 1, memory: '1024Mi' }, requests: { cpu: '1000m', memory: '128Mi' } } }).resources)
      .toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '128Mi' } });
    expect(goJsonRoundTripAs('EmptyDirVolumeSource', { sizeLimit: '2048Mi', medium: '' })).toEqual({ sizeLimit: '2Gi' });
    expect(goJsonRoundTripAs('ResourceFieldSelector', { resource: 'limits.memory', divisor: '1048576' })).toEqual({ resource: 'limits.memory', divisor: '1048576' });
  });
});

describe('whole objects', () => {
  test('the Knative kinds: metadata and template metadata are written ({} when absent), and status', () => {
    expect(goJsonRoundTrip(svc({ template: { spec: { containers: [{ name: 'user-container', image: 'i', resources: {} }] } } })))
      .toEqual({ ...svc({ template: { metadata: {}, spec: { containers: [{ name: 'user-container', image: 'i', resources: {} }] } } }), status: {} });
    const withStatus = { ...svc({ template: { spec: { containers: [] } } }), status: { observedGeneration: 1 } };
    expect(goJsonRoundTrip(withStatus).status).toEqual({ observedGeneration: 1 });
    const dm = { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'd' }, spec: { ref: { kind: 'Service', name: 's', apiVersion: 'serving.knative.dev/v1', namespace: '' } } };
    expect(goJsonRoundTrip(dm)).toEqual({ ...dm, spec: { ref: { kind: 'Service', name: 's', apiVersion: 'serving.knative.dev/v1' } }, status: {} });
  });

  test('ObjectMeta: creationTimestamp is omitted when zero (apimachinery ≥ 0.34), times are written in UTC seconds', () => {
    expect(goJsonRoundTripAs('ObjectMeta', { creationTimestamp: null, name: 'x' })).toEqual({ name: 'x' });
    expect(goJsonRoundTripAs('ObjectMeta', { creationTimestamp: '2024-01-02T03:04:05.123+02:00' })).toEqual({ creationTimestamp: '2024-01-02T01:04:05Z' });
  });

  test('other kinds, unknown keys and values of the wrong type are left alone; the input is never mutated', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: {} }, data: { a: '' } };
    expect(goJsonRoundTrip(cm)).toBe(cm);
    expect(goJsonRoundTripAs('Container', { name: 'c', resources: {}, notAField: 0, image: 5, ports: 'x' })).toEqual({ name: 'c', resources: {}, notAField: 0, image: 5, ports: 'x' });
    const input = svc({ template: { spec: { containers: [{ name: 'c', image: 'i', readinessProbe: { initialDelaySeconds: 0 } }] } } });
    const copy = JSON.parse(JSON.stringify(input));
    goJsonRoundTrip(input);
    expect(input).toEqual(copy);
  });

  test('class instances (cdk8s tokens) are values, not structs to rebuild', () => {
    class Token { public readonly value = 0; }
    const token = new Token();
    expect((goJsonRoundTripAs('Container', { name: 'c', resources: {}, readinessProbe: token }) as any).readinessProbe).toBe(token);
  });

  test('goJsonRoundTripChanges lists what Go removes, rewrites and adds', () => {
    const input = svc({
      template: { spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '1024Mi' } }, readinessProbe: { tcpSocket: { port: 0 }, initialDelaySeconds: 0 } }] } },
      traffic: [{ latestRevision: true, percent: 100 }],
    });
    expect(goJsonRoundTripChanges(input)).toEqual([
      { path: 'spec.template.spec.containers[0].resources.limits.memory', change: 'changed', before: '1024Mi', after: '1Gi' },
      { path: 'spec.template.spec.containers[0].readinessProbe.initialDelaySeconds', change: 'removed', before: 0, after: undefined },
      { path: 'spec.template.metadata', change: 'added', before: undefined, after: {} },
      { path: 'status', change: 'added', before: undefined, after: {} },
    ]);
    expect(goJsonRoundTripChanges({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual([]);
  });

  test('goTypeOf maps apiVersion and kind to a Go type; goFieldAt finds a field (JSON name, type, omitempty) by path', () => {
    expect(goTypeOf({ apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping' })).toBe('DomainMapping');
    expect(goTypeOf({ apiVersion: 'serving.knative.dev/v1', kind: 'DomainMapping' })).toBeUndefined();
    expect(goFieldAt('Service', ['spec', 'template', 'spec', 'containerConcurrency'])).toEqual({ json: 'containerConcurrency', type: '*int', omitempty: true, omitzero: false });
    expect(goFieldAt('Service', ['spec', 'template', 'spec', 'containers', '[]', 'readinessProbe', 'initialDelaySeconds']))
      .toEqual({ json: 'initialDelaySeconds', type: 'int32', omitempty: true, omitzero: false });
    expect(goFieldAt('Service', ['spec', 'template', 'spec', 'containers', 'image'])).toBeUndefined();
    expect(goFieldAt('Service', ['spec', 'nope'])).toBeUndefined();
  });
});

describe('the Go types cover the CRD schemas (src/core/schema.ts)', () => {
  const KINDS: KnativeKind[] = ['Service', 'Configuration', 'Revision', 'Route', 'DomainMapping'];

  /** The JSON kinds a Go type (table notation) can be written as. */
  function jsonKinds(goType: string): string[] {
    const t = goType.replace(/^\*/, '');
    if (t.startsWith('[]')) return ['array'];
    if (t.startsWith('{}')) return ['object'];
    switch (t) {
      case 'string': case 'time': return ['string'];
      case 'int': case 'int32': return ['integer'];
      case 'bool': return ['boolean'];
      case 'intstr': case 'quantity': return ['int-or-string'];
      case 'any': return ['string', 'integer', 'boolean', 'object', 'array', 'int-or-string'];
      default: return ['object'];
    }
  }

  /** Every [path, schema] below `schema` (list items as `[]`, map values as `{}`), not into opaque subtrees. */
  function schemaPaths(schema: JsonSchema, path: string[] = []): Array<[string[], JsonSchema]> {
    const out: Array<[string[], JsonSchema]> = [];
    for (const [k, child] of Object.entries(schema.properties ?? {})) {
      out.push([[...path, k], child], ...schemaPaths(child, [...path, k]));
    }
    if (schema.items) out.push(...schemaPaths(schema.items, [...path, '[]']));
    if (schema.additionalProperties) out.push([[...path, '{}'], schema.additionalProperties], ...schemaPaths(schema.additionalProperties, [...path, '{}']));
    return out;
  }

  test.each(KINDS)('%s: every spec path of the schema has a Go field of a matching JSON kind', (kind) => {
    const typeName = goTypeOf({ apiVersion: kind === 'DomainMapping' ? 'serving.knative.dev/v1beta1' : 'serving.knative.dev/v1', kind })!;
    const spec = schemaFor(kind).properties!.spec;
    const paths = schemaPaths(spec, ['spec']);
    expect(paths.length).toBeGreaterThan(kind === 'Route' || kind === 'DomainMapping' ? 5 : 100);
    const problems: string[] = [];
    for (const [path, node] of paths) {
      if (path[path.length - 1] === '{}') continue; // map values: checked through the map's own field
      const field = goFieldAt(typeName, path);
      const schemaKind = node['x-kubernetes-int-or-string'] ? 'int-or-string' : node.type;
      if (!field) problems.push(`${path.join('.')}: no Go field`);
      else if (schemaKind && !jsonKinds(field.type).includes(schemaKind)) problems.push(`${path.join('.')}: schema ${schemaKind}, Go ${field.type}`);
    }
    expect(problems).toEqual([]);
  });
});

test('a "__proto__" key (JSON may carry one; Go keeps it like any other) stays an own key through the round trip', () => {
  const input = JSON.parse('{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"a","labels":{"__proto__":"x","b":"y"}},'
    + '"spec":{"template":{"spec":{"containers":[{"image":"i","env":[{"name":"A","value":""}],"__proto__":{"k":1}}]}}}}');
  const out: any = goJsonRoundTrip(input);
  expect(out).not.toBe(input); // the empty env value is dropped (omitempty), so the objects are rebuilt
  expect(Object.keys(out.metadata.labels)).toEqual(['__proto__', 'b']);
  expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
  const c = out.spec.template.spec.containers[0];
  expect(Object.getOwnPropertyDescriptor(c, '__proto__')?.value).toEqual({ k: 1 });
  expect(JSON.stringify(c)).toContain('"__proto__":{"k":1}');
});

describe('goFieldIsSet / goStructIsSet: "set" as Knative\'s field masks (go-cmp against the masked copy) see it', () => {
  test('pointer, list and map fields are set whenever present and not null; plain values unless zero', () => {
    expect(goFieldIsSet('PodSpec', 'terminationGracePeriodSeconds', 0)).toBe(true);
    expect(goFieldIsSet('PodSpec', 'shareProcessNamespace', false)).toBe(true);
    expect(goFieldIsSet('PodSpec', 'runtimeClassName', '')).toBe(true);
    expect(goFieldIsSet('PodSpec', 'tolerations', [])).toBe(true);
    expect(goFieldIsSet('PodSpec', 'nodeSelector', {})).toBe(true);
    expect(goFieldIsSet('PodSpec', 'affinity', {})).toBe(true);
    expect(goFieldIsSet('PodSpec', 'affinity', null)).toBe(false);
    expect(goFieldIsSet('PodSpec', 'hostNetwork', false)).toBe(false);
    expect(goFieldIsSet('PodSpec', 'restartPolicy', '')).toBe(false);
    expect(goFieldIsSet('Probe', 'periodSeconds', 0)).toBe(false);
    expect(goFieldIsSet('Container', 'resources', {})).toBe(false);
    expect(goFieldIsSet('Container', 'resources', { limits: {} })).toBe(true);
    expect(goFieldIsSet('ResourceFieldSelector', 'divisor', '0')).toBe(false);
    expect(goFieldIsSet('ResourceFieldSelector', 'divisor', '1m')).toBe(true);
    expect(goFieldIsSet('HTTPGetAction', 'port', 0)).toBe(false);
    expect(goFieldIsSet('HTTPGetAction', 'port', '')).toBe(true);
  });
  test('a key the Go type lacks is set whenever present (our rules reject unknown keys deliberately; Knative drops them)', () => {
    expect(goFieldIsSet('Container', 'madeUp', null)).toBe(true);
    expect(goFieldIsSet('Container', 'madeUp', undefined)).toBe(false);
  });
  test('a struct is set when any field is', () => {
    expect(goStructIsSet('Probe', {})).toBe(false);
    expect(goStructIsSet('Probe', { periodSeconds: 0, httpGet: null })).toBe(false);
    expect(goStructIsSet('Probe', { terminationGracePeriodSeconds: 0 })).toBe(true);
    expect(goStructIsSet('Container', { stdin: false, resources: { requests: null } })).toBe(false);
  });
});
