/**
 * What Knative's admission does to an object before anything else: its defaulting webhook
 * (knative.dev/pkg `webhook/resourcesemantics/defaulting`, `roundTripPatch`) decodes the request
 * JSON into the Go types and encodes it again with `encoding/json`, and patches the difference
 * into the object. `goJsonRoundTrip()` computes that encode(decode(manifest)).
 *
 * PURE module. `GO_TYPES` below is our own compact table of the `json` struct tags of the Go
 * types, read from knative.dev/serving `pkg/apis/serving/v1` + `v1beta1` (Knative 1.17–1.23,
 * identical tags), knative.dev/pkg `apis/duck/v1` (KReference) and k8s.io/api `core/v1` +
 * k8s.io/apimachinery `meta/v1` v0.35 (only optional fields were added since v0.31). Entry
 * syntax: `jsonName type` with `?` for `omitempty`, `?z` for `omitempty,omitzero`, and
 * `...Struct` for an embedded (inlined) struct. Types: `string`, `int`, `bool`, `quantity`
 * (resource.Quantity), `intstr` (IntOrString), `time` (metav1.Time), `any` (a Go type we do not
 * model: kept as given), `object` (a struct we do not model: `{}` when absent, else kept), a
 * struct name, and the prefixes `*` (pointer), `[]` (slice) and `{}` (map[string]…).
 *
 * Go's rules, as applied here:
 *  - decoding: `null` leaves a plain value at its zero value ("" / 0 / false / zero struct) and
 *    makes a pointer, slice or map nil;
 *  - encoding with `omitempty` drops false, 0, "", nil pointers and nil OR EMPTY slices and
 *    maps, but never a struct value (`resources: {}` stays) and never a non-nil pointer
 *    (`containerConcurrency: 0` is `*int64` and stays);
 *  - a field without `omitempty` is always written, at its zero value when absent (`port: 0`
 *    of an httpGet probe, `null` for a nil pointer, `{}` for a struct);
 *  - `resource.Quantity` is written in canonical form (see `canonicalQuantity`), IntOrString as
 *    given, metav1.Time as RFC 3339 UTC seconds (`null` when zero; omitted in ObjectMeta since
 *    apimachinery v0.34 = Knative 1.21, which added `omitzero`; Knative ≤ 1.20 writes
 *    `creationTimestamp: null` there).
 *
 * Deliberately not modelled (documented limits): keys the table does not know are KEPT (Knative
 * decodes with unknown fields disallowed and rejects the object; `schemaViolations` reports
 * them), values of the wrong JSON type are kept (Go rejects the object), Go's case-insensitive
 * key matching, and the Go types marked `any` (unused PodSpec fields, ephemeral-volume
 * templates, cloud volume sources, status internals).
 */

import { canonicalQuantity } from './quantity';

/** A field's Go type. */
type GoType =
  | { readonly kind: 'string' | 'int' | 'bool' | 'quantity' | 'intstr' | 'time' | 'any' | 'object' }
  | { readonly kind: 'ptr' | 'slice' | 'map'; readonly elem: GoType }
  | { readonly kind: 'struct'; readonly name: string };

/** One JSON field of a Go struct. */
export interface GoField {
  /** The JSON name. */
  readonly json: string;
  /** The Go type, in the table's notation (`*int`, `[]Container`, `{}quantity`, …). */
  readonly type: string;
  /** `omitempty` in the struct tag. */
  readonly omitempty: boolean;
  /** `omitzero` in the struct tag. */
  readonly omitzero: boolean;
}

/** The Knative kinds and the Go type of each. */
const KIND_TYPES: Record<string, string> = {
  'serving.knative.dev/v1/Service': 'Service',
  'serving.knative.dev/v1/Configuration': 'Configuration',
  'serving.knative.dev/v1/Revision': 'Revision',
  'serving.knative.dev/v1/Route': 'Route',
  'serving.knative.dev/v1beta1/DomainMapping': 'DomainMapping',
};

/** `json` tags of the Go types (see the module comment for the notation). */
const GO_TYPES: Record<string, string> = {
  // knative.dev/serving pkg/apis/serving/v1, v1beta1; knative.dev/pkg apis/duck/v1
  TypeMeta: 'kind string?; apiVersion string?',
  Service: '...TypeMeta; metadata ObjectMeta?; spec ServiceSpec?; status object?',
  ServiceSpec: '...ConfigurationSpec; ...RouteSpec',
  Configuration: '...TypeMeta; metadata ObjectMeta?; spec ConfigurationSpec?; status object?',
  ConfigurationSpec: 'template RevisionTemplateSpec',
  RevisionTemplateSpec: 'metadata ObjectMeta?; spec RevisionSpec?',
  Revision: '...TypeMeta; metadata ObjectMeta?; spec RevisionSpec?; status object?',
  RevisionSpec: '...PodSpec; containerConcurrency *int?; timeoutSeconds *int?; responseStartTimeoutSeconds *int?; idleTimeoutSeconds *int?',
  Route: '...TypeMeta; metadata ObjectMeta?; spec RouteSpec?; status object?',
  RouteSpec: 'traffic []TrafficTarget?',
  TrafficTarget: 'tag string?; revisionName string?; configurationName string?; latestRevision *bool?; percent *int?; url *any?',
  DomainMapping: '...TypeMeta; metadata ObjectMeta?; spec DomainMappingSpec?; status object?',
  DomainMappingSpec: 'ref KReference; tls *SecretTLS?',
  KReference: 'kind string; namespace string?; name string; apiVersion string?; group string?; address *string?',
  SecretTLS: 'secretName string',

  // k8s.io/apimachinery pkg/apis/meta/v1
  ObjectMeta: 'name string?; generateName string?; namespace string?; selfLink string?; uid string?; resourceVersion string?; generation int?; creationTimestamp time?z; deletionTimestamp *time?; deletionGracePeriodSeconds *int?; labels {}string?; annotations {}string?; ownerReferences []OwnerReference?; finalizers []string?; managedFields []any?',
  OwnerReference: 'apiVersion string; kind string; name string; uid string; controller *bool?; blockOwnerDeletion *bool?',
  LabelSelector: 'matchLabels {}string?; matchExpressions []LabelSelectorRequirement?',
  LabelSelectorRequirement: 'key string; operator string; values []string?',

  // k8s.io/api core/v1
  PodSpec: 'volumes []Volume?; initContainers []Container?; containers []Container; ephemeralContainers []any?; restartPolicy string?; terminationGracePeriodSeconds *int?; activeDeadlineSeconds *int?; dnsPolicy string?; nodeSelector {}string?; serviceAccountName string?; serviceAccount string?; automountServiceAccountToken *bool?; nodeName string?; hostNetwork bool?; hostPID bool?; hostIPC bool?; shareProcessNamespace *bool?; securityContext *PodSecurityContext?; imagePullSecrets []LocalObjectReference?; hostname string?; subdomain string?; affinity *Affinity?; schedulerName string?; tolerations []Toleration?; hostAliases []HostAlias?; priorityClassName string?; priority *int?; dnsConfig *PodDNSConfig?; readinessGates []any?; runtimeClassName *string?; enableServiceLinks *bool?; preemptionPolicy *string?; overhead {}quantity?; topologySpreadConstraints []TopologySpreadConstraint?; setHostnameAsFQDN *bool?; os *any?; hostUsers *bool?; schedulingGates []any?; resourceClaims []any?; resources *ResourceRequirements?; hostnameOverride *string?; workloadRef *any?',
  Container: 'name string; image string?; command []string?; args []string?; workingDir string?; ports []ContainerPort?; envFrom []EnvFromSource?; env []EnvVar?; resources ResourceRequirements?; resizePolicy []any?; restartPolicy *string?; restartPolicyRules []any?; volumeMounts []VolumeMount?; volumeDevices []any?; livenessProbe *Probe?; readinessProbe *Probe?; startupProbe *Probe?; lifecycle *Lifecycle?; terminationMessagePath string?; terminationMessagePolicy string?; imagePullPolicy string?; securityContext *SecurityContext?; stdin bool?; stdinOnce bool?; tty bool?',
  ContainerPort: 'name string?; hostPort int?; containerPort int; protocol string?; hostIP string?',
  EnvVar: 'name string; value string?; valueFrom *EnvVarSource?',
  EnvVarSource: 'fieldRef *ObjectFieldSelector?; resourceFieldRef *ResourceFieldSelector?; configMapKeyRef *ConfigMapKeySelector?; secretKeyRef *SecretKeySelector?; fileKeyRef *any?',
  ObjectFieldSelector: 'apiVersion string?; fieldPath string',
  ResourceFieldSelector: 'containerName string?; resource string; divisor quantity?',
  LocalObjectReference: 'name string?',
  ConfigMapKeySelector: '...LocalObjectReference; key string; optional *bool?',
  SecretKeySelector: '...LocalObjectReference; key string; optional *bool?',
  EnvFromSource: 'prefix string?; configMapRef *ConfigMapEnvSource?; secretRef *SecretEnvSource?',
  ConfigMapEnvSource: '...LocalObjectReference; optional *bool?',
  SecretEnvSource: '...LocalObjectReference; optional *bool?',
  ResourceRequirements: 'limits {}quantity?; requests {}quantity?; claims []ResourceClaim?',
  ResourceClaim: 'name string; request string?',
  VolumeMount: 'name string; readOnly bool?; recursiveReadOnly *string?; mountPath string; subPath string?; mountPropagation *string?; subPathExpr string?',
  Probe: '...ProbeHandler; initialDelaySeconds int?; timeoutSeconds int?; periodSeconds int?; successThreshold int?; failureThreshold int?; terminationGracePeriodSeconds *int?',
  ProbeHandler: 'exec *ExecAction?; httpGet *HTTPGetAction?; tcpSocket *TCPSocketAction?; grpc *GRPCAction?',
  ExecAction: 'command []string?',
  HTTPGetAction: 'path string?; port intstr; host string?; scheme string?; httpHeaders []HTTPHeader?',
  HTTPHeader: 'name string; value string',
  TCPSocketAction: 'port intstr; host string?',
  GRPCAction: 'port int; service *string',
  Lifecycle: 'postStart *LifecycleHandler?; preStop *LifecycleHandler?; stopSignal *string?',
  LifecycleHandler: 'exec *ExecAction?; httpGet *HTTPGetAction?; tcpSocket *TCPSocketAction?; sleep *SleepAction?',
  SleepAction: 'seconds int',
  SecurityContext: 'capabilities *Capabilities?; privileged *bool?; seLinuxOptions *SELinuxOptions?; windowsOptions *WindowsSecurityContextOptions?; runAsUser *int?; runAsGroup *int?; runAsNonRoot *bool?; readOnlyRootFilesystem *bool?; allowPrivilegeEscalation *bool?; procMount *string?; seccompProfile *SeccompProfile?; appArmorProfile *AppArmorProfile?',
  Capabilities: 'add []string?; drop []string?',
  SeccompProfile: 'type string; localhostProfile *string?',
  AppArmorProfile: 'type string; localhostProfile *string?',
  SELinuxOptions: 'user string?; role string?; type string?; level string?',
  WindowsSecurityContextOptions: 'gmsaCredentialSpecName *string?; gmsaCredentialSpec *string?; runAsUserName *string?; hostProcess *bool?',
  PodSecurityContext: 'seLinuxOptions *SELinuxOptions?; windowsOptions *WindowsSecurityContextOptions?; runAsUser *int?; runAsGroup *int?; runAsNonRoot *bool?; supplementalGroups []int?; supplementalGroupsPolicy *string?; fsGroup *int?; sysctls []Sysctl?; fsGroupChangePolicy *string?; seccompProfile *SeccompProfile?; appArmorProfile *AppArmorProfile?; seLinuxChangePolicy *string?',
  Sysctl: 'name string; value string',
  Toleration: 'key string?; operator string?; value string?; effect string?; tolerationSeconds *int?',
  HostAlias: 'ip string; hostnames []string?',
  PodDNSConfig: 'nameservers []string?; searches []string?; options []PodDNSConfigOption?',
  PodDNSConfigOption: 'name string?; value *string?',
  TopologySpreadConstraint: 'maxSkew int; topologyKey string; whenUnsatisfiable string; labelSelector *LabelSelector?; minDomains *int?; nodeAffinityPolicy *string?; nodeTaintsPolicy *string?; matchLabelKeys []string?',
  Affinity: 'nodeAffinity *NodeAffinity?; podAffinity *PodAffinity?; podAntiAffinity *PodAntiAffinity?',
  NodeAffinity: 'requiredDuringSchedulingIgnoredDuringExecution *NodeSelector?; preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm?',
  NodeSelector: 'nodeSelectorTerms []NodeSelectorTerm',
  NodeSelectorTerm: 'matchExpressions []NodeSelectorRequirement?; matchFields []NodeSelectorRequirement?',
  NodeSelectorRequirement: 'key string; operator string; values []string?',
  PreferredSchedulingTerm: 'weight int; preference NodeSelectorTerm',
  PodAffinity: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?',
  PodAntiAffinity: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?',
  PodAffinityTerm: 'labelSelector *LabelSelector?; namespaces []string?; topologyKey string; namespaceSelector *LabelSelector?; matchLabelKeys []string?; mismatchLabelKeys []string?',
  WeightedPodAffinityTerm: 'weight int; podAffinityTerm PodAffinityTerm',
  Volume: 'name string; ...VolumeSource',
  VolumeSource: 'hostPath *HostPathVolumeSource?; emptyDir *EmptyDirVolumeSource?; gcePersistentDisk *any?; awsElasticBlockStore *any?; gitRepo *any?; secret *SecretVolumeSource?; nfs *any?; iscsi *any?; glusterfs *any?; persistentVolumeClaim *PersistentVolumeClaimVolumeSource?; rbd *any?; flexVolume *any?; cinder *any?; cephfs *any?; flocker *any?; downwardAPI *DownwardAPIVolumeSource?; fc *any?; azureFile *any?; configMap *ConfigMapVolumeSource?; vsphereVolume *any?; quobyte *any?; azureDisk *any?; photonPersistentDisk *any?; projected *ProjectedVolumeSource?; portworxVolume *any?; scaleIO *any?; storageos *any?; csi *CSIVolumeSource?; ephemeral *any?; image *ImageVolumeSource?',
  HostPathVolumeSource: 'path string; type *string?',
  EmptyDirVolumeSource: 'medium string?; sizeLimit *quantity?',
  SecretVolumeSource: 'secretName string?; items []KeyToPath?; defaultMode *int?; optional *bool?',
  ConfigMapVolumeSource: '...LocalObjectReference; items []KeyToPath?; defaultMode *int?; optional *bool?',
  KeyToPath: 'key string; path string; mode *int?',
  PersistentVolumeClaimVolumeSource: 'claimName string; readOnly bool?',
  DownwardAPIVolumeSource: 'items []DownwardAPIVolumeFile?; defaultMode *int?',
  DownwardAPIVolumeFile: 'path string; fieldRef *ObjectFieldSelector?; resourceFieldRef *ResourceFieldSelector?; mode *int?',
  ProjectedVolumeSource: 'sources []VolumeProjection; defaultMode *int?',
  VolumeProjection: 'secret *SecretProjection?; downwardAPI *DownwardAPIProjection?; configMap *ConfigMapProjection?; serviceAccountToken *ServiceAccountTokenProjection?; clusterTrustBundle *any?; podCertificate *any?',
  SecretProjection: '...LocalObjectReference; items []KeyToPath?; optional *bool?',
  ConfigMapProjection: '...LocalObjectReference; items []KeyToPath?; optional *bool?',
  DownwardAPIProjection: 'items []DownwardAPIVolumeFile?',
  ServiceAccountTokenProjection: 'audience string?; expirationSeconds *int?; path string',
  CSIVolumeSource: 'driver string; readOnly *bool?; fsType *string?; volumeAttributes {}string?; nodePublishSecretRef *LocalObjectReference?',
  ImageVolumeSource: 'reference string?; pullPolicy string?',
};

// ---------------------------------------------------------------------------
// The parsed table
// ---------------------------------------------------------------------------

interface Field extends GoField {
  readonly goType: GoType;
}

const PRIMITIVES = new Set(['string', 'int', 'bool', 'quantity', 'intstr', 'time', 'any', 'object']);

function parseType(t: string): GoType {
  if (t.startsWith('*')) return { kind: 'ptr', elem: parseType(t.substring(1)) };
  if (t.startsWith('[]')) return { kind: 'slice', elem: parseType(t.substring(2)) };
  if (t.startsWith('{}')) return { kind: 'map', elem: parseType(t.substring(2)) };
  if (PRIMITIVES.has(t)) return { kind: t as 'string' };
  if (!(t in GO_TYPES)) throw new Error(`go-json table: unknown type ${t}`);
  return { kind: 'struct', name: t };
}

const STRUCTS = new Map<string, ReadonlyMap<string, Field>>();

/** The fields of a struct, embedded structs flattened in (parsed once). */
function structFields(name: string): ReadonlyMap<string, Field> {
  const known = STRUCTS.get(name);
  if (known) return known;
  const fields = new Map<string, Field>();
  for (const entry of GO_TYPES[name].split(';').map((e) => e.trim())) {
    if (entry.startsWith('...')) {
      for (const [k, f] of structFields(entry.substring(3))) fields.set(k, f);
      continue;
    }
    const [json, spec] = entry.split(' ');
    const m = /^([^?]+)(\?z?)?$/.exec(spec);
    if (!m) throw new Error(`go-json table: bad entry "${entry}" in ${name}`);
    fields.set(json, { json, type: m[1], goType: parseType(m[1]), omitempty: m[2] !== undefined, omitzero: m[2] === '?z' });
  }
  STRUCTS.set(name, fields);
  return fields;
}

// Parse the whole table at load, so a typo fails every test at once.
for (const name of Object.keys(GO_TYPES)) structFields(name);

// ---------------------------------------------------------------------------
// decode + encode
// ---------------------------------------------------------------------------

/** Options of the round trip. */
export interface GoJsonOptions {
  /**
   * Write the fields Go always writes even when the input lacks them (fields without
   * `omitempty` at their zero value, struct fields as `{}`), as `json.Marshal` does.
   * `false` keeps absent fields absent and only applies what Go drops or rewrites.
   * @default true
   */
  readonly fillAbsent?: boolean;
}

/** What encoding a decoded value yields: the JSON, and whether `omitempty`/`omitzero` drop it. */
interface Encoded {
  readonly value: unknown;
  readonly empty: boolean;
  readonly zero: boolean;
}

const kept = (value: unknown): Encoded => ({ value, empty: false, zero: false });
/** A plain JSON object (class instances, e.g. cdk8s tokens, are values we do not look into). */
function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Go's zero time.Time (0001-01-01T00:00:00Z), in milliseconds since the epoch. */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** metav1.Time: parsed as RFC 3339, written in UTC without fractional seconds. */
function encodeTime(v: string): Encoded {
  const ms = RFC3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) return kept(v);
  const whole = Math.floor(ms / 1000) * 1000;
  if (whole === ZERO_TIME) return { value: null, empty: false, zero: true };
  const d = new Date(whole);
  if (d.getUTCFullYear() > 9999) return kept(v);
  return kept(d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

/** The value Go decodes for an absent or `null` field, encoded. */
function zeroOf(t: GoType, options: GoJsonOptions): Encoded {
  switch (t.kind) {
    case 'string':
      return { value: '', empty: true, zero: true };
    case 'int':
      return { value: 0, empty: true, zero: true };
    case 'bool':
      return { value: false, empty: true, zero: true };
    case 'quantity':
      return { value: '0', empty: false, zero: true };
    case 'intstr':
      return { value: 0, empty: false, zero: true };
    case 'time':
      return { value: null, empty: false, zero: true };
    case 'object':
      return { value: {}, empty: false, zero: true };
    case 'struct':
      return { value: encodeStruct(t.name, {}, options), empty: false, zero: true };
    default: // ptr, slice, map, any: nil
      return { value: null, empty: true, zero: true };
  }
}

function encodeStruct(name: string, input: Record<string, unknown>, options: GoJsonOptions): Record<string, unknown> {
  const fields = structFields(name);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const v = input[key];
    if (v === undefined) continue;
    const f = fields.get(key);
    if (!f) {
      out[key] = v; // not in the table: kept (see the module comment)
      continue;
    }
    const e = decodeEncode(f.goType, v, options);
    if ((f.omitempty && e.empty) || (f.omitzero && e.zero)) continue;
    out[key] = e.value;
  }
  if (options.fillAbsent !== false) {
    for (const f of fields.values()) {
      if (f.json in out || (input[f.json] !== undefined)) continue;
      const e = zeroOf(f.goType, options);
      if ((f.omitempty && e.empty) || (f.omitzero && e.zero)) continue;
      out[f.json] = e.value;
    }
  }
  return out;
}

/** Decode `v` (present in the JSON, possibly `null`) into `t` and encode it again. */
function decodeEncode(t: GoType, v: unknown, options: GoJsonOptions): Encoded {
  if (v === null) {
    // A pointer, slice, map or unmodelled value becomes nil; a plain value keeps its zero value.
    return zeroOf(t, options);
  }
  switch (t.kind) {
    case 'string':
      return typeof v === 'string' ? { value: v, empty: v === '', zero: v === '' } : kept(v);
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? { value: v, empty: v === 0, zero: v === 0 } : kept(v);
    case 'bool':
      return typeof v === 'boolean' ? { value: v, empty: !v, zero: !v } : kept(v);
    case 'quantity': {
      const text = typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
      const q = text === undefined ? undefined : canonicalQuantity(text);
      return q === undefined ? kept(v) : { value: q, empty: false, zero: q === '0' };
    }
    case 'intstr': // written back as the int or string it was read as
      return kept(v);
    case 'time':
      return typeof v === 'string' ? encodeTime(v) : kept(v);
    case 'any':
    case 'object':
      return kept(v);
    case 'ptr': {
      const e = decodeEncode(t.elem, v, options);
      return kept(e.value); // a non-nil pointer is never empty
    }
    case 'slice':
      if (!Array.isArray(v)) return kept(v);
      return {
        value: v.map((x) => (x === undefined ? null : decodeEncode(t.elem, x, options).value)),
        empty: v.length === 0,
        zero: false,
      };
    case 'map': {
      if (!isObject(v)) return kept(v);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        if (v[k] !== undefined) out[k] = decodeEncode(t.elem, v[k], options).value;
      }
      return { value: out, empty: Object.keys(out).length === 0, zero: false };
    }
    case 'struct':
      return isObject(v) ? kept(encodeStruct(t.name, v, options)) : kept(v);
  }
}

// ---------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------

/** The Go type name of a Knative object (`Service`, …), from its apiVersion and kind; undefined for other kinds. */
export function goTypeOf(obj: { apiVersion?: unknown; kind?: unknown }): string | undefined {
  return KIND_TYPES[`${String(obj.apiVersion)}/${String(obj.kind)}`];
}

/**
 * `json.Marshal(json.Unmarshal(value))` for a value of the named Go type (`ServiceSpec`,
 * `RevisionSpec`, `Container`, …). Returns a new value; never mutates, never throws on odd input.
 */
export function goJsonRoundTripAs(typeName: string, value: unknown, options: GoJsonOptions = {}): unknown {
  if (!(typeName in GO_TYPES)) throw new Error(`goJsonRoundTripAs: unknown Go type "${typeName}" (known: ${Object.keys(GO_TYPES).join(', ')})`);
  if (value === undefined) return undefined;
  return decodeEncode({ kind: 'struct', name: typeName }, value, options).value;
}

/**
 * What Knative's defaulting webhook makes of a manifest before SetDefaults: the Go JSON round
 * trip of the object through its serving.knative.dev type. Objects of other kinds are returned
 * as they are (Knative's webhooks do not see them). Never mutates its input.
 */
export function goJsonRoundTrip<T>(manifest: T, options: GoJsonOptions = {}): T {
  if (!isObject(manifest)) return manifest;
  const typeName = goTypeOf(manifest);
  if (!typeName) return manifest;
  return goJsonRoundTripAs(typeName, manifest, options) as T;
}

/**
 * `goJsonRoundTripAs` for the `spec` of a Knative object of the given apiVersion and kind
 * (`ServiceSpec`, `RevisionSpec`, …); `spec` is returned as it is for other kinds.
 */
export function goJsonRoundTripSpec(obj: { apiVersion?: unknown; kind?: unknown }, spec: unknown, options: GoJsonOptions = {}): unknown {
  const typeName = goTypeOf(obj);
  const field = typeName === undefined ? undefined : structFields(typeName).get('spec');
  if (!field || field.goType.kind !== 'struct') return spec;
  return goJsonRoundTripAs(field.goType.name, spec, options);
}

/** One difference between a manifest and its Go round trip. */
export interface GoJsonChange {
  /** Dotted path with list indices, e.g. `spec.template.spec.containers[0].readinessProbe.initialDelaySeconds`. */
  readonly path: string;
  /** `removed`: Go drops the value; `changed`: Go writes another value; `added`: Go writes a field the manifest lacks. */
  readonly change: 'removed' | 'changed' | 'added';
  /** The manifest's value (undefined when added). */
  readonly before: unknown;
  /** The round trip's value (undefined when removed). */
  readonly after: unknown;
}

/**
 * How Knative's Go round trip changes a manifest: every removed, rewritten and added field
 * (compared leaf by leaf; an added or removed object is one change). `[]` for a fixed point and
 * for objects of other kinds.
 */
export function goJsonRoundTripChanges(manifest: unknown): GoJsonChange[] {
  const out: GoJsonChange[] = [];
  diff(manifest, goJsonRoundTrip(manifest), '', out);
  return out;
}

function diff(before: unknown, after: unknown, path: string, out: GoJsonChange[]): void {
  const bothObjects = isObject(before) && isObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after) && before.length === after.length;
  if (bothObjects || bothArrays) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      diff(b[k], a[k], bothArrays ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`, out);
    }
    return;
  }
  if (before === undefined && after === undefined) return;
  if (before === undefined) out.push({ path, change: 'added', before, after });
  else if (after === undefined) out.push({ path, change: 'removed', before, after });
  else if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, change: 'changed', before, after });
}

/**
 * The field at `path` below the Go type `typeName` (`[]` steps into a list item, `{}` into a
 * map value); undefined when the table has no such field or the path leaves the modelled types.
 */
export function goFieldAt(typeName: string, path: readonly string[]): GoField | undefined {
  let t: GoType = { kind: 'struct', name: typeName };
  let field: Field | undefined;
  for (const step of path) {
    while (t.kind === 'ptr') t = t.elem;
    if (step === '[]' || step === '{}') {
      if (t.kind !== (step === '[]' ? 'slice' : 'map')) return undefined;
      t = (t as { elem: GoType }).elem;
      continue;
    }
    if (t.kind !== 'struct') return undefined;
    field = structFields(t.name).get(step);
    if (!field) return undefined;
    t = field.goType;
  }
  if (!field) return undefined;
  const { json, type, omitempty, omitzero } = field;
  return { json, type, omitempty, omitzero };
}
