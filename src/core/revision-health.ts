/**
 * A Revision's `ResourcesAvailable` and `ContainerHealthy` from its Deployment, its pods and its
 * autoscaler (reference runtime.md §11.2, knative-api.md §6.12), as one pure function the
 * controller's Revision reconciler applies.
 *
 * Order (each later step overrides an earlier one, as upstream's reconcile does):
 * 1. the Deployment: `Progressing=False` → ResourcesAvailable False with its reason and message;
 *    `ReplicaFailure=True` → False; available replicas (or none wanted) → True; else Unknown
 *    `Deploying`;
 * 2. only while the Deployment wants replicas and has none available, its pods (newest first;
 *    the first pod that explains anything decides):
 *    - `PodScheduled=False` → ResourcesAvailable False with the scheduler's reason (e.g.
 *      `Unschedulable`) and message;
 *    - the first container (spec order) that terminated before (`lastState.terminated`, a
 *      container that keeps restarting) → ContainerHealthy False `ExitCode<N>`,
 *      `Container "<name>" failed with: <termination message or reason>`
 *      (`Container "<name>" exited with no error` for exit code 0 without a message);
 *    - else a waiting container → ResourcesAvailable False with the waiting reason and
 *      `Container "<name>": <kubelet's message>`: at once for the image errors
 *      (`IMAGE_PULL_REASONS`: the image cannot be pulled, which a retry rarely fixes), for any other
 *      waiting reason (CrashLoopBackOff, CreateContainerConfigError, …) only once the Deployment's
 *      progress deadline passed (upstream waits for the deadline for every waiting reason; we
 *      report image errors early so a wrong image name fails within seconds, not 10 minutes);
 * 3. the autoscaler: inactive (activation timed out) before the scale target ever reached its
 *    initial scale → ResourcesAvailable False `ProgressDeadlineExceeded` "Initial scale was never
 *    achieved".
 *
 * ContainerHealthy is True once a pod is ready (or none is wanted); it stays True when it was, and
 * is Unknown `Deploying` otherwise.
 */
import type { ConditionStatus } from './types';

export interface ConditionVerdict {
  status: ConditionStatus;
  /** Empty for True. */
  reason: string;
  message: string;
}

/** The fields of a Pod this function reads. */
export interface PodView {
  metadata: { name?: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: ContainerStatusView[];
  };
}

export interface ContainerStatusView {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: TerminatedView };
  lastState?: { terminated?: TerminatedView };
  restartCount?: number;
}

export interface TerminatedView { exitCode: number; reason?: string; message?: string }

/** The fields of a Deployment this function reads. */
export interface DeploymentView {
  spec?: { replicas?: number };
  status?: {
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export interface RevisionHealthInput {
  /** The revision's Deployment; without a status (just created) both conditions are Unknown `Deploying`. */
  deployment: DeploymentView;
  /** The revision's pods, any order. */
  pods: readonly PodView[];
  /** The revision's container names in spec order (the user's containers; no sidecar of ours). */
  containers: readonly string[];
  /** KPA: the autoscaler's view (absent for the HPA class or before its first step). */
  autoscaler?: { inactive: boolean; scaleTargetInitialized: boolean };
  /** ContainerHealthy's status before this reconcile (True stays True until a failure is seen). */
  previousContainerHealthy?: ConditionStatus;
}

export interface RevisionHealth {
  resourcesAvailable: ConditionVerdict;
  containerHealthy: ConditionVerdict;
}

/** Waiting reasons reported at once (not only after the progress deadline): the image cannot be pulled. */
export const IMAGE_PULL_REASONS: readonly string[] = ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull'];

const DEPLOYING: ConditionVerdict = { status: 'Unknown', reason: 'Deploying', message: '' };
const TRUE: ConditionVerdict = { status: 'True', reason: '', message: '' };

const cond = (conds: Array<{ type: string; status: string; reason?: string; message?: string }> | undefined, type: string) =>
  (conds ?? []).find((c) => c.type === type);

/** upstream's ExitCodeReason. */
export function exitCodeReason(exitCode: number): string {
  return `ExitCode${exitCode}`;
}

function terminatedMessage(container: string, t: TerminatedView): string {
  const detail = (t.message ?? '').trim() || (t.exitCode !== 0 ? (t.reason ?? '') : '');
  if (t.exitCode === 0 && !detail) return `Container "${container}" exited with no error`;
  return `Container "${container}" failed with: ${detail || `exit code ${t.exitCode}`}`;
}

interface PodFinding { resourcesAvailable?: ConditionVerdict; containerHealthy?: ConditionVerdict }

/** What one pod explains (empty when nothing). */
export function inspectPod(pod: PodView, containers: readonly string[], deadlineExceeded: boolean): PodFinding {
  const scheduled = cond(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False') {
    return { resourcesAvailable: { status: 'False', reason: scheduled.reason || 'Unschedulable', message: scheduled.message ?? '' } };
  }
  const statuses = pod.status?.containerStatuses ?? [];
  const ordered = containers.length
    ? containers.map((n) => statuses.find((s) => s.name === n)).filter((s): s is ContainerStatusView => !!s)
    : statuses;
  for (const s of ordered) {
    const t = s.lastState?.terminated;
    if (t) return { containerHealthy: { status: 'False', reason: exitCodeReason(t.exitCode), message: terminatedMessage(s.name, t) } };
  }
  for (const s of ordered) {
    const w = s.state?.waiting;
    if (!w?.reason || !(IMAGE_PULL_REASONS.includes(w.reason) || deadlineExceeded)) continue;
    return { resourcesAvailable: { status: 'False', reason: w.reason, message: `Container "${s.name}": ${w.message || w.reason}` } };
  }
  return {};
}

/** Pods that count: not being deleted, newest first (the current template's pods). */
function livePods(pods: readonly PodView[]): PodView[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export function revisionHealth(input: RevisionHealthInput): RevisionHealth {
  const dep = input.deployment;
  const ds = dep.status;
  if (!ds) return { resourcesAvailable: DEPLOYING, containerHealthy: DEPLOYING };
  const want = dep.spec?.replicas ?? 1;
  const ready = ds.readyReplicas ?? 0;
  const available = ds.availableReplicas ?? 0;
  const progressing = cond(ds.conditions, 'Progressing');
  const replicaFailure = cond(ds.conditions, 'ReplicaFailure');

  let resourcesAvailable: ConditionVerdict;
  if (progressing?.status === 'False') {
    resourcesAvailable = { status: 'False', reason: progressing.reason || 'ProgressDeadlineExceeded', message: progressing.message ?? '' };
  } else if (replicaFailure?.status === 'True') {
    resourcesAvailable = { status: 'False', reason: replicaFailure.reason || 'ReplicaFailure', message: replicaFailure.message ?? '' };
  } else if (available > 0 || want === 0) {
    resourcesAvailable = TRUE;
  } else {
    resourcesAvailable = DEPLOYING;
  }

  let containerHealthy: ConditionVerdict | undefined;
  if (want > 0 && available === 0) {
    const deadlineExceeded = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
    for (const pod of livePods(input.pods)) {
      const f = inspectPod(pod, input.containers, deadlineExceeded);
      if (!f.resourcesAvailable && !f.containerHealthy) continue;
      if (f.resourcesAvailable) resourcesAvailable = f.resourcesAvailable;
      containerHealthy = f.containerHealthy;
      break;
    }
  }

  const as = input.autoscaler;
  if (as?.inactive && !as.scaleTargetInitialized) {
    resourcesAvailable = { status: 'False', reason: 'ProgressDeadlineExceeded', message: 'Initial scale was never achieved' };
  }

  if (!containerHealthy) {
    containerHealthy = ready > 0 || available > 0 || want === 0 || input.previousContainerHealthy === 'True' ? TRUE : DEPLOYING;
  }
  return { resourcesAvailable, containerHealthy };
}
