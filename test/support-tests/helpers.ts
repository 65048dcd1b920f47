/** Shared helpers for the emulator's own tests. */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { KubeObject } from '../../src/core/types';
import { EmulatorOptions, KubeApiEmulator } from '../support/emulator';
import { makeKubeConfig } from '../support/kubeconfig';

// client-node is ESM-only; jest maps it to the vendored CJS bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const k8s: typeof K8s = require('@kubernetes/client-node');
export type { K8s };

export interface Clients {
  api: KubeApiEmulator;
  kc: K8s.KubeConfig;
  core: K8s.CoreV1Api;
  apps: K8s.AppsV1Api;
  custom: K8s.CustomObjectsApi;
}

export async function startWithClients(opts: EmulatorOptions = {}, user?: string): Promise<Clients> {
  const api = await KubeApiEmulator.start(opts);
  const kc = makeKubeConfig(api, user);
  return { api, kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

/** Run `fn`, expect it to fail with an ApiException, return { code, body (parsed Status) }. */
export async function failure(fn: () => Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await fn();
  } catch (e: any) {
    if (typeof e?.code !== 'number') throw e;
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, body };
  }
  throw new Error('expected the call to fail');
}

export const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
export const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

export function knService(name: string, ns = 'default', extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { template: { spec: { containers: [{ image: 'ghcr.io/example/hello:1.0' }] } } },
    ...extra,
  };
}

export function deployment(name: string, ns = 'default', image = 'nginx:1.27', replicas = 1): K8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until fn() is truthy. */
export async function eventually<T>(fn: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
