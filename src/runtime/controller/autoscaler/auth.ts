/**
 * Who may push stats to the autoscaler: the ingress's ServiceAccount, proven by a bearer token
 * (a projected, audience-bound ServiceAccount token) that the API server checks through a
 * TokenReview (authentication.k8s.io/v1, spec.audiences = [AUTOSCALER_TOKEN_AUDIENCE]).
 *
 * - no / malformed Authorization header, or a token the API server does not authenticate → 401;
 * - an authenticated token of any other user → 403;
 * - the ingress ServiceAccount → accepted.
 *
 * Verdicts are cached per token (by its SHA-256) so a steady stream of batches (every ingress
 * replica, once a second) costs one TokenReview per token: accepted and 403 verdicts until
 * min(the token's `exp`, 5 min), 401 verdicts for 10 s. Concurrent batches with the same
 * uncached token share one review. A failed review call (API server unreachable) is not cached
 * and answers 503 so the sender retries.
 */
import { createHash } from 'node:crypto';

/** What a TokenReview said about a token. */
export interface TokenReviewResult {
  authenticated: boolean;
  /** `status.user.username` when authenticated. */
  username?: string;
  /** `status.audiences` (the token's audiences that intersect the requested ones). */
  audiences?: string[];
  /** `status.error` when not authenticated. */
  error?: string;
}

/** Sends one TokenReview for `token` with `audiences` (KubeClient.tokenReview in production). */
export type TokenReviewer = (token: string, audiences: string[]) => Promise<TokenReviewResult>;

export type AuthVerdict =
  | { ok: true; user: string }
  | { ok: false; code: 401 | 403 | 503; message: string };

export interface StatsAuthenticatorOptions {
  review: TokenReviewer;
  /** The only user accepted, e.g. `system:serviceaccount:knative-serving:serving-ingress`. */
  allowedUser: string;
  /** Audience the token must carry. */
  audience: string;
  /** Milliseconds (injectable for tests). Default Date.now. */
  now?: () => number;
  /** Upper bound on how long an accepted token is trusted without a new review. Default 5 min. */
  maxCacheMs?: number;
  /** How long a rejected (401) token is remembered. Default 10 s. */
  negativeCacheMs?: number;
  /** Most tokens remembered (oldest dropped first). Default 1024. */
  maxEntries?: number;
}

interface CacheEntry {
  verdict: AuthVerdict;
  expiresAt: number;
}

/** The `exp` claim (seconds) of a JWT, read without verification (the TokenReview verified it). */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload?.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

export class StatsAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<AuthVerdict>>();
  private readonly now: () => number;
  /** TokenReviews sent (tests and metrics). */
  reviews = 0;

  constructor(private readonly opts: StatsAuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The verdict for an `Authorization` header value. */
  async authenticate(header: string | undefined): Promise<AuthVerdict> {
    if (!header) return { ok: false, code: 401, message: 'missing Authorization header: send "Authorization: Bearer <ingress ServiceAccount token>"' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { ok: false, code: 401, message: 'malformed Authorization header: expected "Bearer <token>"' };
    const token = m[1];
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit && hit.expiresAt > now) return hit.verdict;
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.review(token, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async review(token: string, key: string): Promise<AuthVerdict> {
    let res: TokenReviewResult;
    try {
      this.reviews++;
      res = await this.opts.review(token, [this.opts.audience]);
    } catch (e) {
      return { ok: false, code: 503, message: `could not review the token with the API server (TokenReview failed: ${(e as Error)?.message ?? String(e)}); retry later` };
    }
    const now = this.now();
    let verdict: AuthVerdict;
    let ttl: number;
    if (!res.authenticated || (res.audiences && !res.audiences.includes(this.opts.audience))) {
      verdict = {
        ok: false,
        code: 401,
        message: `token not authenticated for audience "${this.opts.audience}"${res.error ? `: ${res.error}` : ''}`,
      };
      ttl = this.opts.negativeCacheMs ?? 10_000;
    } else {
      const user = res.username ?? '';
      verdict = user === this.opts.allowedUser
        ? { ok: true, user }
        : { ok: false, code: 403, message: `user "${user}" may not send autoscaler stats (only ${this.opts.allowedUser})` };
      ttl = this.opts.maxCacheMs ?? 300_000;
      const exp = jwtExpiry(token);
      if (exp !== undefined) ttl = Math.min(ttl, exp * 1000 - now);
    }
    if (ttl > 0) {
      const max = this.opts.maxEntries ?? 1024;
      while (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { verdict, expiresAt: now + ttl });
    }
    return verdict;
  }
}
