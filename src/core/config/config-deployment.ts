/** config-deployment. */
import { Reader } from './reader';
import { defaultServingConfig, DeploymentConfig } from './types';

export function parseDeployment(data: Record<string, string>): DeploymentConfig {
  const r = new Reader('config-deployment', data);
  const d = defaultServingConfig().deployment;
  d.progressDeadlineSeconds = r.duration(d.progressDeadlineSeconds, 'progress-deadline', 'progressDeadline');
  if (d.progressDeadlineSeconds <= 0 || !Number.isInteger(d.progressDeadlineSeconds)) {
    const x = r.raw('progress-deadline', 'progressDeadline')!;
    r.fail(x.key, x.value, 'must be a positive duration in whole seconds', 'use e.g. "600s" or "10m"');
  }
  const reg = r.raw('registries-skipping-tag-resolving', 'registriesSkippingTagResolving');
  if (reg !== undefined) {
    d.registriesSkippingTagResolving = reg.value.split(',').map(s => s.trim()).filter(s => s !== '');
  }
  d.digestResolutionTimeoutSeconds = r.duration(d.digestResolutionTimeoutSeconds, 'digest-resolution-timeout', 'digestResolutionTimeout');
  if (d.digestResolutionTimeoutSeconds <= 0) {
    const x = r.raw('digest-resolution-timeout', 'digestResolutionTimeout')!;
    r.fail(x.key, x.value, 'must be a positive duration', 'use e.g. "10s"');
  }
  d.queueSidecarImage = r.string(d.queueSidecarImage, 'queue-sidecar-image', 'queueSidecarImage');
  d.defaultAffinityType = r.string(d.defaultAffinityType, 'default-affinity-type');
  if (!['none', 'prefer-spread-revision-over-nodes'].includes(d.defaultAffinityType)) {
    r.fail('default-affinity-type', d.defaultAffinityType, 'unsupported affinity type', 'use "prefer-spread-revision-over-nodes" or "none"');
  }
  d.podIsAlwaysSchedulable = r.bool(d.podIsAlwaysSchedulable, 'pod-is-always-schedulable');
  return d;
}
