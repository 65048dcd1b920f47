/**
 * The typed cluster configuration of `ServingControlPlane` is shared with the Knative constructs'
 * `KnativeCluster.configure()` declaration, so its types live in src/serving/settings.ts (the
 * control plane imports from src/serving, never the other way round). Re-exported here so the
 * control-plane module keeps offering the same names.
 */
export * from '../serving/settings';
