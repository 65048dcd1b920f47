/**
 * Tag-to-digest resolution in the controller (resolveDigests), against the API emulator and a real
 * registry (Debian's docker-registry on loopback): a revision is `ResourcesAvailable Unknown
 * ResolvingDigests` until resolved, then its status carries `containerStatuses[].imageDigest` and
 * its Deployment runs `<registry>/<repository>@sha256:…`; a tag moved after creation does not move
 * the running revision; basic auth from the revision's imagePullSecrets or its ServiceAccount's;
 * a registry that is down gives `ContainerHealthy False ContainerMissing` with upstream's message.
 */
import { Harness, isReadyObj, ksvc, startHarness } from './harness';
import type { KubeObject } from '../../../src/core/types';
import { TestRegistry } from '../../support/registry';

const NS = 'default';
const cond = (o: KubeObject | undefined, type: string): any => (o?.status?.conditions ?? []).find((c: any) => c.type === type);
const pullSecret = (name: string, registry: string, user: string, password: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: NS },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry]: { username: user, password } } })).toString('base64') },
} as KubeObject);

describe('controller: tag-to-digest resolution', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  let h: Harness;
  beforeAll(async () => {
    [open, locked] = await Promise.all([TestRegistry.start(), TestRegistry.start({ user: 'alice', password: 's3cret' })]);
  }, 180_000);
  afterAll(async () => {
    await open?.stop();
    await locked?.stop();
  });
  beforeEach(async () => {
    h = await startHarness({}, { resolveDigests: true });
  });
  afterEach(async () => {
    await h?.stop();
  });

  const until = async <T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> => {
    const t0 = Date.now();
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('resolved digest in status and Deployment; the revision keeps it after the tag moves', async () => {
    const digest = await open.push('team/web', 'v1', 'first');
    const img = `${open.host}/team/web:v1`;
    h.emu.seed(ksvc('web', { template: { spec: { containers: [{ name: 'app', image: img }] } } }));
    const svc = await until('web Ready', () => (isReadyObj(h.emu.get('ksvc', NS, 'web')) ? h.emu.get('ksvc', NS, 'web') : undefined));
    const rev = h.emu.get('revisions', NS, svc!.status.latestReadyRevisionName)!;
    const pinned = `${open.host}/team/web@${digest}`;
    expect(rev.status.containerStatuses).toEqual([{ name: 'app', imageDigest: pinned }]);
    const dep = h.emu.get('deployments', NS, `${rev.metadata.name}-deployment`)!;
    expect(dep.spec.template.spec.containers[0].image).toBe(pinned);
    // ResolvingDigests was reported while it ran (before the Deployment existed).
    const statusWrites = h.emu.actions({ resource: 'revisions', subresource: 'status' }).map((a) => cond(a.object, 'ResourcesAvailable'));
    expect(statusWrites[0]).toMatchObject({ status: 'Unknown', reason: 'ResolvingDigests' });

    // The tag moves; the running revision keeps its digest (a later reconcile, e.g. a resync, changes nothing).
    const moved = await open.push('team/web', 'v1', 'second');
    expect(moved).not.toBe(digest);
    h.controller.enqueueAll();
    await h.settle();
    expect(h.emu.get('deployments', NS, `${rev.metadata.name}-deployment`)!.spec.template.spec.containers[0].image).toBe(pinned);
    expect(h.emu.get('revisions', NS, rev.metadata.name!)!.status.containerStatuses).toEqual([{ name: 'app', imageDigest: pinned }]);
  });

  test('basic auth: credentials from the revision\'s imagePullSecrets, or from its ServiceAccount\'s', async () => {
    const digest = await locked.push('private/api', '2', 'locked');
    const img = `${locked.host}/private/api:2`;
    h.emu.seed(pullSecret('regcred', locked.host, 'alice', 's3cret'), pullSecret('sa-cred', locked.host, 'alice', 's3cret'));
    h.emu.seed({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'puller', namespace: NS }, imagePullSecrets: [{ name: 'sa-cred' }] } as KubeObject);
    h.emu.seed(ksvc('direct', { template: { spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ image: img }] } } }));
    h.emu.seed(ksvc('via-sa', { template: { spec: { serviceAccountName: 'puller', containers: [{ image: img }] } } }));
    for (const name of ['direct', 'via-sa']) {
      const svc = await until(`${name} Ready`, () => (isReadyObj(h.emu.get('ksvc', NS, name)) ? h.emu.get('ksvc', NS, name) : undefined));
      const rev = h.emu.get('revisions', NS, svc!.status.latestReadyRevisionName)!;
      expect(rev.status.containerStatuses[0].imageDigest).toBe(`${locked.host}/private/api@${digest}`);
    }
  });

  test('a registry that is down: ContainerHealthy False ContainerMissing with the registry error; no Deployment', async () => {
    const gone = await TestRegistry.start();
    const host = gone.host;
    await gone.stop();
    const img = `${host}/team/web:v1`;
    h.emu.seed(ksvc('down', { template: { metadata: { name: 'down-00001' }, spec: { containers: [{ image: img }] } } }));
    const rev = await until('ContainerMissing', () => {
      const r = h.emu.get('revisions', NS, 'down-00001');
      return cond(r, 'ContainerHealthy')?.reason === 'ContainerMissing' ? r : undefined;
    });
    expect(cond(rev, 'ContainerHealthy')).toMatchObject({ status: 'False' });
    expect(cond(rev, 'ContainerHealthy').message).toMatch(new RegExp(
      `^Unable to fetch image "${img.replace(/[.]/g, '\\.')}": failed to resolve image to digest: HEAD http://${host.replace(/[.]/g, '\\.')}/v2/team/web/manifests/v1: .*ECONNREFUSED`));
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainerMissing' });
    expect(h.emu.get('deployments', NS, 'down-00001-deployment')).toBeUndefined();
  });
});
