/**
 * Children of a Revision (reference §6.13, adapted to this runtime): a Deployment running the
 * user container(s) directly (no queue-proxy), a ClusterIP Service named like the Revision
 * (port 80 → the user port) that the ingress proxies to, and for the HPA class an
 * autoscaling/v2 HorizontalPodAutoscaler.
 */
import { A, HPA_CLASS, L, annotation, ownerRef } from './meta';
import { parseGoDuration, ServingConfig } from '../../../core/config';
import { deploymentName, revisionServiceName } from '../../../core/names';
import { servingContainerIndex, servingPortIsH2c } from '../../../core/rules/podspec';
import type { KubeObject, RevisionObject } from '../../../core/types';
import { clone } from '../util';

export const DEFAULT_USER_PORT = 8080;
const KNATIVE_ONLY_SPEC_FIELDS = ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds'];

/** Index of the Revision's serving container (core rule: the one declaring a port, else the first). */
function revisionServingContainer(rev: RevisionObject): number {
  return servingContainerIndex(rev.spec.containers ?? []);
}

export function userPort(rev: RevisionObject): number {
  const c: any = rev.spec.containers?.[revisionServingContainer(rev)];
  return Number(c?.ports?.[0]?.containerPort) || DEFAULT_USER_PORT;
}

function intAnnotation(rev: RevisionObject, ...keys: string[]): number | undefined {
  const v = annotation(rev, ...keys);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export interface ScaleBounds { initial: number; min: number; max: number }

export function scaleBounds(rev: RevisionObject, cfg: ServingConfig): ScaleBounds {
  let initial = intAnnotation(rev, A.initialScale, A.initialScaleAlt) ?? cfg.autoscaler.initialScale;
  if (initial === 0 && !cfg.autoscaler.allowZeroInitialScale) initial = 1;
  const min = intAnnotation(rev, A.minScale, A.minScaleAlt) ?? cfg.autoscaler.minScale ?? 0;
  let max = intAnnotation(rev, A.maxScale, A.maxScaleAlt) ?? cfg.autoscaler.maxScale ?? 0;
  if (cfg.autoscaler.maxScaleLimit > 0 && (max === 0 || max > cfg.autoscaler.maxScaleLimit)) max = cfg.autoscaler.maxScaleLimit;
  return { initial, min, max };
}

/** Deployment replicas: initial-scale, floored by min-scale, capped by max-scale. */
export function desiredReplicas(rev: RevisionObject, cfg: ServingConfig): number {
  const b = scaleBounds(rev, cfg);
  let r = Math.max(b.initial, b.min);
  if (b.max > 0) r = Math.min(r, b.max);
  return r;
}

export function autoscalerClass(rev: RevisionObject, cfg: ServingConfig): string {
  return annotation(rev, A.class) ?? cfg.autoscaler.podAutoscalerClass;
}

export function usesHpa(rev: RevisionObject, cfg: ServingConfig): boolean {
  return autoscalerClass(rev, cfg) === HPA_CLASS;
}

/** Labels on the Deployment and pod template (reference §9). */
export function workloadLabels(rev: RevisionObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(rev.metadata.labels ?? {})) {
    if (k !== L.route && k !== L.routingState) labels[k] = v;
  }
  labels[L.revision] = rev.metadata.name!;
  labels[L.revisionUID] = rev.metadata.uid!;
  if (!labels.app) labels.app = rev.metadata.name!;
  return labels;
}

function workloadAnnotations(rev: RevisionObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rev.metadata.annotations ?? {})) {
    if (!k.startsWith('autoscaling.knative.dev/') && k !== A.routes && k !== A.routingStateModified && k !== A.lastApplied) out[k] = v;
  }
  return out;
}

function fixProbe(probe: any, port: number): any {
  if (!probe) return probe;
  const p = clone(probe);
  if (p.tcpSocket && !p.tcpSocket.port) p.tcpSocket.port = port;
  if (p.httpGet && !p.httpGet.port) p.httpGet.port = port;
  if (p.grpc && !p.grpc.port) p.grpc.port = port;
  return p;
}

export function makePodSpec(rev: RevisionObject): Record<string, unknown> {
  const spec: Record<string, any> = clone(rev.spec) as any;
  for (const f of KNATIVE_ONLY_SPEC_FIELDS) delete spec[f];
  const port = userPort(rev);
  const idx = revisionServingContainer(rev);
  const labels = rev.metadata.labels ?? {};
  const kEnv = [
    { name: 'K_REVISION', value: rev.metadata.name! },
    { name: 'K_CONFIGURATION', value: labels[L.configuration] ?? '' },
    { name: 'K_SERVICE', value: labels[L.service] ?? '' },
  ];
  // Resolved digests (tag-to-digest resolution) replace the tags they were resolved from.
  type ImageStatus = { name: string; imageDigest?: string };
  const digestOf = (statuses: ImageStatus[] | undefined, name: string): string | undefined =>
    (statuses ?? []).find((s) => s.name === name)?.imageDigest || undefined;
  const st = rev.status as { containerStatuses?: ImageStatus[]; initContainerStatuses?: ImageStatus[] } | undefined;
  if (Array.isArray(spec.initContainers)) {
    spec.initContainers = spec.initContainers.map((c: any) => {
      const digest = digestOf(st?.initContainerStatuses, c.name ?? '');
      return digest ? { ...c, image: digest } : c;
    });
  }
  spec.containers = (spec.containers ?? []).map((c: any, i: number) => {
    const out = { ...c };
    const digest = digestOf(st?.containerStatuses, c.name ?? '');
    if (digest) out.image = digest;
    const reserved = new Set(['PORT', 'K_REVISION', 'K_CONFIGURATION', 'K_SERVICE']);
    const env = (c.env ?? []).filter((e: any) => !reserved.has(e.name));
    if (i === idx) {
      env.push({ name: 'PORT', value: String(port) });
      const portName = c.ports?.[0]?.name;
      out.ports = [{ name: portName === 'h2c' ? 'h2c' : 'user-port', containerPort: port, protocol: 'TCP' }];
      out.readinessProbe = fixProbe(c.readinessProbe, port);
      out.livenessProbe = fixProbe(c.livenessProbe, port);
      out.startupProbe = fixProbe(c.startupProbe, port);
      if (!out.readinessProbe) delete out.readinessProbe;
      if (!out.livenessProbe) delete out.livenessProbe;
      if (!out.startupProbe) delete out.startupProbe;
    }
    out.env = [...env, ...kEnv];
    return out;
  });
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = false;
  const timeout = rev.spec.timeoutSeconds;
  if (typeof timeout === 'number' && timeout > 0) spec.terminationGracePeriodSeconds = timeout;
  return spec;
}

/**
 * `serving.knative.dev/progress-deadline` (a Go duration such as `90s` or `1m30s`, validated at
 * admission) or the cluster's config-deployment default.
 */
function progressDeadlineSeconds(rev: RevisionObject, cfg: ServingConfig): number {
  const value = annotation(rev, A.progressDeadline);
  if (!value) return cfg.deployment.progressDeadlineSeconds;
  try {
    return Math.max(1, parseGoDuration(value));
  } catch {
    return cfg.deployment.progressDeadlineSeconds;
  }
}

export function makeDeployment(rev: RevisionObject, cfg: ServingConfig): KubeObject {
  const labels = workloadLabels(rev);
  const annotations = workloadAnnotations(rev);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(rev.metadata.name!),
      namespace: rev.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [ownerRef(rev)],
    },
    spec: {
      replicas: desiredReplicas(rev, cfg),
      selector: { matchLabels: { [L.revisionUID]: rev.metadata.uid! } },
      progressDeadlineSeconds: progressDeadlineSeconds(rev, cfg),
      revisionHistoryLimit: 0,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels, annotations },
        spec: makePodSpec(rev),
      },
    },
  };
}

export function makeRevisionService(rev: RevisionObject): KubeObject {
  const port = userPort(rev);
  const h2c = servingPortIsH2c(rev.spec.containers ?? []);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: revisionServiceName(rev.metadata.name!),
      namespace: rev.metadata.namespace,
      labels: workloadLabels(rev),
      ownerReferences: [ownerRef(rev)],
    },
    spec: {
      type: 'ClusterIP',
      selector: { [L.revisionUID]: rev.metadata.uid! },
      ports: [{ name: h2c ? 'http2' : 'http', port: 80, targetPort: port, protocol: 'TCP', ...(h2c ? { appProtocol: 'kubernetes.io/h2c' } : {}) }],
    },
  };
}

export function makeHpa(rev: RevisionObject, cfg: ServingConfig): KubeObject {
  const b = scaleBounds(rev, cfg);
  // cpu or memory: the reconciler fails a revision with any other metric (unsupportedHpaMetric).
  const metric = annotation(rev, A.metric) ?? 'cpu';
  const targetRaw = annotation(rev, A.target);
  const target = targetRaw !== undefined ? Number(targetRaw) : undefined;
  const metrics: any[] = [];
  if (metric === 'memory') {
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'memory',
        target: target !== undefined && Number.isFinite(target)
          ? { type: 'AverageValue', averageValue: `${Math.ceil(target)}Mi` }
          : { type: 'Utilization', averageUtilization: 80 },
      },
    });
  } else {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target !== undefined && Number.isFinite(target) ? Math.ceil(target) : 80 } },
    });
  }
  const minReplicas = Math.max(1, b.min);
  const maxReplicas = b.max > 0 ? Math.max(b.max, minReplicas) : 2147483647;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: rev.metadata.name!,
      namespace: rev.metadata.namespace,
      labels: workloadLabels(rev),
      ownerReferences: [ownerRef(rev)],
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(rev.metadata.name!) },
      minReplicas,
      maxReplicas,
      metrics,
    },
  };
}
