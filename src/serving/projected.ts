import { Duration } from 'cdk8s';
import { IConfigMap, ISecret, PathMapping } from 'cdk8s-plus-28';

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
    return new ProjectedVolumeSource({ secret: keysSource(secret.name, options) });
  }

  /**
   * Project the keys of a ConfigMap.
   *
   * @param configMap the ConfigMap
   * @param options which keys, and whether it may be missing
   */
  public static fromConfigMap(configMap: IConfigMap, options: ProjectedKeysOptions = {}): ProjectedVolumeSource {
    return new ProjectedVolumeSource({ configMap: keysSource(configMap.name, options) });
  }

  /**
   * Project a token of the revision's service account (e.g. bound to an audience for an
   * external identity provider).
   *
   * @param options path, audience and lifetime of the token
   */
  public static serviceAccountToken(options: ServiceAccountTokenProjectionOptions): ProjectedVolumeSource {
    checkRelativePath(options.path, 'serviceAccountToken');
    const token: Record<string, unknown> = { path: options.path };
    if (options.audience !== undefined) token.audience = options.audience;
    if (options.expiration !== undefined) {
      const seconds = options.expiration.toSeconds();
      if (!Number.isInteger(seconds) || seconds < 600) {
        throw new Error(`serviceAccountToken expiration must be a whole number of seconds, at least 10 minutes (got ${seconds}s). Fix: use e.g. Duration.hours(1).`);
      }
      token.expirationSeconds = seconds;
    }
    return new ProjectedVolumeSource({ serviceAccountToken: token });
  }

  /**
   * Project pod fields or container resources (downward API).
   *
   * @param items the files to create
   */
  public static downwardApi(items: DownwardApiProjectionItem[]): ProjectedVolumeSource {
    if (items.length === 0) {
      throw new Error('downwardApi() needs at least one item. Fix: pass e.g. [{ path: \'labels\', fieldPath: \'metadata.labels\' }].');
    }
    const rendered = items.map((item) => {
      checkRelativePath(item.path, 'downwardApi');
      if ((item.fieldPath === undefined) === (item.resource === undefined)) {
        throw new Error(`downwardApi item "${item.path}": set exactly one of fieldPath and resource (Knative: expected exactly one, got ${item.fieldPath === undefined ? 'neither' : 'both'}). Fix: e.g. { path: '${item.path}', fieldPath: 'metadata.labels' }.`);
      }
      checkMode(item.mode, `downwardApi item "${item.path}"`);
      const out: Record<string, unknown> = { path: item.path };
      if (item.fieldPath !== undefined) out.fieldRef = { fieldPath: item.fieldPath };
      else if (item.containerName !== undefined) out.resourceFieldRef = { containerName: item.containerName, resource: item.resource };
      else out.resourceFieldRef = { resource: item.resource };
      if (item.mode !== undefined) out.mode = item.mode;
      return out;
    });
    return new ProjectedVolumeSource({ downwardAPI: { items: rendered } });
  }

  private constructor(private readonly source: Record<string, unknown>) {}

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
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      throw new Error(`Projected volume name ${JSON.stringify(name)} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters). Fix: use e.g. "tokens".`);
    }
    if (sources.length === 0) {
      throw new Error(`Projected volume "${name}" needs at least one source. Fix: pass e.g. [ProjectedVolumeSource.fromSecret(secret)].`);
    }
    checkMode(options.defaultMode, `projected volume "${name}" defaultMode`);
    return new ProjectedVolume(name, [...sources], options.defaultMode);
  }

  private constructor(
    /** The volume name. */
    public readonly name: string,
    private readonly sources: ProjectedVolumeSource[],
    private readonly defaultMode: number | undefined,
  ) {}

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

function keysSource(name: string, options: ProjectedKeysOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { name };
  const items = Object.entries(options.items ?? {});
  if (items.length) {
    out.items = items.map(([key, m]) => {
      checkRelativePath(m.path, `key "${key}"`);
      checkMode(m.mode, `key "${key}"`);
      return m.mode !== undefined ? { key, path: m.path, mode: m.mode } : { key, path: m.path };
    });
  }
  if (options.optional !== undefined) out.optional = options.optional;
  return out;
}

function checkRelativePath(path: string, what: string): void {
  if (!path || path.startsWith('/') || path.split('/').includes('..')) {
    throw new Error(`${what}: path ${JSON.stringify(path)} must be a relative path without "..". Fix: use e.g. "token".`);
  }
}

function checkMode(mode: number | undefined, what: string): void {
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
    throw new Error(`${what}: mode ${mode} is not between 0 and 0777 (octal; 511 decimal). Fix: use e.g. 0o440.`);
  }
}
