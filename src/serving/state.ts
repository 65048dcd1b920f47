/**
 * Mutation epoch of the Knative L2 constructs (internal, not part of the jsii API).
 *
 * cdk8s runs every construct's validation once per synthesis plus once per chart
 * (`App.synthYaml()` validates the app, then every `Chart.toJson()` validates it again), and
 * nothing can change a construct between those passes except a mutating call. Every mutating
 * method of this library bumps this counter; a validation result computed at epoch N is reused
 * while the epoch is still N and the object metadata renders the same (its mutators belong to
 * cdk8s, see `KnativeResource`). Our own state only: nothing here reaches into cdk8s.
 */
let epoch = 0;

/**
 * Record that some construct state changed (invalidates every cached validation result).
 * @internal
 */
export function _touch(): void {
  epoch++;
}

/**
 * The current mutation epoch.
 * @internal
 */
export function _epoch(): number {
  return epoch;
}
