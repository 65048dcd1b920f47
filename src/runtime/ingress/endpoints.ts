/**
 * Pure: EndpointSlices (discovery.k8s.io/v1) → per-revision pod sets, and the autoscaler's
 * stats endpoints. No I/O; the watcher feeds slices in, the proxy reads pod sets out.
 *
 * A revision's pods come from the EndpointSlices of its Service `<rev>` (labelled
 * `serving.knative.dev/revision=<rev>`, as kube's EndpointSlice controller copies the Service's
 * labels). A pod address is `endpoints[].addresses[0]` with the slice's port named `http` (else
 * `http2`, else the first port). A revision may have several slices; their endpoints are merged
 * (a pod listed twice, e.g. while it moves between slices, counts once, ready if any says so).
 */

/** One pod address of a revision as its EndpointSlices describe it. */
export interface PodEndpoint {
  /** The pod IP. */
  readonly ip: string;
  readonly port: number;
  /** `conditions.ready` (absent = ready, as kube defines it). */
  readonly ready: boolean;
  /** `conditions.terminating` (absent = false). */
  readonly terminating: boolean;
}

/** `ip:port` (IPv6 in brackets): a pod's identity in the pool. */
export function podKey(p: { readonly ip: string; readonly port: number }): string {
  return p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`;
}

export const REVISION_LABEL = 'serving.knative.dev/revision';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The parts of a discovery.k8s.io/v1 EndpointSlice this module reads. */
export interface EndpointSliceLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  ports?: Array<{ name?: string | null; port?: number | null }> | null;
  endpoints?: Array<{
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null } | null;
  }> | null;
}

/** The slice's serving port: named `http`, else `http2`, else the first with a number. */
export function slicePort(slice: EndpointSliceLike, preferred: readonly string[] = ['http', 'http2']): number | undefined {
  const ports = slice.ports ?? [];
  for (const name of preferred) {
    const p = ports.find((x) => x.name === name && typeof x.port === 'number');
    if (p) return p.port as number;
  }
  const first = ports.find((x) => typeof x.port === 'number');
  return first?.port ?? undefined;
}

/** The pod endpoints of one slice (endpoints without an address or port are skipped). */
export function sliceEndpoints(slice: EndpointSliceLike, preferredPorts?: readonly string[]): PodEndpoint[] {
  if (slice.addressType !== undefined && slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const port = slicePort(slice, preferredPorts);
  if (port === undefined) return [];
  const out: PodEndpoint[] = [];
  for (const e of slice.endpoints ?? []) {
    const ip = e.addresses?.[0];
    if (!ip) continue;
    const c = e.conditions ?? {};
    out.push({ ip, port, ready: c.ready !== false, terminating: c.terminating === true });
  }
  return out;
}

/** Merge endpoint lists: one entry per `ip:port`, ready if any list says ready, terminating only if all do. Sorted by key. */
export function mergeEndpoints(lists: Iterable<readonly PodEndpoint[]>): PodEndpoint[] {
  const byKey = new Map<string, PodEndpoint>();
  for (const list of lists) {
    for (const p of list) {
      const k = podKey(p);
      const prev = byKey.get(k);
      byKey.set(k, prev === undefined ? p : { ip: p.ip, port: p.port, ready: prev.ready || p.ready, terminating: prev.terminating && p.terminating });
    }
  }
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

const samePod = (p: PodEndpoint, q: PodEndpoint): boolean =>
  p.ip === q.ip && p.port === q.port && p.ready === q.ready && p.terminating === q.terminating;
const sameEndpoints = (a: readonly PodEndpoint[] | undefined, b: readonly PodEndpoint[]): boolean =>
  a !== undefined && a.length === b.length && a.every((p, i) => samePod(p, b[i]));

/**
 * Revision EndpointSlices by slice, merged per revision. `upsert`/`remove` return the revision
 * key (`<ns>/<rev>`) whose pod set changed (undefined if none), so the caller pushes just that.
 */
export class RevisionEndpointsIndex {
  /** The revision key (`<ns>/<rev>`) a slice belongs to, or undefined if it is not a revision's. */
  public static revisionOf(slice: EndpointSliceLike): string | undefined {
    const ns = slice.metadata?.namespace;
    const rev = slice.metadata?.labels?.[REVISION_LABEL];
    if (!ns || !rev) return undefined;
    return `${ns}/${rev}`;
  }

  /** `<ns>/<slice name>` → revision key and the slice's endpoints. */
  private readonly slices = new Map<string, { readonly revision: string; readonly pods: readonly PodEndpoint[] }>();
  /** revision key → slice keys. */
  private readonly byRevision = new Map<string, Set<string>>();
  private readonly merged = new Map<string, readonly PodEndpoint[]>();

  public upsert(slice: EndpointSliceLike): string | undefined {
    const key = `${slice.metadata?.namespace}/${slice.metadata?.name}`;
    const revision = RevisionEndpointsIndex.revisionOf(slice);
    const prev = this.slices.get(key);
    if (revision === undefined) return prev === undefined ? undefined : this.remove(slice);
    let changedOld: string | undefined;
    if (prev !== undefined && prev.revision !== revision) changedOld = this.remove(slice);
    this.slices.set(key, { revision, pods: sliceEndpoints(slice) });
    let set = this.byRevision.get(revision);
    if (set === undefined) this.byRevision.set(revision, (set = new Set()));
    set.add(key);
    const changed = this.recompute(revision);
    return changed ?? changedOld;
  }

  public remove(slice: EndpointSliceLike): string | undefined {
    const key = `${slice.metadata?.namespace}/${slice.metadata?.name}`;
    const prev = this.slices.get(key);
    if (prev === undefined) return undefined;
    this.slices.delete(key);
    const set = this.byRevision.get(prev.revision);
    set?.delete(key);
    if (set !== undefined && set.size === 0) {
      this.byRevision.delete(prev.revision);
      this.merged.delete(prev.revision);
      return prev.revision;
    }
    return this.recompute(prev.revision);
  }

  /** The merged pods of a revision (`undefined`: no slice known). */
  public pods(revisionKey: string): readonly PodEndpoint[] | undefined {
    return this.merged.get(revisionKey);
  }

  public get revisions(): IterableIterator<string> {
    return this.merged.keys();
  }

  private recompute(revision: string): string | undefined {
    const keys = this.byRevision.get(revision);
    const pods = mergeEndpoints([...(keys ?? [])].map((k) => this.slices.get(k)!.pods));
    if (sameEndpoints(this.merged.get(revision), pods)) return undefined;
    this.merged.set(revision, pods);
    return revision;
  }
}

/** `host:port` of every ready, non-terminating endpoint of the autoscaler Service's slices, port `http-stats` else the first; sorted. */
export function readyAddresses(slices: Iterable<EndpointSliceLike>, portName: string): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    for (const p of sliceEndpoints(s, [portName])) if (p.ready && !p.terminating) out.add(podKey(p));
  }
  return [...out].sort();
}

/** The IP of every ready, non-terminating endpoint of the slices (any port), sorted: the ready ingress replicas. */
export function readyIps(slices: Iterable<EndpointSliceLike>): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    for (const p of sliceEndpoints(s)) if (p.ready && !p.terminating) out.add(p.ip);
  }
  return [...out].sort();
}
