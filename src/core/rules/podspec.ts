/**
 * RevisionSpec / PodSpec rules (reference §6.1, §6.4 P1–P10, W1, §6.5).
 */
import { ContainerRole, validateContainer } from './container';
import { enableFix, Req } from './context';
import { dns1123SubdomainErrors } from './formats';
import { podSecurityContext, podSecurityContextGate, securityWarnings } from './security';
import { checkFields, getArr, getBool, getInt, getStr, isObj, Obj, objItems } from './util';
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

function fieldAllowance(sink: Sink, spec: Obj, path: string, req: Req): void {
  const gated: Record<string, () => string | undefined> = {
    securityContext: () => podSecurityContextGate(req),
    automountServiceAccountToken: () => 'Remove automountServiceAccountToken or set it to false (only false is allowed).',
  };
  for (const [field, flag, exact] of GATED) {
    gated[field] = () => ((exact ? req.s.enabled(flag) : req.s.notDisabled(flag)) ? undefined : enableFix(flag, exact));
  }
  checkFields(sink, spec, path, ALWAYS, gated);
  if (spec.automountServiceAccountToken !== undefined) getBool(sink, spec, 'automountServiceAccountToken', path);
}

/** Serving container = the only container, or (multi-container) one that declares ports. */
function roleOf(containers: unknown[], i: number): ContainerRole {
  if (containers.length === 1) return 'serving';
  const c = containers[i];
  return isObj(c) && Array.isArray(c.ports) && c.ports.length > 0 ? 'serving' : 'sidecar';
}

function portCount(containers: unknown[]): number {
  return containers.reduce<number>((n, c) => n + (isObj(c) && Array.isArray(c.ports) ? c.ports.length : 0), 0);
}

function containerNames(sink: Sink, containers: unknown[], inits: unknown[], path: string): void {
  const seen = new Set<string>();
  const check = (list: unknown[], field: string) => list.forEach((c, i) => {
    const name = isObj(c) && typeof c.name === 'string' ? c.name : '';
    const np = at(`${at(path, field)}[${i}]`, 'name');
    if (name === 'queue-proxy') sink.error(np, `"${name}" is a reserved container name`, name, 'Pick another container name; queue-proxy is reserved by Knative.');
    if (name && seen.has(name)) sink.error(np, `duplicate container name "${name}"`, name, 'Give every container and init container a unique name.');
    if (name) seen.add(name);
  });
  check(containers, 'containers');
  check(inits, 'initContainers');
}

function containersRules(sink: Sink, spec: Obj, path: string, req: Req): void {
  const raw = getArr(sink, spec, 'containers', path);
  const containers = raw ?? [];
  const inits = getArr(sink, spec, 'initContainers', path) ?? [];
  if (containers.length === 0) sink.missing(at(path, 'containers'), 'Add at least one container with an image.');
  if (containers.length > 1 && !req.s.enabled('multi-container')) {
    sink.error(at(path, 'containers'), `multi-container is off, but found ${containers.length} containers`, containers.length,
      'Use a single container, or enable multi-container in config-features.');
  }
  const ports = portCount(containers);
  if (ports > 1) {
    sink.error(at(path, 'containers[*].ports'), 'more than one container port is set', ports, 'Declare exactly one port, on the serving container only.');
  } else if (ports === 0 && containers.length > 1) {
    sink.missing(at(path, 'containers[*].ports'), 'Declare a port on exactly one container (the serving container).');
  }
  if (inits.length > 0 && !req.s.enabled('kubernetes.podspec-init-containers')) {
    sink.error(at(path, 'initContainers'), `pod spec support for init-containers is off, but found ${inits.length} init containers`, inits.length,
      enableFix('kubernetes.podspec-init-containers', true));
  }
  containerNames(sink, containers, inits, path);

  const volumes = validateVolumes(sink, spec, path, req);
  const scope = { req, volumes, mounted: new Set<string>() };
  containers.forEach((c, i) => validateContainer(sink, c, `${at(path, 'containers')}[${i}]`, roleOf(containers, i), scope));
  inits.forEach((c, i) => validateContainer(sink, c, `${at(path, 'initContainers')}[${i}]`, 'init', scope));
  checkVolumesMounted(sink, spec, path, scope.mounted);

  for (const [list, field] of [[containers, 'containers'], [inits, 'initContainers']] as const) {
    list.forEach((c, i) => {
      if (isObj(c)) securityWarnings(sink, spec, c, `${at(path, field)}[${i}]`, req);
    });
  }
}

function knativeFields(sink: Sink, spec: Obj, path: string, req: Req): void {
  const timeout = getInt(sink, spec, 'timeoutSeconds', path);
  const max = req.s.maxRevisionTimeoutSeconds;
  if (timeout !== undefined && timeout !== 0 && (timeout < 0 || timeout > max)) {
    sink.outOfBounds(at(path, 'timeoutSeconds'), timeout, 0, max, `Use a timeout between 1 and ${max} seconds (max-revision-timeout-seconds).`);
  }
  const cc = getInt(sink, spec, 'containerConcurrency', path);
  const min = req.s.allowContainerConcurrencyZero ? 0 : 1;
  const limit = req.s.containerConcurrencyMaxLimit;
  if (cc !== undefined && (cc < min || cc > limit)) {
    sink.outOfBounds(at(path, 'containerConcurrency'), cc, min, limit, `Use a containerConcurrency between ${min} and ${limit}.`);
  }
  getInt(sink, spec, 'responseStartTimeoutSeconds', path);
  getInt(sink, spec, 'idleTimeoutSeconds', path);
  getBool(sink, spec, 'enableServiceLinks', path);
  const sa = getStr(sink, spec, 'serviceAccountName', path);
  if (sa && dns1123SubdomainErrors(sa).length) {
    sink.error(at(path, 'serviceAccountName'), `invalid value: ${sa}`, sa, 'Use a DNS-1123 subdomain (lowercase letters, digits, "-", ".").');
  }
  for (const [s, , sp] of objItems(sink, getArr(sink, spec, 'imagePullSecrets', path), at(path, 'imagePullSecrets'))) {
    checkFields(sink, s, sp, ['name']);
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
  if (podSecurityContextGate(req) === undefined) podSecurityContext(sink, spec, path, req);
}
