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

  // Volumes and sources are built before they are mounted: the problem is recorded, and the
  // container that mounts the volume throws it with its construct path.
  const token = (o: Partial<Parameters<typeof ProjectedVolumeSource.serviceAccountToken>[0]> = {}) => ProjectedVolumeSource.serviceAccountToken({ path: 't', ...o });
  const vol = (...sources: ProjectedVolumeSource[]) => ProjectedVolume.of('p', sources);
  test.each<[string, () => ProjectedVolume, string]>([
    ['bad volume name', () => ProjectedVolume.of('Tokens', [token()]),
      'ProjectedVolume.of().name: is not a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters) (got "Tokens"). Fix: Use e.g. "tokens".'],
    ['no sources', () => vol(), 'ProjectedVolume.of("p").sources: needs at least one source (got []). Fix: Pass e.g. [ProjectedVolumeSource.fromSecret(secret)].'],
    ['defaultMode out of range', () => ProjectedVolume.of('p', [token()], { defaultMode: 0o1000 }),
      'ProjectedVolume.of("p").defaultMode: must be between 0 and 0o777 (octal; 511 decimal) (got 512 (0o1000)). Fix: Use a mode between 0 and 0o777, e.g. 0o440.'],
    ['absolute token path', () => vol(token({ path: '/t' })),
      'ProjectedVolume.of("p").sources[0].serviceAccountToken.path: must be a relative path without ".." (got "/t"). Fix: Use e.g. "token".'],
    ['token path with ..', () => vol(token({ path: 'a/../t' })), 'sources[0].serviceAccountToken.path: must be a relative path without ".." (got "a/../t")'],
    ['short token lifetime', () => vol(token(), token({ expiration: Duration.minutes(5) })),
      'ProjectedVolume.of("p").sources[1].serviceAccountToken.expiration: must be a whole number of seconds, at least 10 minutes (got 5 minutes). Fix: Use e.g. Duration.hours(1).'],
    ['downward item with neither', () => vol(ProjectedVolumeSource.downwardApi([{ path: 'x' }])),
      'sources[0].downwardApi[0]: set exactly one of fieldPath and resource (Knative: expected exactly one, got neither). Fix: Use e.g. { path: \'x\', fieldPath: \'metadata.labels\' }.'],
    ['downward item with both', () => vol(ProjectedVolumeSource.downwardApi([{ path: 'x', fieldPath: 'metadata.name', resource: 'limits.cpu' }])),
      'got both) (got {"fieldPath":"metadata.name","resource":"limits.cpu"})'],
    ['no downward items', () => vol(ProjectedVolumeSource.downwardApi([])), 'sources[0].downwardApi: needs at least one item (got [])'],
  ])('%s: nothing thrown while building; mounting throws it with the construct path', (_name, make, message) => {
    const v = make();
    const chart = Testing.chart();
    expect(() => new KnService(chart, 'Svc', { containers: [{ image: 'app', projectedMounts: [{ volume: v, path: '/p' }] }] }))
      .toThrow(`[test/Svc] containers[0].${message.startsWith('ProjectedVolume') ? message : ''}`);
    expect(() => new KnService(chart, 'Svc2', { containers: [{ image: 'app', projectedMounts: [{ volume: v, path: '/p' }] }] })).toThrow(message);
    const svc = new KnService(chart, 'Svc3', { image: 'app' });
    expect(() => svc.template.containers[0].mountProjected('/p', v)).toThrow(/^\[test\/Svc3\] ProjectedVolume\.of.*\. Fix: /);
  });
});
