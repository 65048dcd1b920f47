/**
 * Security contexts (reference §6.9, §6.4 P9, W1).
 */
import { enableFix, Req } from './context';
import { checkFields, getArr, getBool, getInt, getObj, isObj, Obj } from './util';
import { at, Sink } from './violation';

const MAX_INT32 = 2147483647;
const ADD_CAPS = 'kubernetes.containerspec-addcapabilities';
const POD_SC = 'kubernetes.podspec-securitycontext';
const SECURE = 'secure-pod-defaults';

function idRange(sink: Sink, obj: Obj, key: string, path: string): void {
  const v = getInt(sink, obj, key, path);
  if (v !== undefined && (v < 0 || v > MAX_INT32)) sink.outOfBounds(at(path, key), v, 0, MAX_INT32);
}

function secureDefaultsOn(req: Req): boolean {
  const f = req.s.flag(SECURE);
  return f === 'Enabled' || f === 'AllowRootBounded';
}

const CAPS_FIELDS = ['drop', 'add'];
const SECCOMP_FIELDS = ['type', 'localhostProfile'];
/** Knative's mask keeps `privileged` only when it is false. */
const CONTAINER_SC_GATES = { privileged: (_req: unknown, v: unknown) => (v === false ? undefined : 'Remove privileged (only false is allowed).') };
const CONTAINER_SC_BOOLS = ['readOnlyRootFilesystem', 'runAsNonRoot', 'allowPrivilegeEscalation', 'privileged'];

function capabilities(sink: Sink, sc: Obj, path: string, req: Req): void {
  const caps = getObj(sink, sc, 'capabilities', path);
  if (!caps) return;
  const cp = at(path, 'capabilities');
  checkFields(sink, caps, cp, 'Capabilities', CAPS_FIELDS);
  getArr(sink, caps, 'drop', cp);
  const add = getArr(sink, caps, 'add', cp);
  if (!add || req.s.enabled(ADD_CAPS)) return;
  const onlyNetBind = add.length === 1 && add[0] === 'NET_BIND_SERVICE';
  if (!(secureDefaultsOn(req) && onlyNetBind)) {
    sink.disallowed(at(cp, 'add'), add, secureDefaultsOn(req)
      ? 'Only ["NET_BIND_SERVICE"] may be added unless kubernetes.containerspec-addcapabilities is enabled.'
      : enableFix(ADD_CAPS, true, req));
  }
}

const CONTAINER_SC_FIELDS = ['capabilities', 'readOnlyRootFilesystem', 'runAsNonRoot', 'allowPrivilegeEscalation', 'seccompProfile', 'runAsUser', 'runAsGroup'];

/** Container securityContext (C7). */
export function containerSecurityContext(sink: Sink, c: Obj, cpath: string, req: Req): void {
  const sc = getObj(sink, c, 'securityContext', cpath);
  if (!sc) return;
  const path = at(cpath, 'securityContext');
  checkFields(sink, sc, path, 'SecurityContext', CONTAINER_SC_FIELDS, CONTAINER_SC_GATES, req);
  capabilities(sink, sc, path, req);
  idRange(sink, sc, 'runAsUser', path);
  idRange(sink, sc, 'runAsGroup', path);
  for (const b of CONTAINER_SC_BOOLS) getBool(sink, sc, b, path);
  seccomp(sink, sc, path);
}

function seccomp(sink: Sink, sc: Obj, path: string): Obj | undefined {
  const sp = getObj(sink, sc, 'seccompProfile', path);
  if (sp) checkFields(sink, sp, at(path, 'seccompProfile'), 'SeccompProfile', SECCOMP_FIELDS);
  return sp;
}

const POD_SC_FIELDS = ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'supplementalGroups', 'seccompProfile'];

/** Pod securityContext (P9, §6.9 pod table). Gate presence is handled by the PodSpec allow-list. */
export function podSecurityContext(sink: Sink, spec: Obj, specPath: string, req: Req): void {
  const sc = getObj(sink, spec, 'securityContext', specPath);
  if (!sc) return;
  const path = at(specPath, 'securityContext');
  if (!req.s.notDisabled(POD_SC)) {
    // Only secure-pod-defaults lets the field through: seccompProfile.type RuntimeDefault/Unconfined only.
    checkFields(sink, sc, path, 'PodSecurityContext', ['seccompProfile']);
    const sp = seccomp(sink, sc, path);
    if (sp) {
      checkFields(sink, sp, at(path, 'seccompProfile'), 'SeccompProfile', ['type']);
      if (sp.type !== undefined && sp.type !== 'RuntimeDefault' && sp.type !== 'Unconfined') {
        sink.error(at(at(path, 'seccompProfile'), 'type'), `invalid value: ${String(sp.type)}`, sp.type,
          'Use RuntimeDefault or Unconfined, or enable kubernetes.podspec-securitycontext.');
      }
    }
    return;
  }
  checkFields(sink, sc, path, 'PodSecurityContext', POD_SC_FIELDS);
  for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) idRange(sink, sc, k, path);
  getBool(sink, sc, 'runAsNonRoot', path);
  (getArr(sink, sc, 'supplementalGroups', path) ?? []).forEach((g, i) => {
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > MAX_INT32) {
      sink.outOfBounds(`${at(path, 'supplementalGroups')}[${i}]`, g, 0, MAX_INT32);
    }
  });
  seccomp(sink, sc, path);
}

/** Whether the pod securityContext passes the PodSpec mask; undefined = allowed, else a fix text. */
export function podSecurityContextGate(req: Req): string | undefined {
  return podSecurityContextAllowed(req) ? undefined : enableFix(POD_SC, false, req);
}

/** Whether the pod securityContext passes the PodSpec mask. */
export function podSecurityContextAllowed(req: Req): boolean {
  return req.s.notDisabled(POD_SC) || req.s.notDisabled(SECURE);
}

const nil = (v: unknown) => v === undefined || v === null;
const seccompType = (o: Obj) => (isObj(o.seccompProfile) ? o.seccompProfile.type : undefined);
const EMPTY: Obj = Object.freeze({}) as Obj;

/**
 * W1: non-blocking warnings when secure settings are left at insecure defaults. Knative 1.17 warns
 * whatever secure-pod-defaults says (with `Enabled` its defaults fill most fields first, so what
 * is left is e.g. a user's `capabilities: {}` without `drop`); 1.20+ skip the warnings when the
 * flag is `Enabled` or `AllowRootBounded`. We follow 1.17, and skip for `AllowRootBounded` (a
 * value 1.17 does not have).
 */
export function securityWarnings(sink: Sink, spec: Obj, c: Obj, cpath: string, req: Req): void {
  if (!sink.warnings || req.s.flag(SECURE) === 'AllowRootBounded') return;
  const psc = isObj(spec.securityContext) ? spec.securityContext : EMPTY;
  const sc = isObj(c.securityContext) ? c.securityContext : EMPTY;
  const p = at(cpath, 'securityContext');
  if (nil(psc.runAsNonRoot) && nil(sc.runAsNonRoot)) {
    sink.warn(at(p, 'runAsNonRoot'), 'missing field(s)', undefined, 'Set securityContext.runAsNonRoot: true.');
  }
  if (nil(sc.allowPrivilegeEscalation)) {
    sink.warn(at(p, 'allowPrivilegeEscalation'), 'missing field(s)', undefined, 'Set securityContext.allowPrivilegeEscalation: false.');
  }
  if (!seccompType(psc) && !seccompType(sc)) {
    sink.warn(at(p, 'seccompProfile'), 'missing field(s)', undefined, 'Set securityContext.seccompProfile.type: RuntimeDefault.');
  }
  const caps = isObj(sc.capabilities) ? sc.capabilities : undefined;
  if (!caps) {
    sink.warn(at(p, 'capabilities'), 'missing field(s)', undefined, 'Set securityContext.capabilities.drop: ["ALL"].');
  } else if (nil(caps.drop)) {
    sink.warn(at(at(p, 'capabilities'), 'drop'), 'missing field(s)', undefined, 'Set securityContext.capabilities.drop: ["ALL"].');
  } else if (Array.isArray(caps.drop) && caps.drop[0] === 'all') {
    sink.warn(at(at(p, 'capabilities'), 'drop'), 'invalid value: all', 'all', 'Spell it "ALL" (capitals).');
  }
}
