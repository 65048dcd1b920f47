/**
 * IngressReady means served (runtime.md §9.3, the role of upstream's data-plane prober): the I/O
 * of asking every ready ingress replica which version of a Route its table holds. The decision
 * (`ingressServedVerdict`) and the digest (`routingDigest`) are pure, in core/routing.
 *
 * The replicas are the ready endpoints of the EndpointSlices of the internal ingress Service
 * (`serving-ingress-internal`, system namespace; the controller's informer), each asked at its
 * address on the ingress admin port (`INGRESS_ADMIN_PORT`, 9000): `GET /v1/routes/<ns>/<name>`
 * (ingress/admin.ts), 1 s timeout. A replica that does not answer counts as not serving; a probe
 * never throws.
 */
import * as http from 'node:http';
import type { IngressReplicaProbe } from '../../core/routing';
import type { KubeObject } from '../../core/types';

/** Asks the ingress replicas which version of a Route they serve. */
export interface IngressProber {
  /** One answer per ready replica (none: no replica to ask). Never rejects. */
  probe(namespace: string, name: string): Promise<IngressReplicaProbe[]>;
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

  public async probe(namespace: string, name: string): Promise<IngressReplicaProbe[]> {
    const path = `/v1/routes/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    return Promise.all(this.opts.replicas().map((replica) => this.probeOne(replica, path, `${namespace}/${name}`)));
  }

  public close(): void {
    this.agent.destroy();
  }

  private probeOne(replica: string, path: string, route: string): Promise<IngressReplicaProbe> {
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
            if (body?.route !== route) return finish({ replica, error: 'answer for another route' });
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

/** The Route reconciler's probing state (one per controller; a new leader probes again). */
export interface IngressProbeState {
  readonly prober: IngressProber;
  /** Route key → the digest every replica was last found to serve. */
  readonly confirmed: Map<string, string>;
  /** Route key → consecutive probes that found it not served (the requeue backoff). */
  readonly attempts: Map<string, number>;
}

export function newIngressProbeState(prober: IngressProber): IngressProbeState {
  return { prober, confirmed: new Map(), attempts: new Map() };
}
