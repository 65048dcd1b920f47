/** The emulator CLI used by local mode. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k8s } from './helpers';
import { loadManifests, parseArgs, startFromArgs } from '../support/emulator-cli';

test('parseArgs reads port, flags, seeds and kubeconfig; rejects unknown arguments and a bad port', () => {
  const o = parseArgs(['--port', '8001', '--simulate-workloads', '--no-admission', '--seed=a.yaml', '--kubeconfig', '/tmp/k']);
  expect(o.emulator.port).toBe(8001);
  expect(o.emulator.simulateWorkloads).toBeTruthy();
  expect(o.emulator.admission).toBe(false);
  expect(o.seed).toEqual(['a.yaml']);
  expect(o.kubeconfig).toBe('/tmp/k');
  expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument/);
  expect(() => parseArgs(['--port', 'x'])).toThrow(/invalid --port/);
});

test('loadManifests expands multi-document YAML and Lists', () => {
  const objs = loadManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}]}\n');
  expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/b']);
});

test('startFromArgs prints the URL, writes a kubeconfig client-node can load, and seeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
  const seed = join(dir, 'seed.yaml');
  writeFileSync(seed, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-domain\n  namespace: knative-serving\ndata:\n  example.com: ""\n');
  const lines: string[] = [];
  const api = await startFromArgs(['--port', '0', '--kubeconfig', join(dir, 'kubeconfig'), '--seed', seed], (l) => lines.push(l));
  try {
    expect(lines[0]).toBe(api.url);
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(readFileSync(join(dir, 'kubeconfig'), 'utf8'));
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'knative-serving' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['config-domain']);
  } finally {
    await api.stop();
  }
});
