import { Duration } from 'cdk8s';
import { CommandProbeOptions, ConnectionScheme, HttpGetProbeOptions, Probe, ProbeOptions, TcpSocketProbeOptions } from 'cdk8s-plus-28';
import { KnativeErrorDetails } from './errors';
import { plusProbeJson } from './plus-json';
import { probeDefaults } from '../core/rules';

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

/** The handler of a probe; a port left unset means the serving port. */
type Handler =
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'httpGet'; readonly path: string; readonly port?: number; readonly host?: string; readonly scheme?: string }
  | { readonly kind: 'tcpSocket'; readonly port?: number; readonly host?: string }
  | { readonly kind: 'grpc'; readonly port?: number; readonly service: string };

/** The probe kinds of a container, as Kubernetes names the fields. */
type ProbeKind = 'readinessProbe' | 'livenessProbe' | 'startupProbe';

/**
 * A health probe of a Knative container (`readiness`, `liveness`, `startup`): an HTTP GET, a TCP
 * connection, a command, or a gRPC health check (which cdk8s-plus-28's `Probe` cannot express).
 *
 * The factories take the same arguments as cdk8s-plus-28's `Probe` factories, and the probe is
 * rendered as exactly what you passed: the handler (a port left unset means the serving port,
 * see `ContainerProps.readiness`), the timing you set, and Knative's own defaults for the kind of
 * probe (e.g. `successThreshold: 1` on a readiness probe), so that the output is what Knative
 * stores. Nothing else is added (no `failureThreshold: 3` or `scheme: HTTP` that you did not set).
 */
export class KnativeProbe {
  /**
   * A probe that sends an HTTP GET request to the container.
   *
   * @param path the URL path to request
   * @param options port (default: the serving port), host, scheme and timing
   */
  public static fromHttpGet(path: string, options: HttpGetProbeOptions = {}): KnativeProbe {
    return new KnativeProbe({ kind: 'httpGet', path, port: options.port, host: options.host, scheme: options.scheme }, options);
  }

  /**
   * A probe that opens a TCP connection to the container.
   *
   * @param options port (default: the serving port), host and timing
   */
  public static fromTcpSocket(options: TcpSocketProbeOptions = {}): KnativeProbe {
    return new KnativeProbe({ kind: 'tcpSocket', port: options.port, host: options.host }, options);
  }

  /**
   * A probe that runs a command in the container (healthy when it exits with 0).
   *
   * @param command the command and its arguments
   * @param options timing
   */
  public static fromCommand(command: string[], options: CommandProbeOptions = {}): KnativeProbe {
    return new KnativeProbe({ kind: 'exec', command: [...command] }, options);
  }

  /**
   * A gRPC health-check probe (the standard `grpc.health.v1.Health/Check`; Kubernetes 1.24+ runs
   * it natively). Knative accepts gRPC probes on the serving container (and on sidecars with
   * `KnativeFeature.MULTI_CONTAINER_PROBING`); Knative's defaults are rendered with it
   * (`service: ""`, and `successThreshold: 1` on a readiness probe). A port outside 1–65535 is
   * reported, with the construct path, where the probe is given to a container.
   *
   * @param options port, service name and timing
   */
  public static fromGrpc(options: GrpcProbeOptions = {}): KnativeProbe {
    const { port, service } = options;
    let problem: KnativeErrorDetails | undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      problem = {
        field: 'grpc.port',
        message: 'expected a port number between 1 and 65535',
        value: port,
        fix: 'Use the port the gRPC health service listens on, or leave port unset for the serving port.',
      };
    }
    return new KnativeProbe({ kind: 'grpc', port, service: service ?? '' }, options, problem);
  }

  /**
   * A cdk8s-plus-28 `Probe` (e.g. one shared with a cdk8s-plus workload) as a Knative probe, read
   * through cdk8s-plus's public rendering. cdk8s-plus renders a `failureThreshold` and an HTTP
   * `scheme` you left unset as 3 and `HTTP`; these are read back as unset (Kubernetes' defaults
   * are the same values, so the probe behaves the same), as is a port equal to the container's.
   * The `KnativeProbe.fromXxx()` factories render exactly what you pass.
   *
   * @param probe a probe made with `Probe.fromHttpGet()`, `fromTcpSocket()` or `fromCommand()`
   */
  public static fromProbe(probe: Probe): KnativeProbe {
    const { port1: p, port2 } = plusProbeJson(probe);
    const portOf = (a: { port?: number } | undefined, b: { port?: number } | undefined): number | undefined =>
      (a?.port === 1 && b?.port === 2 ? undefined : a?.port);
    let handler: Handler;
    if (p.httpGet) {
      const h = p.httpGet;
      handler = {
        kind: 'httpGet',
        path: h.path,
        port: portOf(h, port2.httpGet),
        host: h.host,
        scheme: h.scheme === ConnectionScheme.HTTP ? undefined : h.scheme,
      };
    } else if (p.tcpSocket) {
      handler = { kind: 'tcpSocket', port: portOf(p.tcpSocket, port2.tcpSocket), host: p.tcpSocket.host };
    } else {
      handler = { kind: 'exec', command: [...(p.exec?.command ?? [])] };
    }
    const seconds = (n: number | undefined): Duration | undefined => (n === undefined ? undefined : Duration.seconds(n));
    return new KnativeProbe(handler, {
      failureThreshold: p.failureThreshold === 3 ? undefined : p.failureThreshold,
      successThreshold: p.successThreshold,
      initialDelaySeconds: seconds(p.initialDelaySeconds),
      periodSeconds: seconds(p.periodSeconds),
      timeoutSeconds: seconds(p.timeoutSeconds),
    });
  }

  /**
   * A problem with the options, reported (with the construct path) where the probe is given to a
   * container.
   * @internal
   */
  public readonly _problem?: KnativeErrorDetails;

  private readonly handler: Handler;
  private readonly timing: ProbeOptions;

  private constructor(handler: Handler, timing: ProbeOptions, problem?: KnativeErrorDetails) {
    this.handler = handler;
    // Only the timing fields, copied: later changes to the caller's options object change nothing.
    this.timing = {
      failureThreshold: timing.failureThreshold,
      successThreshold: timing.successThreshold,
      initialDelaySeconds: timing.initialDelaySeconds,
      periodSeconds: timing.periodSeconds,
      timeoutSeconds: timing.timeoutSeconds,
    };
    this._problem = problem;
  }

  /**
   * Whether this is a gRPC probe without a port (a sidecar's needs one).
   * @internal
   */
  public _isGrpcWithoutPort(): boolean {
    return this.handler.kind === 'grpc' && this.handler.port === undefined;
  }

  /**
   * The probe as Knative stores it: the handler (a port left unset is `defaultPort`, for gRPC
   * `grpcDefaultPort`), the timing options, and Knative's defaults for this kind of probe
   * (`probeDefaults`, shared with admission), so the output is a fixed point.
   *
   * @param kind the container field the probe is rendered into
   * @param defaultPort the port of an httpGet/tcpSocket handler that has none
   * @param grpcDefaultPort the port of a gRPC handler that has none
   * @internal
   */
  public _toKube(kind: ProbeKind, defaultPort: number, grpcDefaultPort: number): Record<string, any> {
    const h = this.handler;
    const out: Record<string, any> = {};
    switch (h.kind) {
      case 'grpc':
        out.grpc = { port: h.port ?? grpcDefaultPort, service: h.service };
        break;
      case 'exec':
        out.exec = { command: [...h.command] };
        break;
      case 'httpGet':
        out.httpGet = clean({ path: h.path, port: h.port ?? defaultPort, host: h.host, scheme: h.scheme });
        break;
      case 'tcpSocket':
        out.tcpSocket = clean({ port: h.port ?? defaultPort, host: h.host });
        break;
    }
    const o = this.timing;
    if (o.initialDelaySeconds !== undefined) out.initialDelaySeconds = o.initialDelaySeconds.toSeconds();
    if (o.periodSeconds !== undefined) out.periodSeconds = o.periodSeconds.toSeconds();
    if (o.timeoutSeconds !== undefined) out.timeoutSeconds = o.timeoutSeconds.toSeconds();
    if (o.successThreshold !== undefined) out.successThreshold = o.successThreshold;
    if (o.failureThreshold !== undefined) out.failureThreshold = o.failureThreshold;
    probeDefaults(kind, out);
    return out;
  }
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}
