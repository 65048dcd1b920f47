/**
 * Tag-to-digest resolution over the OCI distribution API (Docker Registry HTTP API v2), as
 * upstream's resolver does with go-containerregistry (runtime.md §11.3): `HEAD
 * /v2/<repository>/manifests/<tag>` accepting OCI and Docker manifests and indexes, the digest from
 * `Docker-Content-Digest` (or the SHA-256 of a GET's body when a registry omits it), anonymous or
 * with the first matching credential; the registry's challenge decides the scheme: `Bearer`
 * (token auth: GET the realm with service and `repository:<repo>:pull` scope, Basic-authenticated
 * when a credential matches) or `Basic`. One deadline for the whole resolution (upstream's
 * `digest-resolution-timeout`, 10 s).
 *
 * A thin client over Node's fetch rather than an npm client: docker-registry-client (3.4.0) pulls
 * restify-clients, bunyan and pinned old jws/tough-cookie; @snyk/docker-registry-v2-client (4.0.5,
 * maintained) brings needle, psl and tslib 1 into the controller bundle, exports no HEAD or raw
 * manifest call (only getManifest, which follows an index to one platform's manifest, where
 * upstream pins the digest the tag points at), and computes its digests wrongly for this use: it
 * reads `headers["Docker-Content-Digest"]` from Node's lower-cased headers (never set), then hashes
 * `JSON.stringify` of the parsed body, not the registry's bytes, so a manifest stored with any
 * other whitespace (Docker pushes indented ones) gets a digest the registry does not know.
 */
import { createHash } from 'node:crypto';
import { KubeApiError, KubeClient, R } from './client';
import { ImageReference, RegistryCredential, digestPlan, digestedReference, parseImageReference, pullSecretCredentials, registryScheme } from '../../core/image-digest';
import type { KubeObject } from '../../core/types';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ResolveOptions {
  /** Credentials from the revision's pull Secrets (first match by registry wins). */
  credentials?: readonly RegistryCredential[];
  /** Deadline for the whole resolution. Default 10 s. */
  timeoutMs?: number;
  /** Default `knative/<version> (serving)`-like: `cdk8s-knative-serving (serving)`. */
  userAgent?: string;
}

/** Parse `Bearer realm="…",service="…",scope="…"` / `Basic realm="…"`. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1].toLowerCase(), params };
}

function basic(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

async function bodyText(res: Response): Promise<string> {
  try {
    return (await res.text()).trim().slice(0, 300);
  } catch {
    return '';
  }
}

/** Resolve `image` (a tag reference) to its manifest digest `sha256:…`. Throws with the registry's answer. */
export async function resolveDigest(image: string, opts: ResolveOptions = {}): Promise<string> {
  const ref = parseImageReference(image);
  if (ref.digest) return ref.digest;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const cred = opts.credentials?.find((c) => c.registry === ref.registry);
  const base = `${registryScheme(ref.registry)}://${ref.registry}`;
  const url = `${base}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`;
  const headers: Record<string, string> = { 'accept': MANIFEST_TYPES, 'user-agent': opts.userAgent ?? 'cdk8s-knative-serving (serving)' };
  const request = async (method: 'HEAD' | 'GET', auth?: string): Promise<Response> => {
    try {
      return await fetch(url, { method, headers: auth ? { ...headers, authorization: auth } : headers, signal, redirect: 'follow' });
    } catch (e) {
      const cause = (e as any)?.cause?.message ?? (e as Error).message;
      if ((e as Error).name === 'TimeoutError' || signal.aborted) throw new Error(`${method} ${url}: timed out after ${opts.timeoutMs ?? 10_000} ms`);
      throw new Error(`${method} ${url}: ${cause}`);
    }
  };
  let auth: string | undefined;
  let res = await request('HEAD');
  if (res.status === 401) {
    auth = await authorize(ref, res.headers.get('www-authenticate'), cred, headers['user-agent'], signal);
    res = await request('HEAD', auth);
  }
  if (res.ok) {
    const digest = res.headers.get('docker-content-digest');
    if (digest) return digest;
  }
  // HEAD answers carry no body: ask again with GET for the registry's error (or a digest to compute).
  const get = await request('GET', auth);
  if (!get.ok) {
    const detail = await bodyText(get);
    throw new Error(`GET ${url}: unexpected status code ${get.status} ${get.statusText}${detail ? `: ${detail}` : ''}`);
  }
  const digest = get.headers.get('docker-content-digest');
  if (digest) {
    // Release the connection: an unread body keeps it busy (and a test's server open) for good.
    await get.body?.cancel().catch(() => undefined);
    return digest;
  }
  return `sha256:${createHash('sha256').update(Buffer.from(await get.arrayBuffer())).digest('hex')}`;
}

async function authorize(ref: ImageReference, header: string | null, cred: RegistryCredential | undefined, userAgent: string,
  signal: AbortSignal): Promise<string> {
  const ch = parseChallenge(header);
  if (ch?.scheme === 'basic') {
    if (!cred) throw new Error(`${ref.registry} wants basic authentication and no image pull Secret has credentials for it`);
    return basic(cred);
  }
  if (ch?.scheme !== 'bearer' || !ch.params.realm) throw new Error(`${ref.registry} answered 401 without a usable challenge (WWW-Authenticate: ${header ?? 'none'})`);
  const tokenUrl = new URL(ch.params.realm);
  if (ch.params.service) tokenUrl.searchParams.set('service', ch.params.service);
  tokenUrl.searchParams.set('scope', `repository:${ref.repository}:pull`);
  let res: Response;
  try {
    res = await fetch(tokenUrl, { headers: { 'user-agent': userAgent, ...(cred ? { authorization: basic(cred) } : {}) }, signal });
  } catch (e) {
    throw new Error(`GET ${tokenUrl.href}: ${(e as any)?.cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok) throw new Error(`token from ${tokenUrl.origin}${tokenUrl.pathname}: unexpected status code ${res.status} ${res.statusText}: ${await bodyText(res)}`);
  const body: any = await res.json();
  const token = body?.token ?? body?.access_token;
  if (typeof token !== 'string' || !token) throw new Error(`token from ${tokenUrl.origin}${tokenUrl.pathname}: no token in the answer`);
  return `Bearer ${token}`;
}

/** One container's resolved image (`imageDigest` '' when its registry is skipped). */
export interface ImageDigestStatus { name: string; imageDigest: string }

export interface DigestResults {
  containerStatuses: ImageDigestStatus[];
  initContainerStatuses: ImageDigestStatus[];
}

/** A revision's resolution: still running, resolved, or failed (retried once `retryAt` passed). */
export type DigestState =
  | { phase: 'pending' }
  | { phase: 'done'; results: DigestResults }
  | { phase: 'failed'; message: string; retryAt: number };

interface Job { state: DigestState; failures: number; namespace: string; name: string }

export interface DigestResolverOptions {
  /** The pull credentials of a revision: its imagePullSecrets and its ServiceAccount's (read by the caller). */
  credentials(namespace: string, serviceAccount: string, pullSecrets: string[]): Promise<RegistryCredential[]>;
  /** Settings of config-deployment, read at each resolution. */
  settings(): { skipRegistries: readonly string[]; timeoutMs: number };
  /** A revision's resolution finished (reconcile it). */
  onDone(namespace: string, name: string): void;
  now(): number;
}

/**
 * Background resolution per revision (upstream's backgroundResolver): started by the Revision
 * reconciler, which marks `ResourcesAvailable Unknown ResolvingDigests` until it is done; each
 * distinct image resolved once; a failure is kept until its retry time (exponential from 1 s,
 * at most 5 minutes) so the reconciler reports it, then resolved again.
 */
export class DigestResolver {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly opts: DigestResolverOptions) {}

  /** The state for a revision (uid), starting a resolution when there is none or a failure is due for retry. */
  state(rev: { metadata: { uid?: string; namespace?: string; name?: string }; spec: any }): DigestState {
    const key = rev.metadata.uid ?? `${rev.metadata.namespace}/${rev.metadata.name}`;
    const job = this.jobs.get(key);
    if (job && !(job.state.phase === 'failed' && this.opts.now() >= job.state.retryAt)) return job.state;
    const next: Job = { state: { phase: 'pending' }, failures: job?.failures ?? 0, namespace: rev.metadata.namespace!, name: rev.metadata.name! };
    this.jobs.set(key, next);
    void this.run(rev).then((results) => {
      next.state = { phase: 'done', results };
      next.failures = 0;
    }, (e) => {
      next.failures++;
      next.state = { phase: 'failed', message: (e as Error).message, retryAt: this.opts.now() + Math.min(300_000, 1000 * 2 ** (next.failures - 1)) };
    }).finally(() => this.opts.onDone(rev.metadata.namespace!, rev.metadata.name!));
    return next.state;
  }

  /** Drop what is kept for a deleted revision. */
  forgetByName(namespace: string, name: string): void {
    for (const [k, j] of this.jobs) if (j.namespace === namespace && j.name === name) this.jobs.delete(k);
  }

  private async run(rev: { metadata: { namespace?: string }; spec: any }): Promise<DigestResults> {
    const { skipRegistries, timeoutMs } = this.opts.settings();
    const spec = rev.spec ?? {};
    const pullSecrets = ((spec.imagePullSecrets ?? []) as Array<{ name?: string }>).map((s) => s.name ?? '').filter(Boolean);
    const credentials = await this.opts.credentials(rev.metadata.namespace!, spec.serviceAccountName || 'default', pullSecrets);
    const resolved = new Map<string, Promise<string>>();
    const one = async (c: { name?: string; image?: string }): Promise<ImageDigestStatus> => {
      const image = String(c.image ?? '');
      const plan = digestPlan(image, skipRegistries);
      if (plan === 'skip') return { name: c.name ?? '', imageDigest: '' };
      if (plan === 'keep') return { name: c.name ?? '', imageDigest: image };
      let p = resolved.get(image);
      if (!p) resolved.set(image, (p = resolveDigest(image, { credentials, timeoutMs })));
      try {
        return { name: c.name ?? '', imageDigest: digestedReference(image, await p) };
      } catch (e) {
        throw new Error(`Unable to fetch image "${image}": failed to resolve image to digest: ${(e as Error).message}`);
      }
    };
    return {
      containerStatuses: await Promise.all(((spec.containers ?? []) as any[]).map(one)),
      initContainerStatuses: await Promise.all(((spec.initContainers ?? []) as any[]).map(one)),
    };
  }
}

/**
 * The registry credentials of a revision in `namespace`: its `imagePullSecrets`, then its
 * ServiceAccount's, each read by GET (a missing Secret or ServiceAccount contributes none, as the
 * kubelet ignores a missing pull Secret).
 */
export async function pullCredentials(client: KubeClient, namespace: string, serviceAccount: string, names: string[]): Promise<RegistryCredential[]> {
  // Without get on ServiceAccounts (the control plane's RBAC does not grant it yet) a revision's own
  // imagePullSecrets still apply; a named Secret that cannot be read fails the resolution with the API's answer.
  let sa: KubeObject | undefined;
  try {
    sa = await client.get(R.serviceAccounts, namespace, serviceAccount);
  } catch (e) {
    if (!(e instanceof KubeApiError && e.code === 403)) throw e;
  }
  const all = [...names, ...((sa as any)?.imagePullSecrets ?? []).map((s: { name?: string }) => s.name ?? '').filter(Boolean)];
  const out: RegistryCredential[] = [];
  for (const name of [...new Set(all)]) {
    const secret = await client.get(R.secrets, namespace, name);
    if (secret) out.push(...pullSecretCredentials(name, (secret as any).data));
  }
  return out;
}
