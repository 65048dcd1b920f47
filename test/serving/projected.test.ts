import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { KnService, ProjectedVolume, ProjectedVolumeSource } from '../../src';
import { applyDefaults, validate } from '../../src/core/rules';

describe('projected volumes', () => {
  function service(): { chart: ReturnType<typeof Testing.chart>; svc: KnService; tokens: ProjectedVolume } {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'Creds', 'creds');
    const config = kplus.ConfigMap.fromConfigMapName(chart, 'Cfg', 'app-config');
    const tokens = ProjectedVolume.of('tokens', [
      ProjectedVolumeSource.serviceAccountToken({ path: 'vault-token', audience: 'vault', expiration: Duration.hours(1) }),
      ProjectedVolumeSource.fromSecret(secret, { items: { 'ca.crt': { path: 'ca.crt', mode: 0o440 } } }),
      ProjectedVolumeSource.fromConfigMap(config, { optional: true }),
      ProjectedVolumeSource.downwardApi([
        { path: 'labels', fieldPath: 'metadata.labels' },
        { path: 'cpu-limit', resource: 'limits.cpu', containerName: 'user-container' },
      ]),
    ], { defaultMode: 0o444 });
    const svc = new KnService(chart, 'Svc', {
      metadata: { name: 'svc' },
      containers: [{ image: 'app', port: 8080, projectedMounts: [{ volume: tokens, path: '/var/run/secrets/app' }] }],
    });
    return { chart, svc, tokens };
  }

  test('render the volume once, the mount read-only, and pass Knative admission unchanged', () => {
    const { chart } = service();
    const [manifest] = Testing.synth(chart);
    const spec = manifest.spec.template.spec;
    expect(spec.volumes).toEqual([{
      name: 'tokens',
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 3600 } },
          { secret: { name: 'creds', items: [{ key: 'ca.crt', path: 'ca.crt', mode: 0o440 }] } },
          { configMap: { name: 'app-config', optional: true } },
          {
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'cpu-limit', resourceFieldRef: { containerName: 'user-container', resource: 'limits.cpu' } },
              ],
            },
          },
        ],
      },
    }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'tokens', mountPath: '/var/run/secrets/app', readOnly: true }]);
    expect(applyDefaults(manifest as any, { operation: 'create' })).toEqual(manifest);
    expect(validate(manifest as any).filter((v) => v.severity !== 'warning')).toEqual([]);
  });

  test('mountProjected() adds the volume; mounts and projectedMounts list each kind', () => {
    const { chart, svc, tokens } = service();
    const sidecar = svc.addContainer({ image: 'sidecar', name: 'sidecar' });
    sidecar.mountProjected('/tokens', tokens);
    sidecar.mount('/cache', kplus.Volume.fromEmptyDir(chart, 'Cache', 'cache'));
    expect(sidecar.projectedMounts.map((m) => [m.path, m.volume.name])).toEqual([['/tokens', 'tokens']]);
    expect(sidecar.mounts.map((m) => [m.path, m.volume.name])).toEqual([['/cache', 'cache']]);
    const spec = Testing.synth(chart)[0].spec.template.spec;
    expect(spec.volumes.map((v: { name: string }) => v.name)).toEqual(['tokens', 'cache']);
  });

  test('a read-write mount of a projected volume is rejected by the shared rules', () => {
    const chart = Testing.chart();
    const v = ProjectedVolume.of('p', [ProjectedVolumeSource.serviceAccountToken({ path: 't' })]);
    new KnService(chart, 'Svc', { metadata: { name: 'svc' }, containers: [{ image: 'app', projectedMounts: [{ volume: v, path: '/p', readOnly: false }] }] });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\].*volumeMounts\[0\]\.readOnly/);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['bad volume name', () => ProjectedVolume.of('Tokens', [ProjectedVolumeSource.serviceAccountToken({ path: 't' })]), /"Tokens" is not a DNS-1123 label/],
    ['no sources', () => ProjectedVolume.of('p', []), /at least one source/],
    ['defaultMode out of range', () => ProjectedVolume.of('p', [ProjectedVolumeSource.serviceAccountToken({ path: 't' })], { defaultMode: 0o1000 }), /not between 0 and 0777/],
    ['absolute token path', () => ProjectedVolumeSource.serviceAccountToken({ path: '/t' }), /relative path/],
    ['token path with ..', () => ProjectedVolumeSource.serviceAccountToken({ path: 'a/../t' }), /relative path/],
    ['short token lifetime', () => ProjectedVolumeSource.serviceAccountToken({ path: 't', expiration: Duration.minutes(5) }), /at least 10 minutes \(got 300s\)/],
    ['downward item with neither', () => ProjectedVolumeSource.downwardApi([{ path: 'x' }]), /exactly one of fieldPath and resource.*neither/],
    ['downward item with both', () => ProjectedVolumeSource.downwardApi([{ path: 'x', fieldPath: 'metadata.name', resource: 'limits.cpu' }]), /got both/],
    ['no downward items', () => ProjectedVolumeSource.downwardApi([]), /at least one item/],
  ])('%s fails with a fix', (_name, make, message) => {
    expect(make).toThrow(message);
    expect(make).toThrow(/Fix:/);
  });
});
