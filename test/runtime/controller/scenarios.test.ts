/**
 * End-to-end replays of the seed scenarios (shared/seeds/000_*: Knative's normative API samples;
 * 002_*: the stock-service gray release) through the real controller and the API emulator.
 * Assertions are the statuses the seeds print, in Knative v1 form (tag URLs use the default
 * tag-template `{{.Tag}}-{{.Name}}`; BYO revision names carry the `<service>-` prefix v1 requires).
 */
import { Harness, applyService, cond, domainConfigMap, image, isReadyObj, ksvc, startHarness } from './harness';
import type { KubeObject } from '../../../src/core/types';

const NS = 'default';

async function serviceSettled(h: Harness, name: string, pred: (s: KubeObject) => boolean = () => true): Promise<KubeObject> {
  const svc = await h.emu.waitFor('ksvc', NS, name, (o) => isReadyObj(o) && pred(o!), 10_000);
  await h.settle();
  return svc!;
}

function traffic(o: KubeObject): any[] {
  return o.status?.traffic ?? [];
}

describe('seed 000 — Knative sample API usage', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.emu.seed(domainConfigMap('mydomain.com'));
  });
  afterEach(async () => h.stop());

  test('2) creating a new Service: Configuration + Route + first Revision, ready with url/address/traffic', async () => {
    await applyService(h, ksvc('my-service', { template: { spec: image('gcr.io/example/app:1', { FOO: 'bar', HELLO: 'world' }) } }));
    const svc = await serviceSettled(h, 'my-service');
    const cfg = h.emu.get('configurations', NS, 'my-service')!;
    const route = h.emu.get('routes', NS, 'my-service')!;
    const rev = h.emu.get('revisions', NS, 'my-service-00001')!;

    expect(route.spec.traffic).toEqual([{ configurationName: 'my-service', latestRevision: true, percent: 100 }]);
    expect(cfg.spec.template.spec.containers[0].env).toEqual([{ name: 'FOO', value: 'bar' }, { name: 'HELLO', value: 'world' }]);
    expect(rev.metadata.labels).toMatchObject({
      'serving.knative.dev/configuration': 'my-service',
      'serving.knative.dev/configurationGeneration': '1',
      'serving.knative.dev/service': 'my-service',
      'serving.knative.dev/routingState': 'active',
    });
    expect(cfg.status).toMatchObject({ latestCreatedRevisionName: 'my-service-00001', latestReadyRevisionName: 'my-service-00001', observedGeneration: 1 });
    expect(route.status).toMatchObject({
      url: 'http://my-service.default.mydomain.com',
      address: { url: 'http://my-service.default.svc.cluster.local' },
      traffic: [{ revisionName: 'my-service-00001', latestRevision: true, percent: 100 }],
      observedGeneration: 1,
    });
    for (const c of ['AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned', 'Ready']) expect(cond(route, c)).toBe('True');
    expect(svc.status).toMatchObject({
      latestCreatedRevisionName: 'my-service-00001',
      latestReadyRevisionName: 'my-service-00001',
      url: 'http://my-service.default.mydomain.com',
      address: { url: 'http://my-service.default.svc.cluster.local' },
      traffic: [{ revisionName: 'my-service-00001', latestRevision: true, percent: 100 }],
      observedGeneration: 1,
    });
    expect(cond(svc, 'ConfigurationsReady')).toBe('True');
    expect(cond(svc, 'RoutesReady')).toBe('True');

    // Revision children: Deployment + ClusterIP Service (80 → 8080) + placeholder Service.
    const dep = h.emu.get('deployments', NS, 'my-service-00001-deployment')!;
    const c0 = dep.spec.template.spec.containers[0];
    expect(c0.env).toEqual(expect.arrayContaining([
      { name: 'PORT', value: '8080' }, { name: 'K_SERVICE', value: 'my-service' },
      { name: 'K_CONFIGURATION', value: 'my-service' }, { name: 'K_REVISION', value: 'my-service-00001' },
    ]));
    expect(c0.readinessProbe.tcpSocket.port).toBe(8080);
    expect(dep.spec.replicas).toBe(1);
    const revSvc = h.emu.get('services', NS, 'my-service-00001')!;
    expect(revSvc.spec).toMatchObject({ type: 'ClusterIP', ports: [expect.objectContaining({ port: 80, targetPort: 8080 })] });
    const placeholder = h.emu.get('services', NS, 'my-service')!;
    expect(placeholder.spec).toMatchObject({ type: 'ExternalName', externalName: 'serving-ingress-internal.knative-serving.svc.cluster.local' });
    expect(h.emu.list('revisions', NS)).toHaveLength(1);
  });

  test('1) automatic rollout: new image → new Revision → 100%', async () => {
    await applyService(h, ksvc('my-service', { template: { spec: image('gcr.io/example/app:1', { FOO: 'bar' }) } }));
    await serviceSettled(h, 'my-service');
    await applyService(h, ksvc('my-service', { template: { spec: image('gcr.io/example/app:2', { FOO: 'bar' }) } }));
    const svc = await serviceSettled(h, 'my-service', (s) => s.status.latestReadyRevisionName === 'my-service-00002');
    expect(svc.status).toMatchObject({
      latestCreatedRevisionName: 'my-service-00002',
      latestReadyRevisionName: 'my-service-00002',
      traffic: [{ revisionName: 'my-service-00002', latestRevision: true, percent: 100 }],
      observedGeneration: 2,
    });
    const rev2 = h.emu.get('revisions', NS, 'my-service-00002')!;
    expect(rev2.metadata.labels!['serving.knative.dev/configurationGeneration']).toBe('2');
    expect(rev2.spec.containers[0].image).toBe('gcr.io/example/app:2');
    expect(h.emu.get('configurations', NS, 'my-service')!.metadata.generation).toBe(2);
    expect(h.emu.list('revisions', NS).map((r) => r.metadata.name).sort()).toEqual(['my-service-00001', 'my-service-00002']);
    // The old revision is no longer routed.
    await h.emu.waitFor('revisions', NS, 'my-service-00001', (r) => r?.metadata.labels?.['serving.knative.dev/routingState'] === 'reserve');
  });

  test('3) managed release with a BYO revision name: current/candidate/latest 0 → 5 → 50 → 100, tag URLs', async () => {
    const tmpl = (name: string | undefined, hello: string) => ({ ...(name ? { metadata: { name } } : {}), spec: image('gcr.io/example/app:1', { FOO: 'bar', HELLO: hello }) });
    await applyService(h, ksvc('my-service', { template: tmpl('my-service-def', 'world') }));
    await serviceSettled(h, 'my-service');
    // pin current to def, latest 0%
    await applyService(h, ksvc('my-service', {
      template: tmpl('my-service-def', 'world'),
      traffic: [{ revisionName: 'my-service-def', tag: 'current', percent: 100 }, { latestRevision: true, tag: 'latest', percent: 0 }],
    }));
    let svc = await serviceSettled(h, 'my-service', (s) => traffic(s).length === 2);
    // new config + name ghi; traffic unchanged
    await applyService(h, ksvc('my-service', {
      template: tmpl('my-service-ghi', 'blurg'),
      traffic: [{ revisionName: 'my-service-def', tag: 'current', percent: 100 }, { latestRevision: true, tag: 'latest', percent: 0 }],
    }));
    svc = await serviceSettled(h, 'my-service', (s) => s.status.latestReadyRevisionName === 'my-service-ghi');
    expect(traffic(svc)).toEqual([
      { tag: 'current', revisionName: 'my-service-def', latestRevision: false, percent: 100, url: 'http://current-my-service.default.mydomain.com' },
      { tag: 'latest', revisionName: 'my-service-ghi', latestRevision: true, percent: 0, url: 'http://latest-my-service.default.mydomain.com' },
    ]);
    expect(h.emu.get('revisions', NS, 'my-service-ghi')!.spec.containers[0].env).toEqual([{ name: 'FOO', value: 'bar' }, { name: 'HELLO', value: 'blurg' }]);

    for (const pct of [0, 5, 50]) {
      await applyService(h, ksvc('my-service', {
        template: tmpl('my-service-ghi', 'blurg'),
        traffic: [
          { revisionName: 'my-service-def', tag: 'current', percent: 100 - pct },
          { revisionName: 'my-service-ghi', tag: 'candidate', percent: pct },
          { latestRevision: true, tag: 'latest', percent: 0 },
        ],
      }));
      svc = await serviceSettled(h, 'my-service', (s) => traffic(s).length === 3 && traffic(s)[1].percent === pct);
      expect(traffic(svc)).toEqual([
        { tag: 'current', revisionName: 'my-service-def', latestRevision: false, percent: 100 - pct, url: 'http://current-my-service.default.mydomain.com' },
        { tag: 'candidate', revisionName: 'my-service-ghi', latestRevision: false, percent: pct, url: 'http://candidate-my-service.default.mydomain.com' },
        { tag: 'latest', revisionName: 'my-service-ghi', latestRevision: true, percent: 0, url: 'http://latest-my-service.default.mydomain.com' },
      ]);
      expect(svc.status.url).toBe('http://my-service.default.mydomain.com');
    }
    // finish: ghi becomes current
    await applyService(h, ksvc('my-service', {
      template: tmpl('my-service-ghi', 'blurg'),
      traffic: [{ revisionName: 'my-service-ghi', tag: 'current', percent: 100 }, { latestRevision: true, tag: 'latest', percent: 0 }],
    }));
    svc = await serviceSettled(h, 'my-service', (s) => traffic(s).length === 2 && traffic(s)[0].revisionName === 'my-service-ghi');
    expect(traffic(svc)).toEqual([
      { tag: 'current', revisionName: 'my-service-ghi', latestRevision: false, percent: 100, url: 'http://current-my-service.default.mydomain.com' },
      { tag: 'latest', revisionName: 'my-service-ghi', latestRevision: true, percent: 0, url: 'http://latest-my-service.default.mydomain.com' },
    ]);
    // candidate placeholder Service removed; current/latest remain
    await h.emu.waitFor('services', NS, 'candidate-my-service', (o) => !o);
    expect(h.emu.get('services', NS, 'current-my-service')).toBeDefined();
    expect(h.emu.list('revisions', NS).map((r) => r.metadata.name).sort()).toEqual(['my-service-def', 'my-service-ghi']);
  });

  test('4) rollback to a known-good revision (configuration unchanged → no new revision)', async () => {
    await applyService(h, ksvc('my-service', { template: { spec: image('gcr.io/example/app:1') } }));
    await serviceSettled(h, 'my-service');
    await applyService(h, ksvc('my-service', { template: { spec: image('gcr.io/example/app:2') } }));
    await serviceSettled(h, 'my-service', (s) => s.status.latestReadyRevisionName === 'my-service-00002');
    await applyService(h, ksvc('my-service', {
      template: { spec: image('gcr.io/example/app:2') },
      traffic: [{ revisionName: 'my-service-00001', percent: 100 }, { latestRevision: true, percent: 0 }],
    }));
    const svc = await serviceSettled(h, 'my-service', (s) => traffic(s)[0]?.revisionName === 'my-service-00001');
    expect(traffic(svc)).toEqual([
      { revisionName: 'my-service-00001', latestRevision: false, percent: 100 },
      { revisionName: 'my-service-00002', latestRevision: true, percent: 0 },
    ]);
    expect(h.emu.list('revisions', NS)).toHaveLength(2);
    expect(h.emu.get('configurations', NS, 'my-service')!.metadata.generation).toBe(2);
  });
});

describe('function-style revision', () => {
  let h: Harness;
  afterEach(async () => h.stop());
  test('containerConcurrency 1 and timeoutSeconds 20 stay on the Revision; the Deployment gets terminationGracePeriodSeconds 20 and no containerConcurrency (the ingress enforces it per pod from the Revision)', async () => {
    h = await startHarness();
    await applyService(h, ksvc('fn', { template: { spec: { ...image('gcr.io/example/fn:1'), containerConcurrency: 1, timeoutSeconds: 20 } } }));
    const svc = await serviceSettled(h, 'fn');
    // default config-domain: cluster-local
    expect(svc.status.url).toBe('http://fn.default.svc.cluster.local');
    const rev = h.emu.get('revisions', NS, 'fn-00001')!;
    expect(rev.spec).toMatchObject({ containerConcurrency: 1, timeoutSeconds: 20 });
    const dep = h.emu.get('deployments', NS, 'fn-00001-deployment')!;
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBe(20);
    expect(dep.spec.template.spec.containerConcurrency).toBeUndefined();
  });
});

describe('seed 002 — stock-service gray release', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.emu.seed(domainConfigMap('example.com'));
  });
  afterEach(async () => h.stop());

  const tmpl = (v: string) => ({
    metadata: { name: `stock-service-example-${v}` },
    spec: { containers: [{ image: 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1', env: [{ name: 'RESOURCE', value: v }], readinessProbe: { httpGet: { path: '/' }, initialDelaySeconds: 0, periodSeconds: 3 } }] },
  });

  test('v1 → v1/v2 50/50 → v3 at 0% (latest) → 40/30/30', async () => {
    const name = 'stock-service-example';
    await applyService(h, ksvc(name, { template: tmpl('v1') }));
    let svc = await serviceSettled(h, name);
    expect(traffic(svc)).toEqual([{ revisionName: 'stock-service-example-v1', latestRevision: true, percent: 100 }]);
    const dep = h.emu.get('deployments', NS, 'stock-service-example-v1-deployment')!;
    expect(dep.spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({ path: '/', port: 8080 });

    const t5050 = [
      { tag: 'v1', revisionName: 'stock-service-example-v1', percent: 50 },
      { tag: 'v2', revisionName: 'stock-service-example-v2', percent: 50 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ];
    await applyService(h, ksvc(name, { template: tmpl('v2'), traffic: t5050 }));
    svc = await serviceSettled(h, name, (s) => s.status.latestReadyRevisionName === 'stock-service-example-v2' && traffic(s).length === 3);
    expect(traffic(svc)).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 50, url: 'http://v1-stock-service-example.default.example.com' },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 50, url: 'http://v2-stock-service-example.default.example.com' },
      { tag: 'latest', revisionName: 'stock-service-example-v2', latestRevision: true, percent: 0, url: 'http://latest-stock-service-example.default.example.com' },
    ]);

    await applyService(h, ksvc(name, { template: tmpl('v3'), traffic: t5050 }));
    svc = await serviceSettled(h, name, (s) => s.status.latestReadyRevisionName === 'stock-service-example-v3');
    // the seed's `kubectl get ksvc` output
    expect(traffic(svc)).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 50, url: 'http://v1-stock-service-example.default.example.com' },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 50, url: 'http://v2-stock-service-example.default.example.com' },
      { tag: 'latest', revisionName: 'stock-service-example-v3', latestRevision: true, percent: 0, url: 'http://latest-stock-service-example.default.example.com' },
    ]);
    expect(svc.status.url).toBe('http://stock-service-example.default.example.com');
    // `kubectl get revision`: three revisions, generations 1..3, all Ready
    const revs = h.emu.list('revisions', NS).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    expect(revs.map((r) => [r.metadata.name, r.metadata.labels!['serving.knative.dev/configurationGeneration'], cond(r)])).toEqual([
      ['stock-service-example-v1', '1', 'True'], ['stock-service-example-v2', '2', 'True'], ['stock-service-example-v3', '3', 'True'],
    ]);

    await applyService(h, ksvc(name, {
      template: tmpl('v3'),
      traffic: [
        { tag: 'v1', revisionName: 'stock-service-example-v1', percent: 40 },
        { tag: 'v2', revisionName: 'stock-service-example-v2', percent: 30 },
        { tag: 'v3', revisionName: 'stock-service-example-v3', percent: 30 },
        { tag: 'latest', latestRevision: true, percent: 0 },
      ],
    }));
    svc = await serviceSettled(h, name, (s) => traffic(s).length === 4);
    expect(traffic(svc)).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 40, url: 'http://v1-stock-service-example.default.example.com' },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 30, url: 'http://v2-stock-service-example.default.example.com' },
      { tag: 'v3', revisionName: 'stock-service-example-v3', latestRevision: false, percent: 30, url: 'http://v3-stock-service-example.default.example.com' },
      { tag: 'latest', revisionName: 'stock-service-example-v3', latestRevision: true, percent: 0, url: 'http://latest-stock-service-example.default.example.com' },
    ]);
    expect(h.emu.list('revisions', NS)).toHaveLength(3);
    // rollback: everything to v1 (seed "Version rollback")
    await applyService(h, ksvc(name, {
      template: tmpl('v3'),
      traffic: [{ tag: 'v1', revisionName: 'stock-service-example-v1', percent: 100 }, { tag: 'latest', latestRevision: true, percent: 0 }],
    }));
    svc = await serviceSettled(h, name, (s) => traffic(s).length === 2);
    expect(traffic(svc)[0]).toMatchObject({ revisionName: 'stock-service-example-v1', percent: 100 });
  });
});

describe('rollout-duration', () => {
  let h: Harness;
  afterEach(async () => h.stop());
  test('the new revision starts at 1 %; Route and Service stay not Ready while the rollout runs (steps: rollout.test.ts)', async () => {
    h = await startHarness();
    const ann = { 'serving.knative.dev/rollout-duration': '300s' };
    await applyService(h, ksvc('slow', { template: { spec: image('gcr.io/example/app:1') } }, { annotations: ann }));
    await serviceSettled(h, 'slow');
    await applyService(h, ksvc('slow', { template: { spec: image('gcr.io/example/app:2') } }, { annotations: ann }));
    const svc = (await h.emu.waitFor('ksvc', NS, 'slow', (o) => o?.status?.latestReadyRevisionName === 'slow-00002' && traffic(o!).length === 2, 10_000))!;
    expect(traffic(svc)).toEqual([
      { revisionName: 'slow-00001', latestRevision: true, percent: 99 },
      { revisionName: 'slow-00002', latestRevision: true, percent: 1 },
    ]);
    expect(svc.status.conditions.find((c: any) => c.type === 'RoutesReady')).toMatchObject({ status: 'Unknown', reason: 'RolloutInProgress' });
    expect(svc.status.annotations).toBeUndefined();
    const route = h.emu.get('routes', NS, 'slow')!;
    expect(route.status.conditions.find((c: any) => c.type === 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'RolloutInProgress' });
  });
});
