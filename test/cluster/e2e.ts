/**
 * `npm run e2e`: the whole cluster tier (every test in test/cluster: the seed scenarios, each
 * replayed on the emulator too, and the fault cases) on the real API server, then one summary:
 *
 *   FAULTS {"cases":…,"passed":…,"requests":…,"failed_requests":…,"failures":{…}}
 *   RESULT {"apiserver":"v1.37.2","scenarios":N,"scenarios_passed":N,"forbidden":0,"emulator_differences":0,"requests":R,"failed_requests":F,
 *           "pod_failure_detect_s":S,"digest_pinned":true}   (the last two when revision-failures.test.ts ran)
 *   AUTOSCALE {...}   (autoscale.test.ts's 0 → N → 0 run, when it ran)
 *
 * Everything is counted from this run: scenarios are the test suites named `scenario: <name>`
 * (passed when every test in it passed; a scenario's last test is its emulator comparison);
 * fault cases are the tests in suites named `fault…`; requests, 403s, emulator differences and the
 * API server version come from the records the tests write (test/cluster/record.ts). Requests are
 * those whose answer a test asserts (an expected 404 for an unknown host counts as answered as
 * expected); fault-case requests are reported apart, on the FAULTS line. Exit code: jest's.
 *
 * Runs inside test/cluster/netns.sh (the projen task does that); extra arguments go to jest
 * (e.g. a test file), so `npm run e2e -- test/cluster/faults.test.ts` summarises just that file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { E2eRecord, RECORD_ENV } from './record';

interface Assertion { ancestorTitles: string[]; title: string; status: string }
interface JestJson { testResults: Array<{ name: string; assertionResults: Assertion[]; message: string }>; success: boolean }

function main(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-'));
  const recordFile = path.join(dir, 'records.jsonl');
  const jsonFile = path.join(dir, 'jest.json');
  fs.writeFileSync(recordFile, '');
  const root = path.join(__dirname, '..', '..');
  const jest = spawnSync('npx', ['jest', '-c', 'test/cluster/jest.config.cjs', '--json', `--outputFile=${jsonFile}`, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [RECORD_ENV]: recordFile },
  });
  const records: E2eRecord[] = fs.readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  let results: JestJson = { testResults: [], success: false };
  try {
    results = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch {
    console.error('e2e: jest wrote no results');
  }
  fs.rmSync(dir, { recursive: true, force: true });

  const assertions = results.testResults.flatMap((f) => f.assertionResults);
  const scenarios = new Map<string, boolean>();
  for (const a of assertions) {
    const suite = a.ancestorTitles.find((t) => t.startsWith('scenario: '));
    if (!suite) continue;
    const name = suite.slice('scenario: '.length);
    scenarios.set(name, (scenarios.get(name) ?? true) && a.status === 'passed');
  }
  const faults = assertions.filter((a) => a.ancestorTitles.some((t) => t.startsWith('fault')));

  const versions = [...new Set(records.flatMap((r) => (r.type === 'cluster' ? [r.version] : [])))];
  const forbidden = records.flatMap((r) => (r.type === 'forbidden' ? r.forbidden : []));
  const duringRestarts = records.flatMap((r) => (r.type === 'forbidden' ? r.duringRestarts : []));
  const emulator = records.flatMap((r) => (r.type === 'emulator' ? [r] : []));
  const requests = (scope: 'scenario' | 'fault'): { sent: number; failed: number; failures: Record<string, number> } => {
    const out = { sent: 0, failed: 0, failures: {} as Record<string, number> };
    for (const r of records) {
      if (r.type !== 'requests' || r.scope !== scope) continue;
      out.sent += r.sent;
      out.failed += r.failed;
      for (const [k, v] of Object.entries(r.failures)) out.failures[`${r.name}: ${k}`] = (out.failures[`${r.name}: ${k}`] ?? 0) + v;
    }
    return out;
  };
  const scen = requests('scenario');
  const flt = requests('fault');

  console.log('\n== e2e summary');
  console.log(`scenarios: ${[...scenarios].map(([n, ok]) => `${n} ${ok ? 'passed' : 'FAILED'}`).join(', ') || 'none ran'}`);
  console.log(`fault cases: ${faults.map((a) => `${a.title.split(':')[0]} ${a.status}`).join('; ') || 'none ran'}`);
  console.log(`emulator comparisons: ${emulator.map((e) => `${e.scenario} (${e.objects} objects, ${e.differences.length} differences, ${e.knownLimitations.length} known limitations)`).join(', ') || 'none'}`);
  for (const e of emulator) for (const d of e.differences) console.log(`  difference in ${e.scenario}: ${d}`);
  const known = [...new Set(emulator.flatMap((e) => e.knownLimitations.map((d) => d.slice(0, d.indexOf(']') + 1))))];
  if (known.length) console.log(`known emulator limitations seen: ${known.join(' ')} (test/cluster/emulator-replay.ts KNOWN_LIMITATIONS)`);
  for (const f of forbidden) console.log(`  403: ${f}`);
  console.log(`403s answered while a restarted kube-apiserver was not ready (RBAC caches empty; not counted): ${duringRestarts.length}`);
  if (scen.failed) console.log(`failed scenario requests: ${JSON.stringify(scen.failures)}`);
  console.log('FAULTS ' + JSON.stringify({
    cases: faults.length,
    passed: faults.filter((a) => a.status === 'passed').length,
    requests: flt.sent,
    failed_requests: flt.failed,
    failures: flt.failures,
  }));
  console.log('RESULT ' + JSON.stringify({
    apiserver: versions.join(',') || 'unknown',
    scenarios: scenarios.size,
    scenarios_passed: [...scenarios.values()].filter(Boolean).length,
    forbidden: forbidden.length,
    emulator_differences: emulator.reduce((n, e) => n + e.differences.length, 0),
    requests: scen.sent,
    failed_requests: scen.failed,
    // revision-failures.test.ts: a pod's ImagePullBackOff → its Revision's ResourcesAvailable=False (seconds), when it ran.
    ...Object.fromEntries(records.flatMap((r) => (r.type === 'revision-failures' ? [['pod_failure_detect_s', r.pod_failure_detect_s]] : []))),
    // …and its tag-to-digest test: the Deployment runs the digest the real registry returned.
    ...Object.fromEntries(records.flatMap((r) => (r.type === 'digest' ? [['digest_pinned', r.digest_pinned]] : []))),
  }));
  // autoscale.test.ts's measured run (scale-up and scale-to-zero seconds, its load's requests).
  for (const r of records) if (r.type === 'autoscale') console.log('AUTOSCALE ' + JSON.stringify({ ...r, type: undefined }));
  return jest.status ?? 1;
}

process.exit(main());
