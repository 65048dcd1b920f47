import { C0, errors, podSvc, T, withFeatures } from './helpers';
import type { KubeObject } from '../../../src/core/types';

const V0 = `${T}.volumes[0]`;
const M0 = `${C0}.volumeMounts[0]`;
/** One volume mounted at /data (readOnly unless `rw`). */
const vol = (volume: Record<string, unknown>, mount: Record<string, unknown> = {}) => podSvc((p) => {
  p.volumes = [{ name: 'v', ...volume }];
  p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/data', ...mount }];
});

describe('§6.7 volumes', () => {
  test.each<[string, KubeObject, string[]]>([
    ['secret ok', vol({ secret: { secretName: 's', items: [{ key: 'k', path: 'p', mode: 420 }] } }), []],
    ['configMap ok', vol({ configMap: { name: 'c' } }), []],
    ['emptyDir ok (default Enabled)', vol({ emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }), []],
    ['neither source', vol({}), [`${V0}: expected exactly one, got neither`]],
    ['two sources', vol({ secret: { secretName: 's' }, configMap: { name: 'c' } }), [`${V0}: expected exactly one, got both`]],
    ['unsupported source nfs', vol({ nfs: { server: 'x', path: '/' } }), [`${V0}.nfs: must not set the field(s)`]],
    ['hostPath gated', vol({ hostPath: { path: '/' } }), [`${V0}.hostPath: must not set the field(s)`]],
    ['PVC gated', vol({ persistentVolumeClaim: { claimName: 'c' } }), [`${V0}.persistentVolumeClaim: must not set the field(s)`]],
    ['csi gated', vol({ csi: { driver: 'd' } }), [`${V0}.csi: must not set the field(s)`]],
    ['image gated', vol({ image: { reference: 'x' } }), [`${V0}.image: must not set the field(s)`]],
    ['ephemeral gated', vol({ ephemeral: {} }), [`${V0}.ephemeral: must not set the field(s)`]],
    ['items missing key/path', vol({ secret: { secretName: 's', items: [{}] } }), [`${V0}.secret.items[0].key: missing field(s)`, `${V0}.secret.items[0].path: missing field(s)`]],
    ['item extra field', vol({ configMap: { name: 'c', items: [{ key: 'k', path: 'p', x: 1 }] } }), [`${V0}.configMap.items[0].x: must not set the field(s)`]],
    ['volume extra field', vol({ configMap: { name: 'c' }, label: 'x' }), [`${V0}.label: must not set the field(s)`]],
    ['emptyDir medium', vol({ emptyDir: { medium: 'HugePages' } }), [`${V0}.emptyDir.medium: invalid value: HugePages`]],
    ['emptyDir negative size', vol({ emptyDir: { sizeLimit: '-1Gi' } }), [`${V0}.emptyDir.sizeLimit: invalid value: -1Gi`]],
    ['projected ok', vol({ projected: { sources: [{ secret: { name: 's' } }, { serviceAccountToken: { path: 't', audience: 'a' } }, { downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } }), []],
    ['projected source both', vol({ projected: { sources: [{ secret: { name: 's' }, configMap: { name: 'c' } }] } }), [`${V0}.projected.sources[0]: expected exactly one, got both`]],
    ['projected secret name required', vol({ projected: { sources: [{ secret: {} }] } }), [`${V0}.projected.sources[0].secret.name: missing field(s)`]],
    ['projected token path required', vol({ projected: { sources: [{ serviceAccountToken: { audience: 'a' } }] } }), [`${V0}.projected.sources[0].serviceAccountToken.path: missing field(s)`]],
    ['projected downwardAPI item', vol({ projected: { sources: [{ downwardAPI: { items: [{ fieldRef: {}, resourceFieldRef: {} }] } }] } }),
      [`${V0}.projected.sources[0].downwardAPI.items[0]: expected exactly one, got both`, `${V0}.projected.sources[0].downwardAPI.items[0].path: missing field(s)`]],
    ['projected clusterTrustBundle', vol({ projected: { sources: [{ clusterTrustBundle: { path: 'x' } }] } }),
      [`${V0}.projected.sources[0].clusterTrustBundle: must not set the field(s)`, `${V0}.projected.sources[0]: expected exactly one, got neither`]],
    ['P8 bad name', podSvc((p) => { p.volumes = [{ name: 'V_1', secret: { secretName: 's' } }]; p.containers[0].volumeMounts = [{ name: 'V_1', mountPath: '/d' }]; }),
      [`${V0}.name: invalid value: V_1`]],
    ['P8 duplicate name', podSvc((p) => {
      p.volumes = [{ name: 'v', secret: { secretName: 's' } }, { name: 'v', configMap: { name: 'c' } }];
      p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/d' }];
    }), [`${T}.volumes[1].name: duplicate volume name "v"`]],
    ['P8 not mounted', podSvc((p) => { p.volumes = [{ name: 'v', secret: { secretName: 's' } }]; }), [`${V0}.name: volume with name "v" not mounted`]],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test.each<[string, KubeObject, string, string[]]>([
    ['PVC enabled, readOnly required', vol({ persistentVolumeClaim: { claimName: 'c' } }), 'kubernetes.podspec-persistent-volume-claim',
      [`${V0}.persistentVolumeClaim.readOnly: Persistent volume write support is disabled, but found persistent volume claim c that is not read-only`]],
    ['hostPath enabled', vol({ hostPath: { path: '/x' } }), 'kubernetes.podspec-volumes-hostpath', []],
    ['image enabled, pullPolicy', vol({ image: { reference: 'r', pullPolicy: 'Sometimes' } }), 'kubernetes.podspec-volumes-image', [`${V0}.image.pullPolicy: invalid value: Sometimes`]],
    ['image enabled, reference required', vol({ image: {} }), 'kubernetes.podspec-volumes-image', [`${V0}.image.reference: missing field(s)`]],
    ['emptyDir disabled', vol({ emptyDir: {} }), 'kubernetes.podspec-volumes-emptydir', [`${V0}.emptyDir: must not set the field(s)`]],
  ])('gated: %s', (_n, obj, flag, want) => {
    const state = flag === 'kubernetes.podspec-volumes-emptydir' ? 'Disabled' : 'Enabled';
    expect(errors(obj, withFeatures({ [flag]: state }))).toEqual(want);
  });

  test('PVC write allowed with persistent-volume-write', () => {
    expect(errors(vol({ persistentVolumeClaim: { claimName: 'c' } }), withFeatures({
      'kubernetes.podspec-persistent-volume-claim': 'Enabled', 'kubernetes.podspec-persistent-volume-write': 'Enabled',
    }))).toEqual([]);
  });
});

describe('§6.8 volume mounts', () => {
  const secret = { secret: { secretName: 's' } };
  test.each<[string, KubeObject, string[]]>([
    ['no matching volume', podSvc((p) => { p.containers[0].volumeMounts = [{ name: 'x', mountPath: '/x' }]; }), [`${M0}.name: volumeMount has no matching volume`]],
    ['mountPath missing', vol(secret, { mountPath: undefined }), [`${M0}.mountPath: missing field(s)`]],
    ['reserved path', vol(secret, { mountPath: '/dev/' }), [`${M0}.mountPath: mountPath "/dev" is a reserved path`]],
    ['reserved root', vol(secret, { mountPath: '/' }), [`${M0}.mountPath: mountPath "/" is a reserved path`]],
    ['relative path', vol(secret, { mountPath: 'data' }), [`${M0}.mountPath: invalid value: data`]],
    ['duplicate path', podSvc((p) => {
      p.volumes = [{ name: 'v', ...secret }];
      p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/d' }, { name: 'v', mountPath: '/d/' }];
    }), [`${C0}.volumeMounts[1].mountPath: "/d/" must be unique`]],
    ['extra field subPathExpr', vol(secret, { subPathExpr: '$(X)' }), [`${M0}.subPathExpr: must not set the field(s)`]],
    ['mountPropagation gated', vol(secret, { mountPropagation: 'None' }), [`${M0}.mountPropagation: must not set the field(s)`]],
    ['readOnly false on init container secret mount', podSvc((p) => {
      p.volumes = [{ name: 'v', ...secret }];
      p.initContainers = [{ image: 'ii', volumeMounts: [{ name: 'v', mountPath: '/d' }] }];
    }), [`${T}.initContainers[0].volumeMounts[0].readOnly: volume mount should be readOnly for this type of volume`]],
    ['emptyDir writable', vol({ emptyDir: {} }), []],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj, withFeatures({ 'kubernetes.podspec-init-containers': 'Enabled' }))).toEqual(want);
  });

  test('PVC readOnly requires readOnly mount', () => {
    const obj = vol({ persistentVolumeClaim: { claimName: 'c', readOnly: true } }, { readOnly: false });
    const ctx = withFeatures({ 'kubernetes.podspec-persistent-volume-claim': 'Enabled' });
    expect(errors(obj, ctx)).toEqual([`${M0}.readOnly: volume is readOnly but volume mount is not`]);
  });

  test('mountPropagation value when enabled', () => {
    expect(errors(vol(secret, { mountPropagation: 'Bidirectional' }), withFeatures({ 'kubernetes.podspec-volumes-mount-propagation': 'Enabled' })))
      .toEqual([`${M0}.mountPropagation: mount propagation should be set to None or HostToContainer`]);
  });
});
