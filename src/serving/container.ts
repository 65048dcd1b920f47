import {
  Capability,
  ContainerResources,
  EnvFrom,
  EnvValue,
  ImagePullPolicy,
  SeccompProfile,
  Volume,
} from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { KnativeError, KnativeErrorDetails } from './errors';
import { KnativeFeature } from './features';
import { plusEnvFromJson, plusVolumeJson } from './plus-json';
import { KnativeProbe } from './probe';
import { ProjectedVolume } from './projected';
import { _touch } from './state';

/** A volume of either kind: a cdk8s-plus `Volume` or our `ProjectedVolume`. */
type VolumeLike = Volume | ProjectedVolume;

/** A mount of either kind of volume (`mounts` / `projectedMounts` expose them by kind). */
interface AnyMount extends ContainerMountOptions {
  readonly path: string;
  readonly volume: VolumeLike;
  readonly projected: boolean;
}

/**
 * Protocol of the serving port; rendered as the port's `name`, which is how Knative learns
 * the protocol.
 */
export enum PortProtocol {
  /** HTTP/1.1 (Knative's default when the port has no name). */
  HTTP1 = 'http1',
  /**
   * Cleartext HTTP/2 (e.g. gRPC): Knative (and the bundled runtime's ingress) reach the container
   * over HTTP/2 with prior knowledge.
   */
  H2C = 'h2c',
}

/**
 * Container security settings Knative accepts (its `SecurityContextMask`). Anything else
 * (`seLinuxOptions`, `procMount`, `windowsOptions`, `privileged: true`) is rejected by Knative
 * and therefore not offered.
 *
 * Nothing is rendered unless you set it.
 */
export interface ContainerSecurityContextProps {
  /**
   * Require the container to run as a non-root user.
   * @default - not set (cluster/`secure-pod-defaults` decide)
   */
  readonly runAsNonRoot?: boolean;

  /**
   * UID to run the entrypoint as (0..2147483647).
   * @default - image default
   */
  readonly runAsUser?: number;

  /**
   * GID to run the entrypoint as (0..2147483647).
   * @default - runtime default
   */
  readonly runAsGroup?: number;

  /**
   * Mount the root filesystem read-only.
   * @default - not set (writable)
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * Whether a process can gain more privileges than its parent.
   * @default - not set
   */
  readonly allowPrivilegeEscalation?: boolean;

  /**
   * Capabilities to drop (`Capability.ALL` is the usual choice).
   * @default - none dropped
   */
  readonly capabilitiesDrop?: Capability[];

  /**
   * Capabilities to add. Requires `KnativeFeature.ADD_CAPABILITIES`
   * (`kubernetes.containerspec-addcapabilities: Enabled`), or with `KnativeFeature.SECURE_POD_DEFAULTS`
   * exactly `[Capability.NET_BIND_SERVICE]`.
   * @default - none added
   */
  readonly capabilitiesAdd?: Capability[];

  /**
   * Seccomp profile.
   * @default - not set
   */
  readonly seccompProfile?: SeccompProfile;

  /**
   * Knative only accepts `false`; `true` throws. Set `false` to render `privileged: false` explicitly.
   * @default - not set
   */
  readonly privileged?: boolean;
}

/**
 * Options for `Container.mount()`.
 */
export interface ContainerMountOptions {
  /**
   * Mount read-only. Knative requires read-only mounts for every volume kind except
   * `emptyDir` and `persistentVolumeClaim`.
   * @default - `true` for secret, configMap, hostPath and other non-writable volumes (as Knative defaults it); unset for emptyDir and writable persistentVolumeClaim
   */
  readonly readOnly?: boolean;

  /**
   * Path within the volume to mount instead of its root.
   * @default - the volume root
   */
  readonly subPath?: string;
}

/**
 * A volume mount of a Knative container.
 */
export interface ContainerVolumeMount extends ContainerMountOptions {
  /** The volume to mount (it is added to the revision's volumes automatically). */
  readonly volume: Volume;
  /** Absolute path in the container; `/`, `/dev` and `/dev/log` are reserved by Knative. */
  readonly path: string;
}

/**
 * A projected-volume mount of a Knative container.
 */
export interface ContainerProjectedMount extends ContainerMountOptions {
  /** The projected volume (it is added to the revision's volumes automatically). */
  readonly volume: ProjectedVolume;
  /** Absolute path in the container; `/`, `/dev` and `/dev/log` are reserved by Knative. */
  readonly path: string;
}

/**
 * Properties of a Knative container.
 *
 * Only fields Knative accepts are offered. Nothing is rendered you did not ask for, except
 * Knative's own admission defaults (container name, default readiness probe on the serving
 * container, `resources: {}`, `readOnly: true` on secret/configMap mounts), so that the
 * synthesized manifest is what Knative stores.
 */
export interface ContainerProps {
  /** Container image reference. */
  readonly image: string;

  /**
   * Container name (DNS-1123 label, not `queue-proxy`).
   * @default - `user-container` for a single unnamed container, `user-container-<i>` when several are unnamed (Knative's default naming)
   */
  readonly name?: string;

  /**
   * The serving port the container listens on. At most one container of a revision may
   * declare a port; with several containers exactly one must. Reserved by Knative: 8008,
   * 8012, 8013, 8022, 9090, 9091.
   * @default - no port declared; Knative sends traffic to 8080 (`$PORT`)
   */
  readonly port?: number;

  /**
   * Protocol of the serving port. Requires `port`.
   * @default - HTTP/1 (the port is rendered without a name)
   */
  readonly portProtocol?: PortProtocol;

  /**
   * Entrypoint array.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];

  /**
   * Arguments to the entrypoint.
   * @default - the image's CMD
   */
  readonly args?: string[];

  /**
   * Working directory.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;

  /**
   * Environment variables. `EnvValue.fromFieldRef()` / `fromResource()` need
   * `KnativeFeature.FIELD_REF`. `PORT`, `K_SERVICE`, `K_CONFIGURATION` and `K_REVISION` are
   * reserved by Knative.
   * @default - none
   */
  readonly envVariables?: { [name: string]: EnvValue };

  /**
   * Whole ConfigMaps/Secrets as environment (`Env.fromConfigMap()` / `Env.fromSecret()`).
   * @default - none
   */
  readonly envFrom?: EnvFrom[];

  /**
   * CPU, memory and ephemeral-storage requests and limits.
   * @default - none (rendered as `resources: {}`; the cluster's config-defaults may add some)
   */
  readonly resources?: ContainerResources;

  /**
   * Readiness probe (`KnativeProbe.fromHttpGet()`, `fromTcpSocket()`, `fromCommand()`,
   * `fromGrpc()`; `KnativeProbe.fromProbe()` takes a cdk8s-plus `Probe`). The handler and the
   * timing you set are rendered. A port left unset means the serving port.
   * @default - on the serving container Knative's default `tcpSocket: {port: 0}` probe
   */
  readonly readiness?: KnativeProbe;

  /**
   * Liveness probe (serving container; sidecars need `KnativeFeature.MULTI_CONTAINER_PROBING`).
   * @default - none
   */
  readonly liveness?: KnativeProbe;

  /**
   * Startup probe. A port left unset means the serving port (`port`, else 8080).
   * @default - none
   */
  readonly startup?: KnativeProbe;

  /**
   * Volume mounts.
   * @default - none
   */
  readonly volumeMounts?: ContainerVolumeMount[];

  /**
   * Projected-volume mounts (Secrets, ConfigMaps, a service account token and downward API
   * fields in one directory).
   * @default - none
   */
  readonly projectedMounts?: ContainerProjectedMount[];

  /**
   * Security context (Knative's allowed subset).
   * @default - none rendered
   */
  readonly securityContext?: ContainerSecurityContextProps;

  /**
   * Image pull policy.
   * @default - Kubernetes default (`IfNotPresent`, or `Always` for `:latest`); upstream Knative resolves tags to digests anyway (the bundled runtime does not)
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}

/**
 * A container of a Knative revision.
 *
 * Renders only fields Knative accepts; it never passes cdk8s-plus's own container rendering
 * through (which adds resource, probe and security defaults Knative rejects or you did not
 * ask for).
 */
export class Container {
  /**
   * The source kind (`secret`, `configMap`, `emptyDir`, …) and source of a cdk8s-plus volume.
   * @internal
   */
  public static _volumeSource(v: VolumeLike): { kind: string; source: Record<string, any> } {
    return volumeKind(v);
  }

  /** The container image. */
  public readonly image: string;
  /**
   * The container name given by you.
   * @default - Knative default naming (see `ContainerProps.name`)
   */
  public readonly name?: string;
  /**
   * The serving port.
   * @default - none
   */
  public readonly port?: number;
  /**
   * The serving port protocol.
   * @default - HTTP/1
   */
  public readonly portProtocol?: PortProtocol;
  /**
   * Working directory.
   * @default - image default
   */
  public readonly workingDir?: string;
  /**
   * Image pull policy.
   * @default - Kubernetes default
   */
  public readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Resource requests and limits.
   * @default - none
   */
  public readonly resources?: ContainerResources;
  /**
   * Readiness probe.
   * @default - Knative default on the serving container
   */
  public readonly readiness?: KnativeProbe;
  /**
   * Liveness probe.
   * @default - none
   */
  public readonly liveness?: KnativeProbe;
  /**
   * Startup probe.
   * @default - none
   */
  public readonly startup?: KnativeProbe;
  /**
   * Security context.
   * @default - none
   */
  public readonly securityContext?: ContainerSecurityContextProps;

  /**
   * The construct whose revision template holds this container (set when it is added), so
   * errors from later mutations name its construct path.
   * @internal
   */
  public _owner?: IConstruct;

  /**
   * Where the template holds this container (`containers[1]`, `initContainers[0]`; '' for the
   * `image` shortcut container), for the fields of errors from later mutations.
   * @internal
   */
  public _field?: string;

  private readonly _command?: string[];
  private readonly _args?: string[];
  private readonly _env = new Map<string, EnvValue>();
  private readonly _envFrom: EnvFrom[] = [];
  private readonly _mounts: AnyMount[] = [];

  public constructor(props: ContainerProps) {
    // Path-less errors: the template adding the container locates them (construct path and
    // `containers[i]`); a Container built on its own has no construct to name.
    if (!props.image || typeof props.image !== 'string' || props.image.trim() !== props.image) {
      throw new KnativeError(undefined, {
        field: 'image',
        message: 'must be a non-empty image reference without surrounding spaces',
        value: props.image,
        fix: 'Pass e.g. image: "ghcr.io/org/app:1.0".',
      });
    }
    if (props.port !== undefined && (!Number.isInteger(props.port))) {
      throw new KnativeError(undefined, {
        field: 'port',
        message: 'must be an integer',
        value: props.port,
        shown: String(props.port),
        fix: 'Pass the port number the app listens on, e.g. 8080.',
      });
    }
    if (props.portProtocol !== undefined && props.port === undefined) {
      throw new KnativeError(undefined, {
        field: 'portProtocol', message: 'requires port', value: props.portProtocol, fix: 'Also set port (Knative\'s default is 8080).',
      });
    }
    const sc = props.securityContext;
    if (sc?.privileged === true) {
      throw new KnativeError(undefined, {
        field: 'securityContext.privileged', message: 'true is not allowed by Knative', value: true, fix: 'Remove privileged (or set it to false).',
      });
    }
    for (const [k, v] of [['runAsUser', sc?.runAsUser], ['runAsGroup', sc?.runAsGroup]] as const) {
      if (v !== undefined && !Number.isInteger(v)) {
        throw new KnativeError(undefined, {
          field: `securityContext.${k}`, message: 'must be an integer id', value: v, shown: String(v), fix: 'Pass a whole number such as 1000.',
        });
      }
    }
    for (const prop of ['readiness', 'liveness', 'startup'] as const) {
      const probe: unknown = props[prop];
      if (probe === undefined) continue;
      if (!(probe instanceof KnativeProbe)) {
        throw new KnativeError(undefined, {
          field: prop,
          message: 'must be a KnativeProbe',
          value: probe,
          ...(typeof probe === 'object' && probe !== null ? { shown: `a ${probe.constructor?.name || 'object'}` } : {}),
          fix: 'Use KnativeProbe.fromHttpGet(), fromTcpSocket(), fromCommand() or fromGrpc() (the same arguments as cdk8s-plus Probe.fromXxx()), or wrap a cdk8s-plus Probe with KnativeProbe.fromProbe(probe).',
        });
      }
      const problem = probe._problem;
      if (problem) throw new KnativeError(undefined, { ...problem, field: `${prop}.${problem.field}` });
    }
    this.image = props.image;
    this.name = props.name;
    this.port = props.port;
    this.portProtocol = props.portProtocol;
    this.workingDir = props.workingDir;
    this.imagePullPolicy = props.imagePullPolicy;
    // Copies: later changes to the caller's objects must not bypass validation (see state.ts).
    this.resources = props.resources ? { ...props.resources } : undefined;
    this.readiness = props.readiness;
    this.liveness = props.liveness;
    this.startup = props.startup;
    this.securityContext = sc ? { ...sc } : undefined;
    this._command = props.command ? [...props.command] : undefined;
    this._args = props.args ? [...props.args] : undefined;
    for (const [name, value] of Object.entries(props.envVariables ?? {})) {
      this.addEnv(name, value);
    }
    for (const from of props.envFrom ?? []) {
      this.addEnvFrom(from);
    }
    for (const m of props.volumeMounts ?? []) {
      this.mount(m.path, m.volume, { readOnly: m.readOnly, subPath: m.subPath });
    }
    for (const m of props.projectedMounts ?? []) {
      this.mountProjected(m.path, m.volume, { readOnly: m.readOnly, subPath: m.subPath });
    }
  }

  /** Entrypoint array (a copy). */
  public get command(): string[] | undefined {
    return this._command ? [...this._command] : undefined;
  }

  /** Entrypoint arguments (a copy). */
  public get args(): string[] | undefined {
    return this._args ? [...this._args] : undefined;
  }

  /** Environment variables (a copy; use `addEnv()` to add). */
  public get envVariables(): { [name: string]: EnvValue } {
    return Object.fromEntries(this._env);
  }

  /** Environment sources (a copy; use `addEnvFrom()` to add). */
  public get envFrom(): EnvFrom[] {
    return [...this._envFrom];
  }

  /** Volume mounts (a copy; use `mount()` to add). */
  public get mounts(): ContainerVolumeMount[] {
    return this._mounts.filter((m) => !m.projected).map((m) => toMount<Volume>(m));
  }

  /** Projected-volume mounts (a copy; use `mountProjected()` to add). */
  public get projectedMounts(): ContainerProjectedMount[] {
    return this._mounts.filter((m) => m.projected).map((m) => toMount<ProjectedVolume>(m));
  }

  /**
   * Every mounted volume, of both kinds, in mount order.
   * @internal
   */
  public _mountedVolumes(): VolumeLike[] {
    return this._mounts.map((m) => m.volume);
  }

  /**
   * Add an environment variable.
   *
   * @param name variable name (must not already be defined on this container)
   * @param value the value (`EnvValue.fromValue()`, `fromSecretValue()`, `fromConfigMap()`, …)
   */
  public addEnv(name: string, value: EnvValue): void {
    if (!name) {
      throw this.error({ field: 'env', message: 'a variable name must not be empty', value: name, fix: 'Pass a name such as "LOG_LEVEL".' });
    }
    if (this._env.has(name)) {
      throw this.error({
        field: `env["${name}"]`, message: `is already defined on container ${this.describe()}`, value: name, fix: 'Define each variable once.',
      });
    }
    _touch();
    this._env.set(name, value);
  }

  /**
   * Add all keys of a ConfigMap or Secret as environment variables.
   *
   * @param source `Env.fromConfigMap()` or `Env.fromSecret()`
   */
  public addEnvFrom(source: EnvFrom): void {
    _touch();
    this._envFrom.push(source);
  }

  /**
   * Mount a volume into this container. The volume is added to the revision automatically.
   *
   * @param path absolute mount path
   * @param volume the volume (`Volume.fromSecret()`, `fromConfigMap()`, `fromEmptyDir()`, …)
   * @param options mount options
   */
  public mount(path: string, volume: Volume, options: ContainerMountOptions = {}): void {
    this.addMount(path, volume, options, false);
  }

  /**
   * Mount a projected volume into this container (read-only, as Knative requires). The volume
   * is added to the revision automatically.
   *
   * @param path absolute mount path
   * @param volume the projected volume (`ProjectedVolume.of()`)
   * @param options mount options
   */
  public mountProjected(path: string, volume: ProjectedVolume, options: ContainerMountOptions = {}): void {
    // Problems the volume and its sources recorded when built, now with a construct path.
    const problem = volume._problems.all[0];
    if (problem) throw this.error(problem.details, problem);
    this.addMount(path, volume, options, true);
  }

  private addMount(path: string, volume: VolumeLike, options: ContainerMountOptions, projected: boolean): void {
    if (!path || typeof path !== 'string' || !path.startsWith('/')) {
      throw this.error({
        field: `volumeMounts["${volume.name}"].path`, message: 'must be absolute', value: path, fix: 'Use a path such as "/etc/config".',
      });
    }
    const clash = this._mounts.find(m => m.path === path);
    if (clash) {
      throw this.error({
        field: `volumeMounts["${volume.name}"].path`,
        message: `is already the mount path of volume "${clash.volume.name}" in container ${this.describe()}`,
        value: path,
        fix: 'Mount paths must be unique within a container.',
      });
    }
    _touch();
    this._mounts.push({ path, volume, readOnly: options.readOnly, subPath: options.subPath, projected });
  }

  /**
   * Gated features this container uses, as `[feature, field]` pairs.
   * @internal
   */
  public _featureUses(path: string): Array<[KnativeFeature, string]> {
    const uses: Array<[KnativeFeature, string]> = [];
    for (const [name, v] of this._env) {
      const from = v.valueFrom as Record<string, unknown> | undefined;
      if (from?.fieldRef) uses.push([KnativeFeature.FIELD_REF, `${path}.env["${name}"].valueFrom.fieldRef`]);
      if (from?.resourceFieldRef) uses.push([KnativeFeature.FIELD_REF, `${path}.env["${name}"].valueFrom.resourceFieldRef`]);
    }
    if (this.securityContext?.capabilitiesAdd?.length) {
      uses.push([KnativeFeature.ADD_CAPABILITIES, `${path}.securityContext.capabilities.add`]);
    }
    return uses;
  }

  /**
   * Render as a Knative container.
   *
   * @param ctx defaultName: the name to use when none was given; serving: whether this is the
   *   serving container (gets the default readiness probe); enabled: the enabled gates
   *   (gated fields are left out otherwise; the caller reports them); init: render as an
   *   init container (Knative does not default its resources).
   * @internal
   */
  public _toKube(ctx: { defaultName: string; serving: boolean; enabled: ReadonlySet<string>; init?: boolean }): Record<string, any> {
    const c: Record<string, any> = {
      name: this.name ?? ctx.defaultName,
      image: this.image,
    };
    if (this._command) c.command = [...this._command];
    if (this._args) c.args = [...this._args];
    if (this.workingDir !== undefined) c.workingDir = this.workingDir;
    if (this.port !== undefined) {
      c.ports = [clean({ containerPort: this.port, name: this.portProtocol })];
    }
    const env = this.renderEnv(ctx.enabled);
    if (env.length) c.env = env;
    if (this._envFrom.length) c.envFrom = this._envFrom.map(renderEnvFrom);
    if (this.imagePullPolicy !== undefined) c.imagePullPolicy = this.imagePullPolicy;
    const resources = renderResources(this.resources);
    if (!ctx.init || Object.keys(resources).length) c.resources = resources;

    // An unset port: 0 where Knative fills in the serving port (readiness probes, which the
    // queue-proxy runs, and httpGet/tcpSocket liveness probes), the serving port where the kubelet
    // probes the container as written (startup probes, gRPC liveness probes).
    const userPort = this.port ?? 8080;
    if (this.readiness) {
      c.readinessProbe = this.readiness._toKube('readinessProbe', 0, 0);
    } else if (ctx.serving && !ctx.init) {
      c.readinessProbe = { tcpSocket: { port: 0 }, successThreshold: 1 };
    }
    if (this.liveness) c.livenessProbe = this.liveness._toKube('livenessProbe', 0, userPort);
    if (this.startup) c.startupProbe = this.startup._toKube('startupProbe', userPort, userPort);

    const sc = this.renderSecurityContext(ctx.enabled);
    if (sc) c.securityContext = sc;

    if (this._mounts.length) {
      c.volumeMounts = this._mounts.map(m => renderMount(m));
    }
    return c;
  }


  private renderEnv(enabled: ReadonlySet<string>): Array<Record<string, any>> {
    const out: Array<Record<string, any>> = [];
    for (const [name, v] of this._env) {
      if (v.valueFrom !== undefined) {
        const from = v.valueFrom as Record<string, any>;
        if ((from.fieldRef || from.resourceFieldRef) && !enabled.has(KnativeFeature.FIELD_REF)) {
          continue; // reported by the template's gate check
        }
        out.push({ name, valueFrom: renderValueFrom(from) });
      } else {
        out.push(v.value === undefined ? { name } : { name, value: String(v.value) });
      }
    }
    return out;
  }

  private renderSecurityContext(enabled: ReadonlySet<string>): Record<string, any> | undefined {
    const sc = this.securityContext;
    if (!sc) return undefined;
    const out: Record<string, any> = {};
    if (sc.allowPrivilegeEscalation !== undefined) out.allowPrivilegeEscalation = sc.allowPrivilegeEscalation;
    const caps: Record<string, any> = {};
    const onlyNetBind = sc.capabilitiesAdd?.length === 1 && sc.capabilitiesAdd[0] === Capability.NET_BIND_SERVICE;
    const addAllowed = enabled.has(KnativeFeature.ADD_CAPABILITIES) || (enabled.has(KnativeFeature.SECURE_POD_DEFAULTS) && onlyNetBind);
    if (sc.capabilitiesAdd?.length && addAllowed) caps.add = [...sc.capabilitiesAdd];
    if (sc.capabilitiesDrop) caps.drop = [...sc.capabilitiesDrop];
    if (Object.keys(caps).length) out.capabilities = caps;
    if (sc.privileged === false) out.privileged = false;
    if (sc.readOnlyRootFilesystem !== undefined) out.readOnlyRootFilesystem = sc.readOnlyRootFilesystem;
    if (sc.runAsGroup !== undefined) out.runAsGroup = sc.runAsGroup;
    if (sc.runAsNonRoot !== undefined) out.runAsNonRoot = sc.runAsNonRoot;
    if (sc.runAsUser !== undefined) out.runAsUser = sc.runAsUser;
    if (sc.seccompProfile) out.seccompProfile = clean({ type: sc.seccompProfile.type, localhostProfile: sc.seccompProfile.localhostProfile });
    return Object.keys(out).length ? out : undefined;
  }

  /**
   * An error about this container: at its owner's construct path and under its field in the
   * template (path-less while the container is not in a template: the template adding it
   * locates it, or it has no construct at all).
   */
  private error(details: KnativeErrorDetails, cause?: unknown): KnativeError {
    const prefix = this._field;
    const field = prefix ? `${prefix}.${details.field}` : details.field;
    return new KnativeError(this._owner, { ...details, field }, cause !== undefined ? { cause } : {});
  }

  private describe(): string {
    return this.name ? `"${this.name}"` : `(image ${this.image})`;
  }
}

/** Volume kinds whose mounts Knative does not force to read-only. */
const WRITABLE_KINDS = new Set(['emptyDir', 'persistentVolumeClaim', 'ephemeral']);

/** The source kind of a volume (`secret`, `configMap`, `emptyDir`, `projected`, …). */
function volumeKind(v: VolumeLike): { kind: string; source: Record<string, any> } {
  const k: Record<string, any> = v instanceof ProjectedVolume ? v._toKube() : plusVolumeJson(v);
  const kind = Object.keys(k).find(key => key !== 'name' && k[key] !== undefined) ?? 'unknown';
  return { kind, source: k[kind] ?? {} };
}

/** A public mount record of one kind (the volume's type is known from `projected`). */
function toMount<V>(m: AnyMount): { volume: V; path: string; readOnly?: boolean; subPath?: string } {
  const out: { volume: V; path: string; readOnly?: boolean; subPath?: string } = { volume: m.volume as unknown as V, path: m.path };
  if (m.readOnly !== undefined) out.readOnly = m.readOnly;
  if (m.subPath !== undefined) out.subPath = m.subPath;
  return out;
}

function renderMount(m: AnyMount): Record<string, any> {
  const { kind, source } = volumeKind(m.volume);
  let readOnly = m.readOnly;
  if (readOnly === undefined) {
    if (!WRITABLE_KINDS.has(kind)) readOnly = true;
    else if (kind === 'persistentVolumeClaim' && source.readOnly === true) readOnly = true;
  }
  return clean({ name: m.volume.name, mountPath: m.path, readOnly, subPath: m.subPath });
}

function renderEnvFrom(from: EnvFrom): Record<string, any> {
  const k = plusEnvFromJson(from);
  const out: Record<string, any> = {};
  if (k.configMapRef) out.configMapRef = clean({ name: k.configMapRef.name, optional: k.configMapRef.optional });
  if (k.secretRef) out.secretRef = clean({ name: k.secretRef.name, optional: k.secretRef.optional });
  if (k.prefix !== undefined) out.prefix = k.prefix;
  return out;
}

function renderValueFrom(from: Record<string, any>): Record<string, any> {
  if (from.configMapKeyRef) {
    const r = from.configMapKeyRef;
    return { configMapKeyRef: clean({ name: r.name, key: r.key, optional: r.optional }) };
  }
  if (from.secretKeyRef) {
    const r = from.secretKeyRef;
    return { secretKeyRef: clean({ name: r.name, key: r.key, optional: r.optional }) };
  }
  if (from.fieldRef) {
    const r = from.fieldRef;
    return { fieldRef: clean({ fieldPath: r.fieldPath, apiVersion: r.apiVersion }) };
  }
  if (from.resourceFieldRef) {
    const r = from.resourceFieldRef;
    return {
      resourceFieldRef: clean({ resource: r.resource, containerName: r.containerName, divisor: unwrap(r.divisor) }),
    };
  }
  return clean({ ...from });
}

function renderResources(res: ContainerResources | undefined): Record<string, any> {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (res?.cpu?.request) requests.cpu = res.cpu.request.amount;
  if (res?.cpu?.limit) limits.cpu = res.cpu.limit.amount;
  if (res?.memory?.request) requests.memory = res.memory.request.asString();
  if (res?.memory?.limit) limits.memory = res.memory.limit.asString();
  if (res?.ephemeralStorage?.request) requests['ephemeral-storage'] = res.ephemeralStorage.request.asString();
  if (res?.ephemeralStorage?.limit) limits['ephemeral-storage'] = res.ephemeralStorage.limit.asString();
  const out: Record<string, any> = {};
  if (Object.keys(limits).length) out.limits = limits;
  if (Object.keys(requests).length) out.requests = requests;
  return out;
}

function unwrap(v: unknown): unknown {
  if (v && typeof v === 'object' && 'value' in (v as Record<string, unknown>)) {
    return (v as Record<string, unknown>).value;
  }
  return v;
}

function clean<T extends Record<string, any>>(o: T): T {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
