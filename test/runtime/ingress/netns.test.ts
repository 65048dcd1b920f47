/**
 * Two hosts, for real: an "outside" network namespace that can only reach the ingress's external
 * listener, and a "cluster" namespace that runs the ingress (external listener on its veth address,
 * internal listener on its loopback) and reaches both. Joined by a veth pair created inside the two
 * namespaces (nothing is added to the host's own network; every address used lives inside them).
 *
 * Needs root (CAP_NET_ADMIN) and `ip netns`. Without them the suite is SKIPPED (reported as skipped,
 * never as passed) with the reason printed; set REQUIRE_NETNS=1 to make that a failure instead.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TAG = `k9${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const CLUSTER_NS = `${TAG}-cl`;
const OUTSIDE_NS = `${TAG}-out`;
// A /30 inside the two namespaces only.
const octet = 16 + (process.pid % 200);
const EXTERNAL_ADDR = `10.213.${octet}.1`;
const OUTSIDE_ADDR = `10.213.${octet}.2`;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${(r.stderr || '').trim()}`);
}

/** Can we make namespaces here? Tries once with a throw-away namespace; returns the failure or undefined. */
function netnsUnavailable(): string | undefined {
  const probe = `${TAG}-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `\`ip netns add\` could not run: ${r.error.message}`;
  if (r.status !== 0) return `\`ip netns add ${probe}\` exited ${r.status}: ${(r.stderr || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const unavailable = netnsUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_NETNS === '1') throw new Error(`REQUIRE_NETNS=1 but network namespaces are unavailable: ${unavailable}`);
  // eslint-disable-next-line no-console
  console.warn(`netns.test.ts SKIPPED: ${unavailable}`);
}
const maybe = unavailable === undefined ? describe : describe.skip;

maybe('ingress across network namespaces (outside client vs cluster side)', () => {
  let dir: string;
  let runner: string;
  let server: ChildProcess | undefined;

  const getFrom = (ns: string, targets: Array<[string, number, string]>): Array<{ status?: number; body?: string; error?: string }> => {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, runner, 'get', JSON.stringify(targets)], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`client in ${ns} failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingress-netns-'));
    runner = path.join(dir, 'runner.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    await esbuild.build({ entryPoints: [path.join(__dirname, 'netns-runner.ts')], outfile: runner, bundle: true, platform: 'node', logLevel: 'error' });

    ip('netns', 'add', CLUSTER_NS);
    ip('netns', 'add', OUTSIDE_NS);
    ip('-n', CLUSTER_NS, 'link', 'add', 'veth-cl', 'type', 'veth', 'peer', 'name', 'veth-out', 'netns', OUTSIDE_NS);
    ip('-n', CLUSTER_NS, 'addr', 'add', `${EXTERNAL_ADDR}/30`, 'dev', 'veth-cl');
    ip('-n', OUTSIDE_NS, 'addr', 'add', `${OUTSIDE_ADDR}/30`, 'dev', 'veth-out');
    for (const [ns, dev] of [[CLUSTER_NS, 'veth-cl'], [OUTSIDE_NS, 'veth-out']]) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }

    server = spawn('ip', ['netns', 'exec', CLUSTER_NS, process.execPath, runner, 'serve', EXTERNAL_ADDR, '127.0.0.1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (c) => { stderr += c; });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`ingress in ${CLUSTER_NS} not ready: ${stderr}`)), 15_000);
      server!.stdout!.on('data', (c: Buffer) => {
        if (c.toString().includes('READY')) { clearTimeout(t); resolve(); }
      });
      server!.once('exit', (code) => { clearTimeout(t); reject(new Error(`ingress exited ${code}: ${stderr}`)); });
    });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.stdin!.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    // Deleting the namespaces removes the veth pair with them.
    for (const ns of [CLUSTER_NS, OUTSIDE_NS]) spawnSync('ip', ['netns', 'del', ns]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const PRIVATE_HOSTS = ['priv.default.svc.cluster.local', 'priv.default', 't-priv.default.svc.cluster.local', 'pub.default.svc.cluster.local', 'secret-pub.default.svc.cluster.local'];

  test('the outside client: public host served, every cluster-local host the unknown-host 404; the internal listener unreachable', () => {
    const [unknown, pub, ...priv] = getFrom(OUTSIDE_NS, [
      [EXTERNAL_ADDR, 8080, 'nope.example.com'],
      [EXTERNAL_ADDR, 8080, 'pub.default.example.com'],
      ...PRIVATE_HOSTS.map((h): [string, number, string] => [EXTERNAL_ADDR, 8080, h]),
    ]);
    expect(unknown).toEqual({ status: 404, body: 'no route for this host\n' });
    expect(pub).toEqual({ status: 200, body: 'pub-1' });
    expect(priv).toEqual(PRIVATE_HOSTS.map(() => unknown));
    // The internal listener is on the cluster side's loopback: no route to it from outside.
    const [internalViaVeth] = getFrom(OUTSIDE_NS, [[EXTERNAL_ADDR, 8081, 'priv.default']]);
    expect(internalViaVeth).toEqual({ error: 'ECONNREFUSED' });
  });

  test('the cluster side: cluster-local hosts on the internal listener, public ones on both', () => {
    const results = getFrom(CLUSTER_NS, [
      ['127.0.0.1', 8081, 'priv.default.svc.cluster.local'],
      ['127.0.0.1', 8081, 'priv.default'],
      ['127.0.0.1', 8081, 't-priv.default.svc.cluster.local'],
      ['127.0.0.1', 8081, 'pub.default.svc.cluster.local'],
      ['127.0.0.1', 8081, 'secret-pub.default.svc.cluster.local'],
      ['127.0.0.1', 8081, 'pub.default.example.com'],
      [EXTERNAL_ADDR, 8080, 'pub.default.example.com'],
      [EXTERNAL_ADDR, 8080, 'priv.default'],
    ]);
    expect(results).toEqual([
      { status: 200, body: 'priv-1' },
      { status: 200, body: 'priv-1' },
      { status: 200, body: 'priv-2' },
      { status: 200, body: 'pub-1' },
      { status: 200, body: 'pub-2' },
      { status: 200, body: 'pub-1' },
      { status: 200, body: 'pub-1' },
      // the external listener is the external listener, whoever calls it
      { status: 404, body: 'no route for this host\n' },
    ]);
  });
});
