/**
 * Typed cluster configuration of the ServingControlPlane (public jsii types). Rendered into
 * Knative's ConfigMaps by `render-config.ts`.
 */
import { Duration } from 'cdk8s';

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
   * Upstream Knative only: the bundled runtime applies a new split at once and reports
   * `GradualRolloutNotSupported` on the Route (synthesis warns when this is above zero).
   * @default - no gradual rollout (key not rendered)
   */
  readonly rolloutDuration?: Duration;
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
   * The bundled runtime copies it into new revisions but does not enforce it (synthesis warns
   * when this is above zero).
   * @default 0 (Knative's default; key not rendered)
   */
  readonly containerConcurrency?: number;
  /**
   * Largest `containerConcurrency` a revision may ask for (≥ 1).
   * @default 1000 (Knative's default; key not rendered)
   */
  readonly containerConcurrencyMaxLimit?: number;
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

