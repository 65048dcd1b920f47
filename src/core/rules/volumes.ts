/**
 * Volumes and volume mounts (reference §6.4 P8, §6.7, §6.8).
 */
import { posix } from 'node:path';
import { enableFix, Req } from './context';
import { dns1123LabelErrors, isQuantity, quantitySign } from './formats';
import { checkFields, Gates, getArr, getBool, getObj, getStr, isSet, Obj, objItems } from './util';
import { at, Sink } from './violation';

/** Every VolumeSource key of core/v1 Volume. */
const ALL_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

/** Allowed sources: [fields, feature flag (gate = Enabled) or undefined for always, Go type or undefined when not modelled]. */
const SOURCES: Record<string, [readonly string[], string | undefined, string | undefined]> = {
  secret: [['secretName', 'items', 'defaultMode', 'optional'], undefined, 'SecretVolumeSource'],
  configMap: [['name', 'items', 'defaultMode', 'optional'], undefined, 'ConfigMapVolumeSource'],
  projected: [['sources', 'defaultMode'], undefined, 'ProjectedVolumeSource'],
  emptyDir: [['medium', 'sizeLimit'], 'kubernetes.podspec-volumes-emptydir', 'EmptyDirVolumeSource'],
  persistentVolumeClaim: [['claimName', 'readOnly'], 'kubernetes.podspec-persistent-volume-claim', 'PersistentVolumeClaimVolumeSource'],
  hostPath: [['path', 'type'], 'kubernetes.podspec-volumes-hostpath', 'HostPathVolumeSource'],
  csi: [['driver', 'readOnly', 'fsType', 'volumeAttributes', 'nodePublishSecretRef'], 'kubernetes.podspec-volumes-csi', 'CSIVolumeSource'],
  ephemeral: [['volumeClaimTemplate'], 'kubernetes.podspec-volumes-ephemeral', undefined],
  image: [['reference', 'pullPolicy'], 'kubernetes.podspec-volumes-image', 'ImageVolumeSource'],
};
const VOLUME_FIELDS = ['name', ...ALL_SOURCES];

/** Volume kinds whose mounts may be writable. */
const WRITABLE = ['emptyDir', 'persistentVolumeClaim', 'ephemeral'];
const RESERVED_PATHS = ['/', '/dev', '/dev/log'];

function keyToPaths(sink: Sink, src: Obj, path: string): void {
  for (const [item, , ip] of objItems(sink, getArr(sink, src, 'items', path), at(path, 'items'))) {
    checkFields(sink, item, ip, 'KeyToPath', ['key', 'path', 'mode']);
    for (const k of ['key', 'path']) {
      if (!getStr(sink, item, k, ip)) sink.missing(at(ip, k));
    }
  }
}

/** Exactly one of `keys` set in `obj`; reports neither/both on `path`. */
export function exactlyOne(sink: Sink, obj: Obj, keys: readonly string[], path: string, what: string): string | undefined {
  const present = keys.filter((k) => isSet(obj[k]));
  if (present.length === 1) return present[0];
  sink.error(path, `expected exactly one, got ${present.length ? 'both' : 'neither'}`, present.length ? present : undefined,
    `Set exactly one of ${what}.`);
  return undefined;
}

const PROJECTIONS: Record<string, readonly string[]> = {
  secret: ['name', 'items', 'optional'],
  configMap: ['name', 'items', 'optional'],
  serviceAccountToken: ['audience', 'expirationSeconds', 'path'],
  downwardAPI: ['items'],
};
const PROJECTION_KINDS = Object.keys(PROJECTIONS);
const PROJECTION_TYPES: Record<string, string> = {
  secret: 'SecretProjection', configMap: 'ConfigMapProjection', serviceAccountToken: 'ServiceAccountTokenProjection', downwardAPI: 'DownwardAPIProjection',
};

function projected(sink: Sink, src: Obj, path: string): void {
  for (const [s, , sp] of objItems(sink, getArr(sink, src, 'sources', path), at(path, 'sources'))) {
    checkFields(sink, s, sp, 'VolumeProjection', PROJECTION_KINDS);
    const kind = exactlyOne(sink, s, PROJECTION_KINDS, sp, 'secret, configMap, serviceAccountToken, downwardAPI');
    if (!kind) continue;
    const p = at(sp, kind);
    const proj = getObj(sink, s, kind, sp);
    if (!proj) continue;
    checkFields(sink, proj, p, PROJECTION_TYPES[kind], PROJECTIONS[kind]);
    if ((kind === 'secret' || kind === 'configMap') && !getStr(sink, proj, 'name', p)) sink.missing(at(p, 'name'));
    if (kind === 'secret' || kind === 'configMap') keyToPaths(sink, proj, p);
    if (kind === 'serviceAccountToken' && !getStr(sink, proj, 'path', p)) sink.missing(at(p, 'path'));
    if (kind === 'downwardAPI') {
      for (const [item, , ip] of objItems(sink, getArr(sink, proj, 'items', p), at(p, 'items'))) {
        checkFields(sink, item, ip, 'DownwardAPIVolumeFile', ['path', 'fieldRef', 'resourceFieldRef', 'mode']);
        exactlyOne(sink, item, ['fieldRef', 'resourceFieldRef'], ip, 'fieldRef, resourceFieldRef');
        if (!getStr(sink, item, 'path', ip)) sink.missing(at(ip, 'path'));
      }
    }
  }
}

function sourceRules(sink: Sink, kind: string, src: Obj, path: string, req: Req): void {
  if (kind === 'secret' || kind === 'configMap') keyToPaths(sink, src, path);
  if (kind === 'projected') projected(sink, src, path);
  if (kind === 'emptyDir') {
    const medium = getStr(sink, src, 'medium', path);
    if (medium && medium !== 'Memory') sink.error(at(path, 'medium'), `invalid value: ${medium}`, medium, 'Use medium "" or "Memory".');
    const size = src.sizeLimit;
    if (size !== undefined && size !== null) {
      const s = String(size);
      if (!isQuantity(s) || quantitySign(s) < 0) sink.error(at(path, 'sizeLimit'), `invalid value: ${s}`, size, 'Use a non-negative quantity such as "1Gi".');
    }
  }
  if (kind === 'persistentVolumeClaim') {
    if (!getStr(sink, src, 'claimName', path)) sink.missing(at(path, 'claimName'));
    if (getBool(sink, src, 'readOnly', path) !== true && !req.s.enabled('kubernetes.podspec-persistent-volume-write')) {
      sink.error(at(path, 'readOnly'), `Persistent volume write support is disabled, but found persistent volume claim ${String(src.claimName ?? '')} that is not read-only`,
        src.readOnly ?? false, 'Set readOnly: true, or enable kubernetes.podspec-persistent-volume-write.');
    }
  }
  if (kind === 'image') {
    if (!getStr(sink, src, 'reference', path)) sink.missing(at(path, 'reference'));
    const pp = getStr(sink, src, 'pullPolicy', path);
    if (pp && !['Always', 'IfNotPresent', 'Never'].includes(pp)) sink.error(at(path, 'pullPolicy'), `invalid value: ${pp}`, pp, 'Use Always, IfNotPresent or Never.');
  }
}

function validateVolume(sink: Sink, v: Obj, path: string, req: Req): void {
  checkFields(sink, v, path, 'Volume', VOLUME_FIELDS);
  const present = ALL_SOURCES.filter((k) => isSet(v[k]));
  if (present.length !== 1) {
    sink.error(path, `expected exactly one, got ${present.length ? 'both' : 'neither'}`, present.length ? present : undefined,
      'Give the volume exactly one source (secret, configMap, projected, or an enabled gated source).');
  }
  for (const kind of present) {
    const p = at(path, kind);
    const def = SOURCES[kind];
    if (!def) {
      sink.disallowed(p, v[kind], `Knative does not support ${kind} volumes; use secret, configMap or projected.`);
      continue;
    }
    const [fields, flag, goType] = def;
    if (flag && !req.s.enabled(flag)) {
      sink.disallowed(p, v[kind], enableFix(flag, true, req));
      continue;
    }
    const src = getObj(sink, v, kind, path);
    if (!src) continue;
    checkFields(sink, src, p, goType, fields);
    sourceRules(sink, kind, src, p, req);
  }
}

/** P8 part 1: volume list. Returns volumes by name. */
export function validateVolumes(sink: Sink, spec: Obj, specPath: string, req: Req): Map<string, Obj> {
  const byName = new Map<string, Obj>();
  const list = getArr(sink, spec, 'volumes', specPath);
  if (list === undefined) return byName;
  const path = at(specPath, 'volumes');
  for (const [v, , vp] of objItems(sink, list, path)) {
    const name = getStr(sink, v, 'name', vp);
    if (!name) {sink.missing(at(vp, 'name'));} else {
      const errs = dns1123LabelErrors(name);
      if (errs.length) sink.error(at(vp, 'name'), `invalid value: ${name}`, name, 'Use a DNS-1123 label (≤ 63 lowercase letters, digits, "-").');
      if (byName.has(name)) sink.error(at(vp, 'name'), `duplicate volume name "${name}"`, name, 'Give every volume a unique name.');
      byName.set(name, v);
    }
    validateVolume(sink, v, vp, req);
  }
  return byName;
}

/** P8 part 2: every volume must be mounted somewhere. */
export function checkVolumesMounted(sink: Sink, spec: Obj, specPath: string, mounted: Set<string>): void {
  const vols = Array.isArray(spec.volumes) ? spec.volumes : [];
  vols.forEach((v, i) => {
    const name = (v as Obj)?.name;
    if (typeof name === 'string' && name && !mounted.has(name)) {
      sink.error(at(`${at(specPath, 'volumes')}[${i}]`, 'name'), `volume with name "${name}" not mounted`, name,
        'Mount the volume in a container or remove it.');
    }
  });
}

/** Whether a mount of this volume may be writable. */
export function writableVolume(v: Obj | undefined): boolean {
  return !!v && WRITABLE.some((k) => isSet(v[k]));
}

const MOUNT_FIELDS = ['name', 'mountPath', 'readOnly', 'subPath'];
const MOUNT_GATES: Gates<Req> = {
  mountPropagation: (req) => (req.s.enabled('kubernetes.podspec-volumes-mount-propagation')
    ? undefined : enableFix('kubernetes.podspec-volumes-mount-propagation', true, req)),
};

/** §6.8 volume mounts of one container; adds mounted names to `mounted`. */
export function validateMounts(sink: Sink, c: Obj, cpath: string, volumes: Map<string, Obj>, mounted: Set<string>, req: Req): void {
  const list = getArr(sink, c, 'volumeMounts', cpath);
  if (list === undefined) return;
  const seenPaths = new Set<string>();
  const path = at(cpath, 'volumeMounts');
  for (const [m, , mp] of objItems(sink, list, path)) {
    checkFields(sink, m, mp, 'VolumeMount', MOUNT_FIELDS, MOUNT_GATES, req);
    const prop = m.mountPropagation;
    if (isSet(prop) && req.s.enabled('kubernetes.podspec-volumes-mount-propagation') && prop !== 'None' && prop !== 'HostToContainer') {
      sink.error(at(mp, 'mountPropagation'), 'mount propagation should be set to None or HostToContainer', prop, 'Use None or HostToContainer.');
    }
    const name = getStr(sink, m, 'name', mp) ?? '';
    const volume = volumes.get(name);
    if (!volume) sink.error(at(mp, 'name'), 'volumeMount has no matching volume', name, 'Reference a volume declared in volumes[].');
    mounted.add(name);
    mountPath(sink, getStr(sink, m, 'mountPath', mp), at(mp, 'mountPath'), seenPaths);
    const ro = getBool(sink, m, 'readOnly', mp) === true;
    getStr(sink, m, 'subPath', mp);
    if (volume && !writableVolume(volume) && !ro) {
      sink.error(at(mp, 'readOnly'), 'volume mount should be readOnly for this type of volume', m.readOnly ?? false, 'Set readOnly: true on this mount.');
    }
    const pvc = volume?.persistentVolumeClaim;
    if (pvc && typeof pvc === 'object' && (pvc as Obj).readOnly === true && !ro) {
      sink.error(at(mp, 'readOnly'), 'volume is readOnly but volume mount is not', m.readOnly ?? false, 'Set readOnly: true on this mount.');
    }
  }
}

function mountPath(sink: Sink, p: string | undefined, path: string, seen: Set<string>): void {
  if (!p) {
    sink.missing(path, 'Set an absolute mountPath.');
    return;
  }
  let clean = posix.normalize(p);
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  if (RESERVED_PATHS.includes(clean)) sink.error(path, `mountPath "${clean}" is a reserved path`, p, 'Mount somewhere other than /, /dev or /dev/log.');
  else if (!posix.isAbsolute(p)) sink.error(path, `invalid value: ${p}`, p, 'Use an absolute path (starting with "/").');
  else if (seen.has(clean)) sink.error(path, `"${p}" must be unique`, p, 'Mount each path only once per container.');
  seen.add(clean);
}
