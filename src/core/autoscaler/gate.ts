/**
 * The layer between the decider and the Deployment (upstream Knative 1.17's KPA reconciler,
 * runtime.md §1.3 and §3.2; `pkg/reconciler/autoscaling/kpa/{scaler,kpa}.go`): min/max/initial
 * scale bounds, the scale-to-zero gate and the PodAutoscaler's `Active` condition. Pure.
 *
 * Our runtime differs from upstream's in one way that matters here: the ingress is always in
 * the request path (it is the activator), so upstream's "probe the activator through the
 * public Service before scaling to zero" always succeeds, and the SKS counts as being in Proxy
 * mode. How long the activator has been in the path (upstream `proxyFor`, the age of the SKS
 * condition ActivatorEndpointsPopulated) is taken as the time since the revision went Inactive
 * unless the caller passes `proxySinceSeconds`, so the scale-to-zero grace period still runs
 * from the moment the revision goes Inactive, as it does upstream with the default
 * target-burst-capacity.
 */
import { ConditionStatus } from '../types';
import { DeciderSpec } from './spec';

/** The PodAutoscaler's Active condition: True = Active, Unknown = Activating, False = Inactive. */
export type ActiveState = 'Active' | 'Activating' | 'Inactive';

/** Upstream `activationTimeoutBuffer`. */
export const ACTIVATION_TIMEOUT_BUFFER_SECONDS = 30;
/** Upstream re-enqueues an Active PA whose SKS is already in Proxy mode after 3 s. */
export const PROXY_REQUEUE_SECONDS = 3;

export interface ScaleGateInput {
  /** The decider's last desired scale; −1 = no decision yet. */
  readonly desired: number;
  readonly spec: DeciderSpec;
  /** The Active condition's status. */
  readonly activeState: ActiveState;
  /** When the Active condition last changed (unix seconds). */
  readonly activeSinceSeconds: number;
  /** The PA's ScaleTargetInitialized (reached its initial scale once). */
  readonly scaleTargetInitialized: boolean;
  readonly nowSeconds: number;
  /** The Deployment's spec.replicas (undefined reads as 1, as upstream). */
  readonly currentReplicas?: number;
  /** Since when the ingress/activator has been in the path; default: activeSinceSeconds while Inactive. */
  readonly proxySinceSeconds?: number;
}

export interface ScaleGateResult {
  /** Replicas to write to the Deployment, or undefined = change nothing. */
  readonly replicas: number | undefined;
  /** Run the gate again after this many seconds (undefined = no timer needed). */
  readonly requeueAfterSeconds: number | undefined;
  /** The scale the PA wants (upstream `want`: −1 unknown), input of `activeCondition` and the desiredReplicas status. */
  readonly want: number;
}

function applyBounds(min: number, max: number, x: number): number {
  if (x < min) return min;
  if (max !== 0 && x > max) return max;
  return x;
}

/** Upstream `scaler.scale`: bounds, then the scale-to-zero gate, then "apply if different". */
export function scaleGate(input: ScaleGateInput): ScaleGateResult {
  const { spec, nowSeconds } = input;
  if (input.desired < 0 && input.activeState !== 'Activating') {
    return { replicas: undefined, requeueAfterSeconds: undefined, want: input.desired };
  }
  let min = spec.minScale;
  if (spec.initialScale > 1 && !input.scaleTargetInitialized) min = Math.max(spec.initialScale, min);
  const desired = applyBounds(min, spec.maxScale, input.desired);

  const current = input.currentReplicas ?? 1;
  const apply = (n: number, requeueAfterSeconds?: number): ScaleGateResult =>
    ({ replicas: n === current ? undefined : n, requeueAfterSeconds, want: n });
  const hold = (want: number, requeueAfterSeconds: number | undefined): ScaleGateResult =>
    ({ replicas: undefined, requeueAfterSeconds, want });

  if (desired !== 0) return apply(desired);
  if (!spec.enableScaleToZero) return apply(1);

  const inStateFor = nowSeconds - input.activeSinceSeconds;
  switch (input.activeState) {
    case 'Activating': {
      const timeout = spec.progressDeadlineSeconds + ACTIVATION_TIMEOUT_BUFFER_SECONDS;
      if (inStateFor > timeout) return apply(0); // activation timed out
      return hold(-1, timeout);
    }
    case 'Active': {
      const sw = spec.stableWindowSeconds;
      // Active for a whole stable window: want 0 without applying it; the PA goes Inactive.
      if (inStateFor >= sw) return hold(0, PROXY_REQUEUE_SECONDS);
      return apply(1, sw - inStateFor);
    }
    default: {
      const retention = spec.scaleToZeroPodRetentionSeconds;
      const grace = spec.scaleToZeroGracePeriodSeconds;
      if (inStateFor >= Math.max(grace, retention)) return apply(0);
      if (retention > 0 && inStateFor < retention) return hold(0, retention - inStateFor);
      const proxyFor = nowSeconds - (input.proxySinceSeconds ?? input.activeSinceSeconds);
      const remaining = grace - proxyFor;
      if (remaining <= 0) return apply(0);
      return hold(0, remaining);
    }
  }
}

export interface ActiveConditionState {
  readonly status: ConditionStatus;
  readonly reason?: string;
  readonly message?: string;
}

export interface ActiveConditionResult {
  readonly status: ConditionStatus;
  /** '' for True. */
  readonly reason: string;
  readonly message: string;
  /** ScaleTargetInitialized after this reconcile (once true, always true). */
  readonly scaleTargetInitialized: boolean;
}

export const ACTIVE_REASON_NO_TRAFFIC = 'NoTraffic';
export const ACTIVE_REASON_TIMED_OUT = 'TimedOut';
export const ACTIVE_REASON_QUEUED = 'Queued';
const NO_TRAFFIC = 'The target is not receiving traffic.';
const TIMED_OUT = 'The target could not be activated.';
const QUEUED = 'Requests to the target are being buffered as resources are provisioned.';

/**
 * Upstream `computeActiveCondition` (runtime.md §3.2). `current` undefined (no condition yet)
 * counts as Unknown, as upstream's nil condition does. The revision's Service always exists in
 * our runtime, so upstream's `serviceName ≠ ""` requirement for ScaleTargetInitialized holds.
 * When upstream leaves the condition as it is, the result repeats `current`.
 */
export function activeCondition(want: number, readyPods: number, spec: DeciderSpec, scaleTargetInitialized: boolean,
  current: ActiveConditionState | undefined): ActiveConditionResult {
  const minReady = scaleTargetInitialized ? Math.max(spec.minScale, 1) : Math.max(spec.minScale, spec.initialScale);
  const initialized = scaleTargetInitialized || readyPods >= minReady;
  const status = current?.status ?? 'Unknown';
  const inactive = (reason: string, message: string): ActiveConditionResult =>
    ({ status: 'False', reason, message, scaleTargetInitialized: initialized });
  if (want === 0 || minReady === 0) {
    return status === 'Unknown' && minReady > 0 ? inactive(ACTIVE_REASON_TIMED_OUT, TIMED_OUT) : inactive(ACTIVE_REASON_NO_TRAFFIC, NO_TRAFFIC);
  }
  if (readyPods < minReady) {
    if (want > 0 || status !== 'False') return { status: 'Unknown', reason: ACTIVE_REASON_QUEUED, message: QUEUED, scaleTargetInitialized: initialized };
    return inactive(ACTIVE_REASON_NO_TRAFFIC, NO_TRAFFIC);
  }
  if (want > 0 || status !== 'False') return { status: 'True', reason: '', message: '', scaleTargetInitialized: initialized };
  return { status, reason: current?.reason ?? '', message: current?.message ?? '', scaleTargetInitialized: initialized };
}
