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
 * `...Struct` for an embedded (inlined) struct. Types: `string`, `int` (int64), `int32`, `bool`, `quantity`
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
 * Deliberately not modelled (documented limits): keys the table does not know are KEPT (Knative's
 * webhooks decode with unknown fields allowed, i.e. drop them, and the API server's structural
 * schema prunes them before any webhook; our rules reject them deliberately, `must not set the
 * field(s)`), values of the wrong JSON type are kept (Go rejects the object: `goDecodeProblems`
 * lists them and the rules report them), Go's case-insensitive
 * key matching, and the Go types marked `any` (unused PodSpec fields, ephemeral-volume
 * templates, cloud volume sources, status internals).
 */

import { canonicalQuantity } from './quantity';

/** A field's Go type. */
type GoType =
  | { readonly kind: 'string' | 'int' | 'int32' | 'bool' | 'quantity' | 'intstr' | 'time' | 'any' | 'object' }
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
  PodSpec: 'volumes []Volume?; initContainers []Container?; containers []Container; ephemeralContainers []any?; restartPolicy string?; terminationGracePeriodSeconds *int?; activeDeadlineSeconds *int?; dnsPolicy string?; nodeSelector {}string?; serviceAccountName string?; serviceAccount string?; automountServiceAccountToken *bool?; nodeName string?; hostNetwork bool?; hostPID bool?; hostIPC bool?; shareProcessNamespace *bool?; securityContext *PodSecurityContext?; imagePullSecrets []LocalObjectReference?; hostname string?; subdomain string?; affinity *Affinity?; schedulerName string?; tolerations []Toleration?; hostAliases []HostAlias?; priorityClassName string?; priority *int32?; dnsConfig *PodDNSConfig?; readinessGates []any?; runtimeClassName *string?; enableServiceLinks *bool?; preemptionPolicy *string?; overhead {}quantity?; topologySpreadConstraints []TopologySpreadConstraint?; setHostnameAsFQDN *bool?; os *any?; hostUsers *bool?; schedulingGates []any?; resourceClaims []any?; resources *ResourceRequirements?; hostnameOverride *string?; workloadRef *any?',
  Container: 'name string; image string?; command []string?; args []string?; workingDir string?; ports []ContainerPort?; envFrom []EnvFromSource?; env []EnvVar?; resources ResourceRequirements?; resizePolicy []any?; restartPolicy *string?; restartPolicyRules []any?; volumeMounts []VolumeMount?; volumeDevices []any?; livenessProbe *Probe?; readinessProbe *Probe?; startupProbe *Probe?; lifecycle *Lifecycle?; terminationMessagePath string?; terminationMessagePolicy string?; imagePullPolicy string?; securityContext *SecurityContext?; stdin bool?; stdinOnce bool?; tty bool?',
  ContainerPort: 'name string?; hostPort int32?; containerPort int32; protocol string?; hostIP string?',
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
  Probe: '...ProbeHandler; initialDelaySeconds int32?; timeoutSeconds int32?; periodSeconds int32?; successThreshold int32?; failureThreshold int32?; terminationGracePeriodSeconds *int?',
  ProbeHandler: 'exec *ExecAction?; httpGet *HTTPGetAction?; tcpSocket *TCPSocketAction?; grpc *GRPCAction?',
  ExecAction: 'command []string?',
  HTTPGetAction: 'path string?; port intstr; host string?; scheme string?; httpHeaders []HTTPHeader?',
  HTTPHeader: 'name string; value string',
  TCPSocketAction: 'port intstr; host string?',
  GRPCAction: 'port int32; service *string',
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
  TopologySpreadConstraint: 'maxSkew int32; topologyKey string; whenUnsatisfiable string; labelSelector *LabelSelector?; minDomains *int32?; nodeAffinityPolicy *string?; nodeTaintsPolicy *string?; matchLabelKeys []string?',
  Affinity: 'nodeAffinity *NodeAffinity?; podAffinity *PodAffinity?; podAntiAffinity *PodAntiAffinity?',
  NodeAffinity: 'requiredDuringSchedulingIgnoredDuringExecution *NodeSelector?; preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm?',
  NodeSelector: 'nodeSelectorTerms []NodeSelectorTerm',
  NodeSelectorTerm: 'matchExpressions []NodeSelectorRequirement?; matchFields []NodeSelectorRequirement?',
  NodeSelectorRequirement: 'key string; operator string; values []string?',
  PreferredSchedulingTerm: 'weight int32; preference NodeSelectorTerm',
  PodAffinity: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?',
  PodAntiAffinity: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?',
  PodAffinityTerm: 'labelSelector *LabelSelector?; namespaces []string?; topologyKey string; namespaceSelector *LabelSelector?; matchLabelKeys []string?; mismatchLabelKeys []string?',
  WeightedPodAffinityTerm: 'weight int32; podAffinityTerm PodAffinityTerm',
  Volume: 'name string; ...VolumeSource',
  VolumeSource: 'hostPath *HostPathVolumeSource?; emptyDir *EmptyDirVolumeSource?; gcePersistentDisk *any?; awsElasticBlockStore *any?; gitRepo *any?; secret *SecretVolumeSource?; nfs *any?; iscsi *any?; glusterfs *any?; persistentVolumeClaim *PersistentVolumeClaimVolumeSource?; rbd *any?; flexVolume *any?; cinder *any?; cephfs *any?; flocker *any?; downwardAPI *DownwardAPIVolumeSource?; fc *any?; azureFile *any?; configMap *ConfigMapVolumeSource?; vsphereVolume *any?; quobyte *any?; azureDisk *any?; photonPersistentDisk *any?; projected *ProjectedVolumeSource?; portworxVolume *any?; scaleIO *any?; storageos *any?; csi *CSIVolumeSource?; ephemeral *any?; image *ImageVolumeSource?',
  HostPathVolumeSource: 'path string; type *string?',
  EmptyDirVolumeSource: 'medium string?; sizeLimit *quantity?',
  SecretVolumeSource: 'secretName string?; items []KeyToPath?; defaultMode *int32?; optional *bool?',
  ConfigMapVolumeSource: '...LocalObjectReference; items []KeyToPath?; defaultMode *int32?; optional *bool?',
  KeyToPath: 'key string; path string; mode *int32?',
  PersistentVolumeClaimVolumeSource: 'claimName string; readOnly bool?',
  DownwardAPIVolumeSource: 'items []DownwardAPIVolumeFile?; defaultMode *int32?',
  DownwardAPIVolumeFile: 'path string; fieldRef *ObjectFieldSelector?; resourceFieldRef *ResourceFieldSelector?; mode *int32?',
  ProjectedVolumeSource: 'sources []VolumeProjection; defaultMode *int32?',
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

/** A struct's fields by JSON name, and the ones Go writes even when absent (in table order). */
interface Struct {
  readonly fields: ReadonlyMap<string, Field>;
  readonly alwaysWritten: readonly Field[];
}

const PRIMITIVES = new Set(['string', 'int', 'int32', 'bool', 'quantity', 'intstr', 'time', 'any', 'object']);

function parseType(t: string): GoType {
  if (t.startsWith('*')) return { kind: 'ptr', elem: parseType(t.substring(1)) };
  if (t.startsWith('[]')) return { kind: 'slice', elem: parseType(t.substring(2)) };
  if (t.startsWith('{}')) return { kind: 'map', elem: parseType(t.substring(2)) };
  if (PRIMITIVES.has(t)) return { kind: t as 'string' };
  if (!(t in GO_TYPES)) throw new Error(`go-json table: unknown type ${t}`);
  return { kind: 'struct', name: t };
}

/** Whether the zero value of a type is "empty" for `omitempty` (structs and struct-like types never are). */
function zeroIsEmpty(t: GoType): boolean {
  return !['quantity', 'intstr', 'time', 'object', 'struct'].includes(t.kind);
}

const STRUCTS = new Map<string, Struct>();

/** The fields of a struct, embedded structs flattened in (parsed once). */
function structOf(name: string): Struct {
  const known = STRUCTS.get(name);
  if (known) return known;
  const fields = new Map<string, Field>();
  for (const entry of GO_TYPES[name].split(';').map((e) => e.trim())) {
    if (entry.startsWith('...')) {
      for (const [k, f] of structOf(entry.substring(3)).fields) fields.set(k, f);
      continue;
    }
    const [json, spec] = entry.split(' ');
    const m = /^([^?]+)(\?z?)?$/.exec(spec);
    if (!m) throw new Error(`go-json table: bad entry "${entry}" in ${name}`);
    fields.set(json, { json, type: m[1], goType: parseType(m[1]), omitempty: m[2] !== undefined, omitzero: m[2] === '?z' });
  }
  const alwaysWritten = [...fields.values()].filter((f) => !f.omitzero && !(f.omitempty && zeroIsEmpty(f.goType)));
  const struct: Struct = { fields, alwaysWritten };
  STRUCTS.set(name, struct);
  return struct;
}

// Parse the whole table at load, so a typo fails every test at once.
for (const name of Object.keys(GO_TYPES)) structOf(name);

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

/** A plain JSON object (class instances, e.g. cdk8s tokens, are values we do not look into). */
function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Go's zero time.Time (0001-01-01T00:00:00Z), in milliseconds since the epoch. */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** metav1.Time: parsed as RFC 3339, written in UTC without fractional seconds (`null` when zero). */
function encodeTime(v: string): unknown {
  const ms = RFC3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) return v;
  const whole = Math.floor(ms / 1000) * 1000;
  if (whole === ZERO_TIME) return null;
  const d = new Date(whole);
  if (d.getUTCFullYear() > 9999) return v;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The encoding of the value Go decodes for an absent or `null` field. */
function zeroValue(t: GoType, options: GoJsonOptions): unknown {
  switch (t.kind) {
    case 'string':
      return '';
    case 'int':
    case 'int32':
    case 'intstr':
      return 0;
    case 'bool':
      return false;
    case 'quantity':
      return '0';
    case 'object':
      return {};
    case 'struct':
      return encodeStruct(t.name, {}, options);
    default: // ptr, slice, map, any: nil; time: zero
      return null;
  }
}

/** Marks a field Go leaves out. */
const OMIT = Symbol('omit');

/**
 * The JSON Go writes for a struct field read from `v` (present, possibly `null`), or OMIT.
 * `omitempty` drops false, 0, "", nil pointers and nil or empty slices and maps (judged by the
 * decoded value: a non-nil pointer is never empty); `omitzero` drops zero values (only used on
 * metav1.Time, whose zero value is written as `null`).
 */
function encodeField(f: Field, v: unknown, options: GoJsonOptions): unknown {
  const t = f.goType;
  const e = v === null ? zeroValue(t, options) : decodeEncode(t, v, options);
  if (f.omitzero && e === null) return OMIT;
  if (f.omitempty) {
    switch (t.kind) {
      case 'string':
        if (e === '') return OMIT;
        break;
      case 'int':
      case 'int32':
        if (e === 0) return OMIT;
        break;
      case 'bool':
        if (e === false) return OMIT;
        break;
      case 'ptr':
      case 'any':
        if (v === null) return OMIT;
        break;
      case 'slice':
        if (e === null || (Array.isArray(e) && e.length === 0)) return OMIT;
        break;
      case 'map':
        if (e === null || (isObject(e) && !hasKeys(e))) return OMIT;
        break;
    }
  }
  return e;
}

/**
 * `obj[key] = value` as an own property: for `__proto__` (a key JSON may carry, and Go keeps as
 * any other) plain assignment would set the object's prototype and drop the key.
 */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/**
 * A struct, decoded and encoded. Copy on write: returns `input` itself when Go would write it
 * unchanged, else a new object (input key order, then the fields Go adds).
 */
function encodeStruct(name: string, input: Record<string, unknown>, options: GoJsonOptions): Record<string, unknown> {
  const { fields, alwaysWritten } = structOf(name);
  let out: Record<string, unknown> | undefined;
  for (const key in input) {
    const v = input[key];
    const f = fields.get(key);
    // Keys the table does not know are kept (see the module comment).
    const e = v === undefined ? OMIT : f === undefined ? v : encodeField(f, v, options);
    if (out === undefined) {
      if (e === v) continue;
      out = {};
      for (const k in input) {
        if (k === key) break;
        setOwn(out, k, input[k]);
      }
    }
    if (e !== OMIT) setOwn(out, key, e);
  }
  if (options.fillAbsent !== false) {
    for (const f of alwaysWritten) {
      if (input[f.json] !== undefined) continue;
      out ??= { ...input };
      out[f.json] = zeroValue(f.goType, options);
    }
  }
  return out ?? input;
}

/** Decode `v` (present and not `null`) into `t` and encode it again; `v` itself when unchanged. */
function decodeEncode(t: GoType, v: unknown, options: GoJsonOptions): unknown {
  switch (t.kind) {
    case 'quantity': {
      const text = typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
      const q = text === undefined ? undefined : canonicalQuantity(text);
      return q === undefined || q === v ? v : q;
    }
    case 'time':
      return typeof v === 'string' ? encodeTime(v) : v;
    case 'ptr':
      return decodeEncode(t.elem, v, options);
    case 'slice': {
      if (!Array.isArray(v)) return v;
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        const e = x === null || x === undefined ? (x === null ? zeroValue(t.elem, options) : null) : decodeEncode(t.elem, x, options);
        if (out === undefined) {
          if (e === x) continue;
          out = v.slice(0, i);
        }
        out.push(e);
      }
      return out ?? v;
    }
    case 'map': {
      if (!isObject(v)) return v;
      let out: Record<string, unknown> | undefined;
      for (const key in v) {
        const x = v[key];
        const e = x === undefined ? OMIT : x === null ? zeroValue(t.elem, options) : decodeEncode(t.elem, x, options);
        if (out === undefined) {
          if (e === x) continue;
          out = {};
          for (const k in v) {
            if (k === key) break;
            setOwn(out, k, v[k]);
          }
        }
        if (e !== OMIT) setOwn(out, key, e);
      }
      return out ?? v;
    }
    case 'struct':
      return isObject(v) ? encodeStruct(t.name, v, options) : v;
    default:
      // string, int, bool, intstr, any, object: written back as read (a value of the wrong JSON
      // type is kept: Go would reject the object).
      return v;
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
 * `RevisionSpec`, `Container`, …). Never mutates its input (parts Go writes unchanged are
 * shared with it, and so is the whole value when nothing changes); never throws on odd input.
 */
export function goJsonRoundTripAs(typeName: string, value: unknown, options: GoJsonOptions = {}): unknown {
  if (!(typeName in GO_TYPES)) throw new Error(`goJsonRoundTripAs: unknown Go type "${typeName}" (known: ${Object.keys(GO_TYPES).join(', ')})`);
  if (value === undefined) return undefined;
  return value === null ? zeroValue({ kind: 'struct', name: typeName }, options) : decodeEncode({ kind: 'struct', name: typeName }, value, options);
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
  const field = typeName === undefined ? undefined : structOf(typeName).fields.get('spec');
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
    field = structOf(t.name).fields.get(step);
    if (!field) return undefined;
    t = field.goType;
  }
  if (!field) return undefined;
  const { json, type, omitempty, omitzero } = field;
  return { json, type, omitempty, omitzero };
}

// ---------------------------------------------------------------------------
// "Set" as Knative's field masks see it, and values Go cannot decode
// ---------------------------------------------------------------------------

/**
 * Whether a decoded value differs from its Go zero value, the test Knative's field masks make
 * (`apis.CheckDisallowedFields` compares the object with its mask using go-cmp): a pointer,
 * slice or map is set whenever it is not nil, so `terminationGracePeriodSeconds: 0`,
 * `shareProcessNamespace: false`, `runtimeClassName: ""`, `affinity: {}` and `tolerations: []`
 * are all set (the round trip of the defaulting webhook drops an empty list or map of an
 * `omitempty` field before that, see `goJsonRoundTrip`); a plain string, int or bool is set
 * unless "" / 0 / false; a struct value is set when any of its fields is; a quantity unless it
 * is zero. `null` and undefined are never set.
 */
function valueIsSet(t: GoType, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (t.kind) {
    case 'ptr':
    case 'slice':
    case 'map':
    case 'time':
      return true;
    case 'string':
      return v !== '';
    case 'int':
    case 'int32':
      return v !== 0;
    case 'bool':
      return v !== false;
    case 'intstr':
      return v !== 0;
    case 'quantity': {
      const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
      return text === undefined || canonicalQuantity(text) !== '0';
    }
    case 'struct':
      return !isObject(v) || structIsSet(t.name, v);
    default: // any, object: a struct we do not model
      return !isObject(v) || hasKeys(v);
  }
}

function structIsSet(name: string, v: Record<string, unknown>): boolean {
  const { fields } = structOf(name);
  for (const key in v) {
    const f = fields.get(key);
    // A key Go does not know counts as set: the rules reject unknown keys deliberately.
    if (f === undefined ? v[key] !== undefined : valueIsSet(f.goType, v[key])) return true;
  }
  return false;
}

/**
 * Whether field `key` of a value of the Go struct `typeName` is set as Knative's field masks see
 * it (see `valueIsSet` above): `shareProcessNamespace: false` (`*bool`) is set, `hostNetwork:
 * false` (`bool`) is not. A key the struct does not have is set whenever present (Knative
 * decodes with unknown fields allowed and drops them; our rules reject them deliberately).
 */
export function goFieldIsSet(typeName: string, key: string, value: unknown): boolean {
  const f = structOf(typeName).fields.get(key);
  if (f === undefined) return value !== undefined;
  return valueIsSet(f.goType, value);
}

/** Whether a whole value of the Go struct `typeName` differs from the zero struct (any field set). */
export function goStructIsSet(typeName: string, value: unknown): boolean {
  return valueIsSet({ kind: 'struct', name: typeName }, value);
}

/** Whether `typeName` is a Go struct of the table. */
export function isGoStruct(typeName: string): boolean {
  return Object.prototype.hasOwnProperty.call(GO_TYPES, typeName);
}

/** A value Go's `encoding/json` cannot decode into the field's type: Knative rejects the object. */
export interface GoDecodeProblem {
  /** Dotted path with list indices, e.g. `spec.template.spec.containers[0].args[0]`. */
  readonly path: string;
  /** The value found. */
  readonly value: unknown;
  /** What the field takes, e.g. `a string`, `an integer`, `a resource quantity`. */
  readonly expected: string;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  int: 'an integer',
  int32: 'an integer between -2147483648 and 2147483647',
  bool: 'a boolean (true or false)',
  quantity: 'a resource quantity',
  intstr: 'an integer or a string',
  time: 'an RFC 3339 time',
  slice: 'a list',
  map: 'an object (a map)',
  struct: 'an object',
};

const INT64_LIMIT = 2 ** 63;
const INT32_LIMIT = 2 ** 31;

/** Whether Go parses the text of a quantity (memoized: manifests repeat the same few). */
function quantityDecodes(text: string): boolean {
  let ok = QUANTITY_MEMO.get(text);
  if (ok === undefined) {
    ok = canonicalQuantity(text) !== undefined;
    if (QUANTITY_MEMO.size >= 1024) QUANTITY_MEMO.clear();
    QUANTITY_MEMO.set(text, ok);
  }
  return ok;
}
const QUANTITY_MEMO = new Map<string, boolean>();

/** The dotted path of the keys in `stack` (numbers are list indices). */
function pathOf(stack: ReadonlyArray<string | number>): string {
  let p = '';
  for (const k of stack) p = typeof k === 'number' ? `${p}[${k}]` : p === '' ? k : `${p}.${k}`;
  return p;
}

/** Walks `v` as Go would decode it into `t`; `stack` holds the keys down to `v` (paths are built only for problems). */
function decodeProblems(t: GoType, v: unknown, stack: Array<string | number>, out: GoDecodeProblem[]): void {
  if (v === undefined || v === null) return; // null decodes to the zero value
  let ok = true;
  switch (t.kind) {
    case 'ptr':
      decodeProblems(t.elem, v, stack, out);
      return;
    case 'string':
      ok = typeof v === 'string';
      break;
    case 'int':
      ok = typeof v === 'number' && Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT;
      break;
    case 'int32':
      ok = typeof v === 'number' && Number.isInteger(v) && v >= -INT32_LIMIT && v < INT32_LIMIT;
      break;
    case 'bool':
      ok = typeof v === 'boolean';
      break;
    case 'quantity':
      // Quantity.UnmarshalJSON parses a JSON string or the text of a JSON number.
      ok = (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) && quantityDecodes(String(v));
      break;
    case 'intstr':
      // IntOrString: a JSON string, or a number that decodes into an int32.
      ok = typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= -INT32_LIMIT && v < INT32_LIMIT);
      break;
    case 'time':
      // metav1.Time.UnmarshalJSON: a JSON string that time.Parse(time.RFC3339, …) reads.
      ok = typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
      break;
    case 'slice':
      if (!Array.isArray(v)) {
        ok = false;
        break;
      }
      for (let i = 0; i < v.length; i++) {
        stack.push(i);
        decodeProblems(t.elem, v[i], stack, out);
        stack.pop();
      }
      return;
    case 'map':
      if (!isObject(v)) {
        ok = false;
        break;
      }
      for (const key in v) {
        stack.push(key);
        decodeProblems(t.elem, v[key], stack, out);
        stack.pop();
      }
      return;
    case 'struct': {
      if (!isObject(v)) {
        ok = false;
        break;
      }
      const { fields } = structOf(t.name);
      for (const key in v) {
        const f = fields.get(key);
        // Keys Go does not know are left to the field masks (`must not set the field(s)`).
        if (f === undefined) continue;
        stack.push(key);
        decodeProblems(f.goType, v[key], stack, out);
        stack.pop();
      }
      return;
    }
    default: // any, object: not modelled
      return;
  }
  if (!ok) out.push({ path: pathOf(stack), value: v, expected: EXPECTED[t.kind] });
}

/**
 * Every value of a Knative object that Go's `encoding/json` cannot decode into Knative's Go
 * types (a number where a string goes, e.g. in `args`; a list where an object goes; an
 * unparsable resource quantity; 1.5 for an integer). Knative's webhooks decode the object
 * before anything else and reject it when this fails. `[]` for objects of other kinds and for
 * values we do not model (see the module comment). Unknown keys are not reported here.
 */
export function goDecodeProblems(manifest: unknown): GoDecodeProblem[] {
  const out: GoDecodeProblem[] = [];
  if (!isObject(manifest)) return out;
  const typeName = goTypeOf(manifest);
  if (typeName !== undefined) decodeProblems({ kind: 'struct', name: typeName }, manifest, [], out);
  return out;
}
