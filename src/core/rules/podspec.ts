/**
 * RevisionSpec / PodSpec rules (reference §6.1, §6.4 P1–P10, W1, §6.5).
 */
import { ContainerRole, validateContainer } from './container';
import { enableFix, Req, settingFix } from './context';
import { dns1123SubdomainErrors } from './formats';
import { podSecurityContext, podSecurityContextAllowed, podSecurityContextGate, securityWarnings } from './security';
import { checkFields, Gates, getArr, getBool, getInt, getStr, isObj, Obj, objItems } from './util';
import { at, Sink } from './violation';
import { checkVolumesMounted, validateVolumes } from './volumes';

const ALWAYS = [
  'containers', 'volumes', 'serviceAccountName', 'imagePullSecrets', 'enableServiceLinks',
  'containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds',
];

/** PodSpec fields behind a flag: [field, flag, exact (= Enabled) or ≠ Disabled]. */
const GATED: Array<[string, string, boolean]> = [
  ['affinity', 'kubernetes.podspec-affinity', false],
  ['topologySpreadConstraints', 'kubernetes.podspec-topologyspreadconstraints', false],
  ['hostAliases', 'kubernetes.podspec-hostaliases', false],
  ['nodeSelector', 'kubernetes.podspec-nodeselector', false],
  ['runtimeClassName', 'kubernetes.podspec-runtimeclassname', false],
  ['tolerations', 'kubernetes.podspec-tolerations', false],
  ['shareProcessNamespace', 'kubernetes.podspec-shareprocessnamespace', false],
  ['priorityClassName', 'kubernetes.podspec-priorityclassname', false],
  ['schedulerName', 'kubernetes.podspec-schedulername', false],
  ['initContainers', 'kubernetes.podspec-init-containers', false],
  ['dnsPolicy', 'kubernetes.podspec-dnspolicy', false],
  ['dnsConfig', 'kubernetes.podspec-dnsconfig', false],
  ['hostIPC', 'kubernetes.podspec-hostipc', false],
  ['hostPID', 'kubernetes.podspec-hostpid', false],
  ['hostNetwork', 'kubernetes.podspec-hostnetwork', false],
];

const POD_GATES: Gates<Req> = (() => {
  const gated: Record<string, (req: Req, value: unknown) => string | undefined> = {
    securityContext: (req) => podSecurityContextGate(req),
    // Knative's mask keeps automountServiceAccountToken only when it is false.
    automountServiceAccountToken: (_req, v) => (v === false ? undefined
      : 'Remove automountServiceAccountToken or set it to false (only false is allowed).'),
  };
  for (const [field, flag, exact] of GATED) {
    gated[field] = (req) => ((exact ? req.s.enabled(flag) : req.s.notDisabled(flag)) ? undefined : enableFix(flag, exact, req));
  }
  return gated;
})();

function fieldAllowance(sink: Sink, spec: Obj, path: string, req: Req): void {
  checkFields(sink, spec, path, 'RevisionSpec', ALWAYS, POD_GATES, req);
  if (spec.automountServiceAccountToken !== undefined) getBool(sink, spec, 'automountServiceAccountToken', path);
}

function declaresPorts(c: unknown): boolean {
  return isObj(c) && Array.isArray(c.ports) && c.ports.length > 0;
}

/**
 * Index of the serving container of a pod spec's containers: the one declaring a port, else the
 * first (the runtime's Deployment, Service port, probes and the ingress's own probing use it).
 */
export function servingContainerIndex(containers: readonly unknown[]): number {
  const i = containers.findIndex(declaresPorts);
  return i < 0 ? 0 : i;
}

/**
 * Whether a revision speaks h2c (HTTP/2 cleartext, e.g. gRPC): its serving container's first port
 * is named `h2c` (Knative's revision protocol rule; any other name, or none, means HTTP/1). The
 * controller gives such a revision's Service the port `http2` (appProtocol `kubernetes.io/h2c`)
 * and the ingress reaches its pods over HTTP/2.
 */
export function servingPortIsH2c(containers: readonly unknown[]): boolean {
  const c = containers[servingContainerIndex(containers)];
  if (!isObj(c) || !Array.isArray(c.ports) || c.ports.length === 0) return false;
  const p: unknown = c.ports[0];
  return isObj(p) && p.name === 'h2c';
}

/** Serving container = the only container, or (multi-container) one that declares ports. */
function roleOf(containers: unknown[], i: number): ContainerRole {
  if (containers.length === 1) return 'serving';
  return declaresPorts(containers[i]) ? 'serving' : 'sidecar';
}

function portCount(containers: unknown[]): number {
  let n = 0;
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i];
    if (isObj(c) && Array.isArray(c.ports)) n += c.ports.length;
  }
  return n;
}

/**
 * Reserved and duplicate container names, as Knative checks them: containers among themselves,
 * each init container against the containers (not against the other init containers).
 */
function containerNames(sink: Sink, containers: unknown[], inits: unknown[], path: string): void {
  const nameOf = (c: unknown) => (isObj(c) && typeof c.name === 'string' ? c.name : '');
  const reserved = (name: string, p: string) => {
    if (name === 'queue-proxy') sink.error(p, `"${name}" is a reserved container name`, name, 'Pick another container name; queue-proxy is reserved by Knative.');
  };
  const duplicate = (name: string, p: string) => sink.error(p, `duplicate container name "${name}"`, name, 'Give every container and init container a unique name.');
  // Single container: no duplicate is possible, so only the reserved name needs checking.
  let seen: Set<string> | undefined;
  for (let i = 0; i < containers.length; i++) {
    const name = nameOf(containers[i]);
    if (!name) continue;
    const p = at(`${at(path, 'containers')}[${i}]`, 'name');
    reserved(name, p);
    if (seen === undefined) seen = new Set<string>();
    else if (seen.has(name)) duplicate(name, p);
    seen.add(name);
  }
  for (let i = 0; i < inits.length; i++) {
    const name = nameOf(inits[i]);
    if (!name) continue;
    const p = at(`${at(path, 'initContainers')}[${i}]`, 'name');
    reserved(name, p);
    if (seen?.has(name)) duplicate(name, p);
  }
}

function containersRules(sink: Sink, spec: Obj, path: string, req: Req): void {
  const raw = getArr(sink, spec, 'containers', path);
  const containers = raw ?? [];
  const inits = getArr(sink, spec, 'initContainers', path) ?? [];
  if (containers.length === 0) sink.missing(at(path, 'containers'), 'Add at least one container with an image.');
  if (containers.length > 1 && !req.s.enabled('multi-container')) {
    sink.error(at(path, 'containers'), `multi-container is off, but found ${containers.length} containers`, containers.length,
      `Use a single container, or enable multi-container: ${settingFix(req, 'config-features', 'multi-container', 'Enabled')}.`);
  }
  const ports = portCount(containers);
  if (ports > 1) {
    sink.error(at(path, 'containers[*].ports'), 'more than one container port is set', ports, 'Declare exactly one port, on the serving container only.');
  } else if (ports === 0 && containers.length > 1) {
    sink.missing(at(path, 'containers[*].ports'), 'Declare a port on exactly one container (the serving container).');
  }
  if (inits.length > 0 && !req.s.enabled('kubernetes.podspec-init-containers')) {
    sink.error(at(path, 'initContainers'), `pod spec support for init-containers is off, but found ${inits.length} init containers`, inits.length,
      enableFix('kubernetes.podspec-init-containers', true, req));
  }
  containerNames(sink, containers, inits, path);

  const volumes = validateVolumes(sink, spec, path, req);
  const scope = { req, volumes, mounted: new Set<string>() };
  const cPath = at(path, 'containers');
  const iPath = at(path, 'initContainers');
  const cPaths: string[] = [];
  // (index loops skip holes, like the forEach they replace)
  for (let i = 0; i < containers.length; i++) {
    const cp = `${cPath}[${i}]`;
    cPaths.push(cp);
    if (i in containers) validateContainer(sink, containers[i], cp, roleOf(containers, i), scope);
  }
  for (let i = 0; i < inits.length; i++) {
    if (i in inits) validateContainer(sink, inits[i], `${iPath}[${i}]`, 'init', scope);
  }
  checkVolumesMounted(sink, spec, path, scope.mounted);

  for (let i = 0; i < containers.length; i++) {
    const c = containers[i];
    if (isObj(c)) securityWarnings(sink, spec, c, cPaths[i], req);
  }
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    if (isObj(c)) securityWarnings(sink, spec, c, `${iPath}[${i}]`, req);
  }
}

const NAME_ONLY = ['name'];

function knativeFields(sink: Sink, spec: Obj, path: string, req: Req): void {
  const timeout = getInt(sink, spec, 'timeoutSeconds', path);
  const max = req.s.maxRevisionTimeoutSeconds;
  if (timeout !== undefined && timeout !== 0 && (timeout < 0 || timeout > max)) {
    sink.outOfBounds(at(path, 'timeoutSeconds'), timeout, 0, max, `Use a timeout between 0 (the cluster default) and ${max} seconds`
      + (timeout > max ? `, or raise the cluster's limit: ${settingFix(req, 'config-defaults', 'max-revision-timeout-seconds', String(timeout))}.` : '.'));
  }
  const cc = getInt(sink, spec, 'containerConcurrency', path);
  const min = req.s.allowContainerConcurrencyZero ? 0 : 1;
  const limit = req.s.containerConcurrencyMaxLimit;
  if (cc !== undefined && (cc < min || cc > limit)) {
    const cluster = cc > limit
      ? `, or raise the cluster's limit: ${settingFix(req, 'config-defaults', 'container-concurrency-max-limit', String(cc))}`
      : cc === 0 ? `, or allow 0 (unlimited): ${settingFix(req, 'config-defaults', 'allow-container-concurrency-zero', 'true')}` : '';
    sink.outOfBounds(at(path, 'containerConcurrency'), cc, min, limit, `Use a containerConcurrency between ${min} and ${limit}${cluster}.`);
  }
  getInt(sink, spec, 'responseStartTimeoutSeconds', path);
  getInt(sink, spec, 'idleTimeoutSeconds', path);
  getBool(sink, spec, 'enableServiceLinks', path);
  const sa = getStr(sink, spec, 'serviceAccountName', path);
  if (sa && dns1123SubdomainErrors(sa).length) {
    sink.error(at(path, 'serviceAccountName'), `invalid value: ${sa}`, sa, 'Use a DNS-1123 subdomain (lowercase letters, digits, "-", ".").');
  }
  const secrets = getArr(sink, spec, 'imagePullSecrets', path);
  if (secrets === undefined) return;
  for (const [s, , sp] of objItems(sink, secrets, at(path, 'imagePullSecrets'))) {
    checkFields(sink, s, sp, 'LocalObjectReference', NAME_ONLY);
    getStr(sink, s, 'name', sp);
  }
}

/** Validate a RevisionSpec (Revision `spec` or template `spec`). */
export function revisionSpecRules(sink: Sink, spec: unknown, path: string, req: Req): void {
  if (!isObj(spec)) {
    if (spec === undefined || spec === null) sink.missing(path, 'Add a spec with at least one container.');
    else sink.error(path, `invalid value: ${JSON.stringify(spec)}`, spec, 'Make spec an object with a containers list.');
    return;
  }
  fieldAllowance(sink, spec, path, req);
  knativeFields(sink, spec, path, req);
  containersRules(sink, spec, path, req);
  if (podSecurityContextAllowed(req)) podSecurityContext(sink, spec, path, req);
}
