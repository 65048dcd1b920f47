import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { labelsOf, selectorOf } from './common';
import { runtimeNodeOptions } from '../core/runtime-contract';

/** User and group of every runtime container (the images' non-root user). */
const RUN_AS = 65532;

/** The restricted Pod Security Standard, per container: non-root, read-only root, no capabilities. */
const CONTAINER_SECURITY_CONTEXT: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The restricted Pod Security Standard, per pod. */
const POD_SECURITY_CONTEXT: k8s.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Requests and limits of one pod, resolved and checked (`ServingControlPlane` checks its props). */
export interface ResolvedResources {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMi: number;
  readonly memoryLimitMi: number;
}

/** A port of the component's container. */
export interface RuntimePort {
  /** Port name (Services and probes refer to it). */
  readonly name: string;
  /** Container port (TCP). */
  readonly containerPort: number;
  /**
   * Who may connect: the `from` of the port's NetworkPolicy rule.
   * @default - anyone, in or outside the cluster
   */
  readonly from?: k8s.NetworkPolicyPeer[];
}

/** One more port of a `RuntimeServiceOptions` Service (TCP; node port allocated by Kubernetes where one applies). */
export interface RuntimeServicePort {
  /** Name of the Service port. */
  readonly name: string;
  /** Service port. */
  readonly port: number;
  /** Name of the container port it forwards to. */
  readonly targetPort: string;
}

/** A Service in front of the component's pods (a first port, and optionally more). */
export interface RuntimeServiceOptions {
  /** Service name (also its construct id). */
  readonly name: string;
  /** Service type (`ClusterIP`, `NodePort`, `LoadBalancer`). */
  readonly type: string;
  /** Name of the Service port. */
  readonly portName: string;
  /** Service port. */
  readonly port: number;
  /** Name of the container port it forwards to. */
  readonly targetPort: string;
  /**
   * Fixed node port.
   * @default - allocated by Kubernetes (or none for ClusterIP)
   */
  readonly nodePort?: number;
  /**
   * Ports after the first.
   * @default - none
   */
  readonly morePorts?: RuntimeServicePort[];
  /**
   * Annotations of the Service.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Props of `RuntimeComponent`. */
export interface RuntimeComponentProps {
  /** The system namespace (env `SYSTEM_NAMESPACE` comes from the pod's namespace). */
  readonly namespace: string;
  /**
   * Name of the Deployment, its pods' `app.kubernetes.io/name`, its PodDisruptionBudget,
   * NetworkPolicy and ServiceAccount (created with its rules by `ServingRbac`).
   */
  readonly name: string;
  /** Role (`controller`, `ingress`): `app.kubernetes.io/component` and the container name. */
  readonly role: string;
  /** Image reference. */
  readonly image: string;
  /** The script the image runs (`/app/controller.js`). */
  readonly script: string;
  /** Replicas; above 1 a PodDisruptionBudget keeps one pod available. */
  readonly replicas: number;
  /** Requests and limits per pod (the V8 heap is capped at half the memory limit). */
  readonly resources: ResolvedResources;
  /** Env `CLUSTER_DOMAIN`. */
  readonly clusterDomain: string;
  /** Env `LOG_LEVEL`. */
  readonly logLevel: string;
  /**
   * Env of this component, after the env every component gets.
   * @default - none
   */
  readonly env?: k8s.EnvVar[];
  /** Container ports, in order; each gets a rule of the NetworkPolicy. */
  readonly ports: RuntimePort[];
  /** Name of the port that serves `/healthz` (liveness) and `/readyz` (readiness). */
  readonly healthPort: string;
  /**
   * Services in front of the pods, in order.
   * @default - none
   */
  readonly services?: RuntimeServiceOptions[];
  /** Render the NetworkPolicy (ingress rules only: egress stays open). */
  readonly networkPolicy: boolean;
  /**
   * Projected ServiceAccount tokens mounted read-only into the container (one volume each).
   * @default - none
   */
  readonly tokens?: RuntimeTokenMount[];
}

/** A projected serviceAccountToken volume (the kubelet requests and rotates the token). */
export interface RuntimeTokenMount {
  /** Volume name. */
  readonly volumeName: string;
  /** Absolute path of the token file in the container (its directory is the mount point). */
  readonly path: string;
  /** Audience of the token. */
  readonly audience: string;
  /** Requested lifetime (the kubelet rotates the token at 80 % of it). */
  readonly expirationSeconds: number;
}

/**
 * One component of the bundled runtime (internal: not exported from the package), as one file
 * of upstream's `config/core/deployments`: a Deployment of one container with the restricted
 * security context (non-root, read-only root file system, no capabilities, seccomp
 * `RuntimeDefault`), requests and limits, liveness/readiness probes and the env every runtime
 * component reads; then its Services, a PodDisruptionBudget (above one replica) and a
 * NetworkPolicy admitting each port from whom it names.
 *
 * Used for the controller and the ingress; the pods run as the ServiceAccount `name`.
 */
export class RuntimeComponent extends Construct {
  /** The Deployment. */
  public readonly deployment: ApiObject;
  /** The Services, in the order of `services`. */
  public readonly services: ApiObject[];

  constructor(scope: Construct, id: string, props: RuntimeComponentProps) {
    super(scope, id);
    const { namespace, name, role } = props;
    const metadata = (): k8s.ObjectMeta => ({ name, namespace, labels: labelsOf(name, role) });
    const r = props.resources;
    const tokens = props.tokens ?? [];
    const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
    const fileOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: metadata(),
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: selectorOf(name) },
        template: {
          metadata: { labels: labelsOf(name, role) },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: POD_SECURITY_CONTEXT,
            ...(tokens.length > 0 ? {
              volumes: tokens.map(t => ({
                name: t.volumeName,
                projected: {
                  sources: [{ serviceAccountToken: { audience: t.audience, expirationSeconds: t.expirationSeconds, path: fileOf(t.path) } }],
                },
              })),
            } : {}),
            containers: [{
              name: role,
              image: props.image,
              args: [props.script],
              env: [
                { name: 'SYSTEM_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'CLUSTER_DOMAIN', value: props.clusterDomain },
                { name: 'LOG_LEVEL', value: props.logLevel },
                // Heap capped at half the container's memory limit (see runtimeNodeOptions).
                { name: 'NODE_OPTIONS', value: runtimeNodeOptions(r.memoryLimitMi) },
                ...props.env ?? [],
              ],
              ports: props.ports.map(p => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
              resources: {
                requests: { cpu: k8s.Quantity.fromString(`${r.cpuRequestMillis}m`), memory: k8s.Quantity.fromString(`${r.memoryRequestMi}Mi`) },
                limits: { cpu: k8s.Quantity.fromString(`${r.cpuLimitMillis}m`), memory: k8s.Quantity.fromString(`${r.memoryLimitMi}Mi`) },
              },
              securityContext: CONTAINER_SECURITY_CONTEXT,
              ...(tokens.length > 0
                ? { volumeMounts: tokens.map(t => ({ name: t.volumeName, mountPath: dirOf(t.path), readOnly: true })) }
                : {}),
              livenessProbe: {
                httpGet: { path: '/healthz', port: k8s.IntOrString.fromString(props.healthPort) },
                initialDelaySeconds: 5,
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              readinessProbe: {
                httpGet: { path: '/readyz', port: k8s.IntOrString.fromString(props.healthPort) },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
            }],
          },
        },
      },
    });

    this.services = (props.services ?? []).map(s => new k8s.KubeService(this, s.name, {
      metadata: {
        name: s.name,
        namespace,
        labels: labelsOf(name, role),
        ...(s.annotations ? { annotations: { ...s.annotations } } : {}),
      },
      spec: {
        type: s.type,
        selector: selectorOf(name),
        ports: [{
          name: s.portName,
          port: s.port,
          targetPort: k8s.IntOrString.fromString(s.targetPort),
          protocol: 'TCP',
          ...(s.nodePort !== undefined ? { nodePort: s.nodePort } : {}),
        }, ...(s.morePorts ?? []).map(p => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.targetPort), protocol: 'TCP' }))],
      },
    }));

    if (props.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: metadata(),
        spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorOf(name) } },
      });
    }

    // Ingress rules only: egress stays open (the controller must reach the API server, whose
    // address is cluster-specific; the ingress must reach revision Services in every namespace).
    // Kubelet probes come from the node and are not subject to these policies on common CNIs.
    if (props.networkPolicy) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: metadata(),
        spec: {
          podSelector: { matchLabels: selectorOf(name) },
          policyTypes: ['Ingress'],
          ingress: props.ports.map(p => ({
            ...(p.from ? { from: p.from } : {}),
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p.containerPort) }],
          })),
        },
      });
    }
  }
}
