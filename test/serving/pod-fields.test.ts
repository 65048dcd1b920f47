import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  KnativeFeature, KnService, KnServiceProps, TolerationEffect, TolerationOperator,
} from '../../src';
import { defaultServingConfig } from '../../src/core/config';
import { applyDefaults, validate } from '../../src/core/rules';

const POD_FIELDS: KnServiceProps = {
  metadata: { name: 'svc' },
  image: 'app',
  tolerations: [
    { key: 'dedicated', operator: TolerationOperator.EQUAL, value: 'knative', effect: TolerationEffect.NO_SCHEDULE },
    { key: 'node.kubernetes.io/unreachable', operator: TolerationOperator.EXISTS, effect: TolerationEffect.NO_EXECUTE, tolerationSeconds: 30 },
  ],
  runtimeClassName: 'gvisor',
  priorityClassName: 'high',
  schedulerName: 'custom-scheduler',
  shareProcessNamespace: true,
  podSecurityContext: {
    runAsUser: 1000,
    runAsGroup: 3000,
    runAsNonRoot: true,
    fsGroup: 2000,
    supplementalGroups: [4000],
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  },
};

const GATES = [
  KnativeFeature.TOLERATIONS, KnativeFeature.RUNTIME_CLASS_NAME, KnativeFeature.PRIORITY_CLASS_NAME,
  KnativeFeature.SCHEDULER_NAME, KnativeFeature.SHARE_PROCESS_NAMESPACE, KnativeFeature.POD_SECURITY_CONTEXT,
];

describe('gated pod fields', () => {
  test('without the gates, synth names every gate and nothing gated is rendered', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', POD_FIELDS);
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = String(e);
    }
    for (const gate of GATES) expect(message).toContain(`"${gate}"`);
    for (const field of ['tolerations', 'runtimeClassName', 'priorityClassName', 'schedulerName', 'shareProcessNamespace', 'securityContext']) {
      expect(message).toContain(`[test/Svc] spec.template.spec.${field}: requires the Knative feature gate`);
    }
    const rendered = svc.template._renderSpec();
    for (const field of ['tolerations', 'runtimeClassName', 'priorityClassName', 'schedulerName', 'shareProcessNamespace', 'securityContext']) {
      expect(rendered).not.toHaveProperty(field);
    }
  });

  test('with the gates, rendered as Kubernetes fields and accepted by Knative admission unchanged', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Svc', { ...POD_FIELDS, enabledFeatures: GATES });
    const [manifest] = Testing.synth(chart);
    const spec = manifest.spec.template.spec;
    expect(spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'knative', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
    expect(spec).toMatchObject({ runtimeClassName: 'gvisor', priorityClassName: 'high', schedulerName: 'custom-scheduler', shareProcessNamespace: true });
    expect(spec.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [4000], seccompProfile: { type: 'RuntimeDefault' } });
    const config = defaultServingConfig();
    for (const g of GATES) config.features[g] = 'Enabled';
    const ctx = { config };
    expect(applyDefaults(manifest as any, { ...ctx, operation: 'create' })).toEqual(manifest);
    expect(validate(manifest as any, ctx).filter((v) => v.severity !== 'warning')).toEqual([]);
  });

  test('secure-pod-defaults alone allows a pod securityContext with only a RuntimeDefault/Unconfined seccomp profile; runAsUser needs the securitycontext gate', () => {
    for (const [type, rendered] of [[kplus.SeccompProfileType.RUNTIME_DEFAULT, 'RuntimeDefault'], [kplus.SeccompProfileType.UNCONFINED, 'Unconfined']] as const) {
      const ok = Testing.chart();
      new KnService(ok, 'Svc', {
        metadata: { name: 'svc' },
        image: 'app',
        enabledFeatures: [KnativeFeature.SECURE_POD_DEFAULTS],
        podSecurityContext: { seccompProfile: { type } },
      });
      expect(Testing.synth(ok)[0].spec.template.spec.securityContext).toEqual({ seccompProfile: { type: rendered } });
    }
    const bad = Testing.chart();
    new KnService(bad, 'Svc', {
      metadata: { name: 'svc' },
      image: 'app',
      enabledFeatures: [KnativeFeature.SECURE_POD_DEFAULTS],
      podSecurityContext: { runAsUser: 1000, seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT } },
    });
    expect(() => Testing.synth(bad)).toThrow(/spec\.template\.spec\.securityContext: requires the Knative feature gate "kubernetes\.podspec-securitycontext"/);
  });

  test.each<[string, Partial<KnServiceProps>, RegExp]>([
    ['Exists with a value', { tolerations: [{ key: 'k', operator: TolerationOperator.EXISTS, value: 'v' }] }, /tolerations\[0\]\.value: must be empty with operator Exists \(Kubernetes rejects it\) \(got "v"\)/],
    ['no key without Exists', { tolerations: [{ value: 'v' }] }, /tolerations\[0\]\.operator: a toleration without key must use operator Exists \(Kubernetes rejects it\)\. Fix: /],
    ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'k', tolerationSeconds: 5 }] }, /tolerations\[0\]\.tolerationSeconds: only applies to effect NoExecute \(the toleration has no effect, i\.e\. every effect\) \(got 5\)/],
    ['negative runAsUser', { podSecurityContext: { runAsUser: -1 } }, /podSecurityContext\.runAsUser: must be a whole number between 0 and 2147483647 \(got -1\)\. Fix: Use an id between 0 and 2147483647/],
    ['fractional supplemental group', { podSecurityContext: { supplementalGroups: [1.5] } }, /podSecurityContext\.supplementalGroups\[0\]: must be a whole number between 0 and 2147483647 \(got 1\.5\)/],
  ])('%s fails at construction with the path and a fix', (_name, props, message) => {
    const chart = Testing.chart();
    expect(() => new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'app', ...props })).toThrow(message);
    expect(() => new KnService(Testing.chart(), 'Svc', { metadata: { name: 'svc' }, image: 'app', ...props })).toThrow(/^\[test\/Svc\] .*Fix:/);
  });
});
