/**
 * Pushes the ingress's per-revision stats (stats.ts) to the autoscaler (issue 13 contract §1):
 * every `intervalMs` (1 s) one JSON batch `{"sender", "stats": [...]}` POSTed to every ready
 * endpoint of the `serving-autoscaler` Service at `AUTOSCALER_STATS_PATH`, and a poke batch at
 * once when `poke` is called. Header `Authorization: Bearer <token>` from the token file (re-read
 * when its mtime or size changes; no file → no header). An empty batch is not sent.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { RevisionStat } from './stats';
import { AUTOSCALER_STATS_PATH } from '../../core/runtime-contract';
import type { LogFn } from '../common/log';

export interface StatsPusherOptions {
  /** This replica's name (`sender` in every batch): the pod name. */
  readonly sender: string;
  /** The batch of the period ending now (the accumulator's tick). */
  readonly collect: () => RevisionStat[];
  /** `host:port` of every autoscaler endpoint to send to (read on every send). */
  readonly endpoints: () => readonly string[];
  /** Bearer token file; undefined → no header. */
  readonly tokenFile?: string;
  /** Default 1000. */
  readonly intervalMs?: number;
  /** Per-POST timeout (ms); default 2000. */
  readonly timeoutMs?: number;
  readonly log?: LogFn;
  /** Delivery counters (`statsPushed`, `statsPushFailures`). */
  readonly metrics?: { statsPushed: number; statsPushFailures: number };
}

interface TokenCache { mtimeMs: number; size: number; token: string | undefined }

export class StatsPusher {
  public sent = 0;
  public failed = 0;
  public pokes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private token: TokenCache | undefined;
  private lastErrorLog = 0;

  constructor(private readonly opts: StatsPusherOptions) {}

  public start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  /** Send the current period's batch now (the interval calls this). */
  public flush(): void {
    const stats = this.opts.collect();
    if (stats.length === 0) return;
    this.send(stats);
  }

  /** Send a poke stat at once. */
  public poke(stat: RevisionStat): void {
    this.pokes++;
    this.send([stat]);
  }

  private send(stats: readonly RevisionStat[]): void {
    const endpoints = this.opts.endpoints();
    if (endpoints.length === 0) return;
    const body = JSON.stringify({
      sender: this.opts.sender,
      stats: stats.map((s) => ({ namespace: s.namespace, revision: s.revision, concurrency: s.concurrency, requests: s.requests, poke: s.poke })),
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const token = this.readToken();
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    for (const ep of endpoints) this.post(ep, headers, body);
  }

  private post(endpoint: string, headers: Record<string, string>, body: string): void {
    const colon = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(endpoint.slice(colon + 1));
    const req = http.request({ host, port, method: 'POST', path: AUTOSCALER_STATS_PATH, headers, agent: this.agent, timeout: this.opts.timeoutMs ?? 2000 }, (res) => {
      res.resume();
      if (res.statusCode === 204 || res.statusCode === 200) {
        this.sent++;
        if (this.opts.metrics) this.opts.metrics.statsPushed++;
      } else {this.error(endpoint, `HTTP ${res.statusCode}`);}
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => this.error(endpoint, err.message));
    req.end(body);
  }

  private error(endpoint: string, message: string): void {
    this.failed++;
    if (this.opts.metrics) this.opts.metrics.statsPushFailures++;
    const now = Date.now();
    if (now - this.lastErrorLog < 10_000) return; // at most one line per 10 s
    this.lastErrorLog = now;
    this.opts.log?.('warn', 'stats push failed', { endpoint, error: message, failed: this.failed });
  }

  private readToken(): string | undefined {
    const file = this.opts.tokenFile;
    if (!file) return undefined;
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      this.token = undefined;
      return undefined;
    }
    const c = this.token;
    if (c !== undefined && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.token;
    let token: string | undefined;
    try {
      token = fs.readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
    this.token = { mtimeMs: st.mtimeMs, size: st.size, token };
    return token;
  }
}

/** `AUTOSCALER_ENDPOINTS=host:port[,host:port]` → list; throws a clear error for a bad entry. */
export function parseEndpointList(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new Error(`AUTOSCALER_ENDPOINTS: "${s}" is not host:port (e.g. 10.0.0.5:8090; several separated by commas)`);
    }
    out.push(s);
  }
  return out;
}
