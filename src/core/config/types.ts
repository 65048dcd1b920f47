/**
 * Cluster configuration types and defaults: Knative Serving's ConfigMaps as typed values
 * (reference §11.1, §12), the 1.17 defaults, and the error every parser throws.
 */
export type FlagState = 'Enabled' | 'Allowed' | 'Disabled';

/** Feature flags keyed exactly as in `config-features` (e.g. `kubernetes.podspec-fieldref`). */
export interface FeatureFlags {
  [flag: string]: FlagState;
}

/**
 * Parsed `config-domain`: domain suffix → label selector (`{}` = default domain).
 * The implicit `svc.<cd>` default is NOT stored here; `selectDomain` (hosts.ts) adds it when no
 * entry has an empty selector, exactly as Knative does.
 */
export interface DomainConfig {
  [suffix: string]: Record<string, string>;
}

export interface DefaultsConfig {
  revisionTimeoutSeconds: number;
  maxRevisionTimeoutSeconds: number;
  /** Defaults to `revisionTimeoutSeconds` when the key is absent. */
  revisionResponseStartTimeoutSeconds: number;
  /** 0 = infinite. */
  revisionIdleTimeoutSeconds: number;
  containerConcurrency: number;
  containerConcurrencyMaxLimit: number;
  allowContainerConcurrencyZero: boolean;
  /** `true`/`false`; any other value in the ConfigMap means "unset" (undefined). */
  enableServiceLinks: boolean | undefined;
  containerNameTemplate: string;
  initContainerNameTemplate: string;
  revisionCpuRequest?: string;
  revisionCpuLimit?: string;
  revisionMemoryRequest?: string;
  revisionMemoryLimit?: string;
  revisionEphemeralStorageRequest?: string;
  revisionEphemeralStorageLimit?: string;
}

export interface AutoscalerConfig {
  podAutoscalerClass: string;
  enableScaleToZero: boolean;
  allowZeroInitialScale: boolean;
  initialScale: number;
  minScale: number;
  maxScale: number;
  /** 0 = no limit. */
  maxScaleLimit: number;
  containerConcurrencyTargetDefault: number;
  /** Percentage (1–100), e.g. 70. */
  containerConcurrencyTargetPercentage: number;
  requestsPerSecondTargetDefault: number;
  targetBurstCapacity: number;
  stableWindowSeconds: number;
  panicWindowPercentage: number;
  panicThresholdPercentage: number;
  scaleToZeroGracePeriodSeconds: number;
  scaleToZeroPodRetentionPeriodSeconds: number;
  scaleDownDelaySeconds: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  activatorCapacity: number;
}

export interface NetworkConfig {
  domainTemplate: string;
  tagTemplate: string;
  /** `http` or `https`. */
  defaultExternalScheme: string;
  /** Integer seconds; 0 = gradual rollout disabled. */
  rolloutDurationSeconds: number;
  ingressClass: string;
  certificateClass: string;
  externalDomainTls: 'Enabled' | 'Disabled';
  clusterLocalDomainTls: 'Enabled' | 'Disabled';
  systemInternalTls: 'Enabled' | 'Disabled';
  httpProtocol: 'Enabled' | 'Redirected' | 'Disabled';
  autocreateClusterDomainClaims: boolean;
  namespaceWildcardCertSelector: string;
}

export interface GcConfig {
  /** null = disabled. */
  retainSinceCreateTimeSeconds: number | null;
  /** null = disabled. */
  retainSinceLastActiveTimeSeconds: number | null;
  minNonActiveRevisions: number;
  /** null = disabled (no maximum). */
  maxNonActiveRevisions: number | null;
}

export interface DeploymentConfig {
  progressDeadlineSeconds: number;
  registriesSkippingTagResolving: string[];
  digestResolutionTimeoutSeconds: number;
  queueSidecarImage: string;
  defaultAffinityType: string;
  podIsAlwaysSchedulable: boolean;
}

export interface ServingConfig {
  defaults: DefaultsConfig;
  /** With 1.17 defaults filled in (plus the ≥1.18 volume flags, default Disabled). */
  features: FeatureFlags;
  autoscaler: AutoscalerConfig;
  network: NetworkConfig;
  domain: DomainConfig;
  gc: GcConfig;
  deployment: DeploymentConfig;
  /** Normally `cluster.local`. */
  clusterDomain: string;
}

/** ConfigMap data maps keyed by ConfigMap name. */
export type ConfigMapData = Record<string, Record<string, string> | undefined>;

/** Invalid cluster configuration value. */
export class ConfigError extends Error {
  public readonly configMap: string;
  public readonly key: string;
  public readonly value: string;
  public readonly problem: string;
  public readonly fix: string;
  constructor(configMap: string, key: string, value: string, problem: string, fix: string) {
    super(`${configMap}: invalid value ${JSON.stringify(value)} for key "${key}": ${problem}. Fix: ${fix}`);
    this.name = 'ConfigError';
    this.configMap = configMap;
    this.key = key;
    this.value = value;
    this.problem = problem;
    this.fix = fix;
  }
}

export const DEFAULT_DOMAIN_TEMPLATE = '{{.Name}}.{{.Namespace}}.{{.Domain}}';
export const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** config-features defaults of Knative 1.17 (reference §12.2). */
export const DEFAULT_FEATURE_FLAGS: Readonly<FeatureFlags> = Object.freeze({
  'multi-container': 'Enabled',
  'multi-container-probing': 'Disabled',
  'kubernetes.podspec-affinity': 'Disabled',
  'kubernetes.podspec-topologyspreadconstraints': 'Disabled',
  'kubernetes.podspec-hostaliases': 'Disabled',
  'kubernetes.podspec-nodeselector': 'Disabled',
  'kubernetes.podspec-runtimeclassname': 'Disabled',
  'kubernetes.podspec-securitycontext': 'Disabled',
  'kubernetes.podspec-shareprocessnamespace': 'Disabled',
  'kubernetes.podspec-hostipc': 'Disabled',
  'kubernetes.podspec-hostpid': 'Disabled',
  'kubernetes.podspec-hostnetwork': 'Disabled',
  'kubernetes.podspec-priorityclassname': 'Disabled',
  'kubernetes.podspec-schedulername': 'Disabled',
  'kubernetes.podspec-tolerations': 'Disabled',
  'kubernetes.podspec-dnspolicy': 'Disabled',
  'kubernetes.podspec-dnsconfig': 'Disabled',
  'kubernetes.podspec-fieldref': 'Disabled',
  'kubernetes.podspec-init-containers': 'Disabled',
  'kubernetes.containerspec-addcapabilities': 'Disabled',
  'kubernetes.podspec-volumes-emptydir': 'Enabled',
  'kubernetes.podspec-volumes-hostpath': 'Disabled',
  'kubernetes.podspec-persistent-volume-claim': 'Disabled',
  'kubernetes.podspec-persistent-volume-write': 'Disabled',
  'kubernetes.podspec-dryrun': 'Allowed',
  'secure-pod-defaults': 'Disabled',
  'queueproxy.mount-podinfo': 'Disabled',
  'queueproxy.resource-defaults': 'Disabled',
  'tag-header-based-routing': 'Disabled',
  'autodetect-http2': 'Disabled',
  // [≥1.18] / [≥1.19] / [≥1.23]: absent in 1.17, default Disabled.
  'kubernetes.podspec-volumes-csi': 'Disabled',
  'kubernetes.podspec-volumes-mount-propagation': 'Disabled',
  'kubernetes.podspec-volumes-image': 'Disabled',
  'kubernetes.podspec-volumes-ephemeral': 'Disabled',
});

/** The state of a feature flag (`Disabled` for flags this library does not know). */
export function featureFlag(cfg: ServingConfig | undefined, flag: string): FlagState {
  return cfg?.features[flag] ?? DEFAULT_FEATURE_FLAGS[flag] ?? 'Disabled';
}

/** Fresh default configuration (nothing configured; every Route cluster-local). */
export function defaultServingConfig(clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): ServingConfig {
  return {
    defaults: {
      revisionTimeoutSeconds: 300,
      maxRevisionTimeoutSeconds: 600,
      revisionResponseStartTimeoutSeconds: 300,
      revisionIdleTimeoutSeconds: 0,
      containerConcurrency: 0,
      containerConcurrencyMaxLimit: 1000,
      allowContainerConcurrencyZero: true,
      enableServiceLinks: false,
      containerNameTemplate: 'user-container',
      initContainerNameTemplate: 'init-container',
    },
    features: { ...DEFAULT_FEATURE_FLAGS },
    autoscaler: {
      podAutoscalerClass: 'kpa.autoscaling.knative.dev',
      enableScaleToZero: true,
      allowZeroInitialScale: false,
      initialScale: 1,
      minScale: 0,
      maxScale: 0,
      maxScaleLimit: 0,
      containerConcurrencyTargetDefault: 100,
      containerConcurrencyTargetPercentage: 70,
      requestsPerSecondTargetDefault: 200,
      targetBurstCapacity: 211,
      stableWindowSeconds: 60,
      panicWindowPercentage: 10,
      panicThresholdPercentage: 200,
      scaleToZeroGracePeriodSeconds: 30,
      scaleToZeroPodRetentionPeriodSeconds: 0,
      scaleDownDelaySeconds: 0,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      activatorCapacity: 100,
    },
    network: {
      domainTemplate: DEFAULT_DOMAIN_TEMPLATE,
      tagTemplate: DEFAULT_TAG_TEMPLATE,
      defaultExternalScheme: 'http',
      rolloutDurationSeconds: 0,
      ingressClass: 'istio.ingress.networking.knative.dev',
      certificateClass: 'cert-manager.certificate.networking.knative.dev',
      externalDomainTls: 'Disabled',
      clusterLocalDomainTls: 'Disabled',
      systemInternalTls: 'Disabled',
      httpProtocol: 'Enabled',
      autocreateClusterDomainClaims: false,
      namespaceWildcardCertSelector: '',
    },
    domain: {},
    gc: {
      retainSinceCreateTimeSeconds: 48 * 3600,
      retainSinceLastActiveTimeSeconds: 15 * 3600,
      minNonActiveRevisions: 20,
      maxNonActiveRevisions: 1000,
    },
    deployment: {
      progressDeadlineSeconds: 600,
      registriesSkippingTagResolving: ['kind.local', 'ko.local', 'dev.local'],
      digestResolutionTimeoutSeconds: 10,
      queueSidecarImage: '',
      defaultAffinityType: 'prefer-spread-revision-over-nodes',
      podIsAlwaysSchedulable: false,
    },
    clusterDomain,
  };
}
