import { Duration } from 'cdk8s';
import { IConfigMap, ISecret, PathMapping } from 'cdk8s-plus-28';
import { KnativeErrorDetails, ProblemList } from './errors';

/**
 * Projected volumes and their sources are built before they are mounted, so a bad option is
 * recorded (not thrown) and thrown by the container that mounts the volume, with its construct
 * path (see src/serving/errors.ts: deferral). Fields name the call the user wrote, e.g.
 * `ProjectedVolume.of("tokens").sources[0].serviceAccountToken.expiration`.
 */
type Problem = KnativeErrorDetails;

/**
 * Options for a Secret or ConfigMap projected into a projected volume.
 */
export interface ProjectedKeysOptions {
  /**
   * Keys to project and where (relative paths); only these keys are projected.
   * @default - every key, each at a file named after it
   */
  readonly items?: { [key: string]: PathMapping };

  /**
   * Whether the Secret / ConfigMap (or the listed keys) may be missing.
   * @default - must exist
   */
  readonly optional?: boolean;
}

/**
 * Options for a projected service account token.
 */
export interface ServiceAccountTokenProjectionOptions {
  /** Relative path of the token file in the volume. */
  readonly path: string;

  /**
   * Audience the token is for (`aud` claim).
   * @default - the API server's audience
   */
  readonly audience?: string;

  /**
   * Requested token lifetime (Kubernetes requires at least 10 minutes).
   * @default - 1 hour
   */
  readonly expiration?: Duration;
}

/**
 * A file with a field of the pod or a resource of a container (downward API), in a projected
 * volume. Set exactly one of `fieldPath` and `resource`.
 */
export interface DownwardApiProjectionItem {
  /** Relative path of the file in the volume. */
  readonly path: string;

  /**
   * Pod field to expose, e.g. `metadata.labels` or `metadata.annotations['x']`.
   * @default - none (set `resource` instead)
   */
  readonly fieldPath?: string;

  /**
   * Container resource to expose, e.g. `limits.cpu` or `requests.memory`.
   * @default - none (set `fieldPath` instead)
   */
  readonly resource?: string;

  /**
   * Container whose resource is exposed (with `resource`).
   * @default - the container mounting the volume
   */
  readonly containerName?: string;

  /**
   * File mode bits (0–0777).
   * @default - the volume's `defaultMode`
   */
  readonly mode?: number;
}

/**
 * One source of a projected volume: a Secret, a ConfigMap, a service account token or
 * downward API fields — the kinds Knative accepts in `projected.sources`.
 */
export class ProjectedVolumeSource {
  /**
   * Project the keys of a Secret.
   *
   * @param secret the Secret
   * @param options which keys, and whether it may be missing
   */
  public static fromSecret(secret: ISecret, options: ProjectedKeysOptions = {}): ProjectedVolumeSource {
    const problems: Problem[] = [];
    return new ProjectedVolumeSource({ secret: keysSource(secret.name, options, 'fromSecret', problems) }, problems);
  }

  /**
   * Project the keys of a ConfigMap.
   *
   * @param configMap the ConfigMap
   * @param options which keys, and whether it may be missing
   */
  public static fromConfigMap(configMap: IConfigMap, options: ProjectedKeysOptions = {}): ProjectedVolumeSource {
    const problems: Problem[] = [];
    return new ProjectedVolumeSource({ configMap: keysSource(configMap.name, options, 'fromConfigMap', problems) }, problems);
  }

  /**
   * Project a token of the revision's service account (e.g. bound to an audience for an
   * external identity provider).
   *
   * @param options path, audience and lifetime of the token
   */
  public static serviceAccountToken(options: ServiceAccountTokenProjectionOptions): ProjectedVolumeSource {
    const problems: Problem[] = [];
    checkRelativePath(options.path, 'serviceAccountToken.path', problems);
    const token: Record<string, unknown> = { path: options.path };
    if (options.audience !== undefined) token.audience = options.audience;
    if (options.expiration !== undefined) {
      const ms = options.expiration.toMilliseconds();
      if (!Number.isInteger(ms / 1000) || ms < 600_000) {
        problems.push({
          field: 'serviceAccountToken.expiration',
          message: 'must be a whole number of seconds, at least 10 minutes',
          value: options.expiration,
          fix: 'Use e.g. Duration.hours(1).',
        });
      }
      token.expirationSeconds = ms / 1000;
    }
    return new ProjectedVolumeSource({ serviceAccountToken: token }, problems);
  }

  /**
   * Project pod fields or container resources (downward API).
   *
   * @param items the files to create
   */
  public static downwardApi(items: DownwardApiProjectionItem[]): ProjectedVolumeSource {
    const problems: Problem[] = [];
    if (items.length === 0) {
      problems.push({
        field: 'downwardApi',
        message: 'needs at least one item',
        value: items,
        fix: 'Pass e.g. [{ path: \'labels\', fieldPath: \'metadata.labels\' }].',
      });
    }
    const rendered = items.map((item, i) => {
      const at = `downwardApi[${i}]`;
      checkRelativePath(item.path, `${at}.path`, problems);
      if ((item.fieldPath === undefined) === (item.resource === undefined)) {
        const both = item.fieldPath !== undefined;
        problems.push({
          field: at,
          message: `set exactly one of fieldPath and resource (Knative: expected exactly one, got ${both ? 'both' : 'neither'})`,
          ...(both ? { value: { fieldPath: item.fieldPath, resource: item.resource } } : {}),
          fix: `Use e.g. { path: '${item.path}', fieldPath: 'metadata.labels' }.`,
        });
      }
      checkMode(item.mode, `${at}.mode`, problems);
      const out: Record<string, unknown> = { path: item.path };
      if (item.fieldPath !== undefined) out.fieldRef = { fieldPath: item.fieldPath };
      else if (item.containerName !== undefined) out.resourceFieldRef = { containerName: item.containerName, resource: item.resource };
      else out.resourceFieldRef = { resource: item.resource };
      if (item.mode !== undefined) out.mode = item.mode;
      return out;
    });
    return new ProjectedVolumeSource({ downwardAPI: { items: rendered } }, problems);
  }

  private constructor(private readonly source: Record<string, unknown>, private readonly problems: Problem[]) {}

  /**
   * Problems recorded by the factory, fields relative to this source.
   * @internal
   */
  public get _problems(): readonly KnativeErrorDetails[] {
    return this.problems;
  }

  /**
   * The `projected.sources[]` entry.
   * @internal
   */
  public _toKube(): Record<string, unknown> {
    return this.source;
  }
}

/**
 * Options for `ProjectedVolume.of()`.
 */
export interface ProjectedVolumeOptions {
  /**
   * Mode bits of the files (0–0777).
   * @default - 0644 (Kubernetes' default)
   */
  readonly defaultMode?: number;
}

/**
 * A projected volume: several Secrets, ConfigMaps, a service account token and downward API
 * fields in one directory. Mount it with `Container.mountProjected()` (it is added to the
 * revision's volumes automatically, read-only as Knative requires).
 */
export class ProjectedVolume {
  /**
   * A projected volume.
   *
   * @param name volume name (a DNS-1123 label, unique within the revision)
   * @param sources what to project (at least one)
   * @param options file modes
   */
  public static of(name: string, sources: ProjectedVolumeSource[], options: ProjectedVolumeOptions = {}): ProjectedVolume {
    const problems = new ProblemList();
    const base = `ProjectedVolume.of(${JSON.stringify(name)})`;
    if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      problems.add({
        field: 'ProjectedVolume.of().name',
        message: 'is not a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters)',
        value: name,
        fix: 'Use e.g. "tokens".',
      });
    }
    if (sources.length === 0) {
      problems.add({ field: `${base}.sources`, message: 'needs at least one source', value: sources, fix: 'Pass e.g. [ProjectedVolumeSource.fromSecret(secret)].' });
    }
    sources.forEach((src, i) => {
      for (const p of src._problems) problems.add({ ...p, field: `${base}.sources[${i}].${p.field}` });
    });
    const modeProblems: Problem[] = [];
    checkMode(options.defaultMode, `${base}.defaultMode`, modeProblems);
    for (const p of modeProblems) problems.add(p);
    return new ProjectedVolume(name, [...sources], options.defaultMode, problems);
  }

  private constructor(
    /** The volume name. */
    public readonly name: string,
    private readonly sources: ProjectedVolumeSource[],
    private readonly defaultMode: number | undefined,
    private readonly problems: ProblemList,
  ) {}

  /**
   * Problems recorded by `of()` and its sources, thrown by the container that mounts the volume.
   * @internal
   */
  public get _problems(): ProblemList {
    return this.problems;
  }

  /**
   * The pod volume.
   * @internal
   */
  public _toKube(): Record<string, unknown> {
    const projected: Record<string, unknown> = { sources: this.sources.map((s) => s._toKube()) };
    if (this.defaultMode !== undefined) projected.defaultMode = this.defaultMode;
    return { name: this.name, projected };
  }
}

function keysSource(name: string, options: ProjectedKeysOptions, factory: string, problems: Problem[]): Record<string, unknown> {
  const out: Record<string, unknown> = { name };
  const items = Object.entries(options.items ?? {});
  if (items.length) {
    out.items = items.map(([key, m]) => {
      checkRelativePath(m.path, `${factory}.items[${JSON.stringify(key)}].path`, problems);
      checkMode(m.mode, `${factory}.items[${JSON.stringify(key)}].mode`, problems);
      return m.mode !== undefined ? { key, path: m.path, mode: m.mode } : { key, path: m.path };
    });
  }
  if (options.optional !== undefined) out.optional = options.optional;
  return out;
}

function checkRelativePath(path: string, field: string, problems: Problem[]): void {
  if (!path || typeof path !== 'string' || path.startsWith('/') || path.split('/').includes('..')) {
    problems.push({ field, message: 'must be a relative path without ".."', value: path, fix: 'Use e.g. "token".' });
  }
}

function checkMode(mode: number | undefined, field: string, problems: Problem[]): void {
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
    problems.push({
      field,
      message: 'must be between 0 and 0o777 (octal; 511 decimal)',
      value: mode,
      shown: Number.isInteger(mode) && mode >= 0 ? `${mode} (0o${mode.toString(8)})` : String(mode),
      fix: 'Use a mode between 0 and 0o777, e.g. 0o440.',
    });
  }
}
