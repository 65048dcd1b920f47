import { ApiObject, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AdmissionWebhookConfigurations } from './admission-webhooks';
import { checkNamespace, clusterScoped, commonLabels, labelsOf, propError, selectorOf } from './common';
import { ServingConfigMaps } from './config-maps';
import { ServingCrds } from './crds';
import { RbacRuleDescription } from './rbac';
import { controllerRules, ingressRules, webhookRules } from './rbac-rules';
import { ResolvedResources, RuntimeComponent } from './runtime-component';
import { ServingRbac } from './serving-rbac';
import { packageVersion } from './version';
import { isDns1123Label } from '../core/names';
import { formatViolation } from '../core/rules';
import {
  AUTOSCALER_SERVICE_NAME, AUTOSCALER_STATS_PORT, AUTOSCALER_TOKEN_AUDIENCE, CONTROLLER_ADMIN_PORT, CONTROLLER_LEASE_NAME,
  DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, DEFAULT_SYSTEM_NAMESPACE, INGRESS_ADMIN_PORT, INGRESS_AUTOSCALER_TOKEN_PATH,
  ingressMaxWaitingPerRevision, ingressMaxWaitingTotal,
  INGRESS_INTERNAL_PORT, INGRESS_INTERNAL_SERVICE_NAME, INGRESS_PEER_PORT, INGRESS_PROXY_PORT, INGRESS_SERVICE_NAME,
  domainMappingSecretsRoleName, INGRESS_HTTPS_PORT,
  WEBHOOK_ADMIN_PORT, WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME, WEBHOOK_MUTATING_CONFIGURATION_NAME, WEBHOOK_PORT,
  WEBHOOK_SECRET_NAME, WEBHOOK_SERVICE_NAME, WEBHOOK_VALIDATING_CONFIGURATION_NAME,
} from '../core/runtime-contract';
import { unsupportedConfigSettings } from '../core/runtime-support';
import { _registerControlPlaneConfig } from '../serving/cluster';
import { checkClusterDomain, propOfConfigKey } from '../serving/cluster-config';
import { _childPath, _pathError, KnativeError } from '../serving/errors';
import { _registerBundledRuntime, _reportRuntimeWarnings } from '../serving/runtime-warnings';
import { ServingConfigSettings } from '../serving/settings';

/** Type of the Kubernetes Service in front of the ingress. */
export enum IngressServiceType {
  /** Reachable inside the cluster only (put your own load balancer or Ingress in front). */
  CLUSTER_IP = 'ClusterIP',
  /** Exposed on a port of every node. */
  NODE_PORT = 'NodePort',
  /** Exposed through the cloud provider's load balancer. */
  LOAD_BALANCER = 'LoadBalancer',
}

/** Log level of a runtime component (env `LOG_LEVEL`). */
export enum LogLevel {
  /** Everything, including per-request/per-reconcile details. */
  DEBUG = 'debug',
  /** Normal operation. */
  INFO = 'info',
  /** Problems that do not stop the component. */
  WARN = 'warn',
  /** Errors only. */
  ERROR = 'error',
}

/** CPU and memory of one pod of a runtime component. */
export interface ComponentResources {
  /**
   * CPU request per pod.
   * @default - component default (controller 20m, ingress 25m, webhook 20m)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU limit per pod.
   * @default - component default (controller 500m, ingress 1000m, webhook 500m)
   */
  readonly cpuLimit?: Cpu;
  /**
   * Memory request per pod (whole mebibytes).
   * @default Size.mebibytes(32)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory limit per pod (whole mebibytes).
   * @default Size.mebibytes(256)
   */
  readonly memoryLimit?: Size;
}

/** Options of the controller Deployment. */
export interface ControllerOptions {
  /**
   * Number of replicas; one is the leader (Lease), the others stand by.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits per pod.
   * @default - 20m / 32Mi requested, 500m / 256Mi limit
   */
  readonly resources?: ComponentResources;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Tag-to-digest resolution: before a Revision's Deployment is created, resolve each image tag
   * through its registry (anonymous, or with the revision's and its ServiceAccount's image pull
   * Secrets) and run the digests (`status.containerStatuses[].imageDigest`), as upstream does.
   * Needs egress from the controller to the registries, and grants the controller `get` on
   * Secrets and ServiceAccounts cluster-wide. `registriesSkippingTagResolving` and
   * `digestResolutionTimeout` of the deployment settings apply.
   * @default false
   */
  readonly resolveDigests?: boolean;
}

/** Options of the ingress Deployment and its Service. */
export interface IngressOptions {
  /**
   * Number of replicas (all serve traffic).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits per pod.
   * @default - 25m / 32Mi requested, 1000m / 256Mi limit
   */
  readonly resources?: ComponentResources;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Type of the external ingress Service (`serving-ingress`), which serves external hosts only.
   * The internal Service (`serving-ingress-internal`, for cluster-local hosts) is always ClusterIP.
   * @default IngressServiceType.CLUSTER_IP
   */
  readonly serviceType?: IngressServiceType;
  /**
   * Port of the external ingress Service (`serving-ingress`), forwarded to the ingress's external
   * listener (8080).
   *
   * Cluster-local addresses (`http://<route>.<ns>.svc.<clusterDomain>`) are ExternalName aliases
   * of the internal Service (`serving-ingress-internal`, port 80), so this port does not affect them.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * HTTPS port of the external ingress Service (`serving-ingress`), forwarded to the ingress's
   * HTTPS listener (8443), which serves the DomainMappings that name a TLS Secret
   * (`spec.tls.secretName`), with that Secret's certificate chosen by SNI. For `NODE_PORT` /
   * `LOAD_BALANCER` Services Kubernetes allocates its node port.
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * Fixed node port (30000–32767) of the HTTP port for `NODE_PORT` / `LOAD_BALANCER` Services.
   * @default - allocated by Kubernetes
   */
  readonly nodePort?: number;
  /**
   * Annotations of the external ingress Service (e.g. cloud load-balancer settings).
   * @default - none
   */
  readonly serviceAnnotations?: { [key: string]: string };
}

/** Options of the admission webhook (Deployment, Service and webhook configurations). */
export interface WebhookOptions {
  /**
   * Deploy the admission webhook and register it (MutatingWebhookConfiguration
   * `webhook.serving.knative.dev`, ValidatingWebhookConfigurations
   * `validation.webhook.serving.knative.dev` and `config.webhook.serving.knative.dev`). When
   * false nothing of the webhook is emitted: objects applied with kubectl are then neither
   * defaulted nor validated at apply time.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Number of replicas (all serve reviews; they share one certificate Secret).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits per pod.
   * @default - 20m / 32Mi requested, 500m / 256Mi limit
   */
  readonly resources?: ComponentResources;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * How long the API server waits for a review (`timeoutSeconds` of each webhook, 1–30). On a
   * timeout the write is rejected (failurePolicy Fail).
   * @default 10
   */
  readonly timeoutSeconds?: number;
}

/** NetworkPolicy options. */
export interface ControlPlaneNetworkPolicyOptions {
  /**
   * Render NetworkPolicies for the controller and the ingress.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Namespace of the metrics scrapers (matched by its `kubernetes.io/metadata.name` label) that
   * may reach the admin ports (`/metrics`).
   * @default "monitoring"
   */
  readonly metricsNamespace?: string;
}

/**
 * Props of `ServingControlPlane`. Everything is optional.
 *
 * The settings of the `config-*` ConfigMaps (`ServingConfigSettings`) are those of
 * `ServingConfigMaps`. The cluster settings among them that it shares with
 * `KnativeCluster.configure()` (`clusterDomain`, `defaults`, `features`, `autoscaler`) are also
 * what the Knative constructs of the same app are validated against, unless they declare their
 * own with `KnativeCluster.configure()`.
 */
export interface ServingControlPlaneProps extends ServingConfigSettings {
  /**
   * System namespace of the control plane (env `SYSTEM_NAMESPACE`; holds the config-* ConfigMaps).
   * @default "knative-serving"
   */
  readonly namespace?: string;
  /**
   * Create the Namespace object (labelled for the `restricted` Pod Security Standard).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Render the five Knative Serving CRDs. Turn off when the CRDs are managed separately (e.g.
   * applied first from their own chart, or already installed by upstream Knative).
   * @default true
   */
  readonly installCrds?: boolean;
  /**
   * Registry (and path) of the default images.
   * @default "ghcr.io/cdk8s-knative"
   */
  readonly imageRegistry?: string;
  /**
   * Controller image (full reference); overrides `imageRegistry`.
   * @default "<imageRegistry>/serving-controller:<version of this package>"
   */
  readonly controllerImage?: string;
  /**
   * Ingress image (full reference); overrides `imageRegistry`.
   * @default "<imageRegistry>/serving-ingress:<version of this package>"
   */
  readonly ingressImage?: string;
  /**
   * Admission webhook image (full reference); overrides `imageRegistry`.
   * @default "<imageRegistry>/serving-webhook:<version of this package>"
   */
  readonly webhookImage?: string;
  /**
   * Controller options.
   * @default - 2 replicas with leader election
   */
  readonly controller?: ControllerOptions;
  /**
   * Ingress options.
   * @default - 2 replicas behind a ClusterIP Service on port 80
   */
  readonly ingress?: IngressOptions;
  /**
   * Admission webhook options.
   * @default - enabled, 2 replicas, timeout 10 s
   */
  readonly webhook?: WebhookOptions;
  /**
   * NetworkPolicy options.
   * @default - enabled; metrics from namespace "monitoring"
   */
  readonly networkPolicy?: ControlPlaneNetworkPolicyOptions;
}


const DEFAULT_REGISTRY = 'ghcr.io/cdk8s-knative';
const CONTROLLER = 'serving-controller';
const INGRESS = INGRESS_SERVICE_NAME;

// Loose but useful image reference check: [registry[:port]/]path[:tag][@digest], no spaces/uppercase repo.
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function cpuMillis(prop: string, cpu: Cpu): number {
  const a = String(cpu.amount).trim();
  const m = /^([0-9]+(\.[0-9]+)?)(m?)$/.exec(a);
  if (!m) throw propError(prop, a, 'is not a CPU quantity', 'use Cpu.millis(n) or Cpu.units(n)');
  const millis = m[3] === 'm' ? Number(m[1]) : Number(m[1]) * 1000;
  if (!Number.isInteger(millis) || millis <= 0) {
    throw propError(prop, a, 'must be a positive whole number of millicores', 'use e.g. Cpu.millis(20)');
  }
  return millis;
}

function mebibytes(prop: string, size: Size): number {
  let mi: number;
  try {
    mi = size.toMebibytes();
  } catch {
    throw propError(prop, size.asString(), 'must be a whole number of mebibytes', 'use e.g. Size.mebibytes(32)');
  }
  if (!Number.isInteger(mi) || mi <= 0) throw propError(prop, size.asString(), 'must be a positive whole number of mebibytes', 'use e.g. Size.mebibytes(32)');
  return mi;
}

function resolveResources(prop: string, r: ComponentResources | undefined, defaults: ResolvedResources): ResolvedResources {
  const out: ResolvedResources = {
    cpuRequestMillis: r?.cpuRequest ? cpuMillis(`${prop}.cpuRequest`, r.cpuRequest) : defaults.cpuRequestMillis,
    cpuLimitMillis: r?.cpuLimit ? cpuMillis(`${prop}.cpuLimit`, r.cpuLimit) : defaults.cpuLimitMillis,
    memoryRequestMi: r?.memoryRequest ? mebibytes(`${prop}.memoryRequest`, r.memoryRequest) : defaults.memoryRequestMi,
    memoryLimitMi: r?.memoryLimit ? mebibytes(`${prop}.memoryLimit`, r.memoryLimit) : defaults.memoryLimitMi,
  };
  // Name the prop the user set (a default they did not write is not shown as "got").
  if (out.cpuLimitMillis < out.cpuRequestMillis) {
    if (r?.cpuLimit) {
      throw propError(`${prop}.cpuLimit`, `${out.cpuLimitMillis}m`, `is below the CPU request (${out.cpuRequestMillis}m${r.cpuRequest ? '' : ', the default'})`, 'raise cpuLimit or lower cpuRequest');
    }
    throw propError(`${prop}.cpuRequest`, `${out.cpuRequestMillis}m`, `is above the default CPU limit (${out.cpuLimitMillis}m)`, 'lower cpuRequest, or also set cpuLimit');
  }
  if (out.memoryLimitMi < out.memoryRequestMi) {
    if (r?.memoryLimit) {
      throw propError(`${prop}.memoryLimit`, `${out.memoryLimitMi}Mi`, `is below the memory request (${out.memoryRequestMi}Mi${r.memoryRequest ? '' : ', the default'})`, 'raise memoryLimit or lower memoryRequest');
    }
    throw propError(`${prop}.memoryRequest`, `${out.memoryRequestMi}Mi`, `is above the default memory limit (${out.memoryLimitMi}Mi)`, 'lower memoryRequest, or also set memoryLimit');
  }
  return out;
}

function replicasOf(prop: string, n: number | undefined): number {
  const v = n ?? 2;
  if (!Number.isInteger(v) || v < 1) throw propError(prop, v, 'must be an integer ≥ 1', 'use 2 (or 1 for a single-node test cluster)');
  return v;
}

function checkImage(prop: string, image: string): string {
  if (!IMAGE_REF.test(image)) {
    throw propError(prop, image, 'is not a valid image reference', 'use "<registry>/<repository>:<tag>" or "...@sha256:<digest>", lower-case repository');
  }
  return image;
}

/** The props of the runtime components, checked (in this order) and with their defaults. */
interface ResolvedProps {
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly controllerImage: string;
  readonly ingressImage: string;
  readonly controllerReplicas: number;
  readonly ingressReplicas: number;
  readonly controllerResources: ResolvedResources;
  readonly ingressResources: ResolvedResources;
  readonly webhook: boolean;
  readonly webhookImage: string;
  readonly webhookReplicas: number;
  readonly webhookResources: ResolvedResources;
  readonly webhookTimeoutSeconds: number;
  readonly serviceType: IngressServiceType;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly nodePort: number | undefined;
  readonly networkPolicy: boolean;
  readonly metricsNamespace: string;
}

/** Check the props that are not config-* settings (those: `ServingConfigMaps`). Path-less errors. */
function resolveProps(props: ServingControlPlaneProps): ResolvedProps {
  const namespace = checkNamespace(props.namespace ?? DEFAULT_SYSTEM_NAMESPACE);
  const clusterDomain = checkClusterDomain({ scope: undefined, fieldPrefix: '' }, props.clusterDomain ?? 'cluster.local');
  const version = packageVersion();
  const registry = (props.imageRegistry ?? DEFAULT_REGISTRY).replace(/\/+$/, '');
  if (!REGISTRY.test(registry)) {
    throw propError('imageRegistry', props.imageRegistry, 'is not a registry host/path', 'use e.g. "registry.example.com/knative" (no tag, no scheme)');
  }
  const controllerImage = checkImage(props.controllerImage ? 'controllerImage' : 'imageRegistry', props.controllerImage ?? `${registry}/serving-controller:${version}`);
  const ingressImage = checkImage(props.ingressImage ? 'ingressImage' : 'imageRegistry', props.ingressImage ?? `${registry}/serving-ingress:${version}`);
  const controllerReplicas = replicasOf('controller.replicas', props.controller?.replicas);
  const ingressReplicas = replicasOf('ingress.replicas', props.ingress?.replicas);
  const webhookImage = checkImage(props.webhookImage ? 'webhookImage' : 'imageRegistry', props.webhookImage ?? `${registry}/serving-webhook:${version}`);
  const webhookReplicas = replicasOf('webhook.replicas', props.webhook?.replicas);
  const webhookResources = resolveResources('webhook.resources', props.webhook?.resources,
    { cpuRequestMillis: 20, cpuLimitMillis: 500, memoryRequestMi: 32, memoryLimitMi: DEFAULT_RUNTIME_MEMORY_LIMIT_MIB });
  const webhookTimeoutSeconds = props.webhook?.timeoutSeconds ?? 10;
  if (!Number.isInteger(webhookTimeoutSeconds) || webhookTimeoutSeconds < 1 || webhookTimeoutSeconds > 30) {
    throw propError('webhook.timeoutSeconds', webhookTimeoutSeconds, 'must be an integer in 1..30 (the API server\'s range)', 'use 10 (upstream\'s)');
  }
  const controllerResources = resolveResources('controller.resources', props.controller?.resources,
    { cpuRequestMillis: 20, cpuLimitMillis: 500, memoryRequestMi: 32, memoryLimitMi: DEFAULT_RUNTIME_MEMORY_LIMIT_MIB });
  const ingressResources = resolveResources('ingress.resources', props.ingress?.resources,
    { cpuRequestMillis: 25, cpuLimitMillis: 1000, memoryRequestMi: 32, memoryLimitMi: DEFAULT_RUNTIME_MEMORY_LIMIT_MIB });

  const serviceType = props.ingress?.serviceType ?? IngressServiceType.CLUSTER_IP;
  const httpPort = props.ingress?.httpPort ?? 80;
  if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535) {
    throw propError('ingress.httpPort', httpPort, 'must be an integer in 1..65535', 'use 80');
  }
  const httpsPort = props.ingress?.httpsPort ?? 443;
  if (!Number.isInteger(httpsPort) || httpsPort < 1 || httpsPort > 65535 || httpsPort === httpPort) {
    throw propError('ingress.httpsPort', httpsPort, `must be an integer in 1..65535 other than ingress.httpPort (${httpPort})`, 'use 443');
  }
  const nodePort = props.ingress?.nodePort;
  if (nodePort !== undefined) {
    if (serviceType === IngressServiceType.CLUSTER_IP) {
      throw propError('ingress.nodePort', nodePort, 'is only valid for NodePort or LoadBalancer Services', 'set ingress.serviceType to IngressServiceType.NODE_PORT, or remove nodePort');
    }
    if (!Number.isInteger(nodePort) || nodePort < 30000 || nodePort > 32767) {
      throw propError('ingress.nodePort', nodePort, 'must be in the default node-port range 30000–32767', 'pick a free port such as 30080, or omit it to let Kubernetes allocate one');
    }
  }
  const metricsNamespace = props.networkPolicy?.metricsNamespace ?? 'monitoring';
  if (!isDns1123Label(metricsNamespace)) {
    throw propError('networkPolicy.metricsNamespace', metricsNamespace, 'is not a valid namespace name', 'use the namespace of your Prometheus, e.g. "monitoring"');
  }
  const networkPolicy = props.networkPolicy?.enabled ?? true;
  return {
    namespace,
    clusterDomain,
    controllerImage,
    ingressImage,
    controllerReplicas,
    ingressReplicas,
    controllerResources,
    ingressResources,
    webhook: props.webhook?.enabled ?? true,
    webhookImage,
    webhookReplicas,
    webhookResources,
    webhookTimeoutSeconds,
    serviceType,
    httpPort,
    httpsPort,
    nodePort,
    networkPolicy,
    metricsNamespace,
  };
}

/**
 * Create the part `id` of `owner` whose props are `owner`'s own props under the same names: an
 * error the part reports about them is reported at `owner`, where the user wrote them.
 */
function withOwnersProps<T>(owner: Construct, id: string, create: (partId: string) => T): T {
  try {
    return create(id);
  } catch (e) {
    if (KnativeError.is(e) && e.constructPath === _childPath(owner, id)) throw new KnativeError(owner, e.details, { cause: e });
    throw e;
  }
}

/**
 * The bundled Knative Serving runtime: CRDs, namespace, RBAC, the controller and the ingress,
 * and the cluster configuration the runtime reads.
 *
 * Three small Deployments (2 replicas each by default, 130m CPU / 192Mi memory requested in total):
 * a controller that reconciles Services, Configurations, Revisions, Routes and DomainMappings into Deployments and
 * ClusterIP Services (plus a HorizontalPodAutoscaler for the HPA class), runs Knative's KPA
 * autoscaler for the other revisions (scale to zero included), rolls traffic out gradually and
 * claims DomainMappings' domains; an HTTP/1.1 and h2c ingress that routes by host, tag and
 * weighted split to the revisions' pods, serves DomainMappings (HTTPS with the certificate from
 * the DomainMapping's Secret, chosen by SNI), enforces `containerConcurrency` and holds requests
 * for a revision without a ready pod (the activator's job), pushing request statistics to the
 * autoscaler; and an admission webhook that defaults and validates the Knative objects and the
 * config-* ConfigMaps written through the API server (kubectl, Argo CD, ...) with the same rules
 * as synthesis (`webhook.enabled: false` leaves it out). The controller explains a Revision that
 * does not start from its pods (ImagePullBackOff, exit codes, Unschedulable) within seconds and
 * records Kubernetes Events (events.k8s.io/v1, aggregated into series). Managed certificates
 * (auto-TLS) are not implemented; tag-to-digest resolution is opt-in (`controller.resolveDigests`).
 *
 * Its parts, in the order of upstream's `config/core`: the Namespace, the CRDs
 * (`ServingCrds`), the `config-*` ConfigMaps (`ServingConfigMaps`), the RBAC of each component,
 * then the controller (Deployment, PodDisruptionBudget, NetworkPolicy), the ingress
 * (Deployment, its two Services, PodDisruptionBudget, NetworkPolicy) and the webhook (its
 * certificate Secret, created empty; Deployment, Service, PodDisruptionBudget, NetworkPolicy;
 * then the three webhook configurations, failurePolicy Fail: Knative objects can be written only
 * once the webhook is ready).
 *
 * When an app contains this construct, synthesis warns about each setting of its Knative
 * constructs and of these props that the runtime accepts but does not honour (see
 * `BundledRuntimeWarnings`).
 */
export class ServingControlPlane extends Construct {
  /** Version of this package (used as the default image tag). */
  public static packageVersion(): string {
    return packageVersion();
  }

  /** The system namespace. */
  public readonly systemNamespace: string;
  /** Controller image reference. */
  public readonly controllerImage: string;
  /** Ingress image reference. */
  public readonly ingressImage: string;
  /** Controller replicas. */
  public readonly controllerReplicas: number;
  /** Ingress replicas. */
  public readonly ingressReplicas: number;
  /** Name of the external ingress Service (in the system namespace): external hosts only. */
  public readonly ingressServiceName: string;
  /**
   * Name of the internal (ClusterIP) ingress Service (in the system namespace): cluster-local and
   * external hosts; Route placeholder Services point at it.
   */
  public readonly ingressInternalServiceName: string;
  /** The controller Deployment (escape hatch: `addJsonPatch`). */
  public readonly controllerDeployment: ApiObject;
  /** The ingress Deployment. */
  public readonly ingressDeployment: ApiObject;
  /** The external ingress Service (type `ingress.serviceType`). */
  public readonly ingressService: ApiObject;
  /** The internal ingress Service (ClusterIP, port 80). */
  public readonly ingressInternalService: ApiObject;
  /**
   * The autoscaler's stats Service `serving-autoscaler` (ClusterIP, port 8090 `http-stats`,
   * selecting the controller pods): the ingress pushes request statistics to its endpoints.
   */
  public readonly autoscalerService: ApiObject;
  /** Admission webhook image reference (also when the webhook is disabled). */
  public readonly webhookImage: string;
  /** The admission webhook Deployment (undefined when `webhook.enabled` is false). */
  public readonly webhookDeployment?: ApiObject;
  /** The admission webhook's Service `serving-webhook` (ClusterIP, port 443; undefined when disabled). */
  public readonly webhookService?: ApiObject;
  /**
   * The MutatingWebhookConfiguration and the two ValidatingWebhookConfigurations (empty when the
   * webhook is disabled). Their `caBundle` is patched in by the webhook at run time.
   */
  public readonly webhookConfigurations: ApiObject[];
  /** The five Knative CRDs and ClusterDomainClaim (empty when `installCrds` is false). */
  public readonly customResourceDefinitions: ApiObject[];

  private readonly rbac: ServingRbac;

  constructor(scope: Construct, id: string, props: ServingControlPlaneProps = {}) {
    super(scope, id);
    // Every error names this construct's path (errors of the helpers are path-less).
    try {
      const r = resolveProps(props);
      const ns = r.namespace;
      this.systemNamespace = ns;
      this.controllerImage = r.controllerImage;
      this.ingressImage = r.ingressImage;
      this.controllerReplicas = r.controllerReplicas;
      this.ingressReplicas = r.ingressReplicas;
      this.webhookImage = r.webhookImage;
      this.ingressServiceName = INGRESS;
      this.ingressInternalServiceName = INGRESS_INTERNAL_SERVICE_NAME;

      if (props.createNamespace ?? true) {
        clusterScoped(new k8s.KubeNamespace(this, 'Namespace', {
          metadata: {
            name: ns,
            labels: {
              ...commonLabels(),
              // Every pod here runs with the restricted profile; let the API server enforce it.
              'pod-security.kubernetes.io/enforce': 'restricted',
            },
          },
        }));
      }

      this.customResourceDefinitions = props.installCrds ?? true ? new ServingCrds(this, 'Crds').customResourceDefinitions : [];

      const config = withOwnersProps(this, 'ConfigMaps', (partId) => new ServingConfigMaps(this, partId, {
        namespace: ns,
        clusterDomain: r.clusterDomain,
        defaultDomain: props.defaultDomain,
        domainSelectors: props.domainSelectors,
        network: props.network,
        gc: props.gc,
        defaults: props.defaults,
        features: props.features,
        autoscaler: props.autoscaler,
      }));
      // The Knative constructs of this app validate against (and render their defaults from) this
      // configuration, unless they declare their own (KnativeCluster.configure()).
      _registerControlPlaneConfig(this, config._config);
      // Settings the runtime accepts but ignores: warned about at synth, here and on every Knative
      // construct of this app (see BundledRuntimeWarnings).
      _registerBundledRuntime(this);
      const runtimeWarnings = unsupportedConfigSettings(config._data, r.clusterDomain).map((u) => {
        const { prop, value } = propOfConfigKey(u.configMap, u.key, u.value);
        return formatViolation({ path: prop, message: u.message, value });
      });
      this.node.addValidation({
        validate: (): string[] => {
          _reportRuntimeWarnings(this, runtimeWarnings);
          return [];
        },
      });

      this.rbac = new ServingRbac(this, 'Rbac', {
        namespace: ns,
        rules: [
          ...controllerRules(CONTROLLER_LEASE_NAME, domainMappingSecretsRoleName(ns), props.controller?.resolveDigests ?? false),
          ...ingressRules(),
          ...webhookRules(WEBHOOK_SECRET_NAME, [WEBHOOK_MUTATING_CONFIGURATION_NAME],
            [WEBHOOK_VALIDATING_CONFIGURATION_NAME, WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME]),
        ],
        components: [
          { role: 'controller', name: CONTROLLER },
          { role: 'ingress', name: INGRESS },
          ...(r.webhook ? [{ role: 'webhook', name: WEBHOOK_SERVICE_NAME }] : []),
        ],
      });

      // Metrics scrapers may reach the admin ports (/metrics).
      const scrapers: k8s.NetworkPolicyPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': r.metricsNamespace } } };
      const controller = new RuntimeComponent(this, 'Controller', {
        namespace: ns,
        name: CONTROLLER,
        role: 'controller',
        image: r.controllerImage,
        script: '/app/controller.js',
        replicas: r.controllerReplicas,
        resources: r.controllerResources,
        clusterDomain: r.clusterDomain,
        logLevel: props.controller?.logLevel ?? LogLevel.INFO,
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'LEASE_NAME', value: CONTROLLER_LEASE_NAME },
          // Route placeholder Services are ExternalName aliases of the internal ingress Service
          // (their names are the cluster-local hosts, which only the internal listener serves).
          { name: 'INGRESS_SERVICE', value: INGRESS_INTERNAL_SERVICE_NAME },
          // The autoscaler's stats endpoint, and the only ServiceAccount whose (TokenReview-checked)
          // token may post stats to it.
          { name: 'STATS_PORT', value: String(AUTOSCALER_STATS_PORT) },
          { name: 'INGRESS_SERVICE_ACCOUNT', value: INGRESS },
          ...(props.controller?.resolveDigests ? [{ name: 'RESOLVE_DIGESTS', value: 'true' }] : []),
        ],
        ports: [
          // Admin port (/metrics, health): from pods of the system namespace and the scrapers.
          { name: 'admin', containerPort: CONTROLLER_ADMIN_PORT, from: [{ podSelector: {} }, scrapers] },
          // Autoscaler stats (POST /v1/stats): from the ingress pods only.
          { name: 'http-stats', containerPort: AUTOSCALER_STATS_PORT, from: [{ podSelector: { matchLabels: selectorOf(INGRESS) } }] },
        ],
        healthPort: 'admin',
        // Every controller replica receives the stats (a new leader has warm windows); the
        // ingress pushes to each ready endpoint of this Service.
        services: [{ name: AUTOSCALER_SERVICE_NAME, type: 'ClusterIP', portName: 'http-stats', port: AUTOSCALER_STATS_PORT, targetPort: 'http-stats' }],
        networkPolicy: r.networkPolicy,
      });
      this.controllerDeployment = controller.deployment;
      [this.autoscalerService] = controller.services;

      const ingress = new RuntimeComponent(this, 'Ingress', {
        namespace: ns,
        name: INGRESS,
        role: 'ingress',
        image: r.ingressImage,
        script: '/app/ingress.js',
        replicas: r.ingressReplicas,
        resources: r.ingressResources,
        clusterDomain: r.clusterDomain,
        logLevel: props.ingress?.logLevel ?? LogLevel.INFO,
        ports: [
          // External listener (external hosts only): client traffic from anywhere, in and outside the cluster.
          { name: 'http', containerPort: INGRESS_PROXY_PORT },
          // HTTPS listener (DomainMappings with a TLS Secret): like the external listener, from anywhere.
          { name: 'https', containerPort: INGRESS_HTTPS_PORT },
          // Internal listener (cluster-local hosts too): from pods only, in any namespace; callers on
          // the host network (or outside the cluster) are not pods and are refused.
          { name: 'http-internal', containerPort: INGRESS_INTERNAL_PORT, from: [{ namespaceSelector: {} }] },
          // Admin port (/metrics): from the metrics scrapers' namespace; and from the controller pods,
          // which ask each replica which version of a Route it serves (IngressReady).
          { name: 'admin', containerPort: INGRESS_ADMIN_PORT, from: [scrapers, { podSelector: { matchLabels: selectorOf(CONTROLLER) } }] },
          // Peer port (on no Service): requests the other ingress replicas forward to the owner replica of
          // their revision (containerConcurrency > 0); from the ingress pods only.
          { name: 'http-peer', containerPort: INGRESS_PEER_PORT, from: [{ podSelector: { matchLabels: selectorOf(INGRESS) } }] },
        ],
        healthPort: 'admin',
        // The token that authenticates the ingress's stats to the autoscaler (audience-bound, so it
        // is no API credential), rotated by the kubelet.
        tokens: [{ volumeName: 'autoscaler-token', path: INGRESS_AUTOSCALER_TOKEN_PATH, audience: AUTOSCALER_TOKEN_AUDIENCE, expirationSeconds: 3600 }],
        // Requests held waiting for a pod: as many as fit this replica's heap (core/runtime-contract).
        env: [
          // This replica's address among the ready ingress replicas (the serving-ingress Service's
          // EndpointSlices): one replica per revision with containerConcurrency > 0 sends to its pods.
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'MAX_WAITING_TOTAL', value: String(ingressMaxWaitingTotal(r.ingressResources.memoryLimitMi)) },
          { name: 'MAX_WAITING_PER_REVISION', value: String(ingressMaxWaitingPerRevision(r.ingressResources.memoryLimitMi)) },
        ],
        services: [
          {
            name: INGRESS,
            type: r.serviceType,
            portName: 'http',
            port: r.httpPort,
            targetPort: 'http',
            nodePort: r.nodePort,
            morePorts: [{ name: 'https', port: r.httpsPort, targetPort: 'https' }],
            annotations: props.ingress?.serviceAnnotations,
          },
          // Cluster-local addresses are ExternalName aliases of this one (port 80).
          { name: INGRESS_INTERNAL_SERVICE_NAME, type: 'ClusterIP', portName: 'http', port: 80, targetPort: 'http-internal' },
        ],
        networkPolicy: r.networkPolicy,
      });
      this.ingressDeployment = ingress.deployment;
      [this.ingressService, this.ingressInternalService] = ingress.services;

      this.webhookConfigurations = [];
      if (r.webhook) {
        // The webhook's certificate Secret, created empty so the webhook needs no `create` on
        // Secrets (RBAC cannot restrict create to a name): it fills and rotates it by update.
        // kubectl apply (client-side or server-side) leaves the data the webhook wrote.
        new k8s.KubeSecret(this, 'WebhookCertificates', {
          metadata: { name: WEBHOOK_SECRET_NAME, namespace: ns, labels: labelsOf(WEBHOOK_SERVICE_NAME, 'webhook') },
          type: 'Opaque',
        });
        const webhook = new RuntimeComponent(this, 'Webhook', {
          namespace: ns,
          name: WEBHOOK_SERVICE_NAME,
          role: 'webhook',
          image: r.webhookImage,
          script: '/app/webhook.js',
          replicas: r.webhookReplicas,
          resources: r.webhookResources,
          clusterDomain: r.clusterDomain,
          logLevel: props.webhook?.logLevel ?? LogLevel.INFO,
          ports: [
            // AdmissionReviews (HTTPS) from the API server, which is no pod (on most clusters it is
            // not even on the pod network): open to every source, as upstream leaves it. Only a
            // client trusting the webhook's own CA can talk to it, and the reviews it answers
            // change nothing by themselves.
            { name: 'https-webhook', containerPort: WEBHOOK_PORT },
            // Admin port (/metrics, health): from pods of the system namespace and the scrapers.
            { name: 'admin', containerPort: WEBHOOK_ADMIN_PORT, from: [{ podSelector: {} }, scrapers] },
          ],
          healthPort: 'admin',
          services: [{ name: WEBHOOK_SERVICE_NAME, type: 'ClusterIP', portName: 'https-webhook', port: 443, targetPort: 'https-webhook' }],
          networkPolicy: r.networkPolicy,
        });
        this.webhookDeployment = webhook.deployment;
        [this.webhookService] = webhook.services;
        this.webhookConfigurations = new AdmissionWebhookConfigurations(this, 'WebhookConfigurations', {
          namespace: ns,
          timeoutSeconds: r.webhookTimeoutSeconds,
        }).configurations;
      }
    } catch (e) {
      throw _pathError(this, e);
    }
  }

  /**
   * Every RBAC rule granted to the runtime, with the need that justifies it.
   * The same text is rendered into the `serving.cdk8s-knative.dev/rule-needs` annotation of each
   * (Cluster)Role.
   */
  public describeRules(): RbacRuleDescription[] {
    return this.rbac.describeRules();
  }
}
