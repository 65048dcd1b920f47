/**
 * Which Knative Serving version each feature gate needs (src/core/versions.ts), pinned, and the
 * README's compatibility table saying the same.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DEFAULT_FEATURE_FLAGS } from '../../src/core/config';
import { featureFlagSince, NEWEST_KNATIVE_VERSION, newerFeatureFlags, OLDEST_KNATIVE_VERSION } from '../../src/core/versions';
import { KnativeFeature } from '../../src/serving/features';
import { Revision } from '../../src/serving/revision';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The rows of the README's "## Compatibility" table, by first cell. */
function compatibilityRows(): Map<string, string> {
  const section = README.split('\n## Compatibility\n')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length >= 4 && cells[1] && !cells[1].startsWith('---')) rows.set(cells[1], cells[2]);
  }
  return rows;
}

test('the Knative version each KnativeFeature needs (knative.dev/serving pkg/apis/config/features.go at the release tags)', () => {
  const needs = Object.fromEntries(Object.entries(KnativeFeature).map(([member, flag]) => [member, featureFlagSince(flag)]));
  expect(needs).toEqual({
    FIELD_REF: '1.17',
    POD_SECURITY_CONTEXT: '1.17',
    INIT_CONTAINERS: '1.17',
    PERSISTENT_VOLUME_CLAIM: '1.17',
    PERSISTENT_VOLUME_WRITE: '1.17',
    HOST_PATH: '1.17',
    EMPTY_DIR: '1.17',
    CSI_VOLUMES: '1.18',
    ADD_CAPABILITIES: '1.17',
    AFFINITY: '1.17',
    TOLERATIONS: '1.17',
    NODE_SELECTOR: '1.17',
    TOPOLOGY_SPREAD_CONSTRAINTS: '1.17',
    HOST_ALIASES: '1.17',
    RUNTIME_CLASS_NAME: '1.17',
    PRIORITY_CLASS_NAME: '1.17',
    SCHEDULER_NAME: '1.17',
    SHARE_PROCESS_NAMESPACE: '1.17',
    DNS_POLICY: '1.17',
    DNS_CONFIG: '1.17',
    HOST_IPC: '1.17',
    HOST_PID: '1.17',
    HOST_NETWORK: '1.17',
    MULTI_CONTAINER_PROBING: '1.17',
    SECURE_POD_DEFAULTS: '1.17',
    TAG_HEADER_BASED_ROUTING: '1.17',
  });
});

test('flags newer than the oldest version: their versions, each a flag the configuration model knows', () => {
  expect(Object.fromEntries(newerFeatureFlags())).toEqual({
    'kubernetes.podspec-volumes-csi': '1.18',
    'kubernetes.podspec-volumes-mount-propagation': '1.18',
    'kubernetes.podspec-volumes-image': '1.19',
    'kubernetes.podspec-volumes-ephemeral': '1.23',
  });
  for (const [flag, since] of newerFeatureFlags()) {
    expect(DEFAULT_FEATURE_FLAGS[flag]).toBe('Disabled');
    expect(Number(since.split('.')[1])).toBeGreaterThan(Number(OLDEST_KNATIVE_VERSION.split('.')[1]));
  }
});

test('the README compatibility table states the supported range and every KnativeFeature that needs a newer Knative', () => {
  const rows = compatibilityRows();
  expect(rows.get('Knative Serving whose admission accepts our output')).toContain(`v${OLDEST_KNATIVE_VERSION} – v${NEWEST_KNATIVE_VERSION}`);
  const newer = rows.get('Feature gates that need a newer Knative') ?? '';
  const offered = new Set<string>(Object.values(KnativeFeature));
  const members = new Map(Object.entries(KnativeFeature).map(([m, f]) => [f as string, m]));
  const gated = newerFeatureFlags().filter(([flag]) => offered.has(flag));
  expect(gated.length).toBeGreaterThan(0);
  for (const [flag, since] of gated) {
    expect(newer).toContain(`\`KnativeFeature.${members.get(flag)}\` (\`${flag}\`): v${since}+`);
  }
});

test('using a CSI volume without the opt-in fails synthesis naming the gate and the Knative version it needs', () => {
  const chart = Testing.chart();
  const rev = new Revision(chart, 'Rev', { image: 'img' });
  rev.containers[0].mount('/secrets', kplus.Volume.fromCsi(chart, 'Store', 'secrets-store.csi.k8s.io'));
  expect(() => Testing.synth(chart)).toThrow(/\.volumes\["[^"]+"\]\.csi: a CSI volume \(Knative >= 1\.18\) requires the Knative feature gate "kubernetes\.podspec-volumes-csi"/);
});
