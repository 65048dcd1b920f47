/**
 * Cluster tier: seed 002, the stock-service gray release (v1 → v1/v2 50/50 → v3 reachable only at
 * the `latest` tag → 40/30/30), replayed step by step with `kubectl apply --server-side` on a real
 * API server. After each step: the Service's status as the seed prints it (from `kubectl get -o
 * json`), then real HTTP through the ingress: exact split counts over 100 requests to one ingress
 * replica (smooth weighted round-robin: every 100 consecutive picks split exactly), each tag host
 * answered by its revision, and no 403 for the runtime's ServiceAccounts.
 */
import * as path from 'node:path';
import { emulatorAgreement } from './emulator-replay';
import { checkGrayReleaseStep, GRAY_RELEASE_STEPS } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, Step, synthesize } from './stack';

let stack: Stack;
let steps: Step[];

beforeAll(async () => {
  stack = await Stack.start();
  steps = synthesize('stock-service-gray-release', path.join(stack.work, 'gray'));
}, 240_000);

stopAndDiagnose(() => stack);

describe('scenario: stock-service-gray-release', () => {
  test.each(GRAY_RELEASE_STEPS.map((s, i) => [i + 1, s.step, s] as const))('step %i %s: status as the seed prints it, exact split, tag hosts', async (i, name, want) => {
    const step = steps[i - 1];
    expect(step.name).toBe(name);
    await stack.apply(step.files);
    await checkGrayReleaseStep(stack, name, want);
  });

  test('the emulator agrees: the same steps replayed on the emulator end in the same objects', async () => {
    const { differences } = await emulatorAgreement(stack, 'stock-service-gray-release', steps);
    expect(differences).toEqual([]);
  });
});
