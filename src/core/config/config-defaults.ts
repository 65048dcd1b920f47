/** config-defaults (reference §12). */
import { Reader } from './reader';
import { renderTemplate, TemplateValues } from './template';
import { ConfigError, DefaultsConfig, defaultServingConfig } from './types';

export function parseDefaults(data: Record<string, string>): DefaultsConfig {
  const r = new Reader('config-defaults', data);
  const d = defaultServingConfig().defaults;
  d.revisionTimeoutSeconds = r.int(d.revisionTimeoutSeconds, 'revision-timeout-seconds');
  d.maxRevisionTimeoutSeconds = r.int(d.maxRevisionTimeoutSeconds, 'max-revision-timeout-seconds');
  d.revisionResponseStartTimeoutSeconds = r.int(d.revisionTimeoutSeconds, 'revision-response-start-timeout-seconds');
  d.revisionIdleTimeoutSeconds = r.int(d.revisionIdleTimeoutSeconds, 'revision-idle-timeout-seconds');
  d.containerConcurrency = r.int(d.containerConcurrency, 'container-concurrency');
  d.containerConcurrencyMaxLimit = r.int(d.containerConcurrencyMaxLimit, 'container-concurrency-max-limit');
  d.allowContainerConcurrencyZero = r.bool(d.allowContainerConcurrencyZero, 'allow-container-concurrency-zero');
  const esl = r.raw('enable-service-links');
  if (esl !== undefined) {
    const v = esl.value.trim().toLowerCase();
    d.enableServiceLinks = v === 'true' ? true : v === 'false' ? false : undefined;
  }
  d.containerNameTemplate = r.string(d.containerNameTemplate, 'container-name-template');
  d.initContainerNameTemplate = r.string(d.initContainerNameTemplate, 'init-container-name-template');
  const q = (k: string) => {
    const x = r.raw(k);
    return x === undefined || x.value.trim() === '' ? undefined : x.value.trim();
  };
  const quantities: Array<[keyof DefaultsConfig, string]> = [
    ['revisionCpuRequest', 'revision-cpu-request'],
    ['revisionCpuLimit', 'revision-cpu-limit'],
    ['revisionMemoryRequest', 'revision-memory-request'],
    ['revisionMemoryLimit', 'revision-memory-limit'],
    ['revisionEphemeralStorageRequest', 'revision-ephemeral-storage-request'],
    ['revisionEphemeralStorageLimit', 'revision-ephemeral-storage-limit'],
  ];
  for (const [field, key] of quantities) {
    const v = q(key);
    if (v === undefined) continue;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.test(v)) {
      r.fail(key, v, 'not a Kubernetes quantity', 'use a quantity such as "100m" (cpu) or "128Mi" (memory)');
    }
    (d as any)[field] = v;
  }

  const cm = 'config-defaults';
  if (d.revisionTimeoutSeconds > d.maxRevisionTimeoutSeconds) {
    throw new ConfigError(cm, 'revision-timeout-seconds', String(d.revisionTimeoutSeconds),
      `cannot be greater than max-revision-timeout-seconds (${d.maxRevisionTimeoutSeconds})`,
      'lower revision-timeout-seconds or raise max-revision-timeout-seconds');
  }
  // Knative (1.17–1.23) checks these two only when positive: a zero or negative value passes.
  if (d.revisionResponseStartTimeoutSeconds > 0 && d.revisionResponseStartTimeoutSeconds > d.revisionTimeoutSeconds) {
    throw new ConfigError(cm, 'revision-response-start-timeout-seconds', String(d.revisionResponseStartTimeoutSeconds),
      `cannot be greater than revision-timeout-seconds (${d.revisionTimeoutSeconds})`,
      'lower revision-response-start-timeout-seconds or raise revision-timeout-seconds');
  }
  if (d.revisionIdleTimeoutSeconds > 0 && d.revisionIdleTimeoutSeconds > d.revisionTimeoutSeconds) {
    throw new ConfigError(cm, 'revision-idle-timeout-seconds', String(d.revisionIdleTimeoutSeconds),
      `cannot be greater than revision-timeout-seconds (${d.revisionTimeoutSeconds})`,
      'lower revision-idle-timeout-seconds (0 = infinite) or raise revision-timeout-seconds');
  }
  if (d.containerConcurrencyMaxLimit < 1) {
    throw new ConfigError(cm, 'container-concurrency-max-limit', String(d.containerConcurrencyMaxLimit), 'must be at least 1',
      'use a positive limit such as "1000"');
  }
  if (d.containerConcurrency < 0 || d.containerConcurrency > d.containerConcurrencyMaxLimit) {
    throw new ConfigError(cm, 'container-concurrency', String(d.containerConcurrency),
      `must be between 0 and container-concurrency-max-limit (${d.containerConcurrencyMaxLimit})`,
      'use a value in that range (0 = unlimited)');
  }
  // Knative executes the templates against an empty ObjectMeta; we check they render with our
  // Go-template subset (the same renderer the defaulting rules use).
  for (const key of ['container-name-template', 'init-container-name-template']) {
    const x = r.raw(key);
    if (x === undefined) continue;
    try {
      renderTemplate(x.value, OBJECT_META_TEMPLATE_SAMPLE);
    } catch (e) {
      r.fail(key, x.value, `error executing template: ${(e as Error).message}`,
        'use a literal name or a template over the parent ObjectMeta such as "{{.Name}}"');
    }
  }
  return d;
}

/** ObjectMeta fields available to container-name templates (all empty, as in Knative's check). */
export const OBJECT_META_TEMPLATE_SAMPLE: TemplateValues = {
  Name: '', GenerateName: '', Namespace: '', UID: '', ResourceVersion: '', Labels: {}, Annotations: {},
};
