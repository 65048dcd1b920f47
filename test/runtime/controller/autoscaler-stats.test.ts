/**
 * The autoscaler's stats endpoint on its own: body validation, methods and paths, and bearer
 * authentication through a (fake) TokenReview with its cache.
 */
import * as http from 'node:http';
import { AUTOSCALER_STATS_PATH, AUTOSCALER_TOKEN_AUDIENCE } from '../../../src/core/runtime-contract';
import { StatsAuthenticator, TokenReviewResult, jwtExpiry } from '../../../src/runtime/controller/autoscaler/auth';
import { StatsBatch, StatsServer, parseStatsBatch } from '../../../src/runtime/controller/autoscaler/stats-server';

const INGRESS = 'system:serviceaccount:knative-serving:serving-ingress';

function post(port: number, body: string, headers: Record<string, string> = {}, method = 'POST', path = AUTOSCALER_STATS_PATH):
Promise<{ code: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'none' })}.${b(claims)}.sig`;
}

const batch = (stats: unknown[]): string => JSON.stringify({ sender: 'ingress-0', stats });
const stat = { namespace: 'default', revision: 'hello-00001', concurrency: 1.5, requests: 12, poke: false };

describe('parseStatsBatch', () => {
  test('accepts the contract shape (poke optional, default false)', () => {
    expect(parseStatsBatch({ sender: 'p', stats: [{ namespace: 'a', revision: 'b', concurrency: 0, requests: 3 }] }))
      .toEqual({ sender: 'p', stats: [{ namespace: 'a', revision: 'b', concurrency: 0, requests: 3, poke: false }] });
  });
  test.each([
    [[], 'body: expected a JSON object'],
    [{ stats: [] }, 'sender: undefined is not a non-empty string'],
    [{ sender: 'p', stats: {} }, 'stats: {} is not an array'],
    [{ sender: 'p', stats: [{ ...stat, concurrency: -1 }] }, 'stats[0].concurrency: -1 is not a number ≥ 0'],
    [{ sender: 'p', stats: [stat, { ...stat, requests: 'x' }] }, 'stats[1].requests: "x" is not a number ≥ 0'],
    [{ sender: 'p', stats: [{ ...stat, revision: 'Bad_Name' }] }, 'stats[0].revision: "Bad_Name" is not a Kubernetes object name'],
    [{ sender: 'p', stats: [{ ...stat, poke: 'yes' }] }, 'stats[0].poke: "yes" is not a boolean'],
  ])('rejects %j', (body, message) => {
    expect(() => parseStatsBatch(body)).toThrow(message);
  });
});

describe('stats server', () => {
  let server: StatsServer;
  let port: number;
  let received: Array<{ batch: StatsBatch; at: number }>;
  let results: string[];
  let reviews: Array<{ token: string; audiences: string[] }>;
  let reviewer: (token: string) => TokenReviewResult | Error;
  let nowMs: number;

  async function start(withAuth: boolean): Promise<void> {
    received = [];
    results = [];
    reviews = [];
    nowMs = 1_700_000_000_000;
    const auth = withAuth ? new StatsAuthenticator({
      review: async (token, audiences) => {
        reviews.push({ token, audiences });
        const r = reviewer(token);
        if (r instanceof Error) throw r;
        return r;
      },
      allowedUser: INGRESS,
      audience: AUTOSCALER_TOKEN_AUDIENCE,
      now: () => nowMs,
    }) : undefined;
    server = new StatsServer({ auth, now: () => nowMs, onBatch: (b, at) => received.push({ batch: b, at }), onResult: (r) => results.push(r) });
    port = await server.listen(0, '127.0.0.1');
  }
  afterEach(async () => server?.close());

  test('without auth: 204 and the batch with its receipt time; 400/404/405 with clear bodies', async () => {
    await start(false);
    const ok = await post(port, batch([stat]));
    expect(ok.code).toBe(204);
    expect(received).toEqual([{ batch: { sender: 'ingress-0', stats: [stat] }, at: nowMs }]);
    const notJson = await post(port, '{');
    expect(notJson.code).toBe(400);
    expect(notJson.body).toMatch(/^body is not JSON: /);
    const bad = await post(port, batch([{ ...stat, concurrency: 'NaN' }]));
    expect(bad).toMatchObject({ code: 400, body: 'bad stats batch: stats[0].concurrency: "NaN" is not a number ≥ 0\n' });
    expect((await post(port, '', {}, 'GET')).code).toBe(405);
    expect((await post(port, batch([stat]), {}, 'POST', '/other')).code).toBe(404);
    expect(received).toHaveLength(1);
    expect(results).toEqual(['accepted', '400', '400', '405', '404']);
  });

  test('a body over 1 MiB is refused with 413', async () => {
    await start(false);
    const huge = batch(Array.from({ length: 20_000 }, () => stat));
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    expect((await post(port, huge)).code).toBe(413);
    expect(received).toHaveLength(0);
  });

  test('401 without a bearer token or with one TokenReview rejects; 403 for another ServiceAccount; 204 for the ingress', async () => {
    reviewer = (token) => {
      if (token === 'ingress-token') return { authenticated: true, username: INGRESS, audiences: [AUTOSCALER_TOKEN_AUDIENCE] };
      if (token === 'other-token') return { authenticated: true, username: 'system:serviceaccount:default:app', audiences: [AUTOSCALER_TOKEN_AUDIENCE] };
      if (token === 'api-audience') return { authenticated: true, username: INGRESS, audiences: ['https://kubernetes.default.svc'] };
      return { authenticated: false, error: 'invalid bearer token' };
    };
    await start(true);
    const none = await post(port, batch([stat]));
    expect(none.code).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toMatch(/missing Authorization header/);
    expect((await post(port, batch([stat]), { authorization: 'Basic abc' })).body).toMatch(/malformed Authorization header/);
    const forged = await post(port, batch([stat]), { authorization: 'Bearer forged' });
    expect(forged).toMatchObject({ code: 401, body: `token not authenticated for audience "${AUTOSCALER_TOKEN_AUDIENCE}": invalid bearer token\n` });
    expect((await post(port, batch([stat]), { authorization: 'Bearer api-audience' })).code).toBe(401);
    const other = await post(port, batch([stat]), { authorization: 'Bearer other-token' });
    expect(other).toMatchObject({ code: 403, body: `user "system:serviceaccount:default:app" may not send autoscaler stats (only ${INGRESS})\n` });
    expect((await post(port, batch([stat]), { authorization: 'Bearer ingress-token' })).code).toBe(204);
    expect(received).toHaveLength(1);
    expect(reviews.every((r) => r.audiences.length === 1 && r.audiences[0] === AUTOSCALER_TOKEN_AUDIENCE)).toBe(true);
    // A rejected caller's body is never parsed: a malformed body from it still gets 401.
    expect((await post(port, '{', { authorization: 'Bearer forged' })).code).toBe(401);
  });

  test('verdicts are cached: one review per token until min(exp, 5 min); rejections for 10 s; a failed review answers 503 and is not cached', async () => {
    let fail = false;
    reviewer = (token) => {
      if (fail) return new Error('connect ECONNREFUSED');
      return token.startsWith('good') || token.includes('.')
        ? { authenticated: true, username: INGRESS, audiences: [AUTOSCALER_TOKEN_AUDIENCE] }
        : { authenticated: false };
    };
    await start(true);
    const send = (t: string) => post(port, batch([stat]), { authorization: `Bearer ${t}` });
    for (let i = 0; i < 3; i++) expect((await send('good-1')).code).toBe(204);
    expect(reviews).toHaveLength(1);
    // Concurrent first requests share one review.
    await Promise.all([send('good-2'), send('good-2'), send('good-2')]);
    expect(reviews).toHaveLength(2);
    nowMs += 299_000;
    await send('good-1');
    expect(reviews).toHaveLength(2);
    nowMs += 2_000;
    await send('good-1');
    expect(reviews).toHaveLength(3);
    // A JWT expiring in 60 s is trusted for 60 s only.
    const short = jwt({ exp: Math.floor(nowMs / 1000) + 60 });
    expect(jwtExpiry(short)).toBe(Math.floor(nowMs / 1000) + 60);
    await send(short);
    nowMs += 59_000;
    await send(short);
    expect(reviews).toHaveLength(4);
    nowMs += 2_000;
    await send(short);
    expect(reviews).toHaveLength(5);
    // Rejections are remembered for 10 s.
    expect((await send('bad')).code).toBe(401);
    expect((await send('bad')).code).toBe(401);
    expect(reviews).toHaveLength(6);
    nowMs += 10_001;
    await send('bad');
    expect(reviews).toHaveLength(7);
    // The API server is unreachable: 503, and the next request reviews again.
    fail = true;
    const down = await send('good-3');
    expect(down.code).toBe(503);
    expect(down.body).toMatch(/TokenReview failed: connect ECONNREFUSED/);
    fail = false;
    expect((await send('good-3')).code).toBe(204);
    expect(reviews).toHaveLength(9);
  });
});
