/**
 * IngressReady means served (runtime.md §9.3, the role of upstream's data-plane prober): the I/O
 * of asking every ready ingress replica which version of a Route or DomainMapping its table
 * holds, and the reconcilers' shared use of it (`servedByIngress`, `probeAgainLater`). The
 * decision (`ingressServedVerdict`) and the digests (`routingDigest`, `domainMappingDigest`) are
 * pure, in core.
 *
 * The replicas are the ready endpoints of the EndpointSlices of the internal ingress Service
 * (`serving-ingress-internal`, system namespace; the controller's informer), each asked at its
 * address on the ingress admin port (`INGRESS_ADMIN_PORT`, 9000): `GET /v1/routes/<ns>/<name>`
 * or `GET /v1/domainmappings/<ns>/<name>` (ingress/admin.ts), 1 s timeout. A replica that does
 * not answer counts as not serving; a probe never throws.
 */
import * as http from 'node:http';
import { IngressReplicaProbe, IngressServedVerdict, ingressProbeBackoffMs, ingressServedVerdict } from '../../core/routing';
import type { KubeObject } from '../../core/types';

/** The kinds whose IngressReady is probed (each has its admin path and digest). */
export type IngressProbeKind = 'Route' | 'DomainMapping';

/** Per kind: the admin path prefix, the answer's key naming the object, the verdict message's noun. */
const PROBED: Record<IngressProbeKind, { path: string; field: string; subject: string }> = {
  Route: { path: '/v1/routes/', field: 'route', subject: 'route' },
  DomainMapping: { path: '/v1/domainmappings/', field: 'domainMapping', subject: 'domain mapping' },
};

/** Asks the ingress replicas which version of a Route or DomainMapping they serve. */
export interface IngressProber {
  /** One answer per ready replica (none: no replica to ask). Never rejects. */
  probe(kind: IngressProbeKind, namespace: string, name: string): Promise<IngressReplicaProbe[]>;
}

/**
 * `host:port` of every ready endpoint address of the slices (`conditions.ready` unset counts as
 * ready, as the EndpointSlice API says), deduplicated and sorted, IPv6 in brackets.
 */
export function ingressReplicaAddresses(slices: readonly KubeObject[], port: number): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    for (const ep of ((s as any).endpoints ?? []) as any[]) {
      if (ep?.conditions?.ready === false) continue;
      for (const a of (ep?.addresses ?? []) as unknown[]) {
        if (typeof a !== 'string' || a === '') continue;
        out.add(a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
      }
    }
  }
  return [...out].sort();
}

export interface HttpIngressProberOptions {
  /** The replicas' admin addresses (`host:port`), read at each probe. */
  replicas: () => readonly string[];
  /** Per-replica timeout (ms); default 1000 (upstream's). */
  timeoutMs?: number;
}

/** Probes each replica's admin endpoint over HTTP (keep-alive). */
export class HttpIngressProber implements IngressProber {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly timeoutMs: number;

  constructor(private readonly opts: HttpIngressProberOptions) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  public async probe(kind: IngressProbeKind, namespace: string, name: string): Promise<IngressReplicaProbe[]> {
    const path = `${PROBED[kind].path}${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    return Promise.all(this.opts.replicas().map((replica) => this.probeOne(replica, path, kind, `${namespace}/${name}`)));
  }

  public close(): void {
    this.agent.destroy();
  }

  private probeOne(replica: string, path: string, kind: IngressProbeKind, key: string): Promise<IngressReplicaProbe> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (p: IngressReplicaProbe): void => {
        if (done) return;
        done = true;
        resolve(p);
      };
      const bracket = replica.lastIndexOf(']');
      const colon = replica.lastIndexOf(':');
      const host = replica.slice(replica.startsWith('[') ? 1 : 0, bracket > 0 ? bracket : colon);
      const port = Number(replica.slice(colon + 1));
      const req = http.request({ host, port, path, method: 'GET', agent: this.agent, headers: { 'user-agent': 'Knative-Ingress-Probe' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => finish({ replica, error: 'response aborted' }));
        res.on('end', () => {
          if (res.statusCode !== 200) return finish({ replica, error: `HTTP ${res.statusCode}` });
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (body?.[PROBED[kind].field] !== key) return finish({ replica, error: `answer for another ${PROBED[kind].subject}` });
            return finish(typeof body.digest === 'string' ? { replica, digest: body.digest } : { replica });
          } catch {
            return finish({ replica, error: 'unreadable answer' });
          }
        });
      });
      req.setTimeout(this.timeoutMs, () => {
        finish({ replica, error: `no answer within ${this.timeoutMs} ms` });
        req.destroy();
      });
      // The error code only (no addresses or timings), so the condition message stays the same
      // from one failed probe to the next.
      req.on('error', (e: NodeJS.ErrnoException) => finish({ replica, error: e.code ?? 'connection failed' }));
      req.end();
    });
  }
}

/** The reconcilers' probing state (one per controller; a new leader probes again). */
export interface IngressProbeState {
  readonly prober: IngressProber;
  /** `<kind>:<ns>/<name>` → the digest every replica was last found to serve. */
  readonly confirmed: Map<string, string>;
  /** `<kind>:<ns>/<name>` → consecutive probes that found it not served (the requeue backoff). */
  readonly attempts: Map<string, number>;
}

export function newIngressProbeState(prober: IngressProber): IngressProbeState {
  return { prober, confirmed: new Map(), attempts: new Map() };
}

/** What the probe steps need of a reconciler's context (`ReconcilerContext` has these members). */
interface ProbeContext {
  readonly ingressProbe?: IngressProbeState;
  enqueueAfter?(kind: string, key: string, delayMs: number): void;
  cancelAfter?(kind: string, key: string): void;
}
const stateKey = (kind: IngressProbeKind, key: string): string => `${kind}:${key}`;

/**
 * Whether every ingress replica serves `digest` for `key` (`<ns>/<name>`) of `kind`, asked
 * through `ctx.ingressProbe`: `digest` is what the ingress computes from the status being
 * written (a function, so that an error computing it is a verdict too). A failed probe is a
 * verdict (not served), never an error. Without a prober (no controller) the status stands for
 * served. A digest every replica served is remembered (not probed again while unchanged); once
 * served, a probe retry still scheduled is cancelled.
 */
export async function servedByIngress(ctx: ProbeContext, kind: IngressProbeKind, key: string, digest: () => string): Promise<IngressServedVerdict> {
  const probe = ctx.ingressProbe;
  if (!probe) return { served: true, message: '' };
  let expected: string;
  try {
    expected = digest();
  } catch (e) {
    return { served: false, message: `routing not computable: ${(e as Error)?.message ?? String(e)}` };
  }
  const id = stateKey(kind, key);
  let verdict: IngressServedVerdict = { served: true, message: '' };
  if (probe.confirmed.get(id) !== expected) {
    const slash = key.indexOf('/');
    try {
      verdict = ingressServedVerdict(expected, await probe.prober.probe(kind, key.slice(0, slash), key.slice(slash + 1)), PROBED[kind].subject);
    } catch (e) {
      verdict = { served: false, message: `ingress probe failed: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  if (verdict.served) {
    probe.confirmed.set(id, expected);
    // a probe retry still scheduled is not needed any more (a Route's rollout step, if any, is scheduled after this)
    if (probe.attempts.delete(id)) ctx.cancelAfter?.(kind, key);
  }
  return verdict;
}

/** Reconcile `key` of `kind` again after the probe backoff (`ingressProbeBackoffMs` of the consecutive misses). */
export function probeAgainLater(ctx: ProbeContext, kind: IngressProbeKind, key: string): void {
  const probe = ctx.ingressProbe;
  if (!probe) return;
  const id = stateKey(kind, key);
  const attempt = (probe.attempts.get(id) ?? 0) + 1;
  probe.attempts.set(id, attempt);
  ctx.enqueueAfter?.(kind, key, ingressProbeBackoffMs(attempt));
}

/** Forget `key` of `kind` (it was deleted). */
export function forgetProbes(ctx: ProbeContext, kind: IngressProbeKind, key: string): void {
  ctx.ingressProbe?.confirmed.delete(stateKey(kind, key));
  ctx.ingressProbe?.attempts.delete(stateKey(kind, key));
}
