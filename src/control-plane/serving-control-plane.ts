import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { RbacRuleDescription, RbacScope } from './rbac';
import { controllerRules, ingressRules } from './rbac-rules';
import { DomainSelector, KnativeClusterSettings, NetworkSettings, RevisionGcSettings } from './settings';
import { packageVersion } from './version';
import { formatViolation } from '../core/rules';
import {
  CONTROLLER_ADMIN_PORT, CONTROLLER_LEASE_NAME, DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, DEFAULT_SYSTEM_NAMESPACE,
  INGRESS_ADMIN_PORT, INGRESS_INTERNAL_PORT, INGRESS_INTERNAL_SERVICE_NAME, INGRESS_PROXY_PORT, INGRESS_SERVICE_NAME, runtimeNodeOptions,
} from '../core/runtime-contract';
import { unsupportedConfigSettings } from '../core/runtime-support';
import { knativeCrds } from '../core/schema';
import { _registerControlPlaneConfig } from '../serving/cluster';
import { checkClusterDomain, CONFIG_MAP_NAMES, propError as settingsPropError, propOfConfigKey, renderServingConfig, SettingsOwner } from '../serving/cluster-config';
import { _pathError } from '../serving/errors';
import { _registerBundledRuntime, _reportRuntimeWarnings } from '../serving/runtime-warnings';

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
   * @default - component default (controller 20m, ingress 25m)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU limit per pod.
   * @default - component default (controller 500m, ingress 1000m)
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
   * Fixed node port (30000–32767) for `NODE_PORT` / `LOAD_BALANCER` Services.
   * @default - allocated by Kubernetes
   */
  readonly nodePort?: number;
  /**
   * Annotations of the external ingress Service (e.g. cloud load-balancer settings).
   * @default - none
   */
  readonly serviceAnnotations?: { [key: string]: string };
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
 * The cluster settings it shares with `KnativeCluster.configure()` (`clusterDomain`, `defaults`,
 * `features`, `autoscaler`) are also what the Knative constructs of the same app are validated
 * against, unless they declare their own with `KnativeCluster.configure()`.
 */
export interface ServingControlPlaneProps extends KnativeClusterSettings {
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
   * NetworkPolicy options.
   * @default - enabled; metrics from namespace "monitoring"
   */
  readonly networkPolicy?: ControlPlaneNetworkPolicyOptions;
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

const DEFAULT_REGISTRY = 'ghcr.io/cdk8s-knative';
const CONTROLLER = 'serving-controller';
const INGRESS = INGRESS_SERVICE_NAME;
const LEASE_NAME = CONTROLLER_LEASE_NAME;
const RUN_AS = 65532;
const INGRESS_INTERNAL = INGRESS_INTERNAL_SERVICE_NAME;
const INGRESS_HTTP_PORT = INGRESS_PROXY_PORT;
const RULE_NEEDS_ANNOTATION = 'serving.cdk8s-knative.dev/rule-needs';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Loose but useful image reference check: [registry[:port]/]path[:tag][@digest], no spaces/uppercase repo.
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Path-less error for a bad prop (the constructor locates it at the control plane). */
function propError(prop: string, value: unknown, problem: string, fix: string): Error {
  return settingsPropError({ scope: undefined, fieldPrefix: '' }, prop, value, problem, fix);
}

interface ResolvedResources {
  cpuRequestMillis: number;
  cpuLimitMillis: number;
  memoryRequestMi: number;
  memoryLimitMi: number;
}

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

/**
 * The bundled Knative Serving runtime: CRDs, namespace, RBAC, the controller and the ingress,
 * and the cluster configuration the runtime reads.
 *
 * Two small Deployments (2 replicas each by default, 90m CPU / 128Mi memory requested in total):
 * a controller that reconciles Services, Configurations, Revisions and Routes into Deployments and
 * ClusterIP Services (plus a HorizontalPodAutoscaler for the HPA class), and an HTTP/1.1 ingress
 * that routes by host, tag and weighted split. They stand in for upstream's controller and Kourier
 * gateway only: there is no admission webhook, no activator and no request-driven autoscaler (a
 * KPA-class revision keeps a fixed replica count, never scales to zero, and its
 * `containerConcurrency` is not enforced), and DomainMappings, TLS, h2c/gRPC, gradual rollout,
 * tag-to-digest resolution and Kubernetes Events are not implemented.
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
  /** The five Knative CRDs (empty when `installCrds` is false). */
  public readonly customResourceDefinitions: ApiObject[];

  private readonly rules: RbacRuleDescription[];

  constructor(scope: Construct, id: string, props: ServingControlPlaneProps = {}) {
    super(scope, id);
    // Every error names this construct's path (errors of the helpers are path-less).
    try {
      const ns = props.namespace ?? DEFAULT_SYSTEM_NAMESPACE;
      if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
        throw propError('namespace', ns, 'is not a valid namespace name (DNS-1123 label, ≤ 63 characters)', 'use lower-case letters, digits and "-", e.g. "knative-serving"');
      }
      const owner: SettingsOwner = { scope: this, fieldPrefix: '' };
      const clusterDomain = checkClusterDomain(owner, props.clusterDomain ?? 'cluster.local');
      this.systemNamespace = ns;

      const version = packageVersion();
      const registry = (props.imageRegistry ?? DEFAULT_REGISTRY).replace(/\/+$/, '');
      if (!REGISTRY.test(registry)) {
        throw propError('imageRegistry', props.imageRegistry, 'is not a registry host/path', 'use e.g. "registry.example.com/knative" (no tag, no scheme)');
      }
      this.controllerImage = checkImage(props.controllerImage ? 'controllerImage' : 'imageRegistry', props.controllerImage ?? `${registry}/serving-controller:${version}`);
      this.ingressImage = checkImage(props.ingressImage ? 'ingressImage' : 'imageRegistry', props.ingressImage ?? `${registry}/serving-ingress:${version}`);

      this.controllerReplicas = replicasOf('controller.replicas', props.controller?.replicas);
      this.ingressReplicas = replicasOf('ingress.replicas', props.ingress?.replicas);
      const controllerResources = resolveResources('controller.resources', props.controller?.resources,
        { cpuRequestMillis: 20, cpuLimitMillis: 500, memoryRequestMi: 32, memoryLimitMi: DEFAULT_RUNTIME_MEMORY_LIMIT_MIB });
      const ingressResources = resolveResources('ingress.resources', props.ingress?.resources,
        { cpuRequestMillis: 25, cpuLimitMillis: 1000, memoryRequestMi: 32, memoryLimitMi: DEFAULT_RUNTIME_MEMORY_LIMIT_MIB });

      const serviceType = props.ingress?.serviceType ?? IngressServiceType.CLUSTER_IP;
      const httpPort = props.ingress?.httpPort ?? 80;
      if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535) {
        throw propError('ingress.httpPort', httpPort, 'must be an integer in 1..65535', 'use 80');
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
      const npEnabled = props.networkPolicy?.enabled ?? true;
      const metricsNamespace = props.networkPolicy?.metricsNamespace ?? 'monitoring';
      if (!DNS1123_LABEL.test(metricsNamespace) || metricsNamespace.length > 63) {
        throw propError('networkPolicy.metricsNamespace', metricsNamespace, 'is not a valid namespace name', 'use the namespace of your Prometheus, e.g. "monitoring"');
      }

      const { data: configData, config } = renderServingConfig({
        defaultDomain: props.defaultDomain,
        domainSelectors: props.domainSelectors,
        network: props.network,
        gc: props.gc,
        defaults: props.defaults,
        features: props.features,
        autoscaler: props.autoscaler,
        clusterDomain,
      }, owner);
      // The Knative constructs of this app validate against (and render their defaults from) this
      // configuration, unless they declare their own (KnativeCluster.configure()).
      _registerControlPlaneConfig(this, config);

      // Settings the runtime accepts but ignores: warned about at synth, here and on every Knative
      // construct of this app (see BundledRuntimeWarnings).
      _registerBundledRuntime(this);
      const runtimeWarnings = unsupportedConfigSettings(configData, clusterDomain).map((u) => {
        const { prop, value } = propOfConfigKey(u.configMap, u.key, u.value);
        return formatViolation({ path: prop, message: u.message, value });
      });
      this.node.addValidation({
        validate: (): string[] => {
          _reportRuntimeWarnings(this, runtimeWarnings);
          return [];
        },
      });

      const chartNamespace = Chart.of(this).namespace;
      const clusterScoped = (o: ApiObject): ApiObject => {
        // cdk8s stamps the chart's namespace on every object; cluster-scoped ones must not carry it.
        if (chartNamespace !== undefined) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
        return o;
      };
      const versionLabel = version.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
      const common: { [k: string]: string } = {
        'app.kubernetes.io/part-of': 'cdk8s-knative-serving',
        ...(versionLabel ? { 'app.kubernetes.io/version': versionLabel } : {}),
      };
      const selectorOf = (component: string): { [k: string]: string } => ({ 'app.kubernetes.io/name': component });
      const labelsOf = (component: string, role: string): { [k: string]: string } =>
        ({ ...common, ...selectorOf(component), 'app.kubernetes.io/component': role });

      // ---------------------------------------------------------------- namespace + CRDs
      if (props.createNamespace ?? true) {
        clusterScoped(new k8s.KubeNamespace(this, 'Namespace', {
          metadata: {
            name: ns,
            labels: {
              ...common,
              // Every pod here runs with the restricted profile; let the API server enforce it.
              'pod-security.kubernetes.io/enforce': 'restricted',
            },
          },
        }));
      }

      this.customResourceDefinitions = (props.installCrds ?? true ? knativeCrds() : []).map(crd => clusterScoped(new ApiObject(this, `Crd${crd.kind}`, {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: {
          name: `${crd.plural}.${crd.group}`,
          labels: { ...common, 'knative.dev/crd-install': 'true', ...crd.labels },
        },
        spec: {
          group: crd.group,
          names: {
            kind: crd.kind,
            plural: crd.plural,
            singular: crd.singular,
            shortNames: crd.shortNames,
            categories: crd.categories,
          },
          scope: 'Namespaced',
          versions: [{
            name: crd.version,
            served: true,
            storage: true,
            subresources: { status: {} },
            additionalPrinterColumns: crd.printerColumns,
            schema: { openAPIV3Schema: crd.schema },
          }],
        },
      })));

      // ---------------------------------------------------------------- config
      for (const name of CONFIG_MAP_NAMES) {
        const data = configData[name];
        new k8s.KubeConfigMap(this, `Config-${name}`, {
          metadata: { name, namespace: ns, labels: { ...common } },
          ...(Object.keys(data).length > 0 ? { data } : {}),
        });
      }

      // ---------------------------------------------------------------- RBAC
      this.rules = [...controllerRules(LEASE_NAME), ...ingressRules()];
      for (const [component, role] of [[CONTROLLER, 'controller'], [INGRESS, 'ingress']]) {
        new k8s.KubeServiceAccount(this, `${role}-sa`, {
          metadata: { name: component, namespace: ns, labels: labelsOf(component, role) },
          // Both components talk to the API server; the token is mounted by the pod spec, explicitly.
          automountServiceAccountToken: false,
        });
        const mine = this.rules.filter(r => r.component === role);
        const toPolicy = (r: RbacRuleDescription): k8s.PolicyRule => ({
          apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
        });
        const needs = (rs: RbacRuleDescription[]): string => rs.map((r, i) => `${i}: ${r.resources.join(',')} [${r.verbs.join(',')}] — ${r.need}`).join('\n');
        const subject: k8s.Subject = { kind: 'ServiceAccount', name: component, namespace: ns };

        const cluster = mine.filter(r => r.scope === RbacScope.CLUSTER);
        const clusterRoleName = `${ns}-${role}`;
        clusterScoped(new k8s.KubeClusterRole(this, `${role}-clusterrole`, {
          metadata: { name: clusterRoleName, labels: labelsOf(component, role), annotations: { [RULE_NEEDS_ANNOTATION]: needs(cluster) } },
          rules: cluster.map(toPolicy),
        }));
        clusterScoped(new k8s.KubeClusterRoleBinding(this, `${role}-clusterrolebinding`, {
          metadata: { name: clusterRoleName, labels: labelsOf(component, role) },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
          subjects: [subject],
        }));
        const local = mine.filter(r => r.scope === RbacScope.SYSTEM_NAMESPACE);
        new k8s.KubeRole(this, `${role}-role`, {
          metadata: { name: component, namespace: ns, labels: labelsOf(component, role), annotations: { [RULE_NEEDS_ANNOTATION]: needs(local) } },
          rules: local.map(toPolicy),
        });
        new k8s.KubeRoleBinding(this, `${role}-rolebinding`, {
          metadata: { name: component, namespace: ns, labels: labelsOf(component, role) },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: component },
          subjects: [subject],
        });
      }

      // ---------------------------------------------------------------- workloads
      const resources = (r: ResolvedResources): k8s.ResourceRequirements => ({
        requests: { cpu: k8s.Quantity.fromString(`${r.cpuRequestMillis}m`), memory: k8s.Quantity.fromString(`${r.memoryRequestMi}Mi`) },
        limits: { cpu: k8s.Quantity.fromString(`${r.cpuLimitMillis}m`), memory: k8s.Quantity.fromString(`${r.memoryLimitMi}Mi`) },
      });
      const securityContext: k8s.SecurityContext = {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        seccompProfile: { type: 'RuntimeDefault' },
      };
      const podSecurityContext: k8s.PodSecurityContext = {
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        seccompProfile: { type: 'RuntimeDefault' },
      };
      const probes = (port: string): { livenessProbe: k8s.Probe; readinessProbe: k8s.Probe } => ({
        livenessProbe: {
          httpGet: { path: '/healthz', port: k8s.IntOrString.fromString(port) },
          initialDelaySeconds: 5,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/readyz', port: k8s.IntOrString.fromString(port) },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
      });
      const commonEnv = (logLevel: LogLevel | undefined, r: ResolvedResources): k8s.EnvVar[] => [
        { name: 'SYSTEM_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'CLUSTER_DOMAIN', value: clusterDomain },
        { name: 'LOG_LEVEL', value: logLevel ?? LogLevel.INFO },
        // Heap capped at half the container's memory limit (see runtimeNodeOptions).
        { name: 'NODE_OPTIONS', value: runtimeNodeOptions(r.memoryLimitMi) },
      ];
      const deployment = (childId: string, component: string, role: string, replicas: number, container: k8s.Container): ApiObject =>
        new k8s.KubeDeployment(this, childId, {
          metadata: { name: component, namespace: ns, labels: labelsOf(component, role) },
          spec: {
            replicas,
            selector: { matchLabels: selectorOf(component) },
            template: {
              metadata: { labels: labelsOf(component, role) },
              spec: {
                serviceAccountName: component,
                automountServiceAccountToken: true,
                enableServiceLinks: false,
                securityContext: podSecurityContext,
                containers: [container],
              },
            },
          },
        });

      this.controllerDeployment = deployment('controller', CONTROLLER, 'controller', this.controllerReplicas, {
        name: 'controller',
        image: this.controllerImage,
        args: ['/app/controller.js'],
        env: [
          ...commonEnv(props.controller?.logLevel, controllerResources),
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'LEASE_NAME', value: LEASE_NAME },
          // Route placeholder Services are ExternalName aliases of the internal ingress Service
          // (their names are the cluster-local hosts, which only the internal listener serves).
          { name: 'INGRESS_SERVICE', value: INGRESS_INTERNAL },
        ],
        ports: [{ name: 'admin', containerPort: CONTROLLER_ADMIN_PORT, protocol: 'TCP' }],
        resources: resources(controllerResources),
        securityContext,
        ...probes('admin'),
      });

      this.ingressDeployment = deployment('ingress', INGRESS, 'ingress', this.ingressReplicas, {
        name: 'ingress',
        image: this.ingressImage,
        args: ['/app/ingress.js'],
        env: commonEnv(props.ingress?.logLevel, ingressResources),
        ports: [
          // External listener: external hosts only. Internal listener: cluster-local hosts too.
          { name: 'http', containerPort: INGRESS_HTTP_PORT, protocol: 'TCP' },
          { name: 'http-internal', containerPort: INGRESS_INTERNAL_PORT, protocol: 'TCP' },
          { name: 'admin', containerPort: INGRESS_ADMIN_PORT, protocol: 'TCP' },
        ],
        resources: resources(ingressResources),
        securityContext,
        ...probes('admin'),
      });

      this.ingressServiceName = INGRESS;
      this.ingressService = new k8s.KubeService(this, 'ingress-service', {
        metadata: {
          name: INGRESS,
          namespace: ns,
          labels: labelsOf(INGRESS, 'ingress'),
          ...(props.ingress?.serviceAnnotations ? { annotations: { ...props.ingress.serviceAnnotations } } : {}),
        },
        spec: {
          type: serviceType,
          selector: selectorOf(INGRESS),
          ports: [{
            name: 'http',
            port: httpPort,
            targetPort: k8s.IntOrString.fromString('http'),
            protocol: 'TCP',
            ...(nodePort !== undefined ? { nodePort } : {}),
          }],
        },
      });

      this.ingressInternalServiceName = INGRESS_INTERNAL;
      this.ingressInternalService = new k8s.KubeService(this, 'ingress-internal-service', {
        metadata: { name: INGRESS_INTERNAL, namespace: ns, labels: labelsOf(INGRESS, 'ingress') },
        spec: {
          type: 'ClusterIP',
          selector: selectorOf(INGRESS),
          ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http-internal'), protocol: 'TCP' }],
        },
      });

      // ---------------------------------------------------------------- availability
      for (const [component, role, replicas] of [[CONTROLLER, 'controller', this.controllerReplicas], [INGRESS, 'ingress', this.ingressReplicas]] as Array<[string, string, number]>) {
        if (replicas > 1) {
          new k8s.KubePodDisruptionBudget(this, `${role}-pdb`, {
            metadata: { name: component, namespace: ns, labels: labelsOf(component, role) },
            spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorOf(component) } },
          });
        }
      }

      // ---------------------------------------------------------------- network policies
      // Ingress rules only: egress stays open (the controller must reach the API server, whose
      // address is cluster-specific; the ingress must reach revision Services in every namespace).
      // Kubelet probes come from the node and are not subject to these policies on common CNIs.
      if (npEnabled) {
        const scrapers: k8s.NetworkPolicyPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': metricsNamespace } } };
        const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
        new k8s.KubeNetworkPolicy(this, 'ingress-netpol', {
          metadata: { name: INGRESS, namespace: ns, labels: labelsOf(INGRESS, 'ingress') },
          spec: {
            podSelector: { matchLabels: selectorOf(INGRESS) },
            policyTypes: ['Ingress'],
            ingress: [
              // External listener: client traffic from anywhere (in and outside the cluster).
              { ports: [tcp(INGRESS_HTTP_PORT)] },
              // Internal listener (cluster-local hosts): from pods only, in any namespace; callers on
              // the host network (or outside the cluster) are not pods and are refused.
              { from: [{ namespaceSelector: {} }], ports: [tcp(INGRESS_INTERNAL_PORT)] },
              // Admin port (/metrics): only from the metrics scrapers' namespace.
              { from: [scrapers], ports: [tcp(INGRESS_ADMIN_PORT)] },
            ],
          },
        });
        new k8s.KubeNetworkPolicy(this, 'controller-netpol', {
          metadata: { name: CONTROLLER, namespace: ns, labels: labelsOf(CONTROLLER, 'controller') },
          spec: {
            podSelector: { matchLabels: selectorOf(CONTROLLER) },
            policyTypes: ['Ingress'],
            ingress: [
              // Admin port (/metrics, health): from pods of the system namespace and the scrapers.
              { from: [{ podSelector: {} }, scrapers], ports: [tcp(CONTROLLER_ADMIN_PORT)] },
            ],
          },
        });
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
    return this.rules.map(r => ({
      ...r,
      apiGroups: [...r.apiGroups],
      resources: [...r.resources],
      verbs: [...r.verbs],
      ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
    }));
  }
}
