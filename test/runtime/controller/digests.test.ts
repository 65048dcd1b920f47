/**
 * Tag-to-digest resolution against a real registry (Debian's docker-registry on loopback, see
 * test/support/registry.ts): anonymous, basic auth with credentials from an image pull Secret,
 * wrong credentials, unknown tag, a registry that is down, a server that never answers (deadline),
 * a tag moved to another manifest.
 */
import * as net from 'node:net';
import { digestedReference, pullSecretCredentials } from '../../../src/core/image-digest';
import { resolveDigest } from '../../../src/runtime/controller/digests';
import { TestRegistry } from '../../support/registry';

const dockerConfigSecret = (registry: string, user: string, password: string): Record<string, string> => ({
  '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } })).toString('base64'),
});

describe('resolveDigest against docker-registry', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  beforeAll(async () => {
    [open, locked] = await Promise.all([TestRegistry.start(), TestRegistry.start({ user: 'alice', password: 's3cret' })]);
  }, 180_000);
  afterAll(async () => {
    await open?.stop();
    await locked?.stop();
  });

  test('anonymous: the tag resolves to the manifest digest the registry stored', async () => {
    const digest = await open.push('team/app', 'v1', 'one');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = `${open.host}/team/app:v1`;
    expect(await resolveDigest(image)).toBe(digest);
    expect(digestedReference(image, digest)).toBe(`${open.host}/team/app@${digest}`);
  });

  test('a tag moved to another manifest resolves to the new digest (the old one stays valid)', async () => {
    const first = await open.push('team/moving', 'stable', 'a');
    expect(await resolveDigest(`${open.host}/team/moving:stable`)).toBe(first);
    const second = await open.push('team/moving', 'stable', 'b');
    expect(second).not.toBe(first);
    expect(await resolveDigest(`${open.host}/team/moving:stable`)).toBe(second);
    const old = await fetch(`http://${open.host}/v2/team/moving/manifests/${first}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(old.status).toBe(200);
  });

  test('unknown tag: the registry\'s MANIFEST_UNKNOWN in the error', async () => {
    await expect(resolveDigest(`${open.host}/team/app:nope`)).rejects.toThrow(
      new RegExp(`GET http://${open.host}/v2/team/app/manifests/nope: unexpected status code 404 Not Found: .*MANIFEST_UNKNOWN`));
  });

  test('basic auth: credentials from an image pull Secret resolve; none or wrong ones fail clearly', async () => {
    const digest = await locked.push('private/app', '1.0', 'locked');
    const image = `${locked.host}/private/app:1.0`;
    const good = pullSecretCredentials('regcred', dockerConfigSecret(`http://${locked.host}`, 'alice', 's3cret'));
    expect(good).toEqual([{ registry: locked.host, username: 'alice', password: 's3cret' }]);
    expect(await resolveDigest(image, { credentials: good })).toBe(digest);
    await expect(resolveDigest(image)).rejects.toThrow(`${locked.host} wants basic authentication and no image pull Secret has credentials for it`);
    const bad = pullSecretCredentials('regcred', dockerConfigSecret(locked.host, 'alice', 'wrong'));
    await expect(resolveDigest(image, { credentials: bad })).rejects.toThrow(/unexpected status code 401 Unauthorized/);
  });

  test('token auth (Bearer): the registry\'s challenge sends the client to its token server with the pull scope', async () => {
    const tokened = await TestRegistry.start({ tokenAuth: true, user: 'carol', password: 'pw' });
    try {
      const digest = await tokened.push('org/svc', 'v3', 'token');
      const image = `${tokened.host}/org/svc:v3`;
      const creds = [{ registry: tokened.host, username: 'carol', password: 'pw' }];
      expect(await resolveDigest(image, { credentials: creds })).toBe(digest);
      expect(tokened.tokenRequests()).toEqual(['/token?service=test-registry&scope=repository%3Aorg%2Fsvc%3Apull']);
      await expect(resolveDigest(image)).rejects.toThrow(/^token from http:\/\/127\.0\.0\.1:\d+\/token: unexpected status code 401 Unauthorized: \{"details":"bad credentials"\}$/);
    } finally {
      await tokened.stop();
    }
  });

  test('a registry that is down: connection refused, named', async () => {
    const gone = await TestRegistry.start();
    const host = gone.host;
    await gone.stop();
    await expect(resolveDigest(`${host}/team/app:v1`)).rejects.toThrow(new RegExp(`HEAD http://${host}/v2/team/app/manifests/v1: .*ECONNREFUSED`));
  });

  test('a registry that never answers: the deadline (digest-resolution-timeout) ends it', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      await expect(resolveDigest(`127.0.0.1:${port}/team/app:v1`, { timeoutMs: 300 })).rejects.toThrow(`HEAD http://127.0.0.1:${port}/v2/team/app/manifests/v1: timed out after 300 ms`);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
