import { annSvc, podSvc, withFeatures } from './helpers';
import { AdmissionContext, validate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const A = 'autoscaling.knative.dev/';

/** The fix of the only error at `path`. */
function fixAt(obj: KubeObject, path: string, ctx?: AdmissionContext): string {
  const hits = validate(obj, ctx).filter((v) => v.path === path && v.severity !== 'warning');
  expect(hits).toHaveLength(1);
  return hits[0].fix!;
}

/** Every fix that depends on a cluster setting, with the setting it needs. */
const CASES: Array<[string, KubeObject, string, string, string, string, AdmissionContext?]> = [
  ['timeout above max-revision-timeout-seconds', podSvc((p) => { p.timeoutSeconds = 800; }), 'spec.template.spec.timeoutSeconds',
    'config-defaults', 'max-revision-timeout-seconds', '800', undefined],
  ['containerConcurrency above the limit', podSvc((p) => { p.containerConcurrency = 2000; }), 'spec.template.spec.containerConcurrency',
    'config-defaults', 'container-concurrency-max-limit', '2000', undefined],
  ['containerConcurrency 0 not allowed', podSvc((p) => { p.containerConcurrency = 0; }), 'spec.template.spec.containerConcurrency',
    'config-defaults', 'allow-container-concurrency-zero', 'true', withFeatures({}, (c) => { c.defaults.allowContainerConcurrencyZero = false; })],
  ['initial-scale 0', annSvc({ [`${A}initial-scale`]: '0' }), `spec.template.metadata.annotations.${A}initial-scale`,
    'config-autoscaler', 'allow-zero-initial-scale', 'true', undefined],
  ['max-scale above max-scale-limit', annSvc({ [`${A}max-scale`]: '20' }), `spec.template.metadata.annotations.${A}max-scale`,
    'config-autoscaler', 'max-scale-limit', '20', withFeatures({}, (c) => { c.autoscaler.maxScaleLimit = 10; })],
  ['a gated field', podSvc((p) => { p.nodeSelector = { disk: 'ssd' }; }), 'spec.template.spec.nodeSelector',
    'config-features', 'kubernetes.podspec-nodeselector', 'Enabled', undefined],
  ['a second container', podSvc((p) => { p.containers.push({ image: 'bb' }); p.containers[0].ports = [{ containerPort: 8080 }]; }), 'spec.template.spec.containers',
    'config-features', 'multi-container', 'Enabled', withFeatures({ 'multi-container': 'Disabled' })],
];

describe('fixes that need a cluster setting name it through AdmissionContext.clusterSetting', () => {
  test.each(CASES)('%s: default wording names the ConfigMap key and value', (_name, obj, path, cm, key, value, ctx) => {
    expect(fixAt(obj, path, ctx)).toContain(`set ${key}: "${value}" in the ${cm} ConfigMap`);
  });

  test.each(CASES)('%s: the hook is asked for exactly that setting and its clause is used', (_name, obj, path, cm, key, value, ctx) => {
    const asked: string[][] = [];
    const fix = fixAt(obj, path, { ...ctx, clusterSetting: (c, k, v) => { asked.push([c, k, v]); return `DECLARE(${k}=${v})`; } });
    expect(asked).toEqual([[cm, key, value]]);
    expect(fix).toContain(`DECLARE(${key}=${value})`);
    expect(fix).not.toContain('ConfigMap');
  });

  test('a value no cluster setting can allow gets no cluster clause', () => {
    expect(fixAt(podSvc((p) => { p.timeoutSeconds = -5; }), 'spec.template.spec.timeoutSeconds')).not.toMatch(/cluster's|ConfigMap/);
    expect(fixAt(podSvc((p) => { p.containerConcurrency = -1; }), 'spec.template.spec.containerConcurrency')).not.toMatch(/cluster|ConfigMap/);
  });
});
