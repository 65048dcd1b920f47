import { Construct, IConstruct } from 'constructs';
import { KnativeResource, KnativeResourceProps } from './base';
import { Container, ContainerProps } from './container';
import { _childPath, _pathError, _withPath, KnativeError } from './errors';
import type { IRevision } from './revision';
import { RevisionTemplate, RevisionTemplateProps } from './template';
import { byoRevisionName } from '../core/names';
import { SERVING_API_VERSION } from '../core/types';

/**
 * A Knative Configuration (`serving.knative.dev/v1`), created here or imported.
 */
export interface IConfiguration extends IConstruct {
  /**
   * The Configuration's `metadata.name`.
   */
  readonly configurationName: string;
}

/**
 * Properties of a Knative `Configuration`: the revision template plus object metadata.
 *
 * `metadata.labels`/`metadata.annotations` go on the Configuration object;
 * `revisionLabels`/`revisionAnnotations` (and autoscaling) go on the template.
 */
export interface ConfigurationProps extends RevisionTemplateProps, KnativeResourceProps {}

/**
 * A Knative Configuration: a revision template that stamps out a new Revision on every
 * template change. Route traffic to it with `TrafficTarget.configuration(cfg)` in a `Route`.
 */
export class Configuration extends KnativeResource implements IConfiguration {
  /**
   * Reference a Configuration created elsewhere.
   *
   * @param name the Configuration's `metadata.name`
   */
  public static fromConfigurationName(scope: Construct, id: string, name: string): IConfiguration {
    if (!name) {
      throw new KnativeError(_childPath(scope, id), {
        field: 'Configuration.fromConfigurationName(name)', message: 'must not be empty', value: name, fix: 'Pass the Configuration\'s metadata.name.',
      });
    }
    return new ImportedConfiguration(scope, id, name);
  }

  /**
   * The revision template (`spec.template`): `addContainer()` (mount volumes on the
   * returned container), `addRevisionLabel()`, `addRevisionAnnotation()`.
   */
  public readonly template: RevisionTemplate;

  private readonly revisions: _RevisionHandles;

  public constructor(scope: Construct, id: string, props: ConfigurationProps = {}) {
    super(scope, id, SERVING_API_VERSION, 'Configuration', props);
    try {
      this.template = new RevisionTemplate(this, props);
      this.revisions = new _RevisionHandles(this, () => this.name);
    } catch (e) {
      throw _pathError(this, e);
    }
    this._addKnativeValidation({
      features: () => this.template._featureList(),
      checks: () => this.template._checks('spec.template.spec'),
    });
  }

  /**
   * The revision the current template produces, when its name is known before applying
   * (`revisionName: RevisionName.of(…)` or `RevisionName.contentHash()`).
   *
   * @default - undefined when Knative generates the name
   */
  public get currentRevision(): IRevision | undefined {
    return this.revisions.current(this.template);
  }

  /** The Configuration's `metadata.name`. */
  public get configurationName(): string {
    return this.name;
  }

  /**
   * A revision of this Configuration created earlier, by its name or by the suffix after
   * `<configuration name>-` (`'v1'` → `<name>-v1`, `'00001'` → `<name>-00001`).
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
    return { template: this.template._toKube(this.name) };
  }
}

class ImportedConfiguration extends Construct implements IConfiguration {
  public constructor(scope: Construct, id: string, public readonly configurationName: string) {
    super(scope, id);
  }
}

/**
 * A revision of a Service/Configuration, named lazily (the name is read at synthesis).
 */
class TemplateRevision extends Construct implements IRevision {
  public constructor(scope: Construct, id: string, private readonly nameFn: () => string, private readonly parentFn: () => string) {
    super(scope, id);
  }

  public get revisionName(): string {
    return this.nameFn();
  }

  public get configurationName(): string {
    return this.parentFn();
  }
}

/**
 * Revision handles of a KnService or Configuration (`currentRevision`, `revision(name)`).
 * @internal
 */
export class _RevisionHandles {
  private readonly byName = new Map<string, IRevision>();
  private _current?: IRevision;

  public constructor(private readonly scope: Construct, private readonly parentName: () => string) {}

  /**
   * The revision the template names, if its name is known (BYO or content hash). The handle
   * construct is created on first use; the name is read at synthesis (without rendering the
   * template for BYO names).
   */
  public current(template: RevisionTemplate): IRevision | undefined {
    if (template.revisionName.isGenerated) return undefined;
    if (!this._current) {
      this._current = new TemplateRevision(this.scope, 'CurrentRevision',
        () => template._revisionNameFor(this.parentName()) ?? '',
        this.parentName);
    }
    return this._current;
  }

  /** A handle for `<parent>-<suffix>` (or the full name). */
  public get(nameOrSuffix: string): IRevision {
    if (typeof nameOrSuffix !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(nameOrSuffix)) {
      // Path-less: revision() locates it at its construct.
      throw new KnativeError(undefined, {
        field: 'revision(nameOrSuffix)',
        message: 'is not a revision name or suffix (a DNS-1123 label)',
        value: nameOrSuffix,
        fix: `Pass the suffix after "${this.parentName()}-" (e.g. 'v1', '00001') or the full revision name.`,
      });
    }
    const name = byoRevisionName(this.parentName(), nameOrSuffix);
    let rev = this.byName.get(name);
    if (!rev) {
      rev = new TemplateRevision(this.scope, `Revision-${name}`, () => name, this.parentName);
      this.byName.set(name, rev);
    }
    return rev;
  }
}
