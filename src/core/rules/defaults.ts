/**
 * Knative's defaulting webhook (SetDefaults, reference §3.1, §4.1, §6.3, §7.1, §8.1) and the
 * creator/lastModifier stamping of §2.3 (`applyUserInfo`, for the API emulator).
 */
import { renderTemplate } from '../config';
import { goJsonRoundTrip } from '../go-json';
import { childName } from '../names';
import type { KubeObject } from '../types';
import { AdmissionContext, Req, Settings, toReq } from './context';
import { CREATOR, LAST_MODIFIER, tracksUserInfo } from './metadata';
import { HANDLERS, PROBE_KINDS } from './probes';
import { templateName } from './template';
import { clone, deepEqual, isObj, isSet, Obj } from './util';
import { writableVolume } from './volumes';

type Meta = Obj;

/**
 * Render the container-name template over the parent's ObjectMeta, as Knative does (an empty
 * result stays empty; a template that fails to render gives "", as upstream's
 * containerNameFromTemplate).
 */
function containerDefaultName(tpl: string, parent: Meta): string {
  try {
    const str = (k: string) => (typeof parent[k] === 'string' ? parent[k] as string : '');
    const map = (k: string) => (isObj(parent[k]) ? parent[k] as Record<string, string> : {});
    const name = renderTemplate(tpl, {
      Name: str('name'),
      Namespace: str('namespace'),
      GenerateName: str('generateName'),
      UID: str('uid'),
      Labels: map('labels'),
      Annotations: map('annotations'),
    });
    return name;
  } catch {
    return '';
  }
}

/** §6.3 container names: `<default>`, or `<default>-0`, `-1`, … (counter skips used names). */
function nameContainers(containers: Obj[], used: Set<string>, base: string): void {
  let next = 0;
  for (const c of containers) {
    if (isSet(c.name)) continue;
    let name = base;
    if (containers.length > 1 || used.has(name)) {
      do {
        name = childName(base, `-${next++}`);
      } while (used.has(name));
    }
    c.name = name;
    used.add(name);
  }
}

function objectsOf(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function hasHandler(probe: Obj): boolean {
  return HANDLERS.some((h) => isObj(probe[h]));
}

/**
 * Knative's defaults for one probe of a regular container, in place: a readiness probe gets
 * `successThreshold: 1` when 0/unset and, when `periodSeconds` is set, `failureThreshold: 3` and
 * `timeoutSeconds: 1` when 0/unset; a gRPC handler of any probe gets `service: ""` when nil.
 * Shared with the constructs, which render these defaults so their output is a fixed point.
 */
export function probeDefaults(kind: (typeof PROBE_KINDS)[number], p: Obj): void {
  if (kind === 'readinessProbe') {
    if (!isSet(p.successThreshold)) p.successThreshold = 1;
    if (isSet(p.periodSeconds)) {
      if (!isSet(p.failureThreshold)) p.failureThreshold = 3;
      if (!isSet(p.timeoutSeconds)) p.timeoutSeconds = 1;
    }
  }
  if (isObj(p.grpc) && (p.grpc.service === undefined || p.grpc.service === null)) p.grpc.service = '';
}

/** The serving container's readiness probe (a TCP probe of the user port unless it has a handler), then every probe's defaults. */
function probesDefaults(c: Obj, serving: boolean): void {
  if (serving) {
    if (!isObj(c.readinessProbe)) c.readinessProbe = {};
    const p = c.readinessProbe as Obj;
    if (!hasHandler(p)) p.tcpSocket = { port: 0 };
  }
  for (const kind of PROBE_KINDS) {
    const p = c[kind];
    if (isObj(p)) probeDefaults(kind, p);
  }
}

function resourceDefaults(c: Obj, s: Settings): void {
  if (c.resources === undefined || c.resources === null) c.resources = {};
  const r = c.resources;
  if (!isObj(r)) return;
  for (const [key, defaults] of [['requests', s.resourceRequests], ['limits', s.resourceLimits]] as const) {
    if (Object.keys(defaults).length === 0) continue;
    if (r[key] === undefined || r[key] === null) r[key] = {};
    const list = r[key];
    if (!isObj(list)) continue;
    for (const [res, q] of Object.entries(defaults)) if (list[res] === undefined) list[res] = q;
  }
}

function mountDefaults(c: Obj, volumes: Obj[]): void {
  const writable = new Set(volumes.filter(writableVolume).map((v) => v.name));
  for (const m of objectsOf(c.volumeMounts)) {
    if (!writable.has(m.name as string) && m.readOnly !== true) m.readOnly = true;
  }
}

/** A port below 1024, as Knative tests it (an unset containerPort is 0, so it counts). */
function lowPort(c: Obj): boolean {
  return objectsOf(c.ports).some((p) => (typeof p.containerPort === 'number' ? p.containerPort : 0) < 1024);
}

/** secure-pod-defaults (1.17 `Enabled`; ≥1.20 `AllowRootBounded` without runAsNonRoot). */
function secureDefaults(spec: Obj, c: Obj, s: Settings): void {
  const mode = s.flag('secure-pod-defaults');
  if (mode !== 'Enabled' && mode !== 'AllowRootBounded') return;
  if (c.securityContext === undefined || c.securityContext === null) c.securityContext = {};
  const sc = c.securityContext;
  if (!isObj(sc)) return;
  const psc = isObj(spec.securityContext) ? spec.securityContext : {};
  if (sc.allowPrivilegeEscalation === undefined || sc.allowPrivilegeEscalation === null) sc.allowPrivilegeEscalation = false;
  const seccompType = (o: Obj) => (isObj(o.seccompProfile) ? o.seccompProfile.type : undefined);
  if (!seccompType(psc) && !seccompType(sc)) sc.seccompProfile = { ...(isObj(sc.seccompProfile) ? sc.seccompProfile : {}), type: 'RuntimeDefault' };
  if (sc.capabilities === undefined || sc.capabilities === null) {
    sc.capabilities = lowPort(c) ? { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } : { drop: ['ALL'] };
  }
  if (mode === 'Enabled' && (psc.runAsNonRoot === undefined || psc.runAsNonRoot === null)) sc.runAsNonRoot = true;
}

function timeoutDefaults(spec: Obj, req: Req): void {
  const s = req.s;
  if (spec.timeoutSeconds === undefined || spec.timeoutSeconds === null || spec.timeoutSeconds === 0) {
    spec.timeoutSeconds = s.revisionTimeoutSeconds;
  }
  const timeout = typeof spec.timeoutSeconds === 'number' ? spec.timeoutSeconds : s.revisionTimeoutSeconds;
  for (const [key, def] of [['responseStartTimeoutSeconds', s.revisionResponseStartTimeoutSeconds], ['idleTimeoutSeconds', s.revisionIdleTimeoutSeconds]] as const) {
    if ((spec[key] === undefined || spec[key] === null) && def !== 0 && def < timeout) spec[key] = def;
  }
  if (spec.containerConcurrency === undefined || spec.containerConcurrency === null) spec.containerConcurrency = s.containerConcurrency;
  if (req.op === 'create' && (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) && s.enableServiceLinks !== undefined) {
    spec.enableServiceLinks = s.enableServiceLinks;
  }
}

/** RevisionSpec.SetDefaults on a spec object (mutates). `parent` = the owning object's metadata. */
function revisionSpecDefaults(spec: unknown, parent: Meta, req: Req): void {
  if (!isObj(spec)) return;
  timeoutDefaults(spec, req);
  const containers = objectsOf(spec.containers);
  const inits = objectsOf(spec.initContainers);
  const used = new Set<string>([...containers, ...inits].map((c) => (typeof c.name === 'string' ? c.name : '')));
  nameContainers(containers, used, containerDefaultName(req.s.containerNameTemplate, parent));
  nameContainers(inits, used, containerDefaultName(req.s.initContainerNameTemplate, parent));
  const volumes = objectsOf(spec.volumes);
  const total = Array.isArray(spec.containers) ? spec.containers.length : 0;
  for (const c of containers) {
    resourceDefaults(c, req.s);
    mountDefaults(c, volumes);
    probesDefaults(c, total === 1 || (Array.isArray(c.ports) && c.ports.length > 0));
    secureDefaults(spec, c, req.s);
  }
  for (const c of inits) secureDefaults(spec, c, req.s);
}

function metaOf(obj: unknown): Meta {
  return isObj(obj) && isObj(obj.metadata) ? obj.metadata : {};
}

/** Template defaults unless (update) the BYO name is unchanged. */
function templateDefaults(obj: KubeObject, req: Req): void {
  if (!isObj(obj.spec) || !isObj(obj.spec.template)) return;
  const name = templateName(obj.spec.template);
  if (req.op === 'update' && name && isObj(req.old?.spec) && templateName(req.old.spec.template) === name) return;
  revisionSpecDefaults(obj.spec.template.spec, metaOf(obj), req);
}

function trafficDefaults(traffic: unknown): void {
  for (const t of objectsOf(traffic)) {
    if (t.latestRevision === undefined || t.latestRevision === null) t.latestRevision = !isSet(t.revisionName);
    if (t.percent === undefined || t.percent === null) t.percent = 0;
  }
}

/** Knative's defaulting webhook (SetDefaults). Returns a NEW object; never mutates. */
export function applyDefaults<T extends KubeObject>(obj: T, ctx?: AdmissionContext): T {
  const out = clone(obj);
  if (!isObj(out)) return out;
  const req = toReq(ctx);
  switch (out.kind) {
    case 'Service':
      templateDefaults(out, req);
      if (isObj(out.spec)) {
        if (out.spec.traffic === undefined || out.spec.traffic === null || (Array.isArray(out.spec.traffic) && out.spec.traffic.length === 0)) {
          out.spec.traffic = [{ percent: 100, latestRevision: true }];
        }
        trafficDefaults(out.spec.traffic);
      }
      break;
    case 'Configuration':
      templateDefaults(out, req);
      break;
    case 'Revision':
      // Revision.SetDefaults puts no parent in the context: name templates render over an empty ObjectMeta.
      if (req.op === 'create') revisionSpecDefaults(out.spec, {}, req);
      break;
    case 'Route':
      if (isObj(out.spec)) trafficDefaults(out.spec.traffic);
      break;
    case 'DomainMapping': {
      const ns = metaOf(out).namespace;
      const ref = isObj(out.spec) ? out.spec.ref : undefined;
      if (isObj(ref) && !isSet(ref.namespace) && typeof ns === 'string' && ns) ref.namespace = ns;
      break;
    }
  }
  return out;
}

/**
 * What Knative stores for `obj` (before the API server's own fields): its defaulting webhook's
 * Go JSON round trip (zero values with `omitempty` dropped, quantities canonical; fields the
 * object leaves out are not filled in) followed by `applyDefaults`. For manifests this library
 * did not render itself (JSON patches, see src/serving/base.ts), so they are written, and
 * validated, as Knative will store them. Returns a NEW object; never mutates.
 */
export function storedByKnative<T extends KubeObject>(obj: T, ctx?: AdmissionContext): T {
  return applyDefaults(goJsonRoundTrip(obj, { fillAbsent: false }), ctx);
}

/**
 * §2.3: stamp `serving.knative.dev/creator` / `lastModifier` with the requesting user, as the
 * defaulting webhook does (Service and DomainMapping always; Configuration/Route only when they
 * have no ownerReferences; never Revisions). On update, lastModifier changes only if the spec
 * changed (compare after applyDefaults). Returns a NEW object.
 */
export function applyUserInfo<T extends KubeObject>(obj: T, user: string, ctx?: AdmissionContext): T {
  const out = clone(obj);
  if (!isObj(out) || !user || !tracksUserInfo(out)) return out;
  const req = toReq(ctx);
  if (!isObj(out.metadata)) (out as KubeObject).metadata = {};
  const anns = isObj(out.metadata.annotations) ? out.metadata.annotations : {};
  if (req.op === 'update' && req.old) {
    if (deepEqual(req.old.spec, out.spec)) return out;
    anns[LAST_MODIFIER] = user;
  } else {
    anns[CREATOR] = user;
    anns[LAST_MODIFIER] = user;
  }
  out.metadata.annotations = anns as Record<string, string>;
  return out;
}
