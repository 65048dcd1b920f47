import { ApiObjectMetadataDefinition, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { _ImportedAddressable, IAddressableTarget } from './addressable';
import { KnativeResourceProps } from './base';
import { _pathError, KnativeError } from './errors';
import { RoutableResource } from './routable';
import { _touch } from './state';
import { TrafficSplit, TrafficTagOptions, TrafficTarget } from './traffic';
import { DEFAULT_TAG_TEMPLATE } from '../core/config';
import { checkHost, clusterLocalHost, tagHostName, VISIBILITY_CLUSTER_LOCAL, VISIBILITY_LABEL } from '../core/hosts';
import { SERVING_API_VERSION } from '../core/types';

/** Annotation carrying the gradual-rollout duration (reference §10.1). */
const ROLLOUT_DURATION_ANNOTATION = 'serving.knative.dev/rollout-duration';

/**
 * A Knative Route (`serving.knative.dev/v1`), created here or imported.
 */
export interface IRoute extends IAddressableTarget {
  /**
   * The Route's `metadata.name`.
   */
  readonly routeName: string;
}

/**
 * Options for `Route.fromRouteName()` and the other `fromXxxName()` imports.
 */
export interface KnativeImportOptions {
  /**
   * Namespace of the imported object.
   *
   * @default - unknown; hosts and URLs assume `default`
   */
  readonly namespace?: string;
}

/**
 * Properties of a Knative `Route`.
 */
export interface RouteProps extends KnativeResourceProps {
  /**
   * The traffic block. Used by reference: later changes to the split (or `addTraffic()`) are
   * reflected at synthesis.
   *
   * A standalone Route must name its targets: `TrafficTarget.configuration(cfg)` or
   * `TrafficTarget.revision(rev)` / `TrafficTarget.revisionName(name)`.
   *
   * @default - an empty split; add entries with `addTraffic()` (a Route needs entries summing to 100)
   */
  readonly traffic?: TrafficSplit;

  /**
   * Make the Route reachable only inside the cluster (label
   * `networking.knative.dev/visibility: cluster-local`).
   *
   * @default false - visibility follows the cluster's `config-domain`
   */
  readonly clusterLocal?: boolean;

  /**
   * Gradual rollout: when the latest ready revision of a `latestRevision` target changes,
   * move traffic to it over this duration (annotation `serving.knative.dev/rollout-duration`).
   * Whole seconds.
   *
   * The bundled runtime rolls every `latestRevision` target as upstream does: its share of the
   * main traffic (`status.traffic` shows each step) and, for a tagged one, the tag's own host.
   *
   * @default - the cluster's `config-network: rollout-duration` (0, i.e. immediate)
   */
  readonly rolloutDuration?: Duration;
}

/**
 * A Knative Route: a named traffic split across Revisions and Configurations.
 *
 * ```ts
 * new Route(this, 'Route', {
 *   traffic: TrafficSplit.create()
 *     .to(TrafficTarget.configuration(cfg), 90)
 *     .toRevision(previous, 10, { tag: 'previous' }),
 * });
 * ```
 */
export class Route extends RoutableResource implements IRoute {
  /**
   * Reference a Route created elsewhere.
   *
   * @param name the Route's `metadata.name`
   */
  public static fromRouteName(scope: Construct, id: string, name: string, options: KnativeImportOptions = {}): IRoute {
    return new ImportedRoute(scope, id, name, options.namespace);
  }

  private _traffic: TrafficSplit;

  public constructor(scope: Construct, id: string, props: RouteProps = {}) {
    super(scope, id, SERVING_API_VERSION, 'Route', props);
    try {
      this._traffic = props.traffic ?? TrafficSplit.create();
      this._traffic._problems.throwFirst(this);
      throwFirst(this, routeTargetErrors(this._traffic));
      _applyRouteMetadata(this.metadata, props);
    } catch (e) {
      throw _pathError(this, e);
    }
    this._addKnativeValidation({
      checks: () => [
        ...routeTargetErrors(this._traffic).map(e => e.located('-', 'spec').body),
        ..._tagHostErrors(this.name, this.metadata.namespace, this._traffic.tags),
        // Problems recorded in the split after it was attached (earlier ones were thrown then).
        ...this._traffic._problems.bodies('spec'),
      ],
    });
  }

  /**
   * The traffic split (live: changes to it are reflected at synthesis).
   */
  public get traffic(): TrafficSplit {
    return this._traffic;
  }

  /**
   * Replace the traffic split.
   */
  public replaceTraffic(split: TrafficSplit): void {
    split._problems.throwFirst(this);
    throwFirst(this, routeTargetErrors(split));
    _touch();
    this._traffic = split;
  }

  /**
   * Append a traffic entry (see `TrafficSplit.to()`).
   */
  public addTraffic(target: TrafficTarget, percent: number, options: TrafficTagOptions = {}): void {
    if (target?._isServiceLatest) throw latestInRouteError(this._traffic.length, options.tag).located(this);
    const before = this._traffic._problems.length;
    this._traffic.to(target, percent, options);
    this._traffic._problems.throwFirst(this, undefined, before);
  }

  /** The Route's `metadata.name`. */
  public get routeName(): string {
    return this.name;
  }

  /**
   * @internal
   */
  public _toKube(): any {
    return { traffic: this._traffic._toKube() };
  }
}

class ImportedRoute extends _ImportedAddressable implements IRoute {
  public constructor(scope: Construct, id: string, public readonly routeName: string, namespace?: string) {
    super(scope, id, SERVING_API_VERSION, 'Route', routeName, namespace);
  }
}

/**
 * Visibility label and rollout-duration annotation shared by Route and KnService (both go on
 * the object's own metadata, never on the revision template).
 * @internal
 */
export function _applyRouteMetadata(metadata: ApiObjectMetadataDefinition, props: { clusterLocal?: boolean; rolloutDuration?: Duration }): void {
  if (props.clusterLocal) {
    metadata.addLabel(VISIBILITY_LABEL, VISIBILITY_CLUSTER_LOCAL);
  }
  if (props.rolloutDuration !== undefined) {
    const ms = props.rolloutDuration.toMilliseconds();
    if (!Number.isInteger(ms / 1000) || ms < 0) {
      // Path-less: the constructor calling this locates it.
      throw new KnativeError(undefined, {
        field: 'rolloutDuration',
        message: 'must be a non-negative whole number of seconds',
        value: props.rolloutDuration,
        fix: 'Use e.g. Duration.seconds(300) or Duration.minutes(5).',
      });
    }
    metadata.addAnnotation(ROLLOUT_DURATION_ANNOTATION, `${ms / 1000}s`);
  }
}

/**
 * `TrafficTarget.latestRevision()` means "the owning Service's latest revision"; a standalone
 * Route has no Configuration of its own (Knative: `expected exactly one, got neither`).
 */
function latestInRouteError(index: number, tag: string | undefined): KnativeError {
  return new KnativeError(undefined, {
    field: `traffic[${index}]`,
    message: 'TrafficTarget.latestRevision() is only valid in a KnService traffic split; in a Route use TrafficTarget.configuration(cfg)',
    value: tag !== undefined ? { latestRevision: true, tag } : { latestRevision: true },
    shown: `TrafficTarget.latestRevision()${tag !== undefined ? ` tagged "${tag}"` : ''}`,
    fix: 'Replace it with TrafficTarget.configuration(cfg) to follow a Configuration\'s latest ready revision, or pin a revision with TrafficTarget.revision(rev).',
  });
}

/** Errors for entries a Route cannot use (see `latestInRouteError`), path-less. */
function routeTargetErrors(split: TrafficSplit): KnativeError[] {
  const errors: KnativeError[] = [];
  split._entries().forEach((e, i) => {
    if (e.target._isServiceLatest) errors.push(latestInRouteError(i, e.tag));
  });
  return errors;
}

function throwFirst(scope: IConstruct, errors: KnativeError[]): void {
  if (errors.length) throw errors[0].located(scope);
}

/**
 * Whole-table tag host check (reference §2.5, §11): each tag's host name (core/hosts
 * `tagHostName`, the default tag template) must be a DNS label ≤ 63 and its cluster-local host
 * (`clusterLocalHost`, the default domain template in `svc.cluster.local`) a valid FQDN ≤ 253.
 * Knative reports these only at reconcile time (`AllTrafficAssigned=False ErrorConfig`).
 * @internal
 */
export function _tagHostErrors(routeName: string, namespace: string | undefined, tags: string[]): string[] {
  if (tags.length === 0) return [];
  const errors: string[] = [];
  for (const tag of tags) {
    const label = tagHostName(tag, routeName);
    if (label.length > 63) {
      errors.push(`spec.traffic.tag: tag "${tag}" makes the host label "${label}" ${label.length} characters long (tag template ${DEFAULT_TAG_TEMPLATE}), more than 63 (got ${JSON.stringify(tag)}). Fix: Shorten the tag to at most ${Math.max(0, 62 - routeName.length)} characters or the name "${routeName}".`);
      continue;
    }
    const host = clusterLocalHost(label, namespace ?? 'default');
    const err = checkHost(host);
    if (err) {
      errors.push(`spec.traffic.tag: ${err} (got ${JSON.stringify(tag)}). Fix: Use a shorter tag or name, and a namespace that is a DNS label.`);
    }
  }
  return errors;
}
