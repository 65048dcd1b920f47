import { configuration, domainMapping, podSvc, revision, route, service, withFeatures } from './helpers';
import { defaultServingConfig } from '../../../src/core/config';
import { applyDefaults, applyUserInfo } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const DEFAULTED_CONTAINER = {
  name: 'user-container',
  image: 'ghcr.io/x/hello',
  readinessProbe: { successThreshold: 1, tcpSocket: { port: 0 } },
  resources: {},
};

describe('applyDefaults — worked example (§14, §6.3)', () => {
  test('Service hello defaults to exactly the documented object', () => {
    expect(applyDefaults(service())).toStrictEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'hello', namespace: 'default' },
      spec: {
        template: {
          spec: {
            containers: [DEFAULTED_CONTAINER],
            timeoutSeconds: 300,
            containerConcurrency: 0,
            enableServiceLinks: false,
          },
        },
        traffic: [{ percent: 100, latestRevision: true }],
      },
    });
  });

  test('never mutates its input', () => {
    const input = service();
    const copy = JSON.parse(JSON.stringify(input));
    applyDefaults(input);
    expect(input).toStrictEqual(copy);
  });

  test('does not add creator/lastModifier', () => {
    expect(applyDefaults(service()).metadata.annotations).toBeUndefined();
  });
});

describe('applyDefaults — idempotent', () => {
  const inputs: Array<[string, KubeObject]> = [
    ['service', service()],
    ['multi-container', podSvc((p) => {
      p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb' }, { name: 'user-container-0', image: 'cc' }];
    })],
    ['probe with period', podSvc((p) => { p.containers[0].readinessProbe = { periodSeconds: 5, httpGet: { path: '/' } }; })],
    ['grpc probes', podSvc((p) => { p.containers[0].livenessProbe = { grpc: { port: 9000 } }; })],
    ['volumes', podSvc((p) => {
      p.volumes = [{ name: 's', secret: { secretName: 's' } }, { name: 'e', emptyDir: {} }];
      p.containers[0].volumeMounts = [{ name: 's', mountPath: '/s' }, { name: 'e', mountPath: '/e' }];
    })],
    ['route', route((r) => { r.spec.traffic = [{ revisionName: 'a', percent: 50 }, { configurationName: 'c' }]; })],
    ['revision', revision()],
    ['configuration', configuration()],
    ['domain mapping', domainMapping()],
    ['garbage', { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'x' }, spec: { template: 'nope', traffic: 3 } }],
  ];
  test.each(inputs)('%s', (_n, obj) => {
    const once = applyDefaults(obj);
    expect(applyDefaults(once)).toStrictEqual(once);
  });
  test.each(inputs)('%s with secure-pod-defaults', (_n, obj) => {
    const ctx = withFeatures({ 'secure-pod-defaults': 'Enabled' });
    const once = applyDefaults(obj, ctx);
    expect(applyDefaults(once, ctx)).toStrictEqual(once);
  });
});

const tspec = (o: KubeObject) => (o.spec as any).template.spec;

describe('applyDefaults — rules', () => {
  test.each([
    ['two unnamed containers get -0/-1', [{ image: 'aa', ports: [{}] }, { image: 'bb' }], ['user-container-0', 'user-container-1']],
    ['counter skips used names', [{ image: 'aa' }, { name: 'user-container-0', image: 'bb' }, { image: 'cc' }], ['user-container-1', 'user-container-0', 'user-container-2']],
    ['single unnamed container', [{ image: 'aa' }], ['user-container']],
  ])('container names: %s', (_n, containers, names) => {
    const out = applyDefaults(podSvc((p) => { p.containers = containers; }));
    expect(tspec(out).containers.map((c: any) => c.name)).toEqual(names);
  });

  test('default name clashes with an init container name → suffixed', () => {
    const out = applyDefaults(podSvc((p) => { p.initContainers = [{ name: 'user-container', image: 'ii' }, { image: 'jj' }]; }));
    expect(tspec(out).containers[0].name).toBe('user-container-0');
    expect(tspec(out).initContainers[1].name).toBe('init-container-0');
  });

  test('container-name-template is rendered over the parent metadata', () => {
    const config = defaultServingConfig();
    config.defaults.containerNameTemplate = '{{.Name}}';
    expect(tspec(applyDefaults(service(), { config })).containers[0].name).toBe('hello');
  });

  test('container-name-template: a Revision renders it over an empty ObjectMeta (Revision.SetDefaults sets no parent); an empty template names containers "-0", "-1", … ("" is taken: unnamed containers count as named "") (issue 16)', () => {
    const config = defaultServingConfig();
    config.defaults.containerNameTemplate = '{{.Name}}-c';
    expect((applyDefaults(revision(), { config }).spec as any).containers[0].name).toBe('-c');
    expect(tspec(applyDefaults(service(), { config })).containers[0].name).toBe('hello-c');
    config.defaults.containerNameTemplate = '';
    expect(tspec(applyDefaults(service(), { config })).containers[0].name).toBe('-0');
    const two = podSvc((p) => { p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb' }]; });
    expect(tspec(applyDefaults(two, { config })).containers.map((c: any) => c.name)).toEqual(['-0', '-1']);
  });

  test('a readiness probe with periodSeconds 5 gets successThreshold 1, failureThreshold 3, timeoutSeconds 1', () => {
    const out = applyDefaults(podSvc((p) => { p.containers[0].readinessProbe = { periodSeconds: 5, httpGet: { path: '/' } }; }));
    expect(tspec(out).containers[0].readinessProbe).toStrictEqual({ periodSeconds: 5, httpGet: { path: '/' }, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
  });

  test('probe without handler gets tcpSocket; sidecars get no default probe', () => {
    const out = applyDefaults(podSvc((p) => {
      p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }], readinessProbe: { initialDelaySeconds: 2 } }, { image: 'bb' }];
    }));
    expect(tspec(out).containers[0].readinessProbe).toStrictEqual({ initialDelaySeconds: 2, tcpSocket: { port: 0 }, successThreshold: 1 });
    expect(tspec(out).containers[1].readinessProbe).toBeUndefined();
  });

  test('grpc service defaults to "" on every probe kind', () => {
    const out = applyDefaults(podSvc((p) => {
      p.containers[0].livenessProbe = { grpc: { port: 9000 } };
      p.containers[0].startupProbe = { grpc: { port: 9000 } };
    }));
    expect(tspec(out).containers[0].livenessProbe.grpc).toStrictEqual({ port: 9000, service: '' });
    expect(tspec(out).containers[0].startupProbe.grpc).toStrictEqual({ port: 9000, service: '' });
  });

  test.each([[undefined, 300], [0, 300], [42, 42]])('timeoutSeconds %p → %p', (given, want) => {
    expect(tspec(applyDefaults(podSvc((p) => { p.timeoutSeconds = given; }))).timeoutSeconds).toBe(want);
  });

  test('responseStart/idle timeouts only when default is non-zero and < timeoutSeconds', () => {
    const config = defaultServingConfig();
    config.defaults.revisionResponseStartTimeoutSeconds = 60;
    config.defaults.revisionIdleTimeoutSeconds = 400;
    const s = tspec(applyDefaults(service(), { config }));
    expect([s.responseStartTimeoutSeconds, s.idleTimeoutSeconds]).toEqual([60, undefined]);
    expect(tspec(applyDefaults(service())).responseStartTimeoutSeconds).toBeUndefined();
  });

  test('containerConcurrency default comes from config', () => {
    const config = defaultServingConfig();
    config.defaults.containerConcurrency = 10;
    expect(tspec(applyDefaults(service(), { config })).containerConcurrency).toBe(10);
  });

  test('enableServiceLinks is not defaulted on update', () => {
    const old = applyDefaults(service());
    const out = applyDefaults(service(), { operation: 'update', old });
    expect(tspec(out).enableServiceLinks).toBeUndefined();
  });

  test('enableServiceLinks left unset when the config value is "default" (undefined)', () => {
    const config = defaultServingConfig();
    config.defaults.enableServiceLinks = undefined;
    expect(tspec(applyDefaults(service(), { config })).enableServiceLinks).toBeUndefined();
  });

  test('readOnly: true on mounts of non-emptyDir/PVC volumes only', () => {
    const out = applyDefaults(podSvc((p) => {
      p.volumes = [{ name: 's', secret: { secretName: 's' } }, { name: 'e', emptyDir: {} }, { name: 'p', persistentVolumeClaim: { claimName: 'c' } }];
      p.containers[0].volumeMounts = [{ name: 's', mountPath: '/s' }, { name: 'e', mountPath: '/e' }, { name: 'p', mountPath: '/p' }];
      p.initContainers = [{ image: 'ii', volumeMounts: [{ name: 's', mountPath: '/s' }] }];
    }));
    expect(tspec(out).containers[0].volumeMounts.map((m: any) => m.readOnly)).toEqual([true, undefined, undefined]);
    expect(tspec(out).initContainers[0].volumeMounts[0].readOnly).toBeUndefined();
  });

  test('resource defaults from config-defaults are added when absent', () => {
    const config = defaultServingConfig();
    config.defaults.revisionCpuRequest = '100m';
    config.defaults.revisionMemoryLimit = '1Gi';
    const c = tspec(applyDefaults(podSvc((p) => { p.containers[0].resources = { requests: { cpu: '1' } }; }), { config })).containers[0];
    expect(c.resources).toStrictEqual({ requests: { cpu: '1' }, limits: { memory: '1Gi' } });
  });

  test('secure-pod-defaults Enabled: runAsNonRoot, RuntimeDefault seccomp, no privilege escalation, drop ALL, add NET_BIND_SERVICE (port 80)', () => {
    const c = tspec(applyDefaults(podSvc((p) => { p.containers[0].ports = [{ containerPort: 80 }]; }), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).containers[0];
    expect(c.securityContext).toStrictEqual({
      allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      runAsNonRoot: true,
    });
  });

  test('secure-pod-defaults Enabled: a port without containerPort (0) counts as low, as Knative tests it (issue 16)', () => {
    const c = tspec(applyDefaults(podSvc((p) => { p.containers[0].ports = [{}]; }), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).containers[0];
    expect(c.securityContext.capabilities).toStrictEqual({ add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
    const high = tspec(applyDefaults(podSvc((p) => { p.containers[0].ports = [{ containerPort: 8080 }]; }), withFeatures({ 'secure-pod-defaults': 'Enabled' })));
    expect(high.containers[0].securityContext.capabilities).toStrictEqual({ drop: ['ALL'] });
  });

  test('Service traffic: empty list gets the default entry; entries get latestRevision/percent', () => {
    expect(applyDefaults(service((s) => { s.spec.traffic = []; })).spec.traffic).toStrictEqual([{ percent: 100, latestRevision: true }]);
    expect(applyDefaults(service((s) => { s.spec.traffic = [{ revisionName: 'hello-1', percent: 100 }, { tag: 't' }]; })).spec.traffic)
      .toStrictEqual([{ revisionName: 'hello-1', percent: 100, latestRevision: false }, { tag: 't', latestRevision: true, percent: 0 }]);
  });

  test('Route: per-entry defaults only, no default entry', () => {
    expect(applyDefaults(route((r) => { delete r.spec.traffic; })).spec).toStrictEqual({});
    expect(applyDefaults(route()).spec.traffic).toStrictEqual([{ configurationName: 'hello', percent: 100, latestRevision: true }]);
  });

  test('template defaults skipped on update when the BYO name is unchanged', () => {
    const withName = (s: any) => { s.spec.template.metadata = { name: 'hello-v1' }; };
    const old = service(withName);
    expect(tspec(applyDefaults(service(withName), { operation: 'update', old }))).toStrictEqual({ containers: [{ image: 'ghcr.io/x/hello' }] });
    const renamed = service((s) => { s.spec.template.metadata = { name: 'hello-v2' }; });
    expect(tspec(applyDefaults(renamed, { operation: 'update', old })).timeoutSeconds).toBe(300);
  });

  test('Revision: defaults on create only', () => {
    expect((applyDefaults(revision()).spec as any).containers[0]).toStrictEqual(DEFAULTED_CONTAINER);
    expect(applyDefaults(revision(), { operation: 'update', old: revision() })).toStrictEqual(revision());
  });

  test('DomainMapping: ref.namespace defaults to the DomainMapping namespace', () => {
    expect((applyDefaults(domainMapping()).spec as any).ref.namespace).toBe('default');
  });
});

describe('applyUserInfo (§2.3)', () => {
  const C = 'serving.knative.dev/creator';
  const M = 'serving.knative.dev/lastModifier';
  test('create sets both on Service', () => {
    expect(applyUserInfo(service(), 'alice').metadata.annotations).toStrictEqual({ [C]: 'alice', [M]: 'alice' });
  });
  test('update changes lastModifier only when the spec changed', () => {
    const old = applyUserInfo(applyDefaults(service()), 'alice');
    const same = applyUserInfo(applyDefaults(old, { operation: 'update', old }), 'bob', { operation: 'update', old });
    expect(same.metadata.annotations).toStrictEqual({ [C]: 'alice', [M]: 'alice' });
    const changed = service((s) => { s.metadata.annotations = { ...old.metadata.annotations }; s.spec.template.spec.containers[0].image = 'bb'; });
    expect(applyUserInfo(applyDefaults(changed, { operation: 'update', old }), 'bob', { operation: 'update', old }).metadata.annotations)
      .toStrictEqual({ [C]: 'alice', [M]: 'bob' });
  });
  test.each([
    ['owned Configuration', configuration((c) => { c.metadata.ownerReferences = [{ kind: 'Service', name: 'hello', apiVersion: 'v', uid: 'u' }]; }), undefined],
    ['standalone Route', route(), { [C]: 'alice', [M]: 'alice' }],
    ['Revision', revision(), undefined],
    ['DomainMapping', domainMapping(), { [C]: 'alice', [M]: 'alice' }],
  ])('%s', (_n, obj, want) => {
    expect(applyUserInfo(obj, 'alice').metadata.annotations).toStrictEqual(want);
  });
});
