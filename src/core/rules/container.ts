/**
 * Per-container rules (reference §6.4 C1–C10, U1–U4, SC1–SC2, I1–I3, §6.6).
 */
import { enableFix, Req } from './context';
import { isImageReference } from './formats';
import { PROBE_KINDS, validateProbe } from './probes';
import { containerSecurityContext } from './security';
import { goFieldIsSet, goStructIsSet } from '../go-json';
import { checkFields, Gates, getArr, getInt, getObj, getStr, isSet, Obj, objItems } from './util';
import { at, Sink } from './violation';
import { validateMounts } from './volumes';

export type ContainerRole = 'serving' | 'sidecar' | 'init';

export const RESERVED_PORTS = [8012, 8013, 8022, 8008, 9090, 9091];
const RESERVED_ENV_ALL = ['K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
const RESERVED_ENV_SERVING = ['PORT', ...RESERVED_ENV_ALL];
const FIELDREF = 'kubernetes.podspec-fieldref';
const PROBING = 'multi-container-probing';

const CONTAINER_FIELDS = [
  'name', 'image', 'imagePullPolicy', 'command', 'args', 'workingDir', 'env', 'envFrom', 'ports', 'resources', 'volumeMounts',
  'securityContext', 'livenessProbe', 'readinessProbe', 'startupProbe', 'terminationMessagePath', 'terminationMessagePolicy',
];
const INIT_FORBIDDEN = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
const INIT_FIELDS = CONTAINER_FIELDS.filter((f) => !INIT_FORBIDDEN.includes(f)).concat(INIT_FORBIDDEN);
const STRING_FIELDS = ['imagePullPolicy', 'workingDir', 'terminationMessagePath'];
const ARRAY_FIELDS = ['command', 'args'];

export interface ContainerScope {
  req: Req;
  volumes: Map<string, Obj>;
  mounted: Set<string>;
}

function image(sink: Sink, c: Obj, path: string): void {
  const img = getStr(sink, c, 'image', path);
  if (!img) {sink.missing(at(path, 'image'), 'Set the container image, e.g. "ghcr.io/org/app:1.0".');} else if (!isImageReference(img)) {
    sink.error(at(path, 'image'), 'Failed to parse image reference', img, 'Use a valid image reference such as "registry/repo:tag" or "repo@sha256:<digest>".');
  }
}

const KEY_REF_FIELDS = ['name', 'key', 'optional'];
/** EnvVarSource refs: [fields, gated by kubernetes.podspec-fieldref, Go type]. */
const VALUE_FROM: Record<string, [readonly string[], boolean, string]> = {
  configMapKeyRef: [KEY_REF_FIELDS, false, 'ConfigMapKeySelector'],
  secretKeyRef: [KEY_REF_FIELDS, false, 'SecretKeySelector'],
  fieldRef: [['apiVersion', 'fieldPath'], true, 'ObjectFieldSelector'],
  resourceFieldRef: [['containerName', 'resource', 'divisor'], true, 'ResourceFieldSelector'],
};

const VALUE_FROM_ENTRIES = Object.entries(VALUE_FROM);
const ENV_GATES: Gates<Req> = (() => {
  const gated: Record<string, (req: Req) => string | undefined> = {};
  for (const [k, [, isGated]] of VALUE_FROM_ENTRIES) {
    if (isGated) gated[k] = (req) => (req.s.notDisabled(FIELDREF) ? undefined : enableFix(FIELDREF, false, req));
  }
  return gated;
})();
const ENV_FIELDS = ['name', 'value', 'valueFrom'];
const VALUE_FROM_FIELDS = ['configMapKeyRef', 'secretKeyRef'];

function env(sink: Sink, c: Obj, path: string, role: ContainerRole, req: Req): void {
  const list = getArr(sink, c, 'env', path);
  if (list === undefined) return;
  const reserved = role === 'serving' ? RESERVED_ENV_SERVING : RESERVED_ENV_ALL;
  for (const [e, , ep] of objItems(sink, list, at(path, 'env'))) {
    checkFields(sink, e, ep, 'EnvVar', ENV_FIELDS);
    const name = getStr(sink, e, 'name', ep);
    if (!name) {sink.missing(at(ep, 'name'));} else if (reserved.includes(name)) {
      sink.error(at(ep, 'name'), `"${name}" is a reserved environment variable`, name, `Rename the variable; Knative sets ${name} itself.`);
    }
    getStr(sink, e, 'value', ep);
    const vf = getObj(sink, e, 'valueFrom', ep);
    if (!vf) continue;
    const vp = at(ep, 'valueFrom');
    checkFields(sink, vf, vp, 'EnvVarSource', VALUE_FROM_FIELDS, ENV_GATES, req);
    for (const [k, [fields, , goType]] of VALUE_FROM_ENTRIES) {
      const ref = getObj(sink, vf, k, vp);
      if (ref) checkFields(sink, ref, at(vp, k), goType, fields);
    }
  }
}

function envFrom(sink: Sink, c: Obj, path: string): void {
  const list = getArr(sink, c, 'envFrom', path);
  if (list === undefined) return;
  for (const [e, , ep] of objItems(sink, list, at(path, 'envFrom'))) {
    checkFields(sink, e, ep, 'EnvFromSource', ['prefix', 'configMapRef', 'secretRef']);
    const present = ['configMapRef', 'secretRef'].filter((k) => isSet(e[k]));
    if (present.length !== 1) {
      sink.error(ep, `expected exactly one, got ${present.length ? 'both' : 'neither'}`, present.length ? present : undefined,
        'Set exactly one of configMapRef or secretRef.');
    }
    for (const k of present) {
      const ref = getObj(sink, e, k, ep);
      if (ref) checkFields(sink, ref, at(ep, k), k === 'configMapRef' ? 'ConfigMapEnvSource' : 'SecretEnvSource', ['name', 'optional']);
    }
  }
}

const RESOURCE_FIELDS = ['limits', 'requests'];
const PORT_FIELDS = ['containerPort', 'name', 'protocol'];

function resources(sink: Sink, c: Obj, path: string): void {
  const r = getObj(sink, c, 'resources', path);
  if (!r) return;
  const rp = at(path, 'resources');
  checkFields(sink, r, rp, 'ResourceRequirements', RESOURCE_FIELDS);
  getObj(sink, r, 'limits', rp);
  getObj(sink, r, 'requests', rp);
}

/** C10: field mask, range and reserved ports of one port entry. */
function basicPort(sink: Sink, p: Obj, pp: string): number | undefined {
  checkFields(sink, p, pp, 'ContainerPort', PORT_FIELDS);
  const port = getInt(sink, p, 'containerPort', pp);
  if (port === undefined) return undefined;
  if (port < 0 || port > 65535) {sink.outOfBounds(at(pp, 'containerPort'), port, 0, 65535, 'Use a port between 0 and 65535 (0 means Knative\'s default, 8080).');} else if (RESERVED_PORTS.includes(port)) {
    sink.error(at(pp, 'containerPort'), `${port} is a reserved port`, port, `Use a port other than ${RESERVED_PORTS.join(', ')}.`);
  }
  return port;
}

/** Ports; returns the name of the serving port ("" if unnamed). */
function ports(sink: Sink, c: Obj, path: string, role: ContainerRole): string {
  const items = objItems(sink, getArr(sink, c, 'ports', path), at(path, 'ports'));
  if (role === 'init') {
    for (const [p, , pp] of items) {
      basicPort(sink, p, pp);
      getStr(sink, p, 'name', pp);
      getStr(sink, p, 'protocol', pp);
    }
    return '';
  }
  if (items.length === 0) return '';
  const [p, , pp] = items[0];
  basicPort(sink, p, pp);
  const protocol = getStr(sink, p, 'protocol', pp);
  if (protocol && protocol !== 'TCP') sink.error(at(pp, 'protocol'), `invalid value: ${protocol}`, protocol, 'Use protocol TCP (or leave it empty).');
  const name = getStr(sink, p, 'name', pp) ?? '';
  if (name && name !== 'h2c' && name !== 'http1') {
    sink.error(at(pp, 'name'), `Port name ${name} is not allowed`, name, 'Use an empty name, "h2c" or "http1".');
  }
  return name;
}

/**
 * Probes of a serving container or sidecar. Knative 1.17–1.22 validate liveness and readiness
 * probes only; 1.23 validates startupProbe the same way (handler, port, sidecar rules). We check
 * startupProbe as 1.23 does, so our output passes every version from 1.17 to 1.23.
 */
function probes(sink: Sink, c: Obj, path: string, role: ContainerRole, portName: string, req: Req): void {
  if (role === 'init') return;
  for (const kind of PROBE_KINDS) {
    const probe = c[kind];
    if (probe === undefined || probe === null) continue;
    const pp = at(path, kind);
    if (role === 'sidecar' && !req.s.enabled(PROBING)) {
      // Knative compares the probe with an empty one: `{}` passes, any set field does not.
      if (goStructIsSet('Probe', probe)) sink.disallowed(pp, probe, `Remove ${kind} from sidecar containers, or enable multi-container-probing.`);
      continue;
    }
    validateProbe(sink, probe, pp, {
      portName: role === 'serving' ? portName || 'http' : undefined,
      requirePort: role === 'sidecar',
      numeric: kind === 'readinessProbe',
      startup: kind === 'startupProbe',
    });
  }
}

/** Validate one container of the given role. */
export function validateContainer(sink: Sink, c: unknown, path: string, role: ContainerRole, scope: ContainerScope): void {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    sink.error(path, `invalid value: ${JSON.stringify(c)}`, c, 'Make the container an object with at least an image.');
    return;
  }
  const obj = c as Obj;
  if (!goStructIsSet('Container', obj)) {
    sink.missing(path, 'Give the container at least an image.');
    return;
  }
  const { req } = scope;
  if (role === 'init') {
    for (const k of INIT_FORBIDDEN) {
      if (goFieldIsSet('Container', k, obj[k])) sink.error(at(path, k), 'field not allowed in an init container', obj[k], `Remove ${k} from the init container.`);
    }
  }
  checkFields(sink, obj, path, 'Container', role === 'init' ? INIT_FIELDS : CONTAINER_FIELDS);
  getStr(sink, obj, 'name', path);
  image(sink, obj, path);
  for (const k of STRING_FIELDS) getStr(sink, obj, k, path);
  for (const k of ARRAY_FIELDS) getArr(sink, obj, k, path);
  const tmp = getStr(sink, obj, 'terminationMessagePolicy', path);
  if (tmp && tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    sink.error(at(path, 'terminationMessagePolicy'), `invalid value: ${tmp}`, tmp, 'Use "File" or "FallbackToLogsOnError".');
  }
  env(sink, obj, path, role, req);
  envFrom(sink, obj, path);
  resources(sink, obj, path);
  containerSecurityContext(sink, obj, path, req);
  validateMounts(sink, obj, path, scope.volumes, scope.mounted, req);
  const portName = ports(sink, obj, path, role);
  probes(sink, obj, path, role, portName, req);
}
