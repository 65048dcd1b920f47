/**
 * Cluster tier: the `full-stack` example on a fresh cluster, as a GitOps repository would apply it:
 * every step is the control plane (CRDs, namespace, RBAC, ConfigMaps, controller, ingress, webhook) plus the
 * stock-service application at that point of its gray release, applied together with
 * `kubectl apply --server-side`. The first step is applied until kubectl maps every kind (a
 * custom resource can be applied once its CRD is established, as the example documents); after
 * each step the application must answer exactly as in gray-release.test.ts.
 */
import * as path from 'node:path';
import { emulatorAgreement, readManifests } from './emulator-replay';
import { checkGrayReleaseStep, GRAY_RELEASE_STEPS } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, Step, synthesize, SYSTEM_NAMESPACE } from './stack';
import { defaultedForAdmission, validateForAdmission } from '../../src/core/admission';
import { parseServingConfig } from '../../src/core/config';

/** `Warning: <text>` for each admission warning of the step's Knative objects. */
function admissionWarnings(files: string[]): string[] {
  const objects = readManifests(files);
  const data: Record<string, Record<string, string>> = {};
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === SYSTEM_NAMESPACE)) data[cm.metadata.name] = cm.data ?? {};
  const config = parseServingConfig(data);
  return objects.filter((o) => o.apiVersion.startsWith('serving.knative.dev/')).flatMap((o) => {
    const object = defaultedForAdmission({ operation: 'create', object: o, user: 'cluster-admin', config });
    return validateForAdmission({ operation: 'create', object, user: 'cluster-admin', config }).warnings.map((w) => `Warning: ${w}`);
  });
}

let stack: Stack;
let steps: Step[];

beforeAll(async () => {
  stack = await Stack.start({ installControlPlane: false });
  steps = synthesize('full-stack', path.join(stack.work, 'full-stack'));
}, 240_000);

stopAndDiagnose(() => stack);

describe('scenario: full-stack', () => {
  test.each(GRAY_RELEASE_STEPS.map((s, i) => [i + 1, s.step, s] as const))('step %i %s: control plane + application applied together', async (i, name, want) => {
    const step = steps[i - 1];
    expect(step.name).toBe(name);
    expect(step.files.map((f) => path.basename(f))).toEqual(['full-stack.k8s.yaml', 'stock-service-gray-release.k8s.yaml']);
    const args = ['apply', '--server-side', '--field-manager=cluster-test', ...step.files.flatMap((f) => ['-f', f])];
    let r = await stack.cluster.kubectl(args);
    if (i === 1) {
      // On an empty cluster kubectl cannot map the Knative kinds before the CRDs exist: everything
      // else is applied and the Service is reported; once the CRDs are established and the
      // admission webhook (fail closed) is ready, a second apply completes the step (what the
      // example's docs say).
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/no matches for kind "Service" in version "serving\.knative\.dev\/v1"/);
      await stack.cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
      await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'rollout', 'status', 'deployment/serving-webhook', '--timeout=120s']);
      r = await stack.cluster.kubectl(args);
    }
    // kubectl prints the admission webhook's warnings, which are the synth-time warnings of the
    // application's Service (core/admission, under the control plane's configuration).
    expect(r.stderr.split('\n').filter(Boolean)).toEqual(admissionWarnings(step.files));
    expect(r.code).toBe(0);
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=120s']);
    await checkGrayReleaseStep(stack, name, want, { scope: 'scenario', name: 'full-stack' });
  });

  test('the emulator agrees: the same steps replayed on the emulator end in the same objects', async () => {
    const { differences } = await emulatorAgreement(stack, 'full-stack', steps);
    expect(differences).toEqual([]);
  });
});
