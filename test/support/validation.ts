/**
 * What kube-apiserver itself does to built-in objects on write: server-side defaulting
 * (a practical subset of the registry defaulters — the fields controllers trip over in semantic
 * diffs) and structural validation (required fields, name formats, label syntax, immutable fields).
 */
import type { StatusCause } from './errors';
import { deepEqual, isPlainObject } from './patch';
import type { ResourceType } from './resources';
import type { KubeObject } from '../../src/core/types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0].length === 0 || !isDns1123Subdomain(parts[0]))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

export function isLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v);
}

// ------------------------------------------------------------------ defaulting

function defaultProbe(p: any): void {
  if (!isPlainObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isPlainObject(p.httpGet)) p.httpGet.scheme ??= 'HTTP';
}

function defaultContainer(c: any): void {
  if (!isPlainObject(c)) return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const ref = c.image.split('@')[0];
    const lastSlash = ref.lastIndexOf('/');
    const colon = ref.indexOf(':', lastSlash + 1);
    const tag = colon >= 0 ? ref.slice(colon + 1) : '';
    c.imagePullPolicy = c.image.includes('@') ? 'IfNotPresent' : (tag === '' || tag === 'latest') ? 'Always' : 'IfNotPresent';
  }
  c.resources ??= {};
  for (const port of Array.isArray(c.ports) ? c.ports : []) {
    if (isPlainObject(port)) port.protocol ??= 'TCP';
  }
  for (const env of Array.isArray(c.env) ? c.env : []) {
    if (isPlainObject(env?.valueFrom?.fieldRef)) env.valueFrom.fieldRef.apiVersion ??= 'v1';
    // EnvVar.value is `omitempty` in Go: the API server stores `value: ""` as no value.
    if (isPlainObject(env) && env.value === '') delete env.value;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(spec: any): void {
  if (!isPlainObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (isPlainObject(v?.secret)) v.secret.defaultMode ??= 420;
    if (isPlainObject(v?.configMap)) v.configMap.defaultMode ??= 420;
    if (isPlainObject(v?.projected)) v.projected.defaultMode ??= 420;
  }
}

let ipCounter = 1;
function allocateClusterIp(): string {
  const n = ipCounter++;
  return `10.96.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** kube-apiserver defaulting for built-in kinds (no-op for custom resources). */
export function applyServerDefaults(t: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
  if (t.custom) return;
  const spec: any = obj.spec;
  switch (`${t.group}/${t.kind}`) {
    case '/Namespace':
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name! };
      break;
    case 'apps/Deployment':
      if (!isPlainObject(spec)) return;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if ((spec.strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
        spec.strategy.type = 'RollingUpdate';
        spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...(spec.strategy.rollingUpdate ?? {}) };
      }
      defaultPodSpec(spec.template?.spec);
      break;
    case '/Pod':
      defaultPodSpec(spec);
      break;
    case '/Service': {
      if (!isPlainObject(spec)) return;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
        if (!isPlainObject(p)) continue;
        p.protocol ??= 'TCP';
        if (spec.type !== 'ExternalName') p.targetPort ??= p.port;
      }
      if (spec.type !== 'ExternalName') {
        const oldSpec: any = old?.spec ?? {};
        if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
        if (!spec.clusterIPs && oldSpec.clusterIPs && spec.clusterIP === oldSpec.clusterIP) spec.clusterIPs = oldSpec.clusterIPs;
        if (!spec.clusterIP) spec.clusterIP = allocateClusterIp();
        spec.clusterIPs ??= [spec.clusterIP];
        if (spec.clusterIP !== 'None') {
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      break;
    }
    case '/Secret': {
      obj.type ??= 'Opaque';
      const sd = obj.stringData;
      if (isPlainObject(sd)) {
        const data: Record<string, string> = { ...((obj.data as Record<string, string>) ?? {}) };
        for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        obj.data = data;
      }
      delete obj.stringData;
      break;
    }
    case 'autoscaling/HorizontalPodAutoscaler':
      if (!isPlainObject(spec)) return;
      spec.minReplicas ??= 1;
      if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
        spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
      }
      break;
    case 'networking.k8s.io/NetworkPolicy':
      if (!isPlainObject(spec)) return;
      if (!Array.isArray(spec.policyTypes)) {
        spec.policyTypes = Array.isArray(spec.egress) ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      break;
    default:
      break;
  }
}

// ------------------------------------------------------------------ validation

type Causes = StatusCause[];

function req(causes: Causes, field: string, what = 'Required value'): void {
  causes.push({ reason: 'FieldValueRequired', field, message: what });
}
function bad(causes: Causes, field: string, value: unknown, why: string): void {
  causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
}
function immutable(causes: Causes, field: string, value: unknown): void {
  causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: field is immutable` });
}

function validateMeta(t: ResourceType, obj: KubeObject, causes: Causes): void {
  const m = obj.metadata;
  const name = m.name ?? '';
  if (t.kind === 'Namespace' || (t.group === '' && t.kind === 'Service')) {
    const ok = t.kind === 'Namespace' ? isDns1123Label(name) : isDns1035Label(name);
    if (!ok) {
      bad(causes, 'metadata.name', name, t.kind === 'Namespace'
        ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
        : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
    }
  } else if (!isDns1123Subdomain(name)) {
    bad(causes, 'metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  }
  if (m.labels !== undefined) {
    if (!isPlainObject(m.labels)) {
      bad(causes, 'metadata.labels', m.labels, 'must be a map of strings');
    } else {
      for (const [k, v] of Object.entries(m.labels)) {
        if (!isQualifiedName(k)) bad(causes, 'metadata.labels', k, 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (max 63)');
        if (typeof v !== 'string' || !isLabelValue(v)) bad(causes, `metadata.labels.${k}`, v, 'a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (max 63)');
      }
    }
  }
  if (m.annotations !== undefined) {
    if (!isPlainObject(m.annotations)) {
      bad(causes, 'metadata.annotations', m.annotations, 'must be a map of strings');
    } else {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        if (!isQualifiedName(k)) bad(causes, 'metadata.annotations', k, 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\'');
        if (typeof v !== 'string') bad(causes, `metadata.annotations.${k}`, v, 'must be a string');
        size += k.length + String(v).length;
      }
      if (size > 256 * 1024) bad(causes, 'metadata.annotations', size, 'Too long: must have at most 262144 bytes');
    }
  }
  const refs = m.ownerReferences;
  if (refs !== undefined) {
    if (!Array.isArray(refs)) {
      bad(causes, 'metadata.ownerReferences', refs, 'must be a list');
    } else {
      let controllers = 0;
      refs.forEach((r: any, i: number) => {
        const p = `metadata.ownerReferences[${i}]`;
        for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
          if (typeof r?.[f] !== 'string' || r[f] === '') req(causes, `${p}.${f}`, `Invalid value: "": ${f} must not be empty`);
        }
        if (r?.controller === true) controllers++;
      });
      if (controllers > 1) bad(causes, 'metadata.ownerReferences', refs, 'Only one reference can have Controller set to true');
    }
  }
  if (m.finalizers !== undefined) {
    if (!Array.isArray(m.finalizers)) {
      bad(causes, 'metadata.finalizers', m.finalizers, 'must be a list of strings');
    } else {
      m.finalizers.forEach((f: unknown, i: number) => {
        if (typeof f !== 'string' || !isQualifiedName(f)) bad(causes, `metadata.finalizers[${i}]`, f, 'must be a qualified name');
      });
    }
  }
}

function validateContainers(list: unknown, path: string, causes: Causes, required: boolean): void {
  if (!Array.isArray(list) || list.length === 0) {
    if (required) req(causes, path);
    return;
  }
  const names = new Set<string>();
  list.forEach((c: any, i: number) => {
    const p = `${path}[${i}]`;
    if (typeof c?.name !== 'string' || c.name === '') req(causes, `${p}.name`);
    else if (!isDns1123Label(c.name)) bad(causes, `${p}.name`, c.name, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\'');
    else if (names.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: "${c.name}"` });
    if (typeof c?.name === 'string') names.add(c.name);
    if (typeof c?.image !== 'string' || c.image.trim() === '') req(causes, `${p}.image`);
    for (const [j, port] of (Array.isArray(c?.ports) ? c.ports : []).entries()) {
      const n = port?.containerPort;
      if (!Number.isInteger(n) || n < 1 || n > 65535) bad(causes, `${p}.ports[${j}].containerPort`, n, 'must be between 1 and 65535, inclusive');
    }
  });
}

function validatePodSpec(spec: any, path: string, causes: Causes): void {
  if (!isPlainObject(spec)) {
    req(causes, path);
    return;
  }
  validateContainers(spec.containers, `${path}.containers`, causes, true);
  validateContainers(spec.initContainers, `${path}.initContainers`, causes, false);
  const vols = new Set<string>();
  for (const [i, v] of (Array.isArray(spec.volumes) ? spec.volumes : []).entries()) {
    if (typeof v?.name !== 'string' || !isDns1123Label(v.name)) bad(causes, `${path}.volumes[${i}].name`, v?.name, 'must be a DNS-1123 label');
    else vols.add(v.name);
  }
  for (const c of [...(Array.isArray(spec.containers) ? spec.containers : [])]) {
    for (const [j, vm] of (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []).entries()) {
      if (vm?.name && !vols.has(vm.name)) {
        causes.push({ reason: 'FieldValueNotFound', field: `${path}.containers.volumeMounts[${j}].name`, message: `Not found: "${vm.name}"` });
      }
    }
  }
}

function selectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of (selector?.matchExpressions ?? []) as any[]) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals: string[] = e.values ?? [];
    if (e.operator === 'In' && !(has && vals.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && vals.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function emptySelector(sel: any): boolean {
  return !isPlainObject(sel) || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Structural validation of a built-in object; returns Status causes (empty when valid). */
export function validateStructure(t: ResourceType, obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes: Causes = [];
  validateMeta(t, obj, causes);
  const spec: any = obj.spec;
  const oldSpec: any = old?.spec;
  switch (`${t.group}/${t.kind}`) {
    case 'apps/Deployment': {
      if (!isPlainObject(spec)) {
        req(causes, 'spec');
        break;
      }
      if (emptySelector(spec.selector)) {
        req(causes, 'spec.selector');
      } else if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
        bad(causes, 'spec.template.metadata.labels', spec.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`');
      }
      if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) bad(causes, 'spec.replicas', spec.replicas, 'must be greater than or equal to 0');
      validatePodSpec(spec.template?.spec, 'spec.template.spec', causes);
      if (spec.template?.spec?.restartPolicy !== undefined && spec.template.spec.restartPolicy !== 'Always') {
        causes.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: "${spec.template.spec.restartPolicy}": supported values: "Always"` });
      }
      if (oldSpec && !deepEqual(oldSpec.selector, spec.selector)) immutable(causes, 'spec.selector', spec.selector);
      break;
    }
    case '/Pod':
      validatePodSpec(spec, 'spec', causes);
      break;
    case '/Service': {
      if (!isPlainObject(spec)) {
        req(causes, 'spec');
        break;
      }
      const type = spec.type ?? 'ClusterIP';
      if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
        causes.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: "${type}"` });
      }
      if (type === 'ExternalName') {
        if (!spec.externalName) req(causes, 'spec.externalName');
      } else if (spec.clusterIP !== 'None' && (!Array.isArray(spec.ports) || spec.ports.length === 0)) {
        req(causes, 'spec.ports');
      }
      const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
      const names = new Set<string>();
      ports.forEach((p, i) => {
        if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535) bad(causes, `spec.ports[${i}].port`, p?.port, 'must be between 1 and 65535, inclusive');
        if (ports.length > 1 && !p?.name) req(causes, `spec.ports[${i}].name`);
        if (p?.name) {
          if (names.has(p.name)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}].name`, message: `Duplicate value: "${p.name}"` });
          names.add(p.name);
        }
        if (typeof p?.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) bad(causes, `spec.ports[${i}].targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive');
      });
      if (oldSpec?.clusterIP && spec.clusterIP && oldSpec.clusterIP !== spec.clusterIP && type !== 'ExternalName' && (oldSpec.type ?? 'ClusterIP') !== 'ExternalName') {
        immutable(causes, 'spec.clusterIPs[0]', spec.clusterIP);
      }
      break;
    }
    case '/ConfigMap':
    case '/Secret':
      for (const field of ['data', 'binaryData']) {
        const d = (obj as any)[field];
        if (d === undefined) continue;
        if (!isPlainObject(d)) {
          bad(causes, field, d, 'must be a map');
          continue;
        }
        for (const [k, v] of Object.entries(d)) {
          if (!CONFIG_KEY.test(k) || k.length > 253) bad(causes, `${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
          if (typeof v !== 'string') bad(causes, `${field}[${k}]`, v, 'must be a string');
          else if ((t.kind === 'Secret' || field === 'binaryData') && !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) bad(causes, `${field}[${k}]`, '<value>', 'must be base64-encoded');
        }
      }
      if (t.kind === 'Secret' && old && old.type !== undefined && obj.type !== old.type) immutable(causes, 'type', obj.type);
      break;
    case 'autoscaling/HorizontalPodAutoscaler':
      if (!isPlainObject(spec)) {
        req(causes, 'spec');
        break;
      }
      if (!spec.scaleTargetRef?.kind) req(causes, 'spec.scaleTargetRef.kind');
      if (!spec.scaleTargetRef?.name) req(causes, 'spec.scaleTargetRef.name');
      if (!Number.isInteger(spec.maxReplicas) || spec.maxReplicas < 1) bad(causes, 'spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to 1');
      if (spec.minReplicas !== undefined && Number.isInteger(spec.maxReplicas) && spec.minReplicas > spec.maxReplicas) {
        bad(causes, 'spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`');
      }
      break;
    case 'policy/PodDisruptionBudget':
      if (spec?.minAvailable !== undefined && spec?.maxUnavailable !== undefined) {
        bad(causes, 'spec', spec, 'minAvailable and maxUnavailable cannot be both set');
      }
      break;
    case 'networking.k8s.io/NetworkPolicy':
      if (!isPlainObject(spec) || !isPlainObject(spec.podSelector)) req(causes, 'spec.podSelector');
      break;
    case '/Event': {
      const io: any = (obj as any).involvedObject;
      if (!isPlainObject(io)) req(causes, 'involvedObject');
      else if (io.namespace && io.namespace !== obj.metadata.namespace) bad(causes, 'involvedObject.namespace', io.namespace, 'does not match event.namespace');
      break;
    }
    case 'coordination.k8s.io/Lease':
      if (spec?.leaseDurationSeconds !== undefined && (!Number.isInteger(spec.leaseDurationSeconds) || spec.leaseDurationSeconds <= 0)) {
        bad(causes, 'spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0');
      }
      break;
    default:
      break;
  }
  return causes;
}
