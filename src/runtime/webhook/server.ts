/**
 * The admission webhook's HTTPS server (node:https). Endpoints (POST, an admission.k8s.io/v1
 * AdmissionReview in, the AdmissionReview with its response out), named as upstream's webhook
 * names them:
 *
 *   /defaulting           Service, Configuration, Revision, Route (v1), DomainMapping (v1beta1):
 *                         a JSON Patch to Knative's defaults + creator/lastModifier
 *   /resource-validation  the same kinds: denied with every error, warnings returned
 *   /config-validation    ConfigMaps of the system namespace that the runtime reads
 *
 * Anything else: 404; another method: 405; a body that is not a v1 AdmissionReview: 400 with the
 * reason; bodies over 8 MiB: 413. The certificate can be replaced while serving
 * (`setCertificate`: new connections use it). Health, readiness and metrics are on the admin
 * server (src/runtime/common/admin.ts), not here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { SecureVersion } from 'node:tls';
import {
  AdmissionRequest, AdmissionResponse, configValidationReview, defaultingReview, parseReview, ReviewError, reviewOf, validationReview,
} from './review';
import type { ServingConfig } from '../../core/config';
import { WEBHOOK_PATHS } from '../../core/runtime-contract';
import { Logger, silentLogger } from '../common/log';
import { Registry } from '../common/metrics';
import { closeServer, listenOn } from '../common/server';

/** The endpoints (core/runtime-contract: the control plane registers the same paths). */
export { WEBHOOK_PATHS };

const MAX_BODY = 8 * 1024 * 1024;

export interface WebhookServerOptions {
  /** The configuration for the next review (read per request). */
  config: () => ServingConfig | undefined;
  systemNamespace: string;
  cert: string;
  key: string;
  /** Default TLSv1.3 (upstream's default, WEBHOOK_TLS_MIN_VERSION). */
  minTlsVersion?: SecureVersion;
  log?: Logger;
  metrics?: Registry;
}

type Handler = (req: AdmissionRequest) => AdmissionResponse;

export class WebhookServer {
  public readonly server: https.Server;
  public port?: number;
  public readonly metrics: Registry;
  private readonly log: Logger;
  private readonly handlers: Record<string, Handler>;

  constructor(private readonly opts: WebhookServerOptions) {
    this.log = opts.log ?? silentLogger;
    this.metrics = opts.metrics ?? new Registry();
    const reviews = this.metrics.counter('webhook_admission_reviews_total', 'AdmissionReviews answered, by endpoint and verdict', ['endpoint', 'allowed', 'patched']);
    const latency = this.metrics.histogram('webhook_admission_review_seconds', 'Time from the request\'s end to the answer', ['endpoint'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1]);
    const bad = this.metrics.counter('webhook_bad_requests_total', 'Requests answered 4xx', ['code']);
    this.handlers = {
      [WEBHOOK_PATHS.defaulting]: (r) => defaultingReview(r, opts.config()),
      [WEBHOOK_PATHS.validation]: (r) => validationReview(r, opts.config()),
      [WEBHOOK_PATHS.configValidation]: (r) => configValidationReview(r, opts.systemNamespace),
    };
    this.server = https.createServer({ cert: opts.cert, key: opts.key, minVersion: opts.minTlsVersion ?? 'TLSv1.3' }, (req, res) => {
      this.handle(req, res, (endpoint, response, seconds) => {
        reviews.inc({ endpoint, allowed: String(response.allowed), patched: String(response.patch !== undefined) });
        latency.observe({ endpoint }, seconds);
      }, (code) => bad.inc({ code: String(code) }));
    });
    // The API server keeps connections open; idle ones are closed after a while.
    this.server.keepAliveTimeout = 60_000;
  }

  /** Serve new connections with this certificate (rotation). */
  public setCertificate(cert: string, key: string): void {
    this.server.setSecureContext({ cert, key, minVersion: this.opts.minTlsVersion ?? 'TLSv1.3' });
  }

  public listen(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.server, port, host).then((p) => (this.port = p));
  }

  public close(): Promise<void> {
    return closeServer(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse,
    answered: (endpoint: string, r: AdmissionResponse, seconds: number) => void, rejected: (code: number) => void): void {
    const path = (req.url ?? '/').split('?')[0];
    const fail = (code: number, message: string): void => {
      rejected(code);
      if (res.headersSent) return;
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) + 1 });
      res.end(`${message}\n`);
    };
    const handler = this.handlers[path];
    if (!handler) return fail(404, `no webhook at ${path}; the endpoints are ${Object.values(WEBHOOK_PATHS).join(', ')}`);
    if (req.method !== 'POST') return fail(405, `${req.method} is not allowed: POST an AdmissionReview`);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        tooBig = true;
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) return fail(413, `the AdmissionReview is larger than ${MAX_BODY} bytes`);
      const t0 = process.hrtime.bigint();
      let response: AdmissionResponse;
      try {
        const request = parseReview(Buffer.concat(chunks).toString('utf8'));
        response = handler(request);
      } catch (e) {
        if (e instanceof ReviewError) return fail(400, e.message);
        this.log.error('admission review failed', { path, error: e });
        return fail(500, `internal error: ${(e as Error)?.message ?? String(e)}`);
      }
      const body = JSON.stringify(reviewOf(response));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      answered(path.slice(1), response, Number(process.hrtime.bigint() - t0) / 1e9);
    });
  }
}
