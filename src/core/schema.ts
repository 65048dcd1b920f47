/**
 * Structural OpenAPI v3 schemas of the Knative Serving CRDs (reference §1, §6.5–§6.10, §7.1, §8.1).
 *
 * PURE module (no cdk8s / constructs / Kubernetes client). ONE source of truth:
 *  - `ServingControlPlane` renders its CustomResourceDefinitions from `KNATIVE_CRDS`;
 *  - `schemaViolations()` reports what the API server would prune (fields the schema does not
 *    declare) or reject (type/format mismatches, missing required fields); tests and the API
 *    emulator use it.
 *
 * The shapes mirror Knative's generated schemas (`config/core/300-resources/*.yaml`, knative HEAD,
 * which is a superset of 1.17): only the fields Knative supports are declared, and
 * `x-kubernetes-preserve-unknown-fields` appears only on the feature-gated PodSpec subtrees and
 * on `spec.template.metadata`, exactly where Knative uses it. Descriptions are kept short.
 */

/** The OpenAPI v3 subset used by structural CRD schemas (field names exactly as on the wire). */
export interface JsonSchema {
  'type'?: 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'number';
  'format'?: 'int32' | 'int64';
  'description'?: string;
  'properties'?: { [name: string]: JsonSchema };
  'additionalProperties'?: JsonSchema;
  'items'?: JsonSchema;
  'required'?: string[];
  'default'?: string | number | boolean;
  'pattern'?: string;
  'anyOf'?: JsonSchema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'map' | 'set';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

/** The five Knative Serving kinds with a CRD. */
export type KnativeKind = 'Service' | 'Configuration' | 'Revision' | 'Route' | 'DomainMapping';

/** A printer column (`kubectl get` output). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
}

/** Everything needed to render (or emulate) one CRD. */
export interface CrdDescription {
  kind: KnativeKind;
  group: 'serving.knative.dev';
  version: 'v1' | 'v1beta1';
  apiVersion: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  /** CRD labels besides `knative.dev/crd-install: "true"` (duck-type labels). */
  labels: { [key: string]: string };
  printerColumns: PrinterColumn[];
  schema: JsonSchema;
}

/** One finding of `schemaViolations`. */
export interface SchemaViolation {
  /** Dotted path with list indices, e.g. `spec.template.spec.containers[0].ports[0].containerPort`. */
  path: string;
  message: string;
}

// ---------------------------------------------------------------------------
// Builders (small helpers so every node is typed)
// ---------------------------------------------------------------------------

const str = (extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'string', ...extra });
const bool = (): JsonSchema => ({ type: 'boolean' });
const int32 = (): JsonSchema => ({ type: 'integer', format: 'int32' });
const int64 = (): JsonSchema => ({ type: 'integer', format: 'int64' });
const obj = (properties: { [name: string]: JsonSchema }, extra: Partial<JsonSchema> = {}): JsonSchema =>
  ({ type: 'object', properties, ...extra });
const arr = (items: JsonSchema, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'array', items, ...extra });
const atomicStrings = (): JsonSchema => arr(str(), { 'x-kubernetes-list-type': 'atomic' });
const stringMap = (): JsonSchema => ({ type: 'object', additionalProperties: str() });
const intOrString = (): JsonSchema => ({
  'anyOf': [{ type: 'integer' }, { type: 'string' }],
  'x-kubernetes-int-or-string': true,
});
/** A feature-gated subtree: Knative declares it opaque and lets its webhook decide. */
const gated = (flag: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  'description': `This is accessible behind a feature flag - ${flag}`,
  'type': 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  ...extra,
});
const gatedList = (flag: string): JsonSchema => arr(gated(flag));

const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const quantityMap = (): JsonSchema => ({
  type: 'object',
  additionalProperties: {
    'anyOf': [{ type: 'integer' }, { type: 'string' }],
    'pattern': QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  },
});

const nameDefaulted = (): JsonSchema => str({ default: '' });

const keyToPathItems = (): JsonSchema => arr(obj({ key: str(), mode: int32(), path: str() }, { required: ['key', 'path'] }),
  { 'x-kubernetes-list-type': 'atomic' });

function probe(): JsonSchema {
  return obj({
    exec: obj({ command: atomicStrings() }),
    failureThreshold: int32(),
    grpc: obj({ port: int32(), service: str({ default: '' }) }),
    httpGet: obj({
      host: str(),
      httpHeaders: arr(obj({ name: str(), value: str() }, { required: ['name', 'value'] }), { 'x-kubernetes-list-type': 'atomic' }),
      path: str(),
      port: intOrString(),
      scheme: str(),
    }),
    initialDelaySeconds: int32(),
    periodSeconds: int32(),
    successThreshold: int32(),
    tcpSocket: obj({ host: str(), port: intOrString() }),
    timeoutSeconds: int32(),
  });
}

function container(): JsonSchema {
  const keyRef = (): JsonSchema => obj({ key: str(), name: nameDefaulted(), optional: bool() },
    { 'required': ['key'], 'x-kubernetes-map-type': 'atomic' });
  const localRef = (): JsonSchema => obj({ name: nameDefaulted(), optional: bool() }, { 'x-kubernetes-map-type': 'atomic' });
  return obj({
    args: atomicStrings(),
    command: atomicStrings(),
    env: arr(obj({
      name: str(),
      value: str(),
      valueFrom: obj({
        configMapKeyRef: keyRef(),
        fieldRef: gated('kubernetes.podspec-fieldref', { 'x-kubernetes-map-type': 'atomic' }),
        resourceFieldRef: gated('kubernetes.podspec-fieldref', { 'x-kubernetes-map-type': 'atomic' }),
        secretKeyRef: keyRef(),
      }),
    }, { required: ['name'] }), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    envFrom: arr(obj({ configMapRef: localRef(), prefix: str(), secretRef: localRef() }), { 'x-kubernetes-list-type': 'atomic' }),
    image: str(),
    imagePullPolicy: str(),
    livenessProbe: probe(),
    name: str(),
    ports: arr(obj({ containerPort: int32(), name: str(), protocol: str({ default: 'TCP' }) })),
    readinessProbe: probe(),
    resources: obj({ limits: quantityMap(), requests: quantityMap() }),
    securityContext: obj({
      allowPrivilegeEscalation: bool(),
      capabilities: obj({ add: atomicStrings(), drop: atomicStrings() }),
      privileged: bool(),
      readOnlyRootFilesystem: bool(),
      runAsGroup: int64(),
      runAsNonRoot: bool(),
      runAsUser: int64(),
      seccompProfile: obj({ localhostProfile: str(), type: str() }, { required: ['type'] }),
    }),
    startupProbe: probe(),
    terminationMessagePath: str(),
    terminationMessagePolicy: str(),
    volumeMounts: arr(obj({ mountPath: str(), mountPropagation: str(), name: str(), readOnly: bool(), subPath: str() },
      { required: ['mountPath', 'name'] }), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['mountPath'] }),
    workingDir: str(),
  });
}

function volume(): JsonSchema {
  return obj({
    configMap: obj({ defaultMode: int32(), items: keyToPathItems(), name: nameDefaulted(), optional: bool() },
      { 'x-kubernetes-map-type': 'atomic' }),
    csi: gated('kubernetes.podspec-volumes-csi'),
    emptyDir: gated('kubernetes.podspec-volumes-emptydir'),
    ephemeral: gated('kubernetes.podspec-volumes-ephemeral'),
    hostPath: gated('kubernetes.podspec-volumes-hostpath'),
    image: gated('kubernetes.podspec-volumes-image'),
    name: str(),
    persistentVolumeClaim: gated('kubernetes.podspec-persistent-volume-claim'),
    projected: obj({
      defaultMode: int32(),
      sources: arr(obj({
        configMap: obj({ items: keyToPathItems(), name: nameDefaulted(), optional: bool() }, { 'x-kubernetes-map-type': 'atomic' }),
        downwardAPI: obj({
          items: arr(obj({
            fieldRef: obj({ apiVersion: str(), fieldPath: str() }, { 'required': ['fieldPath'], 'x-kubernetes-map-type': 'atomic' }),
            mode: int32(),
            path: str(),
            resourceFieldRef: obj({ containerName: str(), divisor: intOrString(), resource: str() },
              { 'required': ['resource'], 'x-kubernetes-map-type': 'atomic' }),
          }, { required: ['path'] }), { 'x-kubernetes-list-type': 'atomic' }),
        }),
        secret: obj({ items: keyToPathItems(), name: nameDefaulted(), optional: bool() }, { 'x-kubernetes-map-type': 'atomic' }),
        serviceAccountToken: obj({ audience: str(), expirationSeconds: int64(), path: str() }, { required: ['path'] }),
      }), { 'x-kubernetes-list-type': 'atomic' }),
    }),
    secret: obj({ defaultMode: int32(), items: keyToPathItems(), optional: bool(), secretName: str() }),
  }, { required: ['name'] });
}

/** RevisionSpec: restricted PodSpec + Knative fields (§6.1, §6.5). */
function revisionSpec(): JsonSchema {
  return obj({
    affinity: gated('kubernetes.podspec-affinity'),
    automountServiceAccountToken: bool(),
    containerConcurrency: int64(),
    containers: arr(container()),
    dnsConfig: gated('kubernetes.podspec-dnsconfig'),
    dnsPolicy: str({ description: 'This is accessible behind a feature flag - kubernetes.podspec-dnspolicy' }),
    enableServiceLinks: bool(),
    hostAliases: gatedList('kubernetes.podspec-hostaliases'),
    hostIPC: bool(),
    hostNetwork: bool(),
    hostPID: bool(),
    idleTimeoutSeconds: int64(),
    imagePullSecrets: arr(obj({ name: nameDefaulted() }, { 'x-kubernetes-map-type': 'atomic' }),
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    initContainers: gatedList('kubernetes.podspec-init-containers'),
    nodeSelector: { ...stringMap(), 'x-kubernetes-map-type': 'atomic' },
    priorityClassName: str(),
    responseStartTimeoutSeconds: int64(),
    runtimeClassName: str(),
    schedulerName: str(),
    securityContext: gated('kubernetes.podspec-securitycontext'),
    serviceAccountName: str(),
    shareProcessNamespace: bool(),
    timeoutSeconds: int64(),
    tolerations: gatedList('kubernetes.podspec-tolerations'),
    topologySpreadConstraints: gatedList('kubernetes.podspec-topologyspreadconstraints'),
    volumes: arr(volume(), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
  }, { required: ['containers'] });
}

function revisionTemplate(): JsonSchema {
  return obj({
    metadata: obj({
      annotations: stringMap(),
      finalizers: arr(str()),
      labels: stringMap(),
      name: str(),
      namespace: str(),
    }, { 'x-kubernetes-preserve-unknown-fields': true }),
    spec: revisionSpec(),
  });
}

const trafficTarget = (): JsonSchema => obj({
  configurationName: str(),
  latestRevision: bool(),
  percent: int64(),
  revisionName: str(),
  tag: str(),
  url: str(),
});

const addressable = (): JsonSchema => obj({ CACerts: str(), audience: str(), name: str(), url: str() });

/** Status fields shared by every kind (§2.4). */
function statusWith(extra: { [name: string]: JsonSchema }): JsonSchema {
  return obj({
    annotations: stringMap(),
    conditions: arr(obj({
      lastTransitionTime: str(),
      message: str(),
      reason: str(),
      severity: str(),
      status: str(),
      type: str(),
    }, { required: ['type', 'status'] })),
    observedGeneration: int64(),
    ...extra,
  });
}

function root(description: string, spec: JsonSchema, status: JsonSchema): JsonSchema {
  return obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec,
    status,
  }, { description });
}

const imageStatuses = (): JsonSchema => arr(obj({ imageDigest: str(), name: str() }));

const READY = ".status.conditions[?(@.type=='Ready')].status";
const REASON = ".status.conditions[?(@.type=='Ready')].reason";
const readyColumns = (): PrinterColumn[] => [
  { name: 'Ready', type: 'string', jsonPath: READY },
  { name: 'Reason', type: 'string', jsonPath: REASON },
];

function describeKind(kind: KnativeKind, version: 'v1' | 'v1beta1', plural: string, shortNames: string[],
  labels: { [key: string]: string }, printerColumns: PrinterColumn[], schema: JsonSchema): CrdDescription {
  return {
    kind,
    group: 'serving.knative.dev',
    version,
    apiVersion: `serving.knative.dev/${version}`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    categories: ['all', 'knative', 'serving'],
    labels,
    printerColumns,
    schema,
  };
}

/** Build fresh descriptions (callers may mutate the result). */
export function knativeCrds(): CrdDescription[] {
  return [
    describeKind('Service', 'v1', 'services', ['kservice', 'ksvc'],
      { 'duck.knative.dev/addressable': 'true', 'duck.knative.dev/podspecable': 'true' },
      [
        { name: 'URL', type: 'string', jsonPath: '.status.url' },
        { name: 'LatestCreated', type: 'string', jsonPath: '.status.latestCreatedRevisionName' },
        { name: 'LatestReady', type: 'string', jsonPath: '.status.latestReadyRevisionName' },
        ...readyColumns(),
      ],
      root('Service acts as a top-level container that manages a Route and Configuration.',
        obj({ template: revisionTemplate(), traffic: arr(trafficTarget()) }),
        statusWith({
          address: addressable(),
          latestCreatedRevisionName: str(),
          latestReadyRevisionName: str(),
          traffic: arr(trafficTarget()),
          url: str(),
        }))),
    describeKind('Configuration', 'v1', 'configurations', ['config', 'cfg'],
      { 'duck.knative.dev/podspecable': 'true' },
      [
        { name: 'LatestCreated', type: 'string', jsonPath: '.status.latestCreatedRevisionName' },
        { name: 'LatestReady', type: 'string', jsonPath: '.status.latestReadyRevisionName' },
        ...readyColumns(),
      ],
      root('Configuration represents the "floating HEAD" of a linear history of Revisions.',
        obj({ template: revisionTemplate() }),
        statusWith({ latestCreatedRevisionName: str(), latestReadyRevisionName: str() }))),
    describeKind('Revision', 'v1', 'revisions', ['rev'], {},
      [
        { name: 'Config Name', type: 'string', jsonPath: ".metadata.labels['serving\\.knative\\.dev/configuration']" },
        { name: 'Generation', type: 'string', jsonPath: ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']" },
        ...readyColumns(),
        { name: 'Actual Replicas', type: 'integer', jsonPath: '.status.actualReplicas' },
        { name: 'Desired Replicas', type: 'integer', jsonPath: '.status.desiredReplicas' },
      ],
      root('Revision is an immutable snapshot of code and configuration.',
        revisionSpec(),
        statusWith({
          actualReplicas: int32(),
          containerStatuses: imageStatuses(),
          desiredReplicas: int32(),
          initContainerStatuses: imageStatuses(),
          logUrl: str(),
        }))),
    describeKind('Route', 'v1', 'routes', ['rt'], { 'duck.knative.dev/addressable': 'true' },
      [{ name: 'URL', type: 'string', jsonPath: '.status.url' }, ...readyColumns()],
      root('Route is responsible for configuring ingress over a collection of Revisions.',
        obj({ traffic: arr(trafficTarget()) }),
        statusWith({ address: addressable(), traffic: arr(trafficTarget()), url: str() }))),
    describeKind('DomainMapping', 'v1beta1', 'domainmappings', ['dm'], {},
      [{ name: 'URL', type: 'string', jsonPath: '.status.url' }, ...readyColumns()],
      root('DomainMapping is a mapping from a custom hostname to an Addressable.',
        obj({
          ref: obj({ address: str(), apiVersion: str(), group: str(), kind: str(), name: str(), namespace: str() },
            { required: ['kind', 'name'] }),
          tls: obj({ secretName: str() }, { required: ['secretName'] }),
        }, { required: ['ref'] }),
        statusWith({ address: addressable(), url: str() }))),
  ];
}

const CACHE = new Map<KnativeKind, CrdDescription>(knativeCrds().map(d => [d.kind, d]));

/** The CRD description of one kind (shared instance: do not mutate). */
export function crdFor(kind: KnativeKind): CrdDescription {
  const d = CACHE.get(kind);
  if (!d) throw new Error(`unknown Knative kind "${kind}" (expected one of ${[...CACHE.keys()].join(', ')})`);
  return d;
}

/** The structural schema of one kind (shared instance: do not mutate). */
export function schemaFor(kind: KnativeKind): JsonSchema {
  return crdFor(kind).schema;
}

// ---------------------------------------------------------------------------
// schemaViolations
// ---------------------------------------------------------------------------

/** ObjectMeta fields the API server keeps; anything else under `metadata` is dropped. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations',
  'ownerReferences', 'finalizers', 'managedFields',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkNode(schema: JsonSchema, value: unknown, path: string, out: SchemaViolation[]): void {
  if (value === null || value === undefined) return; // null is dropped for non-nullable fields
  if (schema['x-kubernetes-int-or-string']) {
    const t = typeOf(value);
    if (t !== 'integer' && t !== 'string') {
      out.push({ path, message: `must be an integer or a string, got ${t}` });
    } else if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) {
      out.push({ path, message: `invalid quantity "${value}"` });
    }
    return;
  }
  const t = typeOf(value);
  switch (schema.type) {
    case 'string':
      if (t !== 'string') out.push({ path, message: `must be a string, got ${t}` });
      return;
    case 'boolean':
      if (t !== 'boolean') out.push({ path, message: `must be a boolean, got ${t}` });
      return;
    case 'number':
      if (t !== 'integer' && t !== 'number') out.push({ path, message: `must be a number, got ${t}` });
      return;
    case 'integer': {
      if (t !== 'integer') {
        out.push({ path, message: `must be an integer, got ${t}${t === 'string' ? ` "${String(value)}"` : ''}` });
        return;
      }
      const n = value as number;
      if (schema.format === 'int32' && (n < -2147483648 || n > 2147483647)) {
        out.push({ path, message: `${n} does not fit in int32` });
      } else if (!Number.isSafeInteger(n)) {
        out.push({ path, message: `${n} is not a safe int64 value` });
      }
      return;
    }
    case 'array': {
      if (t !== 'array') {
        out.push({ path, message: `must be an array, got ${t}` });
        return;
      }
      const list = value as unknown[];
      list.forEach((item, i) => checkNode(schema.items ?? {}, item, `${path}[${i}]`, out));
      const keys = schema['x-kubernetes-list-map-keys'];
      if (schema['x-kubernetes-list-type'] === 'map' && keys) {
        const seen = new Map<string, number>();
        list.forEach((item, i) => {
          if (typeOf(item) !== 'object') return;
          const rec = item as Record<string, unknown>;
          const id = JSON.stringify(keys.map(k => rec[k]));
          const prev = seen.get(id);
          if (prev !== undefined) {
            out.push({ path: `${path}[${i}]`, message: `duplicate entry for key [${keys.join(', ')}] = ${keys.map(k => JSON.stringify(rec[k])).join(', ')} (also at index ${prev})` });
          } else {
            seen.set(id, i);
          }
        });
      }
      return;
    }
    case 'object': {
      if (t !== 'object') {
        out.push({ path, message: `must be an object, got ${t}` });
        return;
      }
      const rec = value as Record<string, unknown>;
      for (const req of schema.required ?? []) {
        if (rec[req] === undefined || rec[req] === null) out.push({ path: join(path, req), message: 'Required value' });
      }
      for (const [k, v] of Object.entries(rec)) {
        const p = join(path, k);
        const child = schema.properties?.[k];
        if (child) {
          checkNode(child, v, p, out);
        } else if (schema.additionalProperties) {
          checkNode(schema.additionalProperties, v, p, out);
        } else if (!schema['x-kubernetes-preserve-unknown-fields']) {
          out.push({ path: p, message: 'field not declared in the schema (the API server prunes it, or rejects it under strict field validation)' });
        }
      }
      return;
    }
    default:
      return; // untyped: only int-or-string nodes are untyped, handled above
  }
}

/**
 * Check a Knative object against its CRD schema. Reports, with dotted paths:
 *  - fields the schema does not declare (the API server would prune them);
 *  - type and integer-format mismatches, duplicate list-map keys, missing required fields;
 *  - unknown top-level or `metadata` fields and a wrong `apiVersion`.
 * Returns `[]` for a conforming object. Never throws on odd input.
 */
export function schemaViolations(kind: KnativeKind, manifest: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const crd = crdFor(kind);
  if (typeOf(manifest) !== 'object') return [{ path: '', message: `must be an object, got ${typeOf(manifest)}` }];
  const rec = manifest as Record<string, unknown>;
  if (rec.apiVersion !== undefined && rec.apiVersion !== crd.apiVersion) {
    out.push({ path: 'apiVersion', message: `${kind} is served only as ${crd.apiVersion}, got ${JSON.stringify(rec.apiVersion)}` });
  }
  if (rec.kind !== undefined && rec.kind !== kind) {
    out.push({ path: 'kind', message: `expected "${kind}", got ${JSON.stringify(rec.kind)}` });
  }
  const meta = rec.metadata;
  if (meta !== undefined && meta !== null) {
    if (typeOf(meta) !== 'object') {
      out.push({ path: 'metadata', message: `must be an object, got ${typeOf(meta)}` });
    } else {
      for (const k of Object.keys(meta as object)) {
        if (!OBJECT_META_FIELDS.has(k)) out.push({ path: `metadata.${k}`, message: 'not an ObjectMeta field (the API server drops it)' });
      }
      const m = meta as Record<string, unknown>;
      for (const mapKey of ['labels', 'annotations']) {
        const v = m[mapKey];
        if (v === undefined || v === null) continue;
        if (typeOf(v) !== 'object') {
          out.push({ path: `metadata.${mapKey}`, message: `must be an object, got ${typeOf(v)}` });
          continue;
        }
        for (const [k, val] of Object.entries(v as object)) {
          if (typeof val !== 'string') out.push({ path: `metadata.${mapKey}.${k}`, message: `must be a string, got ${typeOf(val)}` });
        }
      }
    }
  }
  const withoutMeta: Record<string, unknown> = { ...rec };
  delete withoutMeta.metadata;
  checkNode(crd.schema, withoutMeta, '', out);
  return out;
}

/**
 * Paths (dotted, `[]` for list items) of every node carrying `x-kubernetes-preserve-unknown-fields`.
 * Used by tests to pin exactly where the schema is open.
 */
export function preserveUnknownPaths(schema: JsonSchema, path = ''): string[] {
  const out: string[] = [];
  if (schema['x-kubernetes-preserve-unknown-fields']) out.push(path);
  for (const [k, child] of Object.entries(schema.properties ?? {})) out.push(...preserveUnknownPaths(child, join(path, k)));
  if (schema.items) out.push(...preserveUnknownPaths(schema.items, `${path}[]`));
  if (schema.additionalProperties) out.push(...preserveUnknownPaths(schema.additionalProperties, `${path}{}`));
  return out;
}
