/**
 * A real OCI registry for tests: Debian's `docker-registry` (the reference distribution registry,
 * installed with apt-get when missing, with apache2-utils for bcrypt htpasswd files), started on
 * loopback with a temporary config and storage, optionally behind htpasswd basic auth. `push`
 * writes a minimal OCI image (one config blob, an image manifest) through the registry API, as a
 * client pushes: blob upload (POST + PUT with the digest), then the manifest PUT under a tag.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const HTPASSWD_BIN = '/usr/bin/htpasswd';

/** Install the Debian packages the registry needs (once per machine; CI starts fresh). */
export function ensureRegistryPackages(): void {
  if (fs.existsSync(REGISTRY_BIN) && fs.existsSync(HTPASSWD_BIN)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): void => {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'docker-registry', 'apache2-utils'], { env, stdio: 'pipe' });
  };
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'pipe' });
    install();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  public static async start(opts: { user?: string; password?: string } = {}): Promise<TestRegistry> {
    ensureRegistryPackages();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    const port = await freePort();
    const auth = opts.user
      ? (fs.writeFileSync(path.join(dir, 'htpasswd'), execFileSync(HTPASSWD_BIN, ['-Bbn', opts.user, opts.password ?? ''])),
      `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${path.join(dir, 'htpasswd')}\n`)
      : '';
    fs.writeFileSync(path.join(dir, 'config.yml'), [
      'version: 0.1',
      'log:\n  level: error',
      `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true`,
      `http:\n  addr: 127.0.0.1:${port}\n  secret: test-only`,
      auth,
    ].join('\n'));
    const r = new TestRegistry(dir, `127.0.0.1:${port}`, opts.user ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` : undefined);
    r.child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    r.child.stderr?.on('data', (c: Buffer) => { r.log += c.toString(); });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`http://${r.host}/v2/`);
        if (res.status === 200 || res.status === 401) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`docker-registry did not start: ${r.log}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    return r;
  }

  private child?: ChildProcess;
  private log = '';

  private constructor(private readonly dir: string, public readonly host: string, private readonly auth: string | undefined) {}

  private async call(method: string, url: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(url.startsWith('http') ? url : `http://${this.host}${url}`, {
      method, body, headers: { ...headers, ...(this.auth ? { authorization: this.auth } : {}) },
    });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res;
  }

  /**
   * Push a minimal OCI image to `<repository>:<tag>` (its config blob carries `label`, so
   * different labels give different digests). Returns the manifest's digest.
   */
  public async push(repository: string, tag: string, label: string): Promise<string> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { test: label } }, rootfs: { type: 'layers', diff_ids: [] } }));
    const configDigest = sha256(config);
    const start = await this.call('POST', `/v2/${repository}/blobs/uploads/`);
    const location = new URL(start.headers.get('location')!, `http://${this.host}`);
    location.searchParams.set('digest', configDigest);
    await this.call('PUT', location.href, config, { 'content-type': 'application/octet-stream' });
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    }));
    const res = await this.call('PUT', `/v2/${repository}/manifests/${tag}`, manifest, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
    const digest = res.headers.get('docker-content-digest') ?? '';
    if (digest !== sha256(manifest)) throw new Error(`registry stored the manifest as ${digest}, expected ${sha256(manifest)}`);
    return digest;
  }

  /** Stop the registry (the API is then refused: a registry that is down) and remove its files. */
  public async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
