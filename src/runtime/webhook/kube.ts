/**
 * The webhook's only Kubernetes writes, behind a small interface (tests run them against the API
 * emulator): its own Secret (get/create/update of ONE name) and the `caBundle` of its webhook
 * configurations (get/patch of named objects). The controller's KubeClient covers neither Secrets
 * nor admissionregistration.k8s.io, so this adapter calls client-node directly, with the
 * controller's shared keep-alive API configuration (`KubeClient.apiConfiguration`).
 */
import type { KubeObject } from '../../core/types';
import { KubeApiError, KubeClient } from '../controller/client';
import { k8s, type KubeConfig } from '../controller/k8s';

/** A core/v1 Secret as the webhook reads and writes it (data values base64). */
export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

export type WebhookConfigurationKind = 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';

/** One JSON Patch operation on a webhook configuration. */
export interface PatchOperation {
  op: 'add' | 'replace' | 'test';
  path: string;
  value: unknown;
}

export interface WebhookKube {
  getSecret(namespace: string, name: string): Promise<SecretObject | undefined>;
  /** Create; rejects with KubeApiError 409 AlreadyExists when another replica was first. */
  createSecret(secret: SecretObject): Promise<SecretObject>;
  /** Replace with the object's resourceVersion (KubeApiError 409 when stale). */
  updateSecret(secret: SecretObject): Promise<SecretObject>;
  getWebhookConfiguration(kind: WebhookConfigurationKind, name: string): Promise<KubeObject | undefined>;
  /** JSON Patch (RFC 6902) of a webhook configuration. */
  patchWebhookConfiguration(kind: WebhookConfigurationKind, name: string, ops: PatchOperation[]): Promise<void>;
}

const ADMISSION_GROUP = 'admissionregistration.k8s.io';
const PLURALS: Record<WebhookConfigurationKind, string> = {
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
};

function apiError(e: unknown, verb: string): unknown {
  const x = e as { code?: number; body?: unknown; message?: string };
  if (typeof x?.code !== 'number') return e;
  let body: any = x.body;
  if (typeof body === 'string') {
    try { body = JSON.parse(body); } catch { /* keep text */ }
  }
  const reason = (body && typeof body === 'object' && body.reason) || String(x.code);
  const message = (body && typeof body === 'object' && body.message) || x.message || `HTTP ${x.code}`;
  return new KubeApiError(x.code, reason, message, verb);
}

async function orUndefined<T>(p: Promise<T>, verb: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    const n = apiError(e, verb);
    if (n instanceof KubeApiError && n.code === 404) return undefined;
    throw n;
  }
}

async function wrap<T>(p: Promise<T>, verb: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw apiError(e, verb);
  }
}

const plain = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T;

/** The WebhookKube of a cluster (client-node). */
export function webhookKube(kc: KubeConfig): WebhookKube {
  const config = KubeClient.apiConfiguration(kc);
  const core = new k8s.CoreV1Api(config);
  const custom = new k8s.CustomObjectsApi(config);
  const secret = (o: unknown): SecretObject => {
    const s = plain<SecretObject>(o);
    return { ...s, apiVersion: s.apiVersion ?? 'v1', kind: s.kind ?? 'Secret' };
  };
  return {
    getSecret: async (namespace, name) => {
      const s = await orUndefined(core.readNamespacedSecret({ name, namespace }), 'get');
      return s === undefined ? undefined : secret(s);
    },
    createSecret: async (s) => secret(await wrap(core.createNamespacedSecret({ namespace: s.metadata.namespace!, body: s as any }), 'create')),
    updateSecret: async (s) => secret(await wrap(core.replaceNamespacedSecret({ name: s.metadata.name!, namespace: s.metadata.namespace!, body: s as any }), 'update')),
    getWebhookConfiguration: async (kind, name) => {
      const o = await orUndefined(custom.getClusterCustomObject({ group: ADMISSION_GROUP, version: 'v1', plural: PLURALS[kind], name }), 'get');
      return o === undefined ? undefined : plain<KubeObject>(o);
    },
    patchWebhookConfiguration: async (kind, name, ops) => {
      // CustomObjectsApi sends application/json-patch+json (its preferred patch type).
      await wrap(custom.patchClusterCustomObject({ group: ADMISSION_GROUP, version: 'v1', plural: PLURALS[kind], name, body: ops }), 'patch');
    },
  };
}
