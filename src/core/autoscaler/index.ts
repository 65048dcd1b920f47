/**
 * Knative's KPA autoscaler as pure functions (runtime.md §1–3), shared by the controller
 * (src/runtime/controller/autoscaler) and the replay tool (scripts/autoscale-replay.ts):
 *
 * - `deciderSpec(annotations, containerConcurrency, config, reachable, progressDeadline?)` — a
 *   revision's decider inputs (§1.1).
 * - `MetricWindows` — its stable/panic windows of concurrency and rps (§2.4): `record(t, c, r)`
 *   for every stat received, `averages(now)`.
 * - `Decider` — `scale(now, readyPods, windows)` every 2 s and on pokes (§1.2).
 * - `scaleGate(...)` — min/max/initial bounds and the scale-to-zero gate (§1.3), and
 *   `activeCondition(...)` — the PodAutoscaler's Active condition (§3.2).
 * - `replay(trace)` — a trace replayed tick by tick (README, "Replaying the autoscaler").
 *
 * All times are unix seconds (floats); nothing here reads a clock or does I/O.
 */
export * from './spec';
export * from './windows';
export * from './decider';
export * from './gate';
export * from './replay';
export { floor6, goPowWhole, smoothingCoefficient, LinearBuckets, WeightedBuckets, WindowAverager } from './buckets';
