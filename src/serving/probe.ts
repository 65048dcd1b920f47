import { Probe, ProbeOptions } from 'cdk8s-plus-28';
import { KnativeErrorDetails } from './errors';

/**
 * Options for `KnativeProbe.fromGrpc()`.
 */
export interface GrpcProbeOptions extends ProbeOptions {
  /**
   * The port of the gRPC health service (1–65535).
   *
   * @default - the serving port: a readiness probe of the serving container is rendered with
   *   `port: 0`, which Knative's queue-proxy resolves to the serving port; liveness and startup
   *   probes, which the kubelet runs directly, are rendered with the serving port (`port`, else
   *   8080). A sidecar's gRPC probe needs an explicit port.
   */
  readonly port?: number;

  /**
   * The service name sent in the gRPC `HealthCheckRequest`.
   *
   * @default "" (the server's overall health; Knative's default)
   */
  readonly service?: string;
}

/**
 * The gRPC probes made by `KnativeProbe.fromGrpc()`: port and service as given, and a problem
 * with the options, reported where the probe is given to a container.
 */
const GRPC_PROBES = new WeakMap<Probe, { readonly port?: number; readonly service: string; readonly problem?: KnativeErrorDetails }>();

/** The cdk8s-plus container a `Probe` renders for (`Probe._toKube(container)`). */
interface PlusContainer {
  readonly portNumber?: number;
}

/**
 * Probes that cdk8s-plus-28's `Probe` cannot express. Each factory returns a cdk8s-plus `Probe`,
 * so the result goes wherever a `Probe` does: `readiness`, `liveness` and `startup` of a Knative
 * container, and also a cdk8s-plus container (which renders it as the same probe).
 */
export class KnativeProbe {
  /**
   * A gRPC health-check probe (the standard `grpc.health.v1.Health/Check`; Kubernetes 1.24+ runs
   * it natively). Knative accepts gRPC probes on the serving container (and on sidecars with
   * `KnativeFeature.MULTI_CONTAINER_PROBING`); Knative's defaults are rendered with it
   * (`service: ""`, and `successThreshold: 1` on a readiness probe).
   *
   * @param options port, service name and timing
   */
  public static fromGrpc(options: GrpcProbeOptions = {}): Probe {
    const { port, service, ...timing } = options;
    const probe = Probe.fromTcpSocket(timing);
    let problem: KnativeErrorDetails | undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      problem = {
        field: 'grpc.port',
        message: 'expected a port number between 1 and 65535',
        value: port,
        fix: 'Use the port the gRPC health service listens on, or leave port unset for the serving port.',
      };
    }
    GRPC_PROBES.set(probe, { port, service: service ?? '', problem });
    // cdk8s-plus renders the probe through `_toKube(container)`: the same options, as a gRPC probe.
    const plusToKube = (probe as unknown as { _toKube(c: PlusContainer): Record<string, unknown> })._toKube.bind(probe);
    Object.defineProperty(probe, '_toKube', {
      value: (container: PlusContainer): Record<string, unknown> => {
        const { tcpSocket: _tcp, ...rest } = plusToKube(container);
        return { ...rest, grpc: { port: port ?? container.portNumber ?? 8080, service: service ?? '' } };
      },
    });
    return probe;
  }

  /**
   * The gRPC settings of a probe made by `fromGrpc()`, undefined for any other probe.
   * @internal
   */
  public static _grpcOf(probe: Probe): { readonly port?: number; readonly service: string; readonly problem?: KnativeErrorDetails } | undefined {
    return GRPC_PROBES.get(probe);
  }

  private constructor() {}
}
