/**
 * Structural OpenAPI v3 schemas of the Knative Serving CRDs (reference §1, §6.5–§6.10, §7.1, §8.1).
 *
 * PURE module (no cdk8s / constructs / Kubernetes client). ONE source of truth:
 *  - `ServingControlPlane` renders its CustomResourceDefinitions from `KNATIVE_CRDS`;
 *  - the test-only checker in test/support/schema-validator.ts reports what the API server would
 *    prune (fields the schema does not declare) or reject (type/format mismatches, missing
 *    required fields); tests and the API emulator use it.
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

/**
 * The structural schema of ClusterDomainClaim (`networking.internal.knative.dev/v1alpha1`,
 * cluster-scoped): upstream's `config/core/300-resources/domain-claim.yaml`. The DomainMapping
 * reconciler reads and (with `autocreate-cluster-domain-claims`) creates them.
 */
export function clusterDomainClaimSchema(): JsonSchema {
  return obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: obj({
      namespace: str({ description: 'Namespace is the namespace which is allowed to create a DomainMapping using this ClusterDomainClaim\'s name.' }),
    }, { required: ['namespace'] }),
  }, { description: 'ClusterDomainClaim is a cluster-wide reservation for a particular domain name.' });
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
