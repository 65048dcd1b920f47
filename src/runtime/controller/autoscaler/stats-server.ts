/**
 * The autoscaler's stats endpoint (contract: every ingress replica POSTs per-revision
 * concurrency and request counts once a second, and pokes at once when a revision has no ready
 * pod; like upstream's activator → autoscaler stat stream, runtime.md §2.2).
 *
 * `POST AUTOSCALER_STATS_PATH` with `Authorization: Bearer <token>` and a JSON body
 * `{"sender":"<pod>","stats":[{"namespace","revision","concurrency","requests","poke"}]}`.
 * Answers 204 (recorded), 400 (malformed body, the message names the field), 401/403 (see
 * auth.ts), 404 (other path), 405 (other method), 413 (body over 1 MiB), 503 (token review
 * failed). Every controller replica records; only the leader decides (autoscaler.ts).
 */
import * as http from 'node:http';
import type { StatsAuthenticator } from './auth';
import { AUTOSCALER_STATS_PATH } from '../../../core/runtime-contract';
import { closeServer, listenOn } from '../../common/server';

/** One revision's stat from one ingress replica for one second. */
export interface RevisionStat {
  namespace: string;
  revision: string;
  /** Time-weighted average in-flight requests over the second. */
  concurrency: number;
  /** Requests that arrived in the second. */
  requests: number;
  /** Sent at once for a request to a revision with no ready pod. */
  poke: boolean;
}

export interface StatsBatch {
  sender: string;
  stats: RevisionStat[];
}

/** A malformed stats body (answered 400 with this message). */
export class StatsBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsBodyError';
  }
}

export const MAX_STATS_BODY_BYTES = 1024 * 1024;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function nonNegative(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new StatsBodyError(`${field}: ${JSON.stringify(v)} is not a number ≥ 0`);
  }
  return v;
}

function name(v: unknown, field: string): string {
  if (typeof v !== 'string' || !NAME.test(v)) {
    throw new StatsBodyError(`${field}: ${JSON.stringify(v)} is not a Kubernetes object name (lowercase letters, digits, '-' and '.')`);
  }
  return v;
}

/** Validate a decoded stats body; throws StatsBodyError naming the first bad field. */
export function parseStatsBatch(body: unknown): StatsBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StatsBodyError('body: expected a JSON object {"sender": "<pod name>", "stats": [...]}');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.sender !== 'string' || b.sender === '') throw new StatsBodyError(`sender: ${JSON.stringify(b.sender)} is not a non-empty string (the sending pod's name)`);
  if (!Array.isArray(b.stats)) throw new StatsBodyError(`stats: ${JSON.stringify(b.stats)} is not an array`);
  const stats = b.stats.map((s: unknown, i: number): RevisionStat => {
    const f = `stats[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new StatsBodyError(`${f}: expected an object {"namespace","revision","concurrency","requests","poke"}`);
    const o = s as Record<string, unknown>;
    if (o.poke !== undefined && typeof o.poke !== 'boolean') throw new StatsBodyError(`${f}.poke: ${JSON.stringify(o.poke)} is not a boolean`);
    return {
      namespace: name(o.namespace, `${f}.namespace`),
      revision: name(o.revision, `${f}.revision`),
      concurrency: nonNegative(o.concurrency, `${f}.concurrency`),
      requests: nonNegative(o.requests, `${f}.requests`),
      poke: o.poke === true,
    };
  });
  return { sender: b.sender, stats };
}

export interface StatsServerOptions {
  /** undefined: no authentication (AUTOSCALER_AUTH=none, tests only). */
  auth?: StatsAuthenticator;
  /** Called with every accepted batch and its receipt time (ms). */
  onBatch: (batch: StatsBatch, receivedAtMs: number) => void;
  /** Receipt time source (ms). Default Date.now. */
  now?: () => number;
  /** Every outcome: `accepted` (with the number of stats), or the status code of a rejection and its message. */
  onResult?: (result: string, stats: number, message?: string) => void;
}

export class StatsServer {
  readonly server: http.Server;
  port?: number;

  constructor(private readonly opts: StatsServerOptions) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.server, port, host).then((p) => (this.port = p));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (code: number, body?: string, headers: Record<string, string> = {}): void => {
      if (code !== 204) this.opts.onResult?.(String(code), 0, body);
      if (body === undefined) {
        res.writeHead(code, headers);
        res.end();
        return;
      }
      const text = body + '\n';
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== AUTOSCALER_STATS_PATH) {
        req.resume();
        return send(404, `not found: the autoscaler serves only POST ${AUTOSCALER_STATS_PATH}`);
      }
      if (req.method !== 'POST') {
        req.resume();
        return send(405, `method ${req.method} not allowed: POST a stats batch to ${AUTOSCALER_STATS_PATH}`, { allow: 'POST' });
      }
      if (this.opts.auth) {
        const v = await this.opts.auth.authenticate(req.headers.authorization);
        if (!v.ok) {
          req.resume();
          return send(v.code, v.message, v.code === 401 ? { 'www-authenticate': 'Bearer' } : {});
        }
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_STATS_BODY_BYTES) {
          tooLarge = true;
          break;
        }
        chunks.push(c as Buffer);
      }
      if (tooLarge) return send(413, `stats body over ${MAX_STATS_BODY_BYTES} bytes`, { connection: 'close' });
      const receivedAt = (this.opts.now ?? Date.now)();
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return send(400, `body is not JSON: ${(e as Error).message}`);
      }
      let batch: StatsBatch;
      try {
        batch = parseStatsBatch(decoded);
      } catch (e) {
        if (e instanceof StatsBodyError) return send(400, `bad stats batch: ${e.message}`);
        throw e;
      }
      this.opts.onBatch(batch, receivedAt);
      this.opts.onResult?.('accepted', batch.stats.length);
      return send(204);
    } catch (e) {
      if (!res.headersSent) send(500, `internal error: ${(e as Error)?.message ?? String(e)}`);
      else res.destroy();
    }
  }
}
