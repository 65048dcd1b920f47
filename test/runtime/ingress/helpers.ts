import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { WebSocketServer } from 'ws';
import { ConfigMapData, parseServingConfig, ServingConfig } from '../../../src/core/config';
import type { RouteObject, WireTrafficTarget } from '../../../src/core/types';

export interface TestBackend {
  id: string;
  port: number;
  server: http.Server;
  hits: number;
  lastHeaders: http.IncomingHttpHeaders | undefined;
  /** The headers of the last WebSocket upgrade request. */
  lastUpgradeHeaders?: http.IncomingHttpHeaders;
  /** Requests being answered right now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

/**
 * A loopback backend that answers with its own id. Paths:
 *   /slow?ms=N        waits N ms before answering
 *   /stream?n=&every= chunked response: n chunks (default 3), `every` ms apart (default 150)
 *   /headers          JSON of the received headers
 *   /echo             echoes the request body
 *   /work?ms=N        answers after N ms (default 1), counting requests in flight
 * WebSocket upgrades echo messages prefixed with the id. Every request counts in `inFlight` until
 * its response ends (or the connection closes); `maxInFlight` is the most seen at once.
 */
export async function startBackend(id: string, port = 0): Promise<TestBackend> {
  const state: TestBackend = {
    id,
    port: 0,
    server: undefined as unknown as http.Server,
    hits: 0,
    lastHeaders: undefined,
    inFlight: 0,
    maxInFlight: 0,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    state.hits++;
    state.lastHeaders = req.headers;
    state.inFlight++;
    if (state.inFlight > state.maxInFlight) state.maxInFlight = state.inFlight;
    let counted = true;
    const done = (): void => {
      if (counted) state.inFlight--;
      counted = false;
    };
    res.on('finish', done);
    res.on('close', done);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/work') {
      const t = setTimeout(() => {
        done(); // the handler is done before it answers: a request arriving now would not overlap
        res.end(id);
      }, Number(url.searchParams.get('ms') ?? '1'));
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (url.pathname === '/slow') {
      const t = setTimeout(() => res.end(id), Number(url.searchParams.get('ms') ?? '1000'));
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (url.pathname === '/stream') {
      const chunks = Number(url.searchParams.get('n') ?? '3');
      const every = Number(url.searchParams.get('every') ?? '150');
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      let t: NodeJS.Timeout | undefined;
      const tick = (): void => {
        res.write(`chunk${n}\n`);
        if (++n < chunks) t = setTimeout(tick, every);
        else res.end();
      };
      res.on('close', () => clearTimeout(t));
      tick();
      return;
    }
    if (url.pathname === '/headers') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id, headers: req.headers }));
      return;
    }
    if (url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(Buffer.concat(chunks)));
      return;
    }
    req.resume();
    res.end(id);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    state.lastUpgradeHeaders = req.headers;
    ws.on('message', (m, isBinary) => ws.send(isBinary ? m : `${id}:${m.toString()}`));
  });
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(port, '127.0.0.1', () => r());
  });
  state.server = server;
  state.port = (server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.close(() => r());
    server.closeAllConnections();
  });
  return state;
}

/**
 * The serving configuration `routeWithStatus`'s URLs are published under: config-domain
 * `example.com` as the default domain, plus `extra` ConfigMaps (e.g. config-features).
 */
export function ingressConfig(extra: ConfigMapData = {}, clusterDomain?: string): ServingConfig {
  return parseServingConfig({ 'config-domain': { 'example.com': '' }, ...extra }, clusterDomain);
}

export interface RouteOpts {
  /** The config-domain domain the URLs are in (default `example.com`, see `ingressConfig`). */
  domain?: string;
  ready?: boolean;
  clusterDomain?: string;
  /** A cluster-local Route (visibility label): its URL and every tag URL are under `svc.<clusterDomain>`. */
  clusterLocal?: boolean;
  /** Tags made cluster-local on their own (labelled placeholder Service): URL under `svc.<clusterDomain>`. */
  clusterLocalTags?: string[];
}

/**
 * A Route with a resolved status as the controller writes it (reference §7.3, §11) under
 * `ingressConfig()`: external URLs `<name>.<ns>.<domain>`, cluster-local ones
 * `<name>.<ns>.svc.<clusterDomain>`. The ingress computes the hosts from the metadata,
 * `status.traffic` and the configuration; the tag URLs tell it which tags are cluster-local.
 */
export function routeWithStatus(
  ns: string, name: string, traffic: Array<{ revision: string; percent?: number; tag?: string }>, opts: RouteOpts = {},
): RouteObject {
  const domain = opts.domain ?? 'example.com';
  const cd = opts.clusterDomain ?? 'cluster.local';
  const local = `svc.${cd}`;
  const tagDomain = (tag: string): string => (opts.clusterLocal || opts.clusterLocalTags?.includes(tag) ? local : domain);
  const st: WireTrafficTarget[] = traffic.map((t) => ({
    revisionName: t.revision,
    percent: t.percent ?? 0,
    latestRevision: false,
    ...(t.tag ? { tag: t.tag, url: `http://${t.tag}-${name}.${ns}.${tagDomain(t.tag)}` } : {}),
  }));
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Route',
    metadata: {
      name,
      namespace: ns,
      generation: 1,
      ...(opts.clusterLocal ? { labels: { 'networking.knative.dev/visibility': 'cluster-local' } } : {}),
    },
    spec: { traffic: traffic.map((t) => ({ revisionName: t.revision, percent: t.percent ?? 0, ...(t.tag ? { tag: t.tag } : {}) })) },
    status: {
      observedGeneration: 1,
      url: `http://${name}.${ns}.${opts.clusterLocal ? local : domain}`,
      address: { url: `http://${name}.${ns}.svc.${cd}` },
      traffic: st,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'Unknown' : 'True' }],
    },
  };
}

export async function get(pool: Pool, host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const r = await pool.request({ path, method: 'GET', headers: { host, ...headers } });
  const body = await r.body.text();
  return { status: r.statusCode, body, headers: r.headers };
}

/** Fire `n` GETs with `concurrency` in flight; returns body → count (and status ≠ 200 as `status:<code>`). */
export async function countBodies(
  pool: Pool, host: string, n: number, concurrency = 8, headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const r = await get(pool, host, '/', headers);
      const key = r.status === 200 ? r.body : `status:${r.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** Send raw bytes on a fresh TCP connection; resolve with everything received until close (or timeout). */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    const t = setTimeout(() => { s.destroy(); done(); }, timeoutMs);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(t); done(); });
  });
}
