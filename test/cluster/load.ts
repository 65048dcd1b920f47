/**
 * A closed-loop load driver for the cluster tier: `clients` concurrent clients, each sending one
 * GET at a time (with a Host header) to an address, the next as soon as the last one answered,
 * until `stop()`. With a backend that holds each request for a fixed time (autoscale-go's
 * `?sleep=<ms>`), the concurrency the ingress sees is about `clients`.
 *
 * Every request is counted: `ok` (2xx) or a failure, keyed by status (or the error for a request
 * that got no HTTP answer), so a test can require that none failed.
 */
import * as http from 'node:http';

export interface LoadOptions {
  host: string;
  port: number;
  /** Host header (the Knative Service's host). */
  hostHeader: string;
  path: string;
  clients: number;
  /** Per-request timeout (default 60 s): a request still unanswered then counts as failed. */
  timeoutMs?: number;
}

export interface LoadReport {
  clients: number;
  requests: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  /** Milliseconds from start() to the first 2xx answer (undefined: none). */
  firstOkMs: number | undefined;
  /** Milliseconds from start() until the last client stopped. */
  durationMs: number;
}

export class StepLoad {
  private stopping = false;
  private readonly agent: http.Agent;
  private readonly started = Date.now();
  private firstOk: number | undefined;
  private readonly counts = { requests: 0, ok: 0, failed: 0 };
  private readonly failures: Record<string, number> = {};
  private readonly loops: Array<Promise<void>>;

  /** Start the clients now. */
  public constructor(private readonly opts: LoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
    this.loops = Array.from({ length: opts.clients }, () => this.loop());
  }

  /** Requests answered 2xx so far. */
  public get ok(): number {
    return this.counts.ok;
  }

  /** Stop sending; resolves when every client's last request has finished. */
  public async stop(): Promise<LoadReport> {
    this.stopping = true;
    await Promise.all(this.loops);
    this.agent.destroy();
    return {
      clients: this.opts.clients,
      ...this.counts,
      failures: { ...this.failures },
      firstOkMs: this.firstOk === undefined ? undefined : this.firstOk - this.started,
      durationMs: Date.now() - this.started,
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const why = await this.once();
      this.counts.requests++;
      if (why === undefined) {
        this.counts.ok++;
        this.firstOk ??= Date.now();
      } else {
        this.counts.failed++;
        this.failures[why] = (this.failures[why] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 100)); // no hot loop against a failing server
      }
    }
  }

  /** One request; undefined when it was answered 2xx, else why it failed. */
  private once(): Promise<string | undefined> {
    const { host, port, hostHeader, path } = this.opts;
    return new Promise((resolve) => {
      const req = http.get({ host, port, path, headers: { host: hostHeader }, agent: this.agent, timeout: this.opts.timeoutMs ?? 60_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { if (body.length < 200) body += c; });
        res.on('end', () => {
          const s = res.statusCode ?? 0;
          resolve(s >= 200 && s < 300 ? undefined : `${s} ${body.trim().slice(0, 120)}`);
        });
        res.on('error', (e) => resolve(`response error: ${e.message}`));
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => resolve(`no answer: ${e.message}`));
    });
  }
}
