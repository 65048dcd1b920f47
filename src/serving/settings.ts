/**
 * Typed Knative Serving cluster configuration (public jsii types), shared by `ServingControlPlane`
 * (which renders it into Knative's ConfigMaps) and `KnativeCluster.configure()` (which declares
 * what a cluster you do not deploy from this app is configured with). Both go through the same
 * renderer (`cluster-config.ts`), so the ConfigMaps a control plane writes and the configuration
 * synth-time validation assumes cannot differ.
 */
import { Duration } from 'cdk8s';
import { AutoscalerClass } from './autoscaling';

/** State of a Knative feature flag (`config-features`). */
export enum FeatureFlagState {
  /** The feature is on for every object. */
  ENABLED = 'Enabled',
  /** The feature may be used per object (for flags that support an opt-in annotation). */
  ALLOWED = 'Allowed',
  /** The feature is off. */
  DISABLED = 'Disabled',
}

/** Scheme of external URLs when no TLS is configured (`config-network: default-external-scheme`). */
export enum ExternalScheme {
  /** `http://` URLs. */
  HTTP = 'http',
  /** `https://` URLs (TLS terminated in front of the ingress). */
  HTTPS = 'https',
}

/** A domain used for Routes whose labels match the selector (`config-domain`). */
export interface DomainSelector {
  /** The domain suffix, e.g. `internal.example.com`. */
  readonly domain: string;
  /** Route labels that must all match (non-empty). */
  readonly selector: { [label: string]: string };
}

/** `config-network` settings. */
export interface NetworkSettings {
  /**
   * Go template for a Route's host. Variables: `.Name`, `.Namespace`, `.Domain`,
   * `index .Annotations "k"`, `index .Labels "k"`.
   * @default "{{.Name}}.{{.Namespace}}.{{.Domain}}" (Knative's default; key not rendered)
   */
  readonly domainTemplate?: string;
  /**
   * Go template for a traffic tag's host name part. Variables: `.Tag`, `.Name`.
   * @default "{{.Tag}}-{{.Name}}" (Knative's default; key not rendered)
   */
  readonly tagTemplate?: string;
  /**
   * Scheme of external URLs.
   * @default ExternalScheme.HTTP (key not rendered)
   */
  readonly defaultExternalScheme?: ExternalScheme;
  /**
   * Cluster-wide gradual rollout duration for `latestRevision` targets (whole seconds).
   *
   * The bundled runtime rolls every `latestRevision` target as upstream does: its share of the
   * main traffic (a Route's `status.traffic` shows each step) and, for a tagged one, the tag's own host.
   * @default - no gradual rollout (key not rendered)
   */
  readonly rolloutDuration?: Duration;
  /**
   * Whether the controller creates the cluster-wide ClusterDomainClaim of a DomainMapping whose
   * domain nobody has claimed yet (and deletes that claim with the DomainMapping). Without it, a
   * cluster admin creates the claim (name = the domain, `spec.namespace` = the namespace that may
   * map it) before the DomainMapping can become Ready.
   * @default false (Knative's default; key not rendered)
   */
  readonly autocreateClusterDomainClaims?: boolean;
}

/** `config-gc` settings (revision garbage collection, per Configuration). */
export interface RevisionGcSettings {
  /**
   * Non-active revisions younger than this (since creation) are kept.
   * @default Duration.hours(48) (Knative's default; key not rendered)
   */
  readonly retainSinceCreateTime?: Duration;
  /**
   * Non-active revisions active more recently than this are kept.
   * @default Duration.hours(15) (Knative's default; key not rendered)
   */
  readonly retainSinceLastActiveTime?: Duration;
  /**
   * Minimum number of non-active revisions to keep.
   * @default 20 (Knative's default; key not rendered)
   */
  readonly minNonActiveRevisions?: number;
  /**
   * Maximum number of non-active revisions to keep.
   * @default 1000 (Knative's default; key not rendered)
   */
  readonly maxNonActiveRevisions?: number;
}

/** `config-defaults` settings applied to revisions that do not set them. */
export interface RevisionDefaultsSettings {
  /**
   * Default request timeout of a revision (whole seconds, > 0).
   * @default Duration.seconds(300) (Knative's default; key not rendered)
   */
  readonly revisionTimeout?: Duration;
  /**
   * Largest timeout a revision may ask for (whole seconds).
   * @default Duration.seconds(600) (Knative's default; key not rendered)
   */
  readonly maxRevisionTimeout?: Duration;
  /**
   * Default `containerConcurrency` (0 = unlimited).
   *
   * The bundled runtime's ingress enforces it per pod, like upstream's queue-proxy and activator.
   * @default 0 (Knative's default; key not rendered)
   */
  readonly containerConcurrency?: number;
  /**
   * Largest `containerConcurrency` a revision may ask for (≥ 1).
   * @default 1000 (Knative's default; key not rendered)
   */
  readonly containerConcurrencyMaxLimit?: number;
  /**
   * Whether a revision may ask for `containerConcurrency: 0` (unlimited)
   * (`allow-container-concurrency-zero`).
   * @default true (Knative's default; key not rendered)
   */
  readonly allowContainerConcurrencyZero?: boolean;
}

/** `config-features` settings. Unset flags keep Knative's defaults (keys not rendered). */
export interface FeatureSettings {
  /**
   * `tag-header-based-routing`: route requests with `Knative-Serving-Tag: <tag>` to that tag.
   * @default - Knative default (Disabled)
   */
  readonly tagHeaderBasedRouting?: FeatureFlagState;
  /**
   * `multi-container`.
   * @default - Knative default (Enabled)
   */
  readonly multiContainer?: FeatureFlagState;
  /**
   * `kubernetes.podspec-fieldref` (downward API env vars).
   * @default - Knative default (Disabled)
   */
  readonly podSpecFieldRef?: FeatureFlagState;
  /**
   * `kubernetes.podspec-affinity`.
   * @default - Knative default (Disabled)
   */
  readonly podSpecAffinity?: FeatureFlagState;
  /**
   * `kubernetes.podspec-nodeselector`.
   * @default - Knative default (Disabled)
   */
  readonly podSpecNodeSelector?: FeatureFlagState;
  /**
   * `kubernetes.podspec-tolerations`.
   * @default - Knative default (Disabled)
   */
  readonly podSpecTolerations?: FeatureFlagState;
  /**
   * `kubernetes.podspec-securitycontext`.
   * @default - Knative default (Disabled)
   */
  readonly podSpecSecurityContext?: FeatureFlagState;
  /**
   * `kubernetes.podspec-init-containers` (only `Enabled` allows them).
   * @default - Knative default (Disabled)
   */
  readonly podSpecInitContainers?: FeatureFlagState;
  /**
   * `kubernetes.podspec-volumes-emptydir` (only `Enabled` allows them).
   * @default - Knative default (Enabled)
   */
  readonly podSpecVolumesEmptyDir?: FeatureFlagState;
  /**
   * `kubernetes.podspec-persistent-volume-claim` (only `Enabled` allows them).
   * @default - Knative default (Disabled)
   */
  readonly podSpecPersistentVolumeClaim?: FeatureFlagState;
  /**
   * `secure-pod-defaults`.
   * @default - Knative default (Disabled)
   */
  readonly securePodDefaults?: FeatureFlagState;
  /**
   * Any other flag, keyed exactly as in `config-features`, with value `Enabled`, `Allowed` or
   * `Disabled`. A flag set here and by a typed property is an error.
   * @default - none
   */
  readonly additionalFlags?: { [flag: string]: string };
}


/**
 * `config-autoscaler` settings: the cluster-wide defaults of the per-revision autoscaling
 * annotations (`AutoscalingOptions`) and the autoscaler's own tuning. Unset properties keep
 * Knative's defaults (keys not rendered).
 *
 * The bundled runtime's autoscaler (Knative's KPA, in its controller) honours every setting
 * except `activatorCapacity` (its ingress, which is the activator, runs a fixed number of
 * replicas) and `targetBurstCapacity`, which only changes the excess burst capacity it reports
 * (the ingress always stays in the request path); synthesis warns about those two when set on a
 * `ServingControlPlane`.
 *
 * @see https://knative.dev/docs/serving/autoscaling/
 */
export interface AutoscalerSettings {
  /**
   * Autoscaler class of revisions without an `autoscaling.knative.dev/class` annotation
   * (`pod-autoscaler-class`).
   * @default AutoscalerClass.KPA (Knative's default; key not rendered)
   */
  readonly podAutoscalerClass?: AutoscalerClass;
  /**
   * Whether idle KPA revisions may scale to zero (`enable-scale-to-zero`).
   * @default true (Knative's default; key not rendered)
   */
  readonly enableScaleToZero?: boolean;
  /**
   * Whether `initialScale` (here or per revision) may be 0 (`allow-zero-initial-scale`).
   * @default false (Knative's default; key not rendered)
   */
  readonly allowZeroInitialScale?: boolean;
  /**
   * Replicas a new revision starts with (`initial-scale`): an integer ≥ 1, or 0 when
   * `allowZeroInitialScale` is true.
   * @default 1 (Knative's default; key not rendered)
   */
  readonly initialScale?: number;
  /**
   * Default minimum replicas of a routable revision (`min-scale`): an integer ≥ 0, at most
   * `maxScale` when that is above 0.
   * @default 0 (Knative's default; key not rendered)
   */
  readonly minScale?: number;
  /**
   * Default maximum replicas (`max-scale`): an integer ≥ 0, 0 = unlimited; between 1 and
   * `maxScaleLimit` when a limit is set.
   * @default 0 (Knative's default; key not rendered)
   */
  readonly maxScale?: number;
  /**
   * Largest `max-scale` a revision may ask for (`max-scale-limit`): an integer ≥ 0, 0 = no limit.
   * With a limit, every revision must set a max-scale between 1 and the limit (or inherit
   * `maxScale`).
   * @default 0 (Knative's default; key not rendered)
   */
  readonly maxScaleLimit?: number;
  /**
   * Default concurrency target per replica when a revision sets neither `containerConcurrency`
   * nor a target (`container-concurrency-target-default`): a number > 0.
   * @default 100 (Knative's default; key not rendered)
   */
  readonly containerConcurrencyTargetDefault?: number;
  /**
   * Default percentage of the concurrency target actually aimed for
   * (`container-concurrency-target-percentage`; per revision
   * `AutoscalingOptions.targetUtilizationPercentage`): a number in (0, 100]. Knative applies it to
   * the concurrency metric only (the rps metric always uses 70).
   * @default 70 (Knative's default; key not rendered)
   */
  readonly targetUtilizationPercentage?: number;
  /**
   * Default requests-per-second target per replica for the rps metric
   * (`requests-per-second-target-default`): a number ≥ 0.01.
   * @default 200 (Knative's default; key not rendered)
   */
  readonly requestsPerSecondTargetDefault?: number;
  /**
   * Spare request capacity kept before the activator leaves the request path
   * (`target-burst-capacity`): a number ≥ 0, or -1 (the activator always stays in the path).
   * @default 211 (Knative's default; key not rendered)
   */
  readonly targetBurstCapacity?: number;
  /**
   * Stable window the autoscaler averages over (`stable-window`): 6s–1h, whole seconds.
   * @default Duration.seconds(60) (Knative's default; key not rendered)
   */
  readonly stableWindow?: Duration;
  /**
   * Panic window as a percentage of the stable window (`panic-window-percentage`): 1–100, and the
   * panic window must come to at least 1 second.
   * @default 10 (Knative's default; key not rendered)
   */
  readonly panicWindowPercentage?: number;
  /**
   * Load, as a percentage of the current capacity, that enters panic mode
   * (`panic-threshold-percentage`): 110–1000 (the range Knative accepts per revision).
   * @default 200 (Knative's default; key not rendered)
   */
  readonly panicThresholdPercentage?: number;
  /**
   * How long an inactive revision keeps its last replica after the activator took over the
   * request path (`scale-to-zero-grace-period`): at least 6 seconds.
   * @default Duration.seconds(30) (Knative's default; key not rendered)
   */
  readonly scaleToZeroGracePeriod?: Duration;
  /**
   * How long the last replica is kept after the autoscaler decided to scale to zero
   * (`scale-to-zero-pod-retention-period`): ≥ 0.
   * @default Duration.seconds(0) (Knative's default; key not rendered)
   */
  readonly scaleToZeroPodRetentionPeriod?: Duration;
  /**
   * How long a lower replica count must persist before the autoscaler scales down
   * (`scale-down-delay`): ≥ 0, whole seconds.
   * @default Duration.seconds(0) (Knative's default; key not rendered)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * Largest factor the autoscaler scales up by per decision (`max-scale-up-rate`): a number > 1.
   * @default 1000 (Knative's default; key not rendered)
   */
  readonly maxScaleUpRate?: number;
  /**
   * Largest factor the autoscaler scales down by per decision (`max-scale-down-rate`): a number > 1.
   * @default 2 (Knative's default; key not rendered)
   */
  readonly maxScaleDownRate?: number;
  /**
   * Requests one activator replica is assumed to handle, for sizing the activator pool
   * (`activator-capacity`): a number ≥ 1.
   * @default 100 (Knative's default; key not rendered)
   */
  readonly activatorCapacity?: number;
}

/**
 * The settings of a Knative Serving cluster that the Knative constructs read at synth time
 * (declared with `KnativeCluster.configure()`, or supplied by a `ServingControlPlane` in the same
 * app, whose props extend this struct). Unset properties keep Knative's out-of-the-box values.
 *
 * Synth-time validation checks each resource against them (e.g. `timeout` against
 * `defaults.maxRevisionTimeout`, `initialScale: 0` against `autoscaler.allowZeroInitialScale`,
 * gated pod fields against `features`), and the revision templates render their
 * config-dependent defaults from `defaults` (`timeoutSeconds`, `containerConcurrency`), which
 * content-hash revision names cover.
 */
export interface KnativeClusterSettings {
  /**
   * Kubernetes cluster domain: a `ServingControlPlane` passes it to its components
   * (`CLUSTER_DOMAIN`); synth-time checks reject DomainMappings under it.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * `config-defaults` settings (timeouts, container concurrency).
   * @default - Knative defaults
   */
  readonly defaults?: RevisionDefaultsSettings;
  /**
   * `config-features` settings (feature flags). A gate set to `Enabled` or `Allowed` here lets the
   * constructs render its fields, as `KnativeFeatures.enable()` does.
   * @default - Knative defaults
   */
  readonly features?: FeatureSettings;
  /**
   * `config-autoscaler` settings (autoscaling defaults and tuning).
   * @default - Knative defaults
   */
  readonly autoscaler?: AutoscalerSettings;
}

/**
 * Everything this library renders into the `config-*` ConfigMaps of a Knative Serving
 * installation: the cluster settings the Knative constructs are validated against
 * (`KnativeClusterSettings`) plus the domains, `config-network` and `config-gc`.
 * The props of `ServingConfigMaps` and `ServingControlPlane` extend it.
 */
export interface ServingConfigSettings extends KnativeClusterSettings {
  /**
   * Default domain of external Routes (`config-domain`).
   * @default - none: every Route is cluster-local (`svc.<clusterDomain>`), as in stock Knative
   */
  readonly defaultDomain?: string;
  /**
   * Domains for Routes matching label selectors (`config-domain`).
   * @default - none
   */
  readonly domainSelectors?: DomainSelector[];
  /**
   * `config-network` settings (domain/tag templates, external scheme, rollout duration).
   * @default - Knative defaults
   */
  readonly network?: NetworkSettings;
  /**
   * `config-gc` settings (revision garbage collection).
   * @default - Knative defaults
   */
  readonly gc?: RevisionGcSettings;
}
