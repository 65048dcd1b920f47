/**
 * Image references for tag-to-digest resolution (runtime.md §11.3, knative-api.md §6.12): where a
 * reference's manifest lives (registry, repository, tag), whether it is resolved at all, and the
 * digested reference a Deployment runs. Pure; the registry protocol is in the runtime
 * (src/runtime/controller/digests.ts).
 */

/** Docker Hub, as go-containerregistry names it in references (`index.docker.io`). */
export const DOCKER_HUB_REGISTRY = 'index.docker.io';

export interface ImageReference {
  /** Registry host[:port]; Docker Hub is `index.docker.io`. */
  registry: string;
  /** Repository path in the registry (`library/<name>` for Docker Hub's official images). */
  repository: string;
  /** Tag (`latest` when the reference names neither tag nor digest). */
  tag: string;
  /** `sha256:…` when the reference is already pinned. */
  digest?: string;
}

/** Split a reference as go-containerregistry's name.ParseReference does (default registry Docker Hub, default tag `latest`). */
export function parseImageReference(image: string): ImageReference {
  let rest = image.trim();
  if (!rest) throw new Error('image reference is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) throw new Error(`image reference "${image}" has an invalid digest "${digest}"`);
  }
  let tag = 'latest';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB_REGISTRY;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB_REGISTRY;
  let repository = parts.join('/');
  if (!repository) throw new Error(`image reference "${image}" names no repository`);
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag, ...(digest ? { digest } : {}) };
}

/**
 * Whether the registry is reached over plain HTTP, as go-containerregistry's `Registry.Scheme()`
 * decides: localhost, `*.localhost`, `*.local`, and loopback addresses; HTTPS otherwise.
 */
export function registryScheme(registry: string): 'http' | 'https' {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return 'http';
  if (/^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1') return 'http';
  return 'https';
}

/**
 * What resolving `image` needs: `keep` (already pinned: the digest is the reference itself),
 * `skip` (its registry is in `registries-skipping-tag-resolving`: imageDigest is empty and the
 * Deployment runs the tag) or `resolve`.
 */
export function digestPlan(image: string, skipRegistries: readonly string[]): 'keep' | 'skip' | 'resolve' {
  const ref = parseImageReference(image);
  if (ref.digest) return 'keep';
  return skipRegistries.includes(ref.registry) || skipRegistries.includes(image.split('/')[0]) ? 'skip' : 'resolve';
}

/** `<registry>/<repository>@<digest>`, the `imageDigest` upstream writes and the Deployment runs. */
export function digestedReference(image: string, digest: string): string {
  const ref = parseImageReference(image);
  return `${ref.registry}/${ref.repository}@${digest}`;
}

/** One registry credential from a `.dockerconfigjson` / `.dockercfg` Secret. */
export interface RegistryCredential {
  /** Registry host[:port] the entry is for (scheme and path removed; Docker Hub's v1 URL → `index.docker.io`). */
  registry: string;
  username: string;
  password: string;
}

/** The registry host of a docker config `auths` key (`https://index.docker.io/v1/`, `host:port`, `host/path`). */
export function dockerConfigRegistry(key: string): string {
  let host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0];
  if (host === 'docker.io' || host === 'registry-1.docker.io') host = DOCKER_HUB_REGISTRY;
  return host;
}

/**
 * Credentials of a pull Secret's data (base64 values as stored): `.dockerconfigjson`
 * (`{"auths": {...}}`) or the legacy `.dockercfg` (the auths map itself). Entries carry
 * `username`/`password` or `auth` (base64 `user:password`). A Secret of another type yields none;
 * malformed JSON is an error naming the Secret.
 */
export function pullSecretCredentials(secretName: string, data: Record<string, string> | undefined): RegistryCredential[] {
  const raw = data?.['.dockerconfigjson'] ?? data?.['.dockercfg'];
  if (raw === undefined) return [];
  let parsed: any;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch (e) {
    throw new Error(`image pull Secret "${secretName}" does not hold valid docker config JSON: ${(e as Error).message}`);
  }
  const auths: Record<string, any> = data?.['.dockerconfigjson'] !== undefined ? (parsed?.auths ?? {}) : (parsed ?? {});
  const out: RegistryCredential[] = [];
  for (const [key, v] of Object.entries(auths)) {
    let username = typeof v?.username === 'string' ? v.username : '';
    let password = typeof v?.password === 'string' ? v.password : '';
    if ((!username || !password) && typeof v?.auth === 'string') {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        username = decoded.slice(0, i);
        password = decoded.slice(i + 1);
      }
    }
    if (username) out.push({ registry: dockerConfigRegistry(key), username, password });
  }
  return out;
}
