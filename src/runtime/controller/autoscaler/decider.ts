/**
 * The runtime's one door to the pure autoscaler (src/core/autoscaler): the decider, its metric
 * windows, the KPA reconciler's scale gate and the Active condition. Nothing here computes a
 * scale; it only turns a Revision (annotations, containerConcurrency, progress deadline) and the
 * cluster config into the decider's input.
 */
import {
  ActiveState, Decider, DeciderSpec, MetricWindows, activeCondition, deciderSpec, initialExcessBurstCapacity, scaleGate,
} from '../../../core/autoscaler';
import type { ServingConfig } from '../../../core/config';
import type { RevisionObject } from '../../../core/types';
import { deepEqual } from '../util';

export { Decider, MetricWindows, activeCondition, initialExcessBurstCapacity, scaleGate };
export type { ActiveState, DeciderSpec };

/** The Active condition as the KPA step last computed it. */
export interface ActiveConditionState {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * The decider's input for a revision (runtime.md §1.1; the PA's annotations are the Revision's).
 * The ingress is always in the path and reports every revision with traffic (like upstream's
 * activator with target-burst-capacity −1), so an empty window means no traffic, not no data:
 * `noDataIsInvalid` is false, and an idle revision's averages read 0 and scale it to zero.
 */
export function revisionDeciderSpec(rev: RevisionObject, cfg: ServingConfig, reachable: boolean): DeciderSpec {
  const spec = deciderSpec(rev.metadata.annotations ?? {}, Number(rev.spec.containerConcurrency ?? 0) || 0, cfg.autoscaler, reachable,
    cfg.deployment.progressDeadlineSeconds);
  return { ...spec, noDataIsInvalid: false };
}

export function specsEqual(a: DeciderSpec, b: DeciderSpec): boolean {
  return deepEqual(a, b);
}
