import { Construct, IConstruct } from 'constructs';
import { KnativeResource, KnativeResourceProps } from './base';
import { Container, ContainerProps } from './container';
import { _pathError, KnativeError } from './errors';
import { KnativeFeature } from './features';
import { RevisionOptions, RevisionTemplate } from './template';

/**
 * A Knative Revision: an immutable snapshot of code and configuration.
 */
export interface IRevision extends IConstruct {
  /** The revision name. */
  readonly revisionName: string;
  /**
   * The Configuration that created the revision, if known.
   * @default - unknown / standalone revision
   */
  readonly configurationName?: string;
}

/**
 * Options for `Revision.fromRevisionName()`.
 */
export interface RevisionAttributes {
  /**
   * The Configuration (or KnService) that created the revision.
   * @default - unknown
   */
  readonly configurationName?: string;
}

/**
 * Properties of a standalone `Revision`.
 *
 * `revisionLabels`/`revisionAnnotations` and the autoscaling annotations are rendered on
 * the Revision's own metadata (a Revision has no template).
 */
export interface RevisionProps extends RevisionOptions, KnativeResourceProps {}

/**
 * A standalone Knative Revision (`serving.knative.dev/v1`, kind `Revision`).
 *
 * Most users never create Revisions directly: a `KnService` or `Configuration` stamps one
 * out per template change. A standalone Revision is legal and is reconciled normally, but it
 * has no Configuration; route traffic to it by name. Its spec is immutable once created.
 */
export class Revision extends KnativeResource implements IRevision {
  /**
   * Reference a revision created elsewhere (e.g. by a Configuration) by name.
   *
   * @param scope parent construct
   * @param id construct id
   * @param name the revision name
   * @param options more attributes of the revision
   */
  public static fromRevisionName(scope: Construct, id: string, name: string, options: RevisionAttributes = {}): IRevision {
    return new ImportedRevision(scope, id, name, options.configurationName);
  }

  /**
   * The Configuration that created this revision: none for a standalone Revision.
   * @default - none
   */
  public readonly configurationName?: string;

  private readonly _template: RevisionTemplate;

  public constructor(scope: Construct, id: string, props: RevisionProps = {}) {
    super(scope, id, 'serving.knative.dev/v1', 'Revision', props);
    try {
      this._template = new RevisionTemplate(this, props);
      for (const [k, v] of Object.entries(this._template.revisionLabels)) {
        this.metadata.addLabel(k, v);
      }
      for (const [k, v] of Object.entries(this._template.revisionAnnotations)) {
        this.metadata.addAnnotation(k, v);
      }
    } catch (e) {
      throw _pathError(this, e);
    }
    this._addKnativeValidation({
      features: () => this._template._featureList(),
      checks: () => this._template._checks('spec'),
    });
  }

  /** The revision name (`metadata.name`). */
  public get revisionName(): string {
    return this.name;
  }

  /** The containers (a copy; use `addContainer()` to add). */
  public get containers(): Container[] {
    return this._template.containers;
  }

  /** The init containers (a copy; use `addInitContainer()` to add). */
  public get initContainers(): Container[] {
    return this._template.initContainers;
  }

  /** Feature gates declared for this revision (own and chart-wide). */
  public get enabledFeatures(): KnativeFeature[] {
    return this._template.enabledFeatures;
  }

  /**
   * Add a container.
   *
   * @param props container properties
   */
  public addContainer(props: ContainerProps): Container {
    return this._template.addContainer(props);
  }

  /**
   * Add an init container (requires `KnativeFeature.INIT_CONTAINERS`).
   *
   * @param props container properties (probes are not allowed)
   */
  public addInitContainer(props: ContainerProps): Container {
    return this._template.addInitContainer(props);
  }

  /**
   * @internal
   */
  public _toKube(): any {
    return this._template._renderSpec();
  }
}

class ImportedRevision extends Construct implements IRevision {
  public readonly revisionName: string;
  public readonly configurationName?: string;

  public constructor(scope: Construct, id: string, name: string, configurationName?: string) {
    super(scope, id);
    if (!name) {
      throw new KnativeError(this, {
        field: 'Revision.fromRevisionName(name)', message: 'must not be empty', value: name, fix: 'Pass the revision name, e.g. "hello-00001".',
      });
    }
    this.revisionName = name;
    this.configurationName = configurationName;
  }
}
