/**
 * `npm run conformance:knative`: Knative Serving's own conformance suite (knative.dev/serving
 * v0.44.1 = Knative 1.17.1, built by test/knative-conformance/build.sh: test/conformance/api/v1,
 * api/v1beta1 and runtime with the e2e tag, and the test images they use) against our runtime on
 * the real-cluster tier, then the `kn` checks (test/cluster/kn.test.ts), ending with
 *
 *   RESULT {"knative":"1.17.1","tests":N,"passed":P,"failed":F,"not_applicable":A,"kn_checks":K,"kn_passed":K2}
 *
 * Images: a real OCI registry on loopback (test/support/registry.ts) holds one image manifest per
 * built test image, `<registry>/knative-tests/<name>:latest`, and `--dockerrepo` names it (not a
 * `.local` repository, so the suite neither skips its error-condition test nor its digest checks);
 * the controller runs with tag-to-digest resolution on (RESOLVE_DIGESTS=true and the RBAC it
 * needs), so every Revision runs `<registry>/knative-tests/<name>@sha256:…`, and the played
 * kubelet runs such a reference as the image's binary (images.ts, pod-sandbox.ts). An image the
 * registry does not hold (the suite's `invalidhelloworld`) fails digest resolution, as upstream.
 * The tier (Stack: real kube-apiserver, our controller, ingress and webhook) is started; the
 * harness applies what upstream's test/config/cluster-resources.yaml and test-resources.yaml hold
 * (namespaces serving-tests, serving-tests-alt, tls, rq-test; the ConfigMap and Secret the
 * runtime tests read) and what its test/config/ytt/core overlays set (config-network
 * autocreate-cluster-domain-claims "true", config-deployment progress-deadline 120s). The suite reaches the ingress as upstream's tests reach a gateway: a
 * LoadBalancer Service (`conformance-gateway`, knative-serving, the ingress pods' selector and
 * ports) whose status the harness sets to its ClusterIP (as a cloud's LB controller would set the
 * LB's address; the played kube-proxy serves ClusterIPs), named by GATEWAY_OVERRIDE /
 * GATEWAY_NAMESPACE_OVERRIDE; domains are not resolvable (`--resolvabledomain=false`: each request
 * goes to that address with the Route's host in the Host header). `--ingressendpoint` is not used:
 * with it the suite dials the gateway Service's nodePort, which the played kube-proxy does not serve.
 *
 * Counts: one test per top-level Test function that ran. passed = PASS; not_applicable = listed in
 * NOT_APPLICABLE below (what a process on this node cannot show) and not passed; failed =
 * everything else, a SKIP included (with its reason). Extra arguments go to every suite binary
 * (e.g. `-test.run=TestSecretVolume`); `--suites=api/v1,runtime` picks suites; `--no-kn` skips kn;
 * `--ingress-replicas=N` scales the ingress first (diagnostics; the tier runs 2).
 * Full logs: test/knative-conformance/.bin/logs/<suite>.log. Exit code 0 when every failure is
 * in KNOWN_FAILURES (open, with its reason) and every kn check passed.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, SYSTEM_NAMESPACE } from './stack';
import { controllerRules } from '../../src/control-plane/rbac-rules';
import { TestRegistry } from '../support/registry';

const KNATIVE = '1.17.1';
const ROOT = path.join(__dirname, '..', '..');
const BIN = process.env.KNATIVE_CONFORMANCE_BIN ?? path.join(ROOT, 'test', 'knative-conformance', '.bin');
/** Repository path of the test images in the registry (`--dockerrepo` = `<registry host>/<this>`). */
const REPO_PATH = 'knative-tests';
const SUITES = ['api/v1', 'api/v1beta1', 'runtime'];

/**
 * Tests a process on this node cannot show (they would need a container runtime's isolation that
 * the pod sandbox does not give), with why. Empty: with the sandbox's cgroups, users and mounts
 * every test of the three suites can be shown here.
 */
export const NOT_APPLICABLE: Record<string, string> = {};

/**
 * Failures we know and have not fixed yet, each with its open reason (the README's conformance
 * table says the same). They are reported as failed in the table and the RESULT line; the exit
 * code (what CI judges) is 1 for a failure not listed here, a kn check that does not pass, or when
 * no test or no kn check ran. A listed test that passes is printed so the entry gets removed.
 */
export const KNOWN_FAILURES: Record<string, string> = {
  TestServiceAccountValidation: "the suite looks for upstream's FieldError text verbatim (`foo@bar.baz: spec.template.spec.serviceAccountName\\n<k8s details>`); our webhook says path, value and fix in the project's one error format",
};

interface TestResult { suite: string; name: string; status: 'PASS' | 'FAIL' | 'SKIP'; seconds: number; subtests: Array<{ name: string; status: string }>; output: string[] }

/** Results of `go test -v` output: top-level tests with their subtests and first failure lines. */
function parse(suite: string, log: string): TestResult[] {
  const out = new Map<string, TestResult>();
  const messages = new Map<string, string[]>();
  let current = '';
  for (const line of log.split('\n')) {
    const m = /^(\s*)--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)/.exec(line);
    if (m) {
      const [top, ...sub] = m[3].split('/');
      const t = out.get(top) ?? { suite, name: top, status: 'FAIL', seconds: 0, subtests: [], output: [] };
      if (sub.length) t.subtests.push({ name: sub.join('/'), status: m[2] });
      else Object.assign(t, { status: m[2], seconds: Number(m[4]) });
      out.set(top, t);
      continue;
    }
    const n = /^=== (?:RUN|NAME|CONT|PAUSE)\s+(\S+)/.exec(line);
    if (n) {
      current = n[1].split('/')[0];
      // a test that never reports (the binary ended first: timeout, panic) counts as failed
      if (!out.has(current)) out.set(current, { suite, name: current, status: 'FAIL', seconds: 0, subtests: [], output: [] });
    } else if (current && /^\s+\w+_test\.go:\d+: /.test(line) && /(fail|error|want|got|timed out|unexpected|expected|not |skip)/i.test(line)) {
      // the test's own lines that read like a failure; the last three are kept
      messages.set(current, [...(messages.get(current) ?? []), line.trim().slice(0, 300)].slice(-3));
    }
  }
  for (const t of out.values()) t.output = messages.get(t.name) ?? (t.seconds === 0 && t.status === 'FAIL' ? ['no result line: the suite binary ended before this test did'] : []);
  return [...out.values()];
}

function runSuite(stack: Stack, repo: string, suite: string, args: string[], logDir: string): Promise<TestResult[]> {
  const bin = path.join(BIN, `conformance-${suite.replace(/\//g, '-')}.test`);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`bash test/knative-conformance/build.sh\` first (npm run conformance:knative does)`);
  const log = path.join(logDir, `${suite.replace(/\//g, '-')}.log`);
  const fd = fs.openSync(log, 'w');
  const argv = [
    '-test.v', '-test.count=1', '-test.timeout=40m', '-test.parallel=4',
    `--kubeconfig=${stack.cluster.kubeconfigPath}`,
    `--dockerrepo=${repo}`, '--tag=latest',
    '--resolvabledomain=false', '--disable-logstream', '--enable-beta',
    ...args,
  ];
  console.log(`\n== ${suite}: ${path.basename(bin)} ${argv.join(' ')}`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin, argv, {
      cwd: BIN,
      env: { ...process.env, GATEWAY_OVERRIDE: 'conformance-gateway', GATEWAY_NAMESPACE_OVERRIDE: SYSTEM_NAMESPACE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const take = (b: Buffer): void => {
      const s = b.toString();
      text += s;
      fs.writeSync(fd, s);
      for (const l of s.split('\n')) if (/^\s*--- (PASS|FAIL|SKIP)|^(ok|FAIL|PASS)\b|panic:/.test(l)) console.log(`  ${l.trim()}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      fs.closeSync(fd);
      console.log(`== ${suite}: exit ${code}, ${((Date.now() - t0) / 1000).toFixed(0)} s (log ${log})`);
      resolve(parse(suite, text));
    });
  });
}

async function setUp(stack: Stack): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kconf-'));
  // Tag-to-digest resolution, as `controller: { resolveDigests: true }` configures it: the extra RBAC, then the env.
  const extra = controllerRules('lease', 'secrets-role', true).filter((r) => !controllerRules('lease', 'secrets-role')
    .some((b) => JSON.stringify(b) === JSON.stringify(r)));
  const rbac = path.join(dir, 'digest-rbac.json');
  fs.writeFileSync(rbac, JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'serving-controller-digests' }, rules: extra.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs })) },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'serving-controller-digests' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'serving-controller-digests' },
        subjects: [{ kind: 'ServiceAccount', name: 'serving-controller', namespace: SYSTEM_NAMESPACE }],
      },
    ],
  }));
  await stack.apply([rbac]);
  await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'set', 'env', 'deployment/serving-controller', 'RESOLVE_DIGESTS=true']);
  await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'rollout', 'status', 'deployment/serving-controller', '--timeout=120s']);
  const ingress = await stack.getJson(['service', '-n', SYSTEM_NAMESPACE, 'serving-ingress']);
  const docs: any[] = [
    ...['serving-tests', 'serving-tests-alt', 'tls', 'rq-test'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conformance-test-configmap', namespace: 'serving-tests' }, data: { testKey: 'testValue' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'conformance-test-secret', namespace: 'serving-tests' }, type: 'Opaque', data: { testKey: Buffer.from('testValue').toString('base64') } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'conformance-gateway', namespace: SYSTEM_NAMESPACE },
      spec: { type: 'LoadBalancer', selector: ingress.spec.selector, ports: ingress.spec.ports.map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })) },
    },
  ];
  const file = path.join(dir, 'test-resources.json');
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
  await stack.apply([file]);
  // What upstream's test/config/ytt/core overlays set in the system ConfigMaps (the webhook admits each edit).
  for (const [cm, data] of Object.entries({
    'config-network': { 'autocreate-cluster-domain-claims': 'true' },
    'config-deployment': { 'progress-deadline': '120s' },
  })) {
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'patch', 'configmap', cm, '--type=merge', '-p', JSON.stringify({ data })]);
  }
  const gw = await stack.getJson(['service', '-n', SYSTEM_NAMESPACE, 'conformance-gateway']);
  await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'patch', 'service', 'conformance-gateway', '--subresource=status', '--type=merge',
    '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: gw.spec.clusterIP }] } } })]);
  // The namespaces' default ServiceAccounts (made by kube-controller-manager) must exist before pods are made.
  for (const ns of ['serving-tests', 'serving-tests-alt']) {
    await stack.until(`ServiceAccount ${ns}/default`, async () => (await stack.cluster.kubectl(['-n', ns, 'get', 'sa', 'default'])).code === 0, 60_000);
  }
}

/** kn checks: jest on test/cluster/kn.test.ts, counting the tests inside describe blocks titled `kn: …`. */
function runKn(): { checks: number; passed: number; note: string } {
  const file = path.join(ROOT, 'test', 'cluster', 'kn.test.ts');
  if (!fs.existsSync(file)) return { checks: 0, passed: 0, note: 'test/cluster/kn.test.ts does not exist (yet): 0 kn checks' };
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kn-')), 'jest.json');
  const r = spawnSync('npx', ['jest', '-c', 'test/cluster/jest.config.cjs', '--json', `--outputFile=${json}`, 'test/cluster/kn.test.ts'], { cwd: ROOT, stdio: 'inherit' });
  let results: { testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; status: string }> }> };
  try {
    results = JSON.parse(fs.readFileSync(json, 'utf8'));
  } catch {
    return { checks: 0, passed: 0, note: `jest wrote no results for kn.test.ts (exit ${r.status})` };
  }
  const kn = results.testResults.flatMap((f) => f.assertionResults).filter((a) => a.ancestorTitles.some((t) => t.startsWith('kn: ')));
  return { checks: kn.length, passed: kn.filter((a) => a.status === 'passed').length, note: `kn.test.ts: jest exit ${r.status}` };
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const suitesArg = process.argv.find((a) => a.startsWith('--suites='));
  const suites = suitesArg ? suitesArg.slice('--suites='.length).split(',') : SUITES;
  const noKn = process.argv.includes('--no-kn');
  const replicasArg = process.argv.find((a) => a.startsWith('--ingress-replicas='));
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--suites=') && a !== '--no-kn' && a !== replicasArg);
  const logDir = path.join(BIN, 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  const registry = await TestRegistry.start();
  const repo = `${registry.host}/${REPO_PATH}`;
  const images = fs.readdirSync(path.join(BIN, 'images'));
  for (const name of images) await registry.push(`${REPO_PATH}/${name}`, 'latest', name);
  console.log(`registry ${registry.host}: pushed ${images.length} test images (${images.join(', ')})`);
  // ko's default base image (the one upstream's test images are built on) runs as 65532 in /home/nonroot.
  const testImages = { repository: repo, dir: path.join(BIN, 'images'), exec: path.join(BIN, 'sandbox-exec'), user: { uid: 65532, gid: 65532 }, workingDir: '/home/nonroot' };
  const stack = await Stack.start({ kubelet: { testImages } });
  console.log(`tier up in ${(stack.startMs / 1000).toFixed(0)} s (Kubernetes ${stack.cluster.version})`);
  const results: TestResult[] = [];
  try {
    await setUp(stack);
    if (replicasArg) {
      // diagnostics: e.g. --ingress-replicas=1 shows whether a failure comes from several ingress replicas
      await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'scale', 'deployment/serving-ingress', `--replicas=${replicasArg.split('=')[1]}`]);
      await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'rollout', 'status', 'deployment/serving-ingress', '--timeout=120s']);
    }
    for (const s of suites) results.push(...await runSuite(stack, repo, s, args, logDir));
  } finally {
    await registry.stop();
    fs.writeFileSync(path.join(logDir, 'kubelet-errors.json'), JSON.stringify(stack.kubelet.errors, null, 1));
    const logs = stack.kubelet.allProcessLogs();
    fs.writeFileSync(path.join(logDir, 'pods.log'), Object.entries(logs).map(([k, v]) => `--- ${k}\n${v.split('\n').slice(-40).join('\n')}`).join('\n'));
    await stack.stop();
  }
  const kn = noKn ? { checks: 0, passed: 0, note: 'kn skipped (--no-kn)' } : runKn();

  const verdict = (t: TestResult): string => (t.status === 'PASS' ? 'pass' : NOT_APPLICABLE[t.name] ? 'not applicable' : 'fail');
  console.log('\n== Knative conformance (knative.dev/serving v0.44.1)');
  console.log('| suite | test | result | reason |');
  console.log('|---|---|---|---|');
  for (const t of results) {
    const v = verdict(t);
    const failedSubs = t.subtests.filter((s) => s.status !== 'PASS').map((s) => `${s.name} ${s.status}`);
    const known = KNOWN_FAILURES[t.name] ? ` [known, open: ${KNOWN_FAILURES[t.name]}]` : '';
    const reason = v === 'not applicable' ? NOT_APPLICABLE[t.name] : v === 'fail' ? `${t.status}${failedSubs.length ? ` (${failedSubs.join(', ')})` : ''}: ${t.output.join(' | ')}${known}` : '';
    console.log(`| ${t.suite} | ${t.name} | ${v} | ${reason.replace(/\|/g, '\\|')} |`);
  }
  console.log(kn.note);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const passed = results.filter((t) => verdict(t) === 'pass').length;
  const na = results.filter((t) => verdict(t) === 'not applicable').length;
  const failed = results.length - passed - na;
  console.log('RESULT ' + JSON.stringify({ knative: KNATIVE, tests: results.length, passed, failed, not_applicable: na, kn_checks: kn.checks, kn_passed: kn.passed }));
  const unexpected = results.filter((t) => verdict(t) === 'fail' && KNOWN_FAILURES[t.name] === undefined);
  for (const t of results) {
    if (verdict(t) === 'pass' && KNOWN_FAILURES[t.name] !== undefined) console.log(`${t.name} passed: remove it from KNOWN_FAILURES (test/cluster/knative-conformance.ts) and the README table`);
  }
  if (unexpected.length) console.log(`failed and not known: ${unexpected.map((t) => t.name).join(', ')}`);
  if (kn.passed !== kn.checks) console.log(`kn: ${kn.checks - kn.passed} of ${kn.checks} checks did not pass`);
  // Nothing run is not a pass: no test result (a suite binary that ran nothing) or no kn check when kn was asked for.
  if (results.length === 0) console.log('no conformance test ran');
  if (!noKn && kn.checks === 0) console.log(`no kn check ran (${kn.note})`);
  return unexpected.length === 0 && results.length > 0 && kn.passed === kn.checks && (noKn || kn.checks > 0) ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
