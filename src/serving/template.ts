import { Duration } from 'cdk8s';
import { EnvValue, ISecret, IServiceAccount } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { Autoscaling, AutoscalingOptions } from './autoscaling';
import { _clusterOf } from './cluster';
import { Container, ContainerProps, PortProtocol } from './container';
import { _pathError, _withPath, KnativeError, KnativeErrorDetails } from './errors';
import { KnativeFeature, KnativeFeatures } from './features';
import { _renderPodSecurityContext, _renderTolerations, PodSecurityContextProps, RevisionToleration } from './pod';
import { _epoch, _touch } from './state';
import { goJsonRoundTripAs } from '../core/go-json';
import { byoRevisionName, contentRevisionName } from '../core/names';
import { formatProblem, formatViolation } from '../core/rules';
import { featureFlagSince } from '../core/versions';


/** Knative's defaulting of an unset response-start/idle timeout: the default, if non-zero and below the timeout. */
function defaultedBelow(def: number, timeout: number): number | undefined {
  return def !== 0 && def < timeout ? def : undefined;
}

/** Knative's `container-name-template` default. */
const DEFAULT_CONTAINER_NAME = 'user-container';
/** Knative's `init-container-name-template` default. */
const DEFAULT_INIT_CONTAINER_NAME = 'init-container';

/**
 * How the revision created from a template is named (`spec.template.metadata.name`).
 */
export class RevisionName {
  /**
   * Let Knative name each revision (`<parent>-00001`, `<parent>-00002`, …). Nothing is emitted.
   * This is the default.
   */
  public static generated(): RevisionName {
    return new RevisionName('generated');
  }

  /**
   * Bring your own name. Knative requires it to start with `<parent name>-`; the prefix is
   * added unless `name` already has it. Every template change needs a new name (Knative
   * rejects a changed template under an unchanged name).
   *
   * @param name a suffix (`v2` → `<parent>-v2`) or the full name (`<parent>-v2`)
   */
  public static of(name: string): RevisionName {
    // Not attached yet: the problem is thrown, with the construct path, by the template using it.
    const problem: KnativeErrorDetails | undefined = typeof name !== 'string' || !/^[a-z0-9-]+$/.test(name) || /^-+$/.test(name) ? {
      field: 'revisionName',
      message: 'RevisionName.of() needs a revision name or suffix of lowercase letters, digits and \'-\'',
      value: name,
      fix: 'Use e.g. "v2" (rendered as "<parent>-v2").',
    } : undefined;
    return new RevisionName('byo', name, problem);
  }

  /**
   * Name each revision `<parent>-<hash>`, where the hash is computed from the rendered
   * template (labels, annotations and spec). Re-synthesizing unchanged code yields the same
   * name (no new revision); any template change yields a new one. Useful for GitOps: the
   * revision name is known before applying and can be used in traffic targets.
   */
  public static contentHash(): RevisionName {
    return new RevisionName('hash');
  }

  private constructor(private readonly mode: string, private readonly value?: string, private readonly problem?: KnativeErrorDetails) {}

  /**
   * The factory misuse this name records, if any (see src/serving/errors.ts: deferral).
   * @internal
   */
  public get _problem(): KnativeErrorDetails | undefined {
    return this.problem;
  }

  /** Whether Knative generates the name (nothing is emitted). */
  public get isGenerated(): boolean {
    return this.mode === 'generated';
  }

  /**
   * Whether the name depends on the rendered template (content hash).
   * @internal
   */
  public get _needsTemplate(): boolean {
    return this.mode === 'hash';
  }

  /**
   * The name for a parent and its rendered template (without name); undefined when generated.
   * `templateWithoutName` is only read for `contentHash()` (see `_needsTemplate`).
   * @internal
   */
  public _resolve(parentName: string, templateWithoutName: unknown): string | undefined {
    switch (this.mode) {
      case 'byo':
        return byoRevisionName(parentName, this.value!);
      case 'hash':
        return contentRevisionName(parentName, templateWithoutName);
      default:
        return undefined;
    }
  }
}

/**
 * Revision settings shared by `KnService`, `Configuration` (through `RevisionTemplateProps`)
 * and a standalone `Revision`.
 *
 * Output contains only what you set plus Knative's config-independent admission defaults
 * (container name, default readiness probe, `resources: {}`, `readOnly: true` on
 * secret/configMap mounts, `enableServiceLinks: false`), so what you synthesize is what
 * Knative stores.
 */
export interface RevisionOptions {
  /**
   * Image of the single container (shortcut for `containers: [{ image }]`). Use either
   * `image` or `containers`.
   * @default - no shortcut container; use `containers` or `addContainer()`
   */
  readonly image?: string;

  /**
   * Serving port of the `image` container (shortcut; only with `image`).
   * @default - none declared; Knative uses 8080
   */
  readonly port?: number;

  /**
   * Protocol of the `image` container's port (shortcut; only with `image` and `port`).
   * @default - HTTP/1
   */
  readonly portProtocol?: PortProtocol;

  /**
   * Environment of the `image` container (shortcut; only with `image`).
   * @default - none
   */
  readonly envVariables?: { [name: string]: EnvValue };

  /**
   * Containers. With more than one, exactly one must declare `port` (the serving container);
   * the others are sidecars.
   * @default - none (use `image` or `addContainer()`)
   */
  readonly containers?: ContainerProps[];

  /**
   * Init containers, run to completion before the containers start. Requires
   * `KnativeFeature.INIT_CONTAINERS` (`kubernetes.podspec-init-containers: Enabled`). Probes
   * are not allowed on init containers.
   * @default - none
   */
  readonly initContainers?: ContainerProps[];

  /**
   * Service account the revision's pods run as (`serviceAccountName`).
   * @default - the namespace's `default` service account
   */
  readonly serviceAccount?: IServiceAccount;

  /**
   * Secrets used to pull the images.
   * @default - none
   */
  readonly imagePullSecrets?: ISecret[];

  /**
   * Maximum in-flight requests per replica (`containerConcurrency`), 0 = unlimited, at most
   * `container-concurrency-max-limit` (1000 out of the box; see `KnativeCluster`). Enforced by
   * upstream Knative and by the bundled runtime's ingress (a per-pod in-flight limit).
   * @default - the cluster's `container-concurrency` (`KnativeCluster` settings, else Knative's 0,
   *   unlimited); rendered explicitly so GitOps sees no diff
   */
  readonly containerConcurrency?: number;

  /**
   * Maximum request duration (`timeoutSeconds`), whole seconds, at least 1 and at most
   * `max-revision-timeout-seconds` (600s out of the box; see `KnativeCluster`). 0 is rejected
   * (Knative would replace it with the default): omit `timeout` to use the default.
   * @default - the cluster's `revision-timeout-seconds` (`KnativeCluster` settings, else Knative's
   *   300 seconds); rendered explicitly so GitOps sees no diff
   */
  readonly timeout?: Duration;

  /**
   * Maximum time until the first response byte (`responseStartTimeoutSeconds`), whole seconds.
   * @default - the cluster's `revision-response-start-timeout-seconds` (its revision timeout,
   *   300 seconds out of the box), rendered explicitly only when `timeout` exceeds it (as
   *   Knative's defaulting does);
   *   otherwise not rendered (the request timeout applies)
   */
  readonly responseStartTimeout?: Duration;

  /**
   * Maximum idle time of a request (`idleTimeoutSeconds`), whole seconds.
   * @default - not rendered: no idle timeout (Knative's default
   *   `revision-idle-timeout-seconds` is 0, infinite)
   */
  readonly idleTimeout?: Duration;

  /**
   * Autoscaling settings (rendered as `autoscaling.knative.dev/*` revision annotations).
   * @default - cluster `config-autoscaler` settings
   */
  readonly autoscaling?: AutoscalingOptions;

  /**
   * Labels of the revision (template metadata; copied to the Revision and its pods). Kept
   * apart from the labels of the Service/Configuration object itself.
   * @default - none
   */
  readonly revisionLabels?: { [key: string]: string };

  /**
   * Annotations of the revision (template metadata), e.g. `serving.knative.dev/progress-deadline`.
   * Use `autoscaling` for `autoscaling.knative.dev/*` keys.
   * @default - none
   */
  readonly revisionAnnotations?: { [key: string]: string };

  /**
   * Pod `nodeSelector`. Requires `KnativeFeature.NODE_SELECTOR`.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * Pod `tolerations`. Requires `KnativeFeature.TOLERATIONS`.
   * @default - none
   */
  readonly tolerations?: RevisionToleration[];

  /**
   * Pod `runtimeClassName` (e.g. a sandboxed runtime such as gVisor). Requires
   * `KnativeFeature.RUNTIME_CLASS_NAME`.
   * @default - the cluster's default runtime
   */
  readonly runtimeClassName?: string;

  /**
   * Pod `priorityClassName`. Requires `KnativeFeature.PRIORITY_CLASS_NAME`.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;

  /**
   * Pod `schedulerName`. Requires `KnativeFeature.SCHEDULER_NAME`.
   * @default - the default scheduler
   */
  readonly schedulerName?: string;

  /**
   * Pod `shareProcessNamespace`. Requires `KnativeFeature.SHARE_PROCESS_NAMESPACE`.
   * @default - not rendered (not shared)
   */
  readonly shareProcessNamespace?: boolean;

  /**
   * Pod `securityContext` (Knative's allowed subset). Requires
   * `KnativeFeature.POD_SECURITY_CONTEXT`, or only `seccompProfile` with
   * `KnativeFeature.SECURE_POD_DEFAULTS`.
   * @default - none rendered
   */
  readonly podSecurityContext?: PodSecurityContextProps;

  /**
   * `enableServiceLinks`. Knative defaults it to `false` on create; it is always rendered so
   * the output is stable.
   * @default false
   */
  readonly enableServiceLinks?: boolean;

  /**
   * Set to `false` to not mount the service account token. Knative rejects `true`.
   * @default - not rendered (Kubernetes default: mounted)
   */
  readonly automountServiceAccountToken?: boolean;

  /**
   * Knative feature gates your cluster enables that this revision may use (in addition to
   * those declared with `KnativeFeatures.enable()`).
   * @default - only chart-wide declarations
   */
  readonly enabledFeatures?: KnativeFeature[];
}

/**
 * The revision template of a `KnService` or `Configuration` (`spec.template`).
 */
export interface RevisionTemplateProps extends RevisionOptions {
  /**
   * How revisions are named.
   * @default RevisionName.generated()
   */
  readonly revisionName?: RevisionName;
}

/**
 * A Knative revision template: containers, volumes and revision settings.
 *
 * Created by the L2 constructs (`KnService`, `Configuration`, `Revision`); rendered lazily.
 */
export class RevisionTemplate {
  /** How revisions are named. */
  public readonly revisionName: RevisionName;
  /**
   * `containerConcurrency` as set by the user.
   * @default - not set: 0 (Knative's default `container-concurrency`) is rendered
   */
  public readonly containerConcurrency?: number;
  /**
   * `timeoutSeconds` as set by the user.
   * @default - not set: 300 seconds (Knative's default `revision-timeout-seconds`) is rendered
   */
  public readonly timeout?: Duration;
  /**
   * `responseStartTimeoutSeconds` as set by the user.
   * @default - not set: 300 seconds is rendered when the timeout exceeds it, else nothing
   */
  public readonly responseStartTimeout?: Duration;
  /**
   * `idleTimeoutSeconds` as set by the user.
   * @default - not set: not rendered (no idle timeout)
   */
  public readonly idleTimeout?: Duration;
  /**
   * Service account.
   * @default - namespace default
   */
  public readonly serviceAccount?: IServiceAccount;
  /**
   * Autoscaling settings.
   * @default - cluster defaults
   */
  public readonly autoscaling?: AutoscalingOptions;

  private readonly scope: IConstruct;
  private readonly _containers: Container[] = [];
  private readonly _initContainers: Container[] = [];
  private readonly _imagePullSecrets: ISecret[];
  private readonly _labels: Record<string, string> = {};
  private readonly _annotations: Record<string, string> = {};
  private readonly _features: Set<string>;
  private _featureMemo?: { readonly epoch: number; readonly set: ReadonlySet<string>; readonly list: readonly string[] };
  private readonly nodeSelector?: Record<string, string>;
  /** Gated pod fields, rendered (and checked) at construction: [gate, field, value]. */
  private readonly gatedPodFields: Array<[KnativeFeature, string, unknown]> = [];
  private readonly enableServiceLinks: boolean;
  private readonly automountServiceAccountToken?: boolean;

  /**
   * @param scope the construct owning the template (chart-wide feature declarations are read from it)
   * @param props template properties
   */
  public constructor(scope: IConstruct, props: RevisionTemplateProps = {}) {
    this.scope = scope;
    try {
      if (props.image !== undefined && props.containers !== undefined) {
        throw new KnativeError(scope, {
          field: 'image',
          message: 'is the single-container shortcut and cannot be combined with `containers`',
          value: props.image,
          fix: 'Move the image into `containers`, or drop `containers`.',
        });
      }
      if (props.image === undefined) {
        for (const key of ['port', 'portProtocol', 'envVariables'] as const) {
          if (props[key] !== undefined) {
            throw new KnativeError(scope, {
              field: key,
              message: 'is a shortcut for the `image` container and needs `image`',
              value: props[key],
              fix: 'Set it on the container in `containers` (or use `image`).',
            });
          }
        }
      }
      checkInt('containerConcurrency', props.containerConcurrency);
      wholeSeconds('timeout', props.timeout);
      if (props.timeout !== undefined && props.timeout.toMilliseconds() === 0) {
        throw new KnativeError(scope, {
          field: 'timeout',
          value: props.timeout,
          message: 'must be at least 1 second (Knative replaces timeoutSeconds: 0 with the cluster default, so the output would not be what Knative stores)',
          fix: 'Omit timeout to use the cluster default, or set e.g. Duration.seconds(60).',
        });
      }
      wholeSeconds('responseStartTimeout', props.responseStartTimeout);
      wholeSeconds('idleTimeout', props.idleTimeout);
      if (props.automountServiceAccountToken === true) {
        throw new KnativeError(scope, {
          field: 'automountServiceAccountToken',
          message: 'may only be false in Knative',
          value: true,
          fix: 'Remove it, or set false to disable the token mount.',
        });
      }

      const revisionNameProblem = props.revisionName?._problem;
      if (revisionNameProblem) throw new KnativeError(scope, revisionNameProblem);
      this.revisionName = props.revisionName ?? RevisionName.generated();
      this.containerConcurrency = props.containerConcurrency;
      this.timeout = props.timeout;
      this.responseStartTimeout = props.responseStartTimeout;
      this.idleTimeout = props.idleTimeout;
      this.serviceAccount = props.serviceAccount;
      // A copy: later changes to the caller's object must not bypass validation (see state.ts).
      this.autoscaling = props.autoscaling ? { ...props.autoscaling } : undefined;
      this._imagePullSecrets = [...(props.imagePullSecrets ?? [])];
      this._features = new Set<string>(props.enabledFeatures ?? []);
      this.nodeSelector = props.nodeSelector ? { ...props.nodeSelector } : undefined;
      if (props.tolerations?.length) this.gatedPodFields.push([KnativeFeature.TOLERATIONS, 'tolerations', _renderTolerations(props.tolerations)]);
      for (const [gate, field, value] of [
        [KnativeFeature.RUNTIME_CLASS_NAME, 'runtimeClassName', props.runtimeClassName],
        [KnativeFeature.PRIORITY_CLASS_NAME, 'priorityClassName', props.priorityClassName],
        [KnativeFeature.SCHEDULER_NAME, 'schedulerName', props.schedulerName],
        [KnativeFeature.SHARE_PROCESS_NAMESPACE, 'shareProcessNamespace', props.shareProcessNamespace],
      ] as Array<[KnativeFeature, string, unknown]>) {
        if (value !== undefined) this.gatedPodFields.push([gate, field, value]);
      }
      if (props.podSecurityContext) {
        this.gatedPodFields.push([KnativeFeature.POD_SECURITY_CONTEXT, 'securityContext', _renderPodSecurityContext(props.podSecurityContext)]);
      }
      this.enableServiceLinks = props.enableServiceLinks ?? false;
      this.automountServiceAccountToken = props.automountServiceAccountToken;

      const scaling = props.autoscaling ? Autoscaling.annotations(props.autoscaling) : {};
      for (const [k, v] of Object.entries(props.revisionLabels ?? {})) this.addRevisionLabel(k, v);
      for (const [k, v] of Object.entries(props.revisionAnnotations ?? {})) this.addRevisionAnnotation(k, v);
      for (const [k, v] of Object.entries(scaling)) {
        if (k in this._annotations) {
          throw new KnativeError(scope, {
            field: `revisionAnnotations["${k}"]`,
            message: 'is also set by `autoscaling`',
            value: this._annotations[k],
            fix: 'Set it only through `autoscaling`.',
          });
        }
        this._annotations[k] = v;
      }

      if (props.image !== undefined) {
        // The shortcut container's fields are the template's own props (`image`, `port`, …).
        this.add({ image: props.image, port: props.port, portProtocol: props.portProtocol, envVariables: props.envVariables }, false, '');
      }
      for (const c of props.containers ?? []) {
        this.addContainer(c);
      }
      for (const c of props.initContainers ?? []) {
        this.addInitContainer(c);
      }
    } catch (e) {
      throw _pathError(scope, e);
    }
  }

  /** The containers (a copy; use `addContainer()` to add). */
  public get containers(): Container[] {
    return [...this._containers];
  }

  /** The init containers (a copy; use `addInitContainer()` to add). */
  public get initContainers(): Container[] {
    return [...this._initContainers];
  }

  /** Revision labels (a copy). */
  public get revisionLabels(): { [key: string]: string } {
    return { ...this._labels };
  }

  /** Revision annotations, including rendered autoscaling annotations (a copy). */
  public get revisionAnnotations(): { [key: string]: string } {
    return { ...this._annotations };
  }

  /**
   * Feature gates this template may use, sorted: its own, the ones declared for its scope with
   * `KnativeFeatures.enable()`, and the ones the cluster configuration in effect sets to `Enabled`
   * or `Allowed` (`KnativeCluster.configure()` or a `ServingControlPlane` in the app).
   */
  public get enabledFeatures(): KnativeFeature[] {
    return [...this.featureSet()].sort() as KnativeFeature[];
  }

  /**
   * Add a container.
   *
   * @param props container properties
   * @returns the new container (mutable: `addEnv()`, `mount()`)
   */
  public addContainer(props: ContainerProps): Container {
    return this.add(props, false, `containers[${this._containers.length}]`);
  }

  /**
   * Add an init container (requires `KnativeFeature.INIT_CONTAINERS`).
   *
   * @param props container properties (probes are not allowed)
   * @returns the new init container
   */
  public addInitContainer(props: ContainerProps): Container {
    return this.add(props, true, `initContainers[${this._initContainers.length}]`);
  }

  /**
   * Add a (init) container whose errors name `field` (`containers[1]`; '' for the `image`
   * shortcut container, whose props are the template's own) under the construct path.
   */
  private add(props: ContainerProps, init: boolean, field: string): Container {
    return _withPath(this.scope, () => {
      if (init) {
        for (const probe of ['readiness', 'liveness', 'startup'] as const) {
          if (props[probe] !== undefined) {
            throw new KnativeError(undefined, {
              field: probe, message: 'probes are not allowed on init containers (Knative rejects them)', fix: `Remove \`${probe}\`.`,
            });
          }
        }
      }
      const container = new Container(props);
      this.checkUniqueName(container);
      container._owner = this.scope;
      container._field = field;
      _touch();
      (init ? this._initContainers : this._containers).push(container);
      return container;
    }, field || undefined);
  }

  /**
   * Add a revision label (template metadata).
   *
   * @param key label key
   * @param value label value
   */
  public addRevisionLabel(key: string, value: string): void {
    _touch();
    this._labels[key] = value;
  }

  /**
   * Add a revision annotation (template metadata).
   *
   * @param key annotation key
   * @param value annotation value
   */
  public addRevisionAnnotation(key: string, value: string): void {
    _touch();
    this._annotations[key] = value;
  }

  /**
   * Synth-time checks of this template that the shared admission rules cannot see:
   * gated fields used without opt-in (they are left out of the output) and volume kinds
   * Knative never accepts.
   * @internal
   */
  public _checks(path: string = 'spec.template.spec'): string[] {
    const enabled = this.featureSet();
    const errors: string[] = [];
    const gate = (feature: KnativeFeature, field: string, detail?: string): void => {
      if (!enabled.has(feature)) errors.push(KnativeFeatures._gateError(field, feature, this.scope, detail));
    };
    if (this._initContainers.length) {
      gate(KnativeFeature.INIT_CONTAINERS, `${path}.initContainers`);
    }
    const all: Array<[Container, string]> = [
      ...this._containers.map((c, i): [Container, string] => [c, `${path}.containers[${i}]`]),
      ...this._initContainers.map((c, i): [Container, string] => [c, `${path}.initContainers[${i}]`]),
    ];
    const serving = this.servingContainer();
    this._containers.forEach((c, i) => {
      if (c === serving) return;
      for (const [prop, kind] of [['readiness', 'readinessProbe'], ['liveness', 'livenessProbe'], ['startup', 'startupProbe']] as const) {
        const probe = c[prop];
        if (probe?._isGrpcWithoutPort()) {
          errors.push(formatViolation({
            path: `${path}.containers[${i}].${kind}.grpc.port`,
            message: 'a sidecar\'s gRPC probe needs an explicit port (Knative cannot build the Deployment without one, and the serving port is another container\'s)',
            fix: 'Pass the port of the sidecar\'s gRPC health service: KnativeProbe.fromGrpc({ port: ... }).',
          }));
        }
      }
    });
    all.forEach(([c, cpath]) => {
      for (const [feature, field] of c._featureUses(cpath)) {
        if (feature === KnativeFeature.ADD_CAPABILITIES && enabled.has(KnativeFeature.SECURE_POD_DEFAULTS)) {
          const add = c.securityContext?.capabilitiesAdd ?? [];
          if (add.length === 1 && add[0] === 'NET_BIND_SERVICE') continue;
        }
        gate(feature, field);
      }
    });
    for (const v of this.allVolumes()) {
      const { kind, source } = Container._volumeSource(v);
      const field = `${path}.volumes["${v.name}"].${kind}`;
      switch (kind) {
        case 'secret':
        case 'configMap':
        case 'projected':
          break;
        case 'emptyDir':
          break; // enabled by default in Knative
        case 'persistentVolumeClaim':
          gate(KnativeFeature.PERSISTENT_VOLUME_CLAIM, field);
          if (source.readOnly !== true) gate(KnativeFeature.PERSISTENT_VOLUME_WRITE, field, 'a claim that is not read-only ');
          break;
        case 'hostPath':
          gate(KnativeFeature.HOST_PATH, field);
          break;
        case 'csi':
          gate(KnativeFeature.CSI_VOLUMES, field, `a CSI volume (Knative >= ${featureFlagSince(KnativeFeature.CSI_VOLUMES)}) `);
          break;
        default:
          errors.push(formatProblem(field, 'is a volume kind Knative Serving does not support', undefined,
            'Use a secret, configMap, projected or emptyDir volume (persistentVolumeClaim/hostPath/csi with the matching KnativeFeature).'));
      }
    }
    if (this.nodeSelector && Object.keys(this.nodeSelector).length) {
      gate(KnativeFeature.NODE_SELECTOR, `${path}.nodeSelector`);
    }
    for (const [feature, field, value] of this.gatedPodFields) {
      if (!podFieldAllowed(feature, value, enabled)) gate(feature, `${path}.${field}`);
    }
    return errors;
  }

  /**
   * Render `{ metadata, spec }` for `spec.template` (`metadata` always present, possibly empty).
   *
   * @param parentName name of the owning Service/Configuration (for BYO/content names)
   * @internal
   */
  public _toKube(parentName: string): {
    metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, any>;
  } {
    const spec = this._renderSpec();
    const metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {};
    if (Object.keys(this._labels).length) metadata.labels = sortKeys(this._labels);
    if (Object.keys(this._annotations).length) metadata.annotations = sortKeys(this._annotations);
    const unnamed = Object.keys(metadata).length ? { metadata: { ...metadata }, spec } : { spec };
    // A content hash covers the template as emitted (after the Go round trip, see KnativeResource).
    const name = this.revisionName._resolve(parentName,
      this.revisionName._needsTemplate ? goJsonRoundTripAs('RevisionTemplateSpec', unnamed, { fillAbsent: false }) : undefined);
    if (name !== undefined) metadata.name = name;
    // Always emitted, even empty: Knative's Go round trip gives a template without metadata an
    // empty one (`{}`; 1.17 `{creationTimestamp: null}`), so emitting it keeps the output a fixed
    // point of admission. Content-hash names cover `unnamed` above, so they do not change.
    return { metadata, spec };
  }

  /**
   * The name of the revision this template produces under `parentName` (`metadata.name` of
   * `_toKube(parentName)`), rendering the template only for content-hash names.
   * @internal
   */
  public _revisionNameFor(parentName: string): string | undefined {
    return this.revisionName._needsTemplate
      ? this._toKube(parentName).metadata?.name
      : this.revisionName._resolve(parentName, undefined);
  }

  /**
   * Render the RevisionSpec (`spec.template.spec`, or a standalone Revision's `spec`).
   * @internal
   */
  public _renderSpec(): Record<string, any> {
    const enabled = this.featureSet();
    const volumes = this.allVolumes();
    const skip = new Set<VolumeLike>();
    const renderedVolumes: Array<Record<string, any>> = [];
    for (const v of volumes) {
      const r = renderVolume(v, enabled);
      if (r) renderedVolumes.push(r);
      else skip.add(v);
    }

    const used = new Set<string>([...this._containers, ...this._initContainers].filter(c => c.name !== undefined).map(c => c.name!));
    const names = defaultNames(this._containers, used, DEFAULT_CONTAINER_NAME);
    const initNames = defaultNames(this._initContainers, used, DEFAULT_INIT_CONTAINER_NAME);
    const serving = this.servingContainer();
    const skipNames = new Set([...skip].map(v => v.name));
    const render = (c: Container, name: string, init: boolean): Record<string, any> => {
      const rendered = c._toKube({ defaultName: name, serving: c === serving, enabled, init });
      if (rendered.volumeMounts && skipNames.size) {
        rendered.volumeMounts = rendered.volumeMounts.filter((m: { name: string }) => !skipNames.has(m.name));
        if (!rendered.volumeMounts.length) delete rendered.volumeMounts;
      }
      return rendered;
    };
    const containers = this._containers.map((c, i) => render(c, names[i], false));
    const initContainers = this._initContainers.map((c, i) => render(c, initNames[i], true));

    const spec: Record<string, any> = { containers };
    if (initContainers.length && enabled.has(KnativeFeature.INIT_CONTAINERS)) spec.initContainers = initContainers;
    if (renderedVolumes.length) spec.volumes = renderedVolumes;
    if (this.serviceAccount) spec.serviceAccountName = this.serviceAccount.name;
    if (this._imagePullSecrets.length) spec.imagePullSecrets = this._imagePullSecrets.map(s => ({ name: s.name }));
    spec.enableServiceLinks = this.enableServiceLinks;
    if (this.automountServiceAccountToken === false) spec.automountServiceAccountToken = false;
    if (this.nodeSelector && Object.keys(this.nodeSelector).length && enabled.has(KnativeFeature.NODE_SELECTOR)) {
      spec.nodeSelector = sortKeys(this.nodeSelector);
    }
    for (const [feature, field, value] of this.gatedPodFields) {
      if (podFieldAllowed(feature, value, enabled)) spec[field] = value;
    }
    // The cluster's config-defaults (reference §6.1, §14.3; Knative's out of the box unless
    // declared, see KnativeCluster), made explicit so the output is a fixed point of admission
    // (and content-hash names follow them).
    const defaults = _clusterOf(this.scope).config.defaults;
    spec.containerConcurrency = this.containerConcurrency ?? defaults.containerConcurrency;
    const timeout = this.timeout ? this.timeout.toSeconds() : defaults.revisionTimeoutSeconds;
    spec.timeoutSeconds = timeout;
    const responseStart = this.responseStartTimeout
      ? this.responseStartTimeout.toSeconds()
      : defaultedBelow(defaults.revisionResponseStartTimeoutSeconds, timeout);
    if (responseStart !== undefined) spec.responseStartTimeoutSeconds = responseStart;
    const idle = this.idleTimeout ? this.idleTimeout.toSeconds() : defaultedBelow(defaults.revisionIdleTimeoutSeconds, timeout);
    if (idle !== undefined) spec.idleTimeoutSeconds = idle;
    return spec;
  }

  /**
   * Gates declared for this template and its scope.
   * @internal
   */
  public _featureList(): readonly string[] {
    this.featureSet();
    return this._featureMemo!.list;
  }

  /**
   * The gates this template may use: its own `enabledFeatures`, the ones declared for its scope
   * and the ones on by default. Read several times per validation pass, so remembered until the
   * next mutation (only `KnativeFeatures.enable()` can change it).
   */
  private featureSet(): ReadonlySet<string> {
    const epoch = _epoch();
    if (this._featureMemo !== undefined && this._featureMemo.epoch === epoch) return this._featureMemo.set;
    const declared = KnativeFeatures.of(this.scope);
    const cluster = _clusterOf(this.scope).gates;
    if (this._features.size === 0 && declared.length === 0 && cluster.length === 0) {
      // Nothing opted in (the usual case): one shared set for every template.
      DEFAULT_FEATURES ??= featureMemoOf(new Set(KnativeFeatures._ON_BY_DEFAULT));
      this._featureMemo = { ...DEFAULT_FEATURES, epoch };
    } else {
      const s = new Set<string>(this._features);
      for (const f of declared) s.add(f);
      for (const f of KnativeFeatures._ON_BY_DEFAULT) s.add(f);
      // The list handed to validation forces the declared gates to Enabled; gates the cluster
      // configuration enables (or allows) keep the state it gives them.
      const list = featureMemoOf(s).list;
      for (const f of cluster) s.add(f);
      this._featureMemo = { set: s, list, epoch };
    }
    return this._featureMemo.set;
  }

  private checkUniqueName(container: Container): void {
    if (container.name !== undefined && [...this._containers, ...this._initContainers].some(c => c.name === container.name)) {
      // Path-less: `add()` locates it at the new container's field.
      throw new KnativeError(undefined, {
        field: 'name',
        message: 'is already used by another container of this revision template',
        value: container.name,
        fix: 'Give each container (and init container) a unique name.',
      });
    }
  }

  /** The container that receives the traffic: the only one, else the one with a port. */
  private servingContainer(): Container | undefined {
    return this._containers.length === 1 ? this._containers[0] : this._containers.find(c => c.port !== undefined);
  }

  /** The volumes mounted by containers and init containers, in mount order (each once). */
  private allVolumes(): VolumeLike[] {
    const out: VolumeLike[] = [];
    for (const c of [...this._containers, ...this._initContainers]) {
      for (const v of c._mountedVolumes()) {
        if (!out.includes(v)) out.push(v);
      }
    }
    return out;
  }
}

/**
 * Knative's default container naming (`applyDefaultContainerNames`): a single unnamed
 * container gets `base` unless a user-supplied name clashes; otherwise unnamed ones get
 * `base-0`, `base-1`, … skipping user-supplied names. `used` holds the user-supplied names.
 */
function defaultNames(containers: Container[], used: Set<string>, base: string): string[] {
  let next = 0;
  return containers.map(c => {
    if (c.name !== undefined) return c.name;
    let name = base;
    if (containers.length > 1 || used.has(name)) {
      do {
        name = `${base}-${next++}`;
      } while (used.has(name));
    }
    used.add(name);
    return name;
  });
}

/** Render a volume as Knative accepts it; undefined when it must be left out. */
/**
 * Whether a gated pod field may be rendered: its gate is enabled, or, for the pod security
 * context, `secure-pod-defaults` is and only a RuntimeDefault/Unconfined seccomp profile is set.
 */
function podFieldAllowed(feature: KnativeFeature, value: unknown, enabled: ReadonlySet<string>): boolean {
  if (enabled.has(feature)) return true;
  if (feature !== KnativeFeature.POD_SECURITY_CONTEXT || !enabled.has(KnativeFeature.SECURE_POD_DEFAULTS)) return false;
  const sc = value as { seccompProfile?: { type?: string } };
  const keys = Object.keys(sc);
  return keys.length === 1 && keys[0] === 'seccompProfile' && Object.keys(sc.seccompProfile ?? {}).length === 1
    && (sc.seccompProfile?.type === 'RuntimeDefault' || sc.seccompProfile?.type === 'Unconfined');
}

/** What the rendering needs of a volume (cdk8s-plus `Volume`s and our `ProjectedVolume`s). */
type VolumeLike = Parameters<typeof Container._volumeSource>[0];

function renderVolume(v: VolumeLike, enabled: ReadonlySet<string>): Record<string, any> | undefined {
  const { kind, source: s } = Container._volumeSource(v);
  switch (kind) {
    case 'secret':
      return { name: v.name, secret: clean({ secretName: s.secretName, items: s.items, defaultMode: s.defaultMode, optional: s.optional }) };
    case 'configMap':
      return { name: v.name, configMap: clean({ name: s.name, items: s.items, defaultMode: s.defaultMode, optional: s.optional }) };
    case 'projected':
      return { name: v.name, projected: clean({ sources: s.sources, defaultMode: s.defaultMode }) };
    case 'emptyDir':
      return {
        name: v.name,
        emptyDir: clean({ medium: s.medium ? s.medium : undefined, sizeLimit: unwrap(s.sizeLimit) }),
      };
    case 'persistentVolumeClaim':
      if (!enabled.has(KnativeFeature.PERSISTENT_VOLUME_CLAIM)) return undefined;
      if (s.readOnly !== true && !enabled.has(KnativeFeature.PERSISTENT_VOLUME_WRITE)) return undefined;
      return { name: v.name, persistentVolumeClaim: clean({ claimName: s.claimName, readOnly: s.readOnly === true ? true : undefined }) };
    case 'hostPath':
      if (!enabled.has(KnativeFeature.HOST_PATH)) return undefined;
      return { name: v.name, hostPath: clean({ path: s.path, type: s.type ? s.type : undefined }) };
    case 'csi':
      if (!enabled.has(KnativeFeature.CSI_VOLUMES)) return undefined;
      return { name: v.name, csi: clean({ driver: s.driver, fsType: s.fsType, readOnly: s.readOnly, volumeAttributes: s.volumeAttributes }) };
    default:
      return undefined;
  }
}

function checkInt(prop: string, v: number | undefined): void {
  if (v !== undefined && !Number.isInteger(v)) {
    throw new KnativeError(undefined, {
      field: prop,
      message: 'must be an integer',
      value: v,
      shown: String(v),
      fix: `Use a whole number such as ${Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0}.`,
    });
  }
}

function wholeSeconds(prop: string, d: Duration | undefined): void {
  if (d === undefined) return;
  try {
    d.toSeconds();
  } catch {
    throw new KnativeError(undefined, {
      field: prop,
      message: 'must be a whole number of seconds',
      value: d,
      fix: `Use e.g. Duration.seconds(${Math.max(1, Math.round(d.toMilliseconds() / 1000))}).`,
    });
  }
}

/** The gate set of a template that declares nothing (shared; see `RevisionTemplate.featureSet()`). */
let DEFAULT_FEATURES: { readonly set: ReadonlySet<string>; readonly list: readonly string[] } | undefined;

function featureMemoOf(set: ReadonlySet<string>): { readonly set: ReadonlySet<string>; readonly list: readonly string[] } {
  return { set, list: Object.freeze([...set].sort()) };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function unwrap(v: unknown): unknown {
  if (v && typeof v === 'object' && 'value' in (v as Record<string, unknown>)) {
    return (v as Record<string, unknown>).value;
  }
  return v;
}

function clean(o: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}
