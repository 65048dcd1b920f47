import { IConstruct } from 'constructs';

/**
 * Roots of the construct trees (normally cdk8s `App`s) that contain a `ServingControlPlane`:
 * only there do the Knative constructs warn about settings the bundled runtime ignores.
 */
const APPS_WITH_BUNDLED_RUNTIME = new WeakSet<IConstruct>();

/** The warnings recorded by the last validation pass of each construct (already formatted). */
const RECORDED = new WeakMap<IConstruct, readonly string[]>();

/** Lines written to stderr during the current synchronous run (one synthesis). */
const PRINTED = new Set<string>();
let clearScheduled = false;

/**
 * Note that the app of `scope` contains a `ServingControlPlane` (called by its constructor).
 * @internal
 */
export function _registerBundledRuntime(scope: IConstruct): void {
  APPS_WITH_BUNDLED_RUNTIME.add(scope.node.root);
}

/**
 * Whether the app of `scope` contains a `ServingControlPlane`.
 * @internal
 */
export function _usesBundledRuntime(scope: IConstruct): boolean {
  return APPS_WITH_BUNDLED_RUNTIME.has(scope.node.root);
}

/**
 * Record the warnings of `scope` found by its validation pass (each `field: message (got value).`)
 * and print each one to stderr once per synthesis, as
 * `Warning: [<construct path>] <warning>`.
 *
 * cdk8s validates every construct once per synthesis plus once per chart; all of that happens in
 * one synchronous run, so a line printed in this run is not printed again until the run ends
 * (the next synthesis prints it again).
 * @internal
 */
export function _reportRuntimeWarnings(scope: IConstruct, warnings: readonly string[]): void {
  const lines = warnings.map((w) => `[${scope.node.path}] ${w}`);
  RECORDED.set(scope, lines);
  for (const line of lines) {
    if (PRINTED.has(line)) continue;
    PRINTED.add(line);
    process.stderr.write(`Warning: ${line}\n`);
    if (!clearScheduled) {
      clearScheduled = true;
      queueMicrotask(() => {
        PRINTED.clear();
        clearScheduled = false;
      });
    }
  }
}

/**
 * Warnings about settings the bundled runtime (`ServingControlPlane`) accepts but does not honour
 * (or honours differently), e.g. `target-burst-capacity`, an HPA-class window, a custom autoscaler
 * class, a DomainMapping to something other than a Knative Service, a Route or a Kubernetes
 * Service, and some config-map keys.
 * Upstream Knative Serving honours all of them.
 *
 * The Knative constructs and the `ServingControlPlane` compute these during synthesis (from the
 * manifests they write), only when their app contains a `ServingControlPlane`, and print each one
 * once per synthesis to stderr as `Warning: [<construct path>] <field>: <message> (got <value>).`
 * This class reads them back, e.g. for tests and tooling.
 */
export class BundledRuntimeWarnings {
  /**
   * The warnings recorded by the last synthesis for `scope` and every construct below it, in
   * construct-tree order, each as `[<construct path>] <field>: <message> (got <value>).`
   * Empty before the first synthesis and when the app contains no `ServingControlPlane`.
   *
   * @param scope the construct (e.g. an App, a Chart or a KnService) whose warnings to return
   */
  public static of(scope: IConstruct): string[] {
    const out: string[] = [];
    for (const c of scope.node.findAll()) {
      const lines = RECORDED.get(c);
      if (lines !== undefined) out.push(...lines);
    }
    return out;
  }

  private constructor() {}
}
