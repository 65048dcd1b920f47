/**
 * A real OCI registry for tests: Debian's `docker-registry` (the reference distribution registry,
 * installed with apt-get when missing, with apache2-utils for bcrypt htpasswd files), started on
 * loopback with a temporary config and storage, optionally behind htpasswd basic auth. `push`
 * writes a minimal OCI image (one config blob, an image manifest) through the registry API, as a
 * client pushes: blob upload (POST + PUT with the digest), then the manifest PUT under a tag.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createSign, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
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
  public static async start(opts: { user?: string; password?: string; tokenAuth?: boolean } = {}): Promise<TestRegistry> {
    ensureRegistryPackages();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    const port = await freePort();
    let auth = '';
    let tokens: TokenServer | undefined;
    if (opts.tokenAuth) {
      tokens = await TokenServer.start(dir, opts.user ?? '', opts.password ?? '');
      auth = `auth:\n  token:\n    realm: ${tokens.realm}\n    service: test-registry\n    issuer: ${TOKEN_ISSUER}\n    rootcertbundle: ${tokens.certFile}\n`;
    } else if (opts.user) {
      fs.writeFileSync(path.join(dir, 'htpasswd'), execFileSync(HTPASSWD_BIN, ['-Bbn', opts.user, opts.password ?? '']));
      auth = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${path.join(dir, 'htpasswd')}\n`;
    }
    fs.writeFileSync(path.join(dir, 'config.yml'), [
      'version: 0.1',
      'log:\n  level: error',
      `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true`,
      `http:\n  addr: 127.0.0.1:${port}\n  secret: test-only`,
      auth,
    ].join('\n'));
    const basic = opts.user ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` : undefined;
    const r = new TestRegistry(dir, `127.0.0.1:${port}`, tokens ? undefined : basic, tokens);
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

  private constructor(private readonly dir: string, public readonly host: string, private readonly auth: string | undefined,
    private readonly tokens?: TokenServer) {}

  private async call(method: string, url: string, body?: Buffer, headers: Record<string, string> = {}, repository?: string): Promise<Response> {
    // Token auth: the pusher's own token (push and pull on the repository), minted directly.
    const auth = this.tokens && repository ? `Bearer ${this.tokens.mint(repository, ['pull', 'push'])}` : this.auth;
    const res = await fetch(url.startsWith('http') ? url : `http://${this.host}${url}`, {
      method, body, headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
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
    const start = await this.call('POST', `/v2/${repository}/blobs/uploads/`, undefined, {}, repository);
    const location = new URL(start.headers.get('location')!, `http://${this.host}`);
    location.searchParams.set('digest', configDigest);
    await this.call('PUT', location.href, config, { 'content-type': 'application/octet-stream' }, repository);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    }));
    const res = await this.call('PUT', `/v2/${repository}/manifests/${tag}`, manifest, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, repository);
    const digest = res.headers.get('docker-content-digest') ?? '';
    if (digest !== sha256(manifest)) throw new Error(`registry stored the manifest as ${digest}, expected ${sha256(manifest)}`);
    return digest;
  }

  /** Requests the token server answered (token auth only). */
  public tokenRequests(): string[] {
    return [...(this.tokens?.requests ?? [])];
  }

  /** Stop the registry (the API is then refused: a registry that is down) and remove its files. */
  public async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    await this.tokens?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const TOKEN_ISSUER = 'test-token-issuer';
const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * The token server of the registry's `token` auth (Docker's token authentication spec): GET
 * `/token?service=…&scope=repository:<repo>:<actions>` with Basic credentials answers
 * `{"token": <JWT>}`, an RS256 JWT whose `x5c` header carries a self-signed certificate (made with
 * the openssl CLI) that the registry trusts through `rootcertbundle`. Wrong or missing credentials
 * get 401. Tokens grant pull only to what the scope asks.
 */
class TokenServer {
  public static async start(dir: string, user: string, password: string): Promise<TokenServer> {
    const keyFile = path.join(dir, 'token.key');
    const certFile = path.join(dir, 'token.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=test-token-issuer'], { stdio: 'pipe' });
    const t = new TokenServer(fs.readFileSync(keyFile, 'utf8'), fs.readFileSync(certFile, 'utf8'), certFile, user, password);
    await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', () => r()));
    return t;
  }

  public readonly requests: string[] = [];
  private readonly server: http.Server;
  private readonly x5c: string;

  private constructor(private readonly key: string, cert: string, public readonly certFile: string, user: string, password: string) {
    const der = Buffer.from(cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
    this.x5c = der.toString('base64');
    const want = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.requests.push(`${url.pathname}?${url.searchParams.toString()}`);
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const m = /^repository:([^:]+):(.+)$/.exec(url.searchParams.get('scope') ?? '');
      const actions = m ? m[2].split(',').filter((a) => a === 'pull') : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: this.mint(m?.[1] ?? '', actions) }));
    });
  }

  public get realm(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/token`;
  }

  public mint(repository: string, actions: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [this.x5c] }));
    const claims = b64url(JSON.stringify({
      iss: TOKEN_ISSUER,
      sub: 'test',
      aud: 'test-registry',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: repository ? [{ type: 'repository', name: repository, actions }] : [],
    }));
    const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(this.key);
    return `${header}.${claims}.${b64url(sig)}`;
  }

  public async stop(): Promise<void> {
    const closed = new Promise((r) => this.server.close(r));
    this.server.closeAllConnections(); // keep-alive clients would hold close() open
    await closed;
  }
}
