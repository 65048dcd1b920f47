/**
 * Cluster tier: `kn`, the Knative CLI (knative.dev/client, built by test/cluster/kn/build.sh into
 * test/cluster/.bin/kn), against our runtime on the real kube-apiserver (issue 19). Every check
 * runs the real kn binary with the cluster's admin kubeconfig, asserts what kn prints (URLs under
 * our domain, revisions, traffic percentages and tags, conditions) and, where it matters, the
 * effect through the ingress with real HTTP requests.
 *
 * Each test in a `kn: ` suite is one kn check (counted as kn_checks / kn_passed). The tests of a
 * suite build on each other (one Service per suite, as a user's session would).
 *
 * Without test/cluster/.bin/kn (`npm run build:kn` builds it, ~13 s with a warm Go cache, a few
 * minutes cold) the suites are skipped with a message: the kn binary is not built by netns.sh.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { get as httpGet } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, SYSTEM_NAMESPACE } from './stack';

const BIN = process.env.KNATIVE_CLUSTER_BIN ?? path.join(__dirname, '.bin');
const KN = path.join(BIN, 'kn');
const HAVE_KN = fs.existsSync(KN);
if (!HAVE_KN) {
  // eslint-disable-next-line no-console
  console.warn(`kn checks skipped: ${KN} is missing. Fix: run npm run build:kn (test/cluster/kn/build.sh) before the cluster tier`);
}
const suite = HAVE_KN ? describe : describe.skip;

const NS = 'default';
const DOMAIN = 'default.example.com';
const HELLO = 'gcr.io/knative-samples/helloworld-go';
const STOCK = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';

let stack: Stack;
let knHome = '';

beforeAll(async () => {
  if (!HAVE_KN) return;
  stack = await Stack.start();
  knHome = fs.mkdtempSync(path.join(stack.cluster.dir, 'kn-home-'));
}, 240_000);

stopAndDiagnose(() => stack);

interface Run { code: number; stdout: string; stderr: string }

/** Run kn with the admin kubeconfig (KUBECONFIG) and a HOME of its own (kn's config dir). */
function kn(args: string[], timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(KN, args, {
      env: { ...process.env, KUBECONFIG: stack.cluster.kubeconfigPath, HOME: knHome },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      // KN_VERBOSE=1 prints every kn command with what it printed (to see kn's output by eye).
      // eslint-disable-next-line no-console
      if (process.env.KN_VERBOSE) console.log(`$ kn ${args.join(' ')}   (exit ${code})\n${stdout}${stderr}`);
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** kn that must succeed: returns stdout, throws with the command, exit code and output otherwise. */
async function knOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await kn(args, timeoutMs);
  if (r.code !== 0) throw new Error(`kn ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

/** A kn table (tabwriter columns) as rows of header → cell, cut at the header's column starts. */
function table(out: string): Array<Record<string, string>> {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  const cols: Array<{ name: string; start: number }> = [];
  for (const m of header.matchAll(/\S+/g)) cols.push({ name: m[0], start: m.index! });
  return lines.slice(1).map((l) => Object.fromEntries(cols.map((c, i) =>
    [c.name, l.slice(c.start, i + 1 < cols.length ? cols[i + 1].start : undefined).trim()])));
}

let ingress: { host: string; port: number } | undefined;
/** One GET through the ingress (its Service's ClusterIP, looked up once) with a Host header. */
async function request(host: string): Promise<{ status: number; body: string }> {
  ingress ??= await stack.ingressAddress();
  return httpGet(ingress.host, ingress.port, host);
}

/** GET through the ingress, tallied for `npm run e2e`. */
async function get(host: string, expected = 200): Promise<{ status: number; body: string }> {
  const r = await request(host);
  stack.requests.add('scenario', 'kn', r.status, expected, r.body.trim());
  return r;
}

/** Wait until `host` answers 200 with `body` (the ingress picks up a Route change asynchronously). */
async function serves(host: string, body: string): Promise<void> {
  const last = await stack.until(`${host} answers ${JSON.stringify(body)}`, async () => {
    const r = await request(host);
    return r.status === 200 && r.body === body ? r : undefined;
  }, 30_000);
  stack.requests.add('scenario', 'kn', last.status, 200, last.body.trim());
}

/** `n` requests through the ingress: body → count. */
async function split(host: string, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(host);
    const k = r.status === 200 ? r.body : `HTTP ${r.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The ksvc's status.traffic as kubectl returns it (what the Route published). */
async function traffic(name: string): Promise<any[]> {
  return (await stack.getJson(['ksvc', '-n', NS, name])).status.traffic;
}

/** Wait until the Service's Route has caught up with its spec (generation observed, Ready). */
async function settled(name: string): Promise<any> {
  return stack.until(`ksvc ${name} Ready at its generation`, async () => {
    const s = await stack.getJson(['ksvc', '-n', NS, name]);
    const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    return ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation ? s : undefined;
  }, 60_000);
}

const hello = (t: string): string => `Hello ${t}!\n`;
const welcome = (r: string): string => `Welcome to the ${r} app! \n`;

suite('kn: service create, update, traffic, tags, describe, lists, delete', () => {
  const name = 'hello';
  const host = `${name}.${DOMAIN}`;

  test('kn service create: waits for Ready and prints the URL under our domain; the ingress serves it', async () => {
    const out = await knOk(['service', 'create', name, '--namespace', NS, '--image', HELLO, '--env', 'TARGET=v1', '--port', '8080', '--wait-timeout', '120']);
    expect(out).toContain(`Creating service '${name}' in namespace '${NS}':`);
    expect(out).toMatch(/^\s*\d+\.\d{3}s Ready to serve\.$/m);
    expect(out).toContain(`Service '${name}' created to latest revision '${name}-00001' is available at URL:\nhttp://${host}\n`);
    const r = await get(host);
    expect(r).toEqual({ status: 200, body: hello('v1') });
  });

  test('kn service update --env: a new revision takes the traffic', async () => {
    const out = await knOk(['service', 'update', name, '-n', NS, '--env', 'TARGET=v2']);
    expect(out).toContain(`Updating Service '${name}' in namespace '${NS}':`);
    expect(out).toContain(`Service '${name}' updated to latest revision '${name}-00002' is available at URL:\nhttp://${host}\n`);
    await serves(host, hello('v2'));
  });

  test('kn service update --image: a new image, a new revision (env kept)', async () => {
    const out = await knOk(['service', 'update', name, '-n', NS, '--image', STOCK, '--env', 'RESOURCE=stock']);
    expect(out).toContain(`Service '${name}' updated to latest revision '${name}-00003' is available at URL:\nhttp://${host}\n`);
    await serves(host, welcome('stock'));
    const ksvc = await stack.getJson(['ksvc', '-n', NS, name]);
    expect(ksvc.spec.template.spec.containers[0].image).toBe(STOCK);
    expect(ksvc.spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'TARGET', value: 'v2' }, { name: 'RESOURCE', value: 'stock' }]));
  });

  test('kn service update --tag: tag URLs for two revisions, each served by its revision; main traffic unchanged', async () => {
    const out = await knOk(['service', 'update', name, '-n', NS, '--tag', `${name}-00001=v1,${name}-00002=v2`]);
    expect(out).toContain(`Service '${name}' with latest revision '${name}-00003' (unchanged) is available at URL:\nhttp://${host}\n`);
    await settled(name);
    expect(await traffic(name)).toEqual([
      { latestRevision: true, percent: 100, revisionName: `${name}-00003` },
      { latestRevision: false, percent: 0, revisionName: `${name}-00001`, tag: 'v1', url: `http://v1-${host}` },
      { latestRevision: false, percent: 0, revisionName: `${name}-00002`, tag: 'v2', url: `http://v2-${host}` },
    ]);
    await serves(`v1-${host}`, hello('v1'));
    await serves(`v2-${host}`, hello('v2'));
    expect((await get(host)).body).toBe(welcome('stock'));
  });

  test('kn service update --traffic with a tag and @latest: 50/50 on the status and through the ingress', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--traffic', 'v1=50,@latest=50']);
    await settled(name);
    const t = await traffic(name);
    expect(t).toEqual(expect.arrayContaining([
      { latestRevision: true, percent: 50, revisionName: `${name}-00003` },
      { latestRevision: false, percent: 50, revisionName: `${name}-00001`, tag: 'v1', url: `http://v1-${host}` },
      { latestRevision: false, percent: 0, revisionName: `${name}-00002`, tag: 'v2', url: `http://v2-${host}` },
    ]));
    expect(t).toHaveLength(3);
    const seen = await split(host, 100);
    expect(Object.keys(seen).sort()).toEqual([hello('v1'), welcome('stock')].sort());
    expect(seen[hello('v1')]).toBeGreaterThanOrEqual(35);
    expect(seen[welcome('stock')]).toBeGreaterThanOrEqual(35);
  });

  test('kn service update --tag @latest: the latest revision gets a tag URL of its own', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--tag', '@latest=current']);
    await settled(name);
    expect(await traffic(name)).toEqual(expect.arrayContaining([
      { latestRevision: true, percent: 50, revisionName: `${name}-00003`, tag: 'current', url: `http://current-${host}` },
    ]));
    await serves(`current-${host}`, welcome('stock'));
  });

  test('kn service update --untag: the tag and its URL are gone (404 at the ingress)', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--untag', 'v2']);
    await settled(name);
    const t = await traffic(name);
    expect(t.map((x: any) => x.tag).filter(Boolean).sort()).toEqual(['current', 'v1']);
    expect(t.find((x: any) => x.revisionName === `${name}-00002`)).toBeUndefined();
    const r = await stack.until(`v2-${host} no longer routed`, async () => {
      const x = await request(`v2-${host}`);
      return x.status === 404 ? x : undefined;
    }, 30_000);
    stack.requests.add('scenario', 'kn', r.status, 404);
  });

  test('kn service describe: URL, revisions with their traffic and tags, conditions all OK', async () => {
    const out = await knOk(['service', 'describe', name, '-n', NS]);
    expect(out).toMatch(new RegExp(`^Name:\\s+${name}$`, 'm'));
    expect(out).toMatch(new RegExp(`^Namespace:\\s+${NS}$`, 'm'));
    expect(out).toMatch(new RegExp(`^URL:\\s+http://${host.replace(/\./g, '\\.')}$`, 'm'));
    // Revisions section: "  50%  @latest (hello-00003) #current [3] (…)" and "  50%  hello-00001 #v1 [1] (…)"
    expect(out).toMatch(new RegExp(`^\\s+50%\\s+@latest \\(${name}-00003\\) #current \\[3\\]`, 'm'));
    expect(out).toMatch(new RegExp(`^\\s+50%\\s+${name}-00001 #v1 \\[1\\]`, 'm'));
    expect(out).toMatch(/^\s+Image:\s+registry\.cn-hangzhou\.aliyuncs\.com\/knative-sample\/rest-api-go:v1/m);
    const conditions = out.slice(out.indexOf('Conditions:'));
    for (const type of ['Ready', 'ConfigurationsReady', 'RoutesReady']) {
      expect(conditions).toMatch(new RegExp(`^\\s+\\+{2}\\s+${type}\\s`, 'm'));
    }
    expect(conditions).not.toMatch(/^\s+!!/m);
    // -o yaml: the Service as stored, with the Route's status.
    const yaml = await knOk(['service', 'describe', name, '-n', NS, '-o', 'json']);
    const obj = JSON.parse(yaml);
    expect(obj.status.url).toBe(`http://${host}`);
    expect(obj.status.latestReadyRevisionName).toBe(`${name}-00003`);
  });

  test('kn revision list: each revision with its traffic, tags, generation and Ready', async () => {
    const rows = table(await knOk(['revision', 'list', '-n', NS, '-s', name]));
    expect(rows.map((r) => [r.NAME, r.SERVICE, r.TRAFFIC, r.TAGS, r.GENERATION, r.READY])).toEqual([
      [`${name}-00003`, name, '50%', 'current', '3', 'True'],
      [`${name}-00002`, name, '', '', '2', 'True'],
      [`${name}-00001`, name, '50%', 'v1', '1', 'True'],
    ]);
    for (const r of rows) expect(r.CONDITIONS).toMatch(/^(\d) OK \/ \1$/);
  });

  test('kn revision describe and kn revision delete --wait: the image, env, traffic, replicas; an unreferenced revision deleted with what it owns', async () => {
    const out = await knOk(['revision', 'describe', `${name}-00001`, '-n', NS, '--verbose']);
    expect(out).toMatch(new RegExp(`^Name:\\s+${name}-00001$`, 'm'));
    expect(out).toMatch(/^Image:\s+gcr\.io\/knative-samples\/helloworld-go/m);
    expect(out).toMatch(/^Port:\s+8080$/m);
    expect(out).toMatch(/^Env:\s+TARGET=v1$/m);
    expect(out).toMatch(/^Replicas:\s+1\/1$/m);
    expect(out).toMatch(new RegExp(`^Service:\\s+${name}\\n\\s+Configuration Generation:\\s+1\\n\\s+Latest Created:\\s+false\\n\\s+Latest Ready:\\s+false\\n\\s+Traffic:\\s+50%\\n\\s+Tags:\\s+v1$`, 'm'));
    const conditions = out.slice(out.indexOf('Conditions:'));
    for (const type of ['Ready', 'ContainerHealthy', 'ResourcesAvailable']) expect(conditions).toMatch(new RegExp(`^\\s+\\+{2}\\s+${type}\\s`, 'm'));
    expect(conditions).not.toMatch(/^\s+!!/m);
    // hello-00002 lost its last traffic target with --untag v2.
    const del = await knOk(['revision', 'delete', `${name}-00002`, '-n', NS, '--wait', '--wait-timeout', '90']);
    expect(del).toContain(`Revision '${name}-00002' deleted in namespace '${NS}'.`);
    // kn deletes a revision in the background (--wait waits for the Revision only): the garbage
    // collector removes its Deployment and Service after it (on a fresh cluster up to ~30 s later,
    // once its discovery, every 30 s, has picked up the Knative kinds).
    await stack.until(`${name}-00002's Deployment and Service collected`, async () => {
      const left = await stack.cluster.kubectlOk(['get', 'revision,deployment,service', '-n', NS, '-o', 'name']);
      return left.split('\n').every((l) => !l.includes(`${name}-00002`));
    }, 60_000);
    expect(table(await knOk(['revision', 'list', '-n', NS, '-s', name])).map((r) => r.NAME)).toEqual([`${name}-00003`, `${name}-00001`]);
    await settled(name);
  });

  test('kn route list and kn service list: the URL under our domain, Ready', async () => {
    const routes = table(await knOk(['route', 'list', '-n', NS]));
    expect(routes).toEqual([{ NAME: name, URL: `http://${host}`, READY: 'True' }]);
    const services = table(await knOk(['service', 'list', '-n', NS]));
    expect(services.map((s) => [s.NAME, s.URL, s.LATEST, s.READY])).toEqual([[name, `http://${host}`, `${name}-00003`, 'True']]);
    expect(services[0].CONDITIONS).toBe('3 OK / 3');
  });

  test('kn service delete --wait: a foreground deletion, returns when the Service and everything it owns are gone; the host is no longer routed', async () => {
    const out = await knOk(['service', 'delete', name, '-n', NS, '--wait', '--wait-timeout', '90']);
    expect(out).toBe(`Service '${name}' successfully deleted in namespace '${NS}'.\n`);
    // Foreground: the garbage collector removed the dependents first (our owner references block
    // their owners' deletion, as Knative's do), so nothing is left when kn returns.
    const left = await stack.cluster.kubectlOk(['get', 'ksvc,configuration,route,revision,deployment,service', '-n', NS, '-o', 'name']);
    expect(left.split('\n').filter((l) => l.includes(name))).toEqual([]);
    const r = await stack.until(`${host} no longer routed`, async () => {
      const x = await request(host);
      return x.status === 404 ? x : undefined;
    }, 30_000);
    stack.requests.add('scenario', 'kn', r.status, 404);
    expect(table(await knOk(['service', 'list', '-n', NS])).length).toBe(0);
  });
});

/**
 * The seeds' CLI flows (seed 000: "automatic rollout", "managed release of a new Revision",
 * "roll back to a known-good Revision"; the seed's `knative …` commands are illustrative, these
 * are kn's), on one Service with the seed's revision names abc, def, ghi.
 */
suite('kn: seed flows (deploy a new image, manual rollout 5% → 50% → 100%, rollback)', () => {
  const name = 'my-service';
  const host = `${name}.${DOMAIN}`;
  const rev = (id: string): string => `${name}-${id}`;
  const blurg = hello('blurg');

  /** The revisions' TRAFFIC and TAGS columns of `kn revision list`, newest first. */
  async function revisions(): Promise<string[][]> {
    return table(await knOk(['revision', 'list', '-n', NS, '-s', name])).map((r) => [r.NAME, r.TRAFFIC, r.TAGS, r.READY]);
  }

  test('deploy a new image: kn service update --image rolls the new revision out to all traffic', async () => {
    const created = await knOk(['service', 'create', name, '-n', NS, '--image', STOCK, '--env', 'RESOURCE=stock', '--revision-name', rev('abc')]);
    expect(created).toContain(`Service '${name}' created to latest revision '${rev('abc')}' is available at URL:\nhttp://${host}\n`);
    await serves(host, welcome('stock'));
    const out = await knOk(['service', 'update', name, '-n', NS, '--image', HELLO, '--revision-name', rev('def')]);
    expect(out).toContain(`Service '${name}' updated to latest revision '${rev('def')}' is available at URL:\nhttp://${host}\n`);
    await serves(host, hello('World'));
    expect(await split(host, 20)).toEqual({ [hello('World')]: 20 });
    expect(await revisions()).toEqual([[rev('def'), '100%', '', 'True'], [rev('abc'), '', '', 'True']]);
  });

  test('managed release: pin the current revision, deploy ghi (env change) behind the latest tag, tag it candidate', async () => {
    // Release strategy: the traffic names a revision instead of following the latest one.
    await knOk(['service', 'update', name, '-n', NS, '--traffic', `${rev('def')}=100`, '--tag', `${rev('def')}=current`]);
    const deployed = await knOk(['service', 'update', name, '-n', NS, '--env', 'TARGET=blurg', '--revision-name', rev('ghi'), '--tag', '@latest=latest']);
    expect(deployed).toContain(`Service '${name}' updated to latest revision '${rev('ghi')}' is available at URL:\nhttp://${host}\n`);
    await knOk(['service', 'update', name, '-n', NS, '--tag', `${rev('ghi')}=candidate`]);
    await settled(name);
    expect(await traffic(name)).toEqual([
      { latestRevision: false, percent: 100, revisionName: rev('def'), tag: 'current', url: `http://current-${host}` },
      { latestRevision: true, percent: 0, revisionName: rev('ghi'), tag: 'latest', url: `http://latest-${host}` },
      { latestRevision: false, percent: 0, revisionName: rev('ghi'), tag: 'candidate', url: `http://candidate-${host}` },
    ]);
    expect(await revisions()).toEqual([
      [rev('ghi'), '', 'latest,candidate', 'True'],
      [rev('def'), '100%', 'current', 'True'],
      [rev('abc'), '', '', 'True'],
    ]);
    // No main traffic reaches ghi yet; its tag URLs do.
    expect(await split(host, 20)).toEqual({ [hello('World')]: 20 });
    await serves(`latest-${host}`, blurg);
    await serves(`candidate-${host}`, blurg);
    await serves(`current-${host}`, hello('World'));
  });

  test('manual rollout 5%: kn service update --traffic current=95,candidate=5', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--traffic', 'current=95,candidate=5']);
    await settled(name);
    expect(await revisions()).toEqual([
      [rev('ghi'), '5%', 'latest,candidate', 'True'],
      [rev('def'), '95%', 'current', 'True'],
      [rev('abc'), '', '', 'True'],
    ]);
    // 200 requests: about 10 to the candidate (the exact split is tested in gray-release.test.ts).
    const seen = await split(host, 200);
    expect(Object.keys(seen).sort()).toEqual([blurg, hello('World')].sort());
    expect(seen[blurg]).toBeGreaterThanOrEqual(3);
    expect(seen[blurg]).toBeLessThanOrEqual(25);
  });

  test('manual rollout 50%: kn service update --traffic current=50,candidate=50', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--traffic', 'current=50,candidate=50']);
    await settled(name);
    expect((await revisions()).map((r) => r.slice(0, 2))).toEqual([[rev('ghi'), '50%'], [rev('def'), '50%'], [rev('abc'), '']]);
    const seen = await split(host, 200);
    expect(seen[blurg]).toBeGreaterThanOrEqual(70);
    expect(seen[hello('World')]).toBeGreaterThanOrEqual(70);
  });

  test('manual rollout finished (100%): the candidate becomes current, latest still follows it', async () => {
    await knOk(['service', 'update', name, '-n', NS, '--untag', 'current,candidate', '--tag', `${rev('ghi')}=current`, '--traffic', 'current=100']);
    await settled(name);
    expect(await traffic(name)).toEqual(expect.arrayContaining([
      { latestRevision: false, percent: 100, revisionName: rev('ghi'), tag: 'current', url: `http://current-${host}` },
      { latestRevision: true, percent: 0, revisionName: rev('ghi'), tag: 'latest', url: `http://latest-${host}` },
    ]));
    expect((await traffic(name)).filter((t: any) => t.revisionName !== rev('ghi'))).toEqual([]);
    expect(await revisions()).toEqual([
      [rev('ghi'), '100%', 'latest,current', 'True'],
      [rev('def'), '', '', 'True'],
      [rev('abc'), '', '', 'True'],
    ]);
    expect(await split(host, 20)).toEqual({ [blurg]: 20 });
  });

  test('rollback: kn service update --traffic abc=100 sends all traffic to the known-good revision, no new revision, latest still reachable', async () => {
    const out = await knOk(['service', 'update', name, '-n', NS, '--traffic', `${rev('abc')}=100`]);
    expect(out).toContain(`Service '${name}' with latest revision '${rev('ghi')}' (unchanged) is available at URL:\nhttp://${host}\n`);
    await settled(name);
    expect((await revisions()).map((r) => r.slice(0, 3))).toEqual([
      [rev('ghi'), '', 'latest,current'],
      [rev('def'), '', ''],
      [rev('abc'), '100%', ''],
    ]);
    await serves(host, welcome('stock'));
    expect(await split(host, 20)).toEqual({ [welcome('stock')]: 20 });
    await serves(`latest-${host}`, blurg);
    const revs = await stack.getJson(['revision', '-n', NS, '-l', `serving.knative.dev/service=${name}`]);
    expect(revs.items.map((r: any) => r.metadata.name).sort()).toEqual([rev('abc'), rev('def'), rev('ghi')]);
  });
});

suite('kn: domain mappings', () => {
  const domain = 'shop.example.org';

  test('kn domain create: a DomainMapping to a Service, Ready with our URL, served through the ingress', async () => {
    await knOk(['service', 'create', 'shop', '-n', NS, '--image', HELLO, '--env', 'TARGET=shop']);
    await knOk(['service', 'create', 'shop-v2', '-n', NS, '--image', HELLO, '--env', 'TARGET=shop v2']);
    // The domain must be claimed for the namespace (config-network autocreate-cluster-domain-claims
    // is false, Knative's default): the cluster admin's ClusterDomainClaim, as in Knative's docs.
    const claim = path.join(stack.work, 'claim.json');
    fs.writeFileSync(claim, JSON.stringify({ apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name: domain }, spec: { namespace: NS } }));
    await stack.apply([claim]);
    const out = await knOk(['domain', 'create', domain, '-n', NS, '--ref', 'shop']);
    expect(out).toBe(`Domain mapping '${domain}' created in namespace '${NS}'.\n`);
    await stack.until(`DomainMapping ${domain} Ready`, async () => {
      const o = await stack.getJson(['domainmapping', '-n', NS, domain]);
      return (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True';
    }, 60_000);
    await serves(domain, hello('shop'));
  });

  test('kn domain describe and kn domain list: URL, reference, conditions all OK', async () => {
    const out = await knOk(['domain', 'describe', domain, '-n', NS]);
    expect(out).toMatch(new RegExp(`^Name:\\s+${domain.replace(/\./g, '\\.')}$`, 'm'));
    expect(out).toMatch(new RegExp(`^URL:\\s+http://${domain.replace(/\./g, '\\.')}$`, 'm'));
    expect(out).toMatch(/^Reference:\s*\n\s+APIVersion:\s+serving\.knative\.dev\/v1\n\s+Kind:\s+Service\n\s+Name:\s+shop$/m);
    const conditions = out.slice(out.indexOf('Conditions:'));
    expect(conditions).toMatch(/^\s+\+{2}\s+Ready\s/m);
    expect(conditions).not.toMatch(/^\s+!!/m);
    expect((await knOk(['domain', 'describe', domain, '-n', NS, '-o', 'url'])).trim()).toBe(`http://${domain}`);
    expect(table(await knOk(['domain', 'list', '-n', NS]))).toEqual([{ NAME: domain, URL: `http://${domain}`, READY: 'True', KSVC: 'shop' }]);
  });

  test('kn domain update --ref: the mapped host moves to another Service', async () => {
    const out = await knOk(['domain', 'update', domain, '-n', NS, '--ref', 'shop-v2']);
    expect(out).toBe(`Domain mapping '${domain}' updated in namespace '${NS}'.\n`);
    await serves(domain, hello('shop v2'));
  });

  test('kn domain delete: the mapping is gone and the host is no longer routed', async () => {
    const out = await knOk(['domain', 'delete', domain, '-n', NS]);
    expect(out).toBe(`Domain mapping '${domain}' deleted in namespace '${NS}'.\n`);
    const r = await stack.until(`${domain} no longer routed`, async () => {
      const x = await request(domain);
      return x.status === 404 ? x : undefined;
    }, 30_000);
    stack.requests.add('scenario', 'kn', r.status, 404);
    expect((await knOk(['domain', 'list', '-n', NS])).trim()).toBe('No domain mapping found.');
  });
});

suite('kn: cluster-local, autoscaling flags and a failing revision', () => {
  test('kn service create --cluster-local: a svc.cluster.local URL, served by the internal listener only', async () => {
    const out = await knOk(['service', 'create', 'internal', '-n', NS, '--image', HELLO, '--env', 'TARGET=inside', '--cluster-local']);
    expect(out).toContain(`Service 'internal' created to latest revision 'internal-00001' is available at URL:\nhttp://internal.${NS}.svc.cluster.local\n`);
    const ksvc = await stack.getJson(['ksvc', '-n', NS, 'internal']);
    expect(ksvc.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
    // The internal ingress Service (what the Route's placeholder Service aliases) serves it …
    const svc = await stack.getJson(['service', '-n', SYSTEM_NAMESPACE, 'serving-ingress-internal']);
    const r = await stack.until('internal.default.svc.cluster.local served', async () => {
      const x = await httpGet(svc.spec.clusterIP, svc.spec.ports[0].port, `internal.${NS}.svc.cluster.local`);
      return x.status === 200 ? x : undefined;
    }, 30_000);
    stack.requests.add('scenario', 'kn', r.status, 200, r.body.trim());
    expect(r.body).toBe(hello('inside'));
    // … the external listener does not.
    expect((await get(`internal.${DOMAIN}`, 404)).status).toBe(404);
    expect((await get(`internal.${NS}.svc.cluster.local`, 404)).status).toBe(404);
  });

  test('kn service create --concurrency-limit --scale-min --scale-max: the revision carries them (kn revision describe)', async () => {
    await knOk(['service', 'create', 'scaled', '-n', NS, '--image', HELLO, '--concurrency-limit', '10', '--scale-min', '1', '--scale-max', '3']);
    const rev = await stack.getJson(['revision', '-n', NS, 'scaled-00001']);
    expect(rev.spec.containerConcurrency).toBe(10);
    expect(rev.metadata.annotations).toMatchObject({ 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '3' });
    const out = await knOk(['revision', 'describe', 'scaled-00001', '-n', NS]);
    expect(out).toMatch(/^Concurrency:\s*\n\s+Limit:\s+10$/m);
    expect(out).toMatch(/^Scale:\s+1 \.\.\. 3$/m);
    expect((await get(`scaled.${DOMAIN}`)).body).toBe(hello('World'));
  });

  test('kn service create with an image that cannot be pulled: kn fails with the reason of the revision, long before its wait timeout', async () => {
    const t0 = Date.now();
    const r = await kn(['service', 'create', 'broken', '-n', NS, '--image', 'gcr.io/knative-samples/does-not-exist', '--wait-timeout', '120']);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error: RevisionFailed: Revision "broken-00001" failed with message: ');
    expect(seconds).toBeLessThan(60);
    const desc = await knOk(['service', 'describe', 'broken', '-n', NS]);
    expect(desc).toMatch(/^\s+!!\s+Ready\s/m);
    const del = await knOk(['service', 'delete', 'broken', '-n', NS]);
    expect(del).toContain(`Service 'broken' successfully deleted in namespace '${NS}'.`);
  });
});

suite('kn: apply, no-wait + wait, export, route describe, create --force', () => {
  test('kn service apply: creates, then patches a changed env into a new revision, then reports no change', async () => {
    const created = await knOk(['service', 'apply', 'applied', '-n', NS, '--image', HELLO, '--env', 'TARGET=a1']);
    expect(created).toContain(`Service 'applied' created to latest revision 'applied-00001' is available at URL:\nhttp://applied.${DOMAIN}\n`);
    await serves(`applied.${DOMAIN}`, hello('a1'));
    const updated = await knOk(['service', 'apply', 'applied', '-n', NS, '--image', HELLO, '--env', 'TARGET=a2']);
    expect(updated).toContain('Applying service \'applied\' in namespace \'default\':');
    expect(updated).toContain(`Service 'applied' applied to latest revision 'applied-00002' is available at URL:\nhttp://applied.${DOMAIN}\n`);
    await serves(`applied.${DOMAIN}`, hello('a2'));
    const same = await knOk(['service', 'apply', 'applied', '-n', NS, '--image', HELLO, '--env', 'TARGET=a2']);
    expect(same).toBe(`No changes to apply to service 'applied'.\nService 'applied' with latest revision 'applied-00002' (unchanged) is available at URL:\nhttp://applied.${DOMAIN}\n`);
    const revs = await stack.getJson(['revision', '-n', NS, '-l', 'serving.knative.dev/service=applied']);
    expect(revs.items).toHaveLength(2);
  });

  test('kn service create --no-wait, then kn service wait: returns when the Service is Ready', async () => {
    const out = await knOk(['service', 'create', 'later', '-n', NS, '--image', HELLO, '--env', 'TARGET=later', '--no-wait']);
    expect(out).toContain(`Service 'later' created in namespace '${NS}'.`);
    const waited = await knOk(['service', 'wait', 'later', '-n', NS, '--wait-timeout', '60']);
    expect(waited).toContain(`Service 'later' in namespace '${NS}' is ready.`);
    const s = await stack.getJson(['ksvc', '-n', NS, 'later']);
    expect((s.status.conditions as any[]).find((c) => c.type === 'Ready').status).toBe('True');
    expect((await get(`later.${DOMAIN}`)).body).toBe(hello('later'));
  });

  test('kn route describe: the route URL, its traffic targets and conditions all OK', async () => {
    await knOk(['service', 'update', 'applied', '-n', NS, '--tag', 'applied-00001=old']);
    const out = await knOk(['route', 'describe', 'applied', '-n', NS]);
    expect(out).toMatch(/^Name:\s+applied$/m);
    expect(out).toMatch(new RegExp(`^URL:\\s+http://applied\\.${DOMAIN.replace(/\./g, '\\.')}$`, 'm'));
    expect(out).toMatch(/^\s+100%\s+@latest \(applied-00002\)$/m);
    expect(out).toMatch(/^\s+0%\s+applied-00001 #old$/m);
    expect(out).toMatch(new RegExp(`^\\s+URL:\\s+http://old-applied\\.${DOMAIN.replace(/\./g, '\\.')}$`, 'm'));
    const conditions = out.slice(out.indexOf('Conditions:'));
    expect(conditions).toMatch(/^\s+\+{2}\s+Ready\s/m);
    expect(conditions).not.toMatch(/^\s+!!/m);
  });

  test('kn service export --with-revisions --mode replay: the Services that replay its routed revisions (names, env, traffic)', async () => {
    const out = JSON.parse(await knOk(['service', 'export', 'applied', '-n', NS, '--with-revisions', '--mode', 'replay', '-o', 'json']));
    expect(out.kind).toBe('List');
    expect(out.items.map((i: any) => `${i.kind}/${i.metadata.name}`)).toEqual(['Service/applied', 'Service/applied']);
    // First the routed older revision (its name and env), then the current Service with the traffic.
    expect(out.items[0].spec.template.metadata.name).toBe('applied-00001');
    expect(out.items[0].spec.template.spec.containers[0].env).toEqual([{ name: 'TARGET', value: 'a1' }]);
    expect(out.items[1].spec.template.spec.containers[0].env).toEqual([{ name: 'TARGET', value: 'a2' }]);
    expect(out.items[1].spec.traffic).toEqual([
      { latestRevision: true, percent: 100 },
      { tag: 'old', revisionName: 'applied-00001', latestRevision: false, percent: 0 },
    ]);
  });

  // kn's import recreates the Service, then each exported Revision by name: that needs named revisions
  // (--revision-name). With generated names the recreated Service's first revision takes the name
  // <service>-00001 again and kn's create of the exported one fails with AlreadyExists (as on any
  // Knative: the Configuration names its revisions by generation).
  test('kn service export --mode export, kn service delete, kn service import: the Service comes back with its named revisions, traffic and tag URL', async () => {
    await knOk(['service', 'create', 'imported', '-n', NS, '--image', HELLO, '--env', 'TARGET=one', '--revision-name', 'imported-one']);
    await knOk(['service', 'update', 'imported', '-n', NS, '--env', 'TARGET=two', '--revision-name', 'imported-two', '--tag', 'imported-one=old']);
    const file = path.join(stack.work, 'imported-export.json');
    fs.writeFileSync(file, await knOk(['service', 'export', 'imported', '-n', NS, '--with-revisions', '--mode', 'export', '-o', 'json']));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).spec.revisions.map((r: any) => r.metadata.name)).toEqual(['imported-one']);
    // --wait: a foreground deletion that returns once the revisions are gone too (kn's default is a
    // background deletion that returns at once, and the import would race the garbage collector).
    await knOk(['service', 'delete', 'imported', '-n', NS, '--wait', '--wait-timeout', '90']);
    expect((await stack.getJson(['revision', '-n', NS, '-l', 'serving.knative.dev/service=imported'])).items).toEqual([]);
    const out = await knOk(['service', 'import', file, '-n', NS, '--wait-timeout', '90']);
    expect(out).toContain(`Importing service 'imported' in namespace '${NS}':`);
    expect(out).toContain(`Service 'imported' imported to latest revision 'imported-two' is available at URL:\nhttp://imported.${DOMAIN}\n`);
    await settled('imported');
    const names = (await stack.getJson(['revision', '-n', NS, '-l', 'serving.knative.dev/service=imported'])).items.map((r: any) => r.metadata.name).sort();
    expect(names).toEqual(['imported-one', 'imported-two']);
    await serves(`imported.${DOMAIN}`, hello('two'));
    await serves(`old-imported.${DOMAIN}`, hello('one'));
  });

  test('kn service create --force: replaces an existing Service (a new revision with the new spec)', async () => {
    const out = await knOk(['service', 'create', 'later', '-n', NS, '--image', STOCK, '--env', 'RESOURCE=forced', '--force']);
    expect(out).toContain(`Replacing service 'later' in namespace '${NS}':`);
    expect(out).toContain(`Service 'later' replaced to latest revision 'later-00002' is available at URL:\nhttp://later.${DOMAIN}\n`);
    await serves(`later.${DOMAIN}`, welcome('forced'));
  });
});
