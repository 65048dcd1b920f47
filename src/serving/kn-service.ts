import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { _ImportedAddressable, IAddressableTarget } from './addressable';
import { KnativeResourceProps } from './base';
import { _RevisionHandles } from './configuration';
import { Container, ContainerProps } from './container';
import { _childPath, _pathError, _withPath, KnativeError } from './errors';
import type { IRevision } from './revision';
import { RoutableResource } from './routable';
import { _applyRouteMetadata, _tagHostErrors, KnativeImportOptions } from './route';
import { _touch } from './state';
import { RevisionTemplate, RevisionTemplateProps } from './template';
import { TrafficSplit, TrafficTagOptions, TrafficTarget } from './traffic';
import { SERVING_API_VERSION } from '../core/types';

/**
 * A Knative Service (`serving.knative.dev/v1`, kind `Service`), created here or imported.
 */
export interface IKnService extends IAddressableTarget {
  /**
   * The Service's `metadata.name` (also the name of its Configuration and Route).
   */
  readonly serviceName: string;
}

/**
 * Properties of a `KnService`: the revision template, object metadata and traffic.
 *
 * `metadata.labels`/`metadata.annotations` go on the Service object (e.g. ingress class);
 * `revisionLabels`/`revisionAnnotations` and `autoscaling` go on the revision template.
 */
export interface KnServiceProps extends RevisionTemplateProps, KnativeResourceProps {
  /**
   * The traffic block. Used by reference: later changes to the split (or `addTraffic()`) are
   * reflected at synthesis. Entries target this Service's revisions
   * (`TrafficTarget.latestRevision()`, `TrafficTarget.revision(svc.revision('v1'))`, …);
   * `TrafficTarget.configuration()` is not allowed in a Service.
   *
   * @default - Knative's default, 100% to the latest ready revision (rendered explicitly)
   */
  readonly traffic?: TrafficSplit;

  /**
   * Make the Service reachable only inside the cluster (label
   * `networking.knative.dev/visibility: cluster-local` on the Service).
   *
   * @default false - visibility follows the cluster's `config-domain`
   */
  readonly clusterLocal?: boolean;

  /**
   * Gradual rollout of new latest revisions over this duration (annotation
   * `serving.knative.dev/rollout-duration` on the Service). Whole seconds.
   *
   * The bundled runtime rolls every `latestRevision` target as upstream does: its share of the
   * main traffic (`status.traffic` shows each step) and, for a tagged one, the tag's own host.
   *
   * @default - the cluster's `config-network: rollout-duration` (0, i.e. immediate)
   */
  readonly rolloutDuration?: Duration;
}

/**
 * A Knative Service: a revision template plus a traffic block. Knative creates a
 * Configuration and a Route with the same name from it.
 *
 * ```ts
 * const svc = new KnService(this, 'Hello', {
 *   metadata: { name: 'hello' },
 *   image: 'ghcr.io/example/hello',
 *   revisionName: RevisionName.of('v2'),
 *   traffic: TrafficSplit.create()
 *     .toRevision(previous, 90, { tag: 'v1' })
 *     .remainderTo(TrafficTarget.latestRevision(), { tag: 'v2' }),
 * });
 * new KnService(this, 'Client', {
 *   image: 'ghcr.io/example/client',
 *   envVariables: { BACKEND: EnvValue.fromValue(svc.clusterLocalUrl) },
 * });
 * ```
 */
export class KnService extends RoutableResource implements IKnService {
  /**
   * Reference a Knative Service created elsewhere (e.g. to map a domain to it or pass its URL).
   *
   * @param name the Service's `metadata.name`
   */
  public static fromServiceName(scope: Construct, id: string, name: string, options: KnativeImportOptions = {}): IKnService {
    if (!name) {
      throw new KnativeError(_childPath(scope, id), {
        field: 'KnService.fromServiceName(name)', message: 'must not be empty', value: name, fix: 'Pass the Knative Service\'s metadata.name.',
      });
    }
    return new ImportedKnService(scope, id, name, options.namespace);
  }

  /**
   * The revision template (`spec.template`): `addContainer()` (mount volumes on the
   * returned container), `addRevisionLabel()`, `addRevisionAnnotation()`.
   */
  public readonly template: RevisionTemplate;

  private _traffic?: TrafficSplit;
  private readonly revisions: _RevisionHandles;

  public constructor(scope: Construct, id: string, props: KnServiceProps = {}) {
    super(scope, id, SERVING_API_VERSION, 'Service', props);
    try {
      this.template = new RevisionTemplate(this, props);
      this.revisions = new _RevisionHandles(this, () => this.name);
      this._traffic = props.traffic;
      props.traffic?._problems.throwFirst(this);
      _applyRouteMetadata(this.metadata, props);
    } catch (e) {
      throw _pathError(this, e);
    }
    this._addKnativeValidation({
      features: () => this.template._featureList(),
      checks: () => [
        ...this.template._checks('spec.template.spec'),
        ..._tagHostErrors(this.name, this.metadata.namespace, this._traffic?.tags ?? []),
        // Problems recorded in the split after it was attached (earlier ones were thrown then).
        ...(this._traffic?._problems.bodies('spec') ?? []),
      ],
    });
  }

  /**
   * The revision the current template produces, when its name is known before applying
   * (`revisionName: RevisionName.of(…)` or `RevisionName.contentHash()`). Use it in traffic
   * targets, e.g. `TrafficTarget.revision(svc.currentRevision!)`.
   *
   * @default - undefined when Knative generates the name
   */
  public get currentRevision(): IRevision | undefined {
    return this.revisions.current(this.template);
  }

  /** The Service's `metadata.name`. */
  public get serviceName(): string {
    return this.name;
  }

  /**
   * The traffic split, if one was set (`traffic` prop, `replaceTraffic()` or `addTraffic()`).
   *
   * @default - undefined: Knative's default (100% latest) is rendered
   */
  public get traffic(): TrafficSplit | undefined {
    return this._traffic;
  }

  /**
   * Replace the traffic split.
   */
  public replaceTraffic(split: TrafficSplit): void {
    split._problems.throwFirst(this);
    _touch();
    this._traffic = split;
  }

  /**
   * Append a traffic entry (see `TrafficSplit.to()`). The first call on a Service without a
   * split starts an empty one, replacing Knative's default of 100% latest.
   */
  public addTraffic(target: TrafficTarget, percent: number, options: TrafficTagOptions = {}): void {
    _withPath(this, () => {
      if (!this._traffic) {
        _touch();
        this._traffic = TrafficSplit.create();
      }
      const before = this._traffic._problems.length;
      this._traffic.to(target, percent, options);
      this._traffic._problems.throwFirst(this, undefined, before);
    });
  }

  /**
   * A revision of this Service created earlier, by its name or by the suffix after
   * `<service name>-` (`'v1'` → `<name>-v1`, `'00001'` → `<name>-00001`).
   */
  public revision(nameOrSuffix: string): IRevision {
    return _withPath(this, () => this.revisions.get(nameOrSuffix));
  }

  /**
   * Add a container to the template.
   */
  public addContainer(props: ContainerProps): Container {
    return this.template.addContainer(props);
  }

  /**
   * @internal
   */
  public _toKube(): any {
    return {
      template: this.template._toKube(this.name),
      // Knative's default traffic block, rendered explicitly (what TrafficSplit.latest() renders).
      traffic: this._traffic && this._traffic.length > 0 ? this._traffic._toKube() : [{ latestRevision: true, percent: 100 }],
    };
  }
}

class ImportedKnService extends _ImportedAddressable implements IKnService {
  public constructor(scope: Construct, id: string, public readonly serviceName: string, namespace?: string) {
    super(scope, id, SERVING_API_VERSION, 'Service', serviceName, namespace);
  }
}
