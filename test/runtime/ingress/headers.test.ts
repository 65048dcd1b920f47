import { forwardedFrom, upstreamRequestHeaders, UpstreamHeaderContext } from '../../../src/runtime/ingress/headers';

const CTX: UpstreamHeaderContext = { remoteAddress: '10.0.0.9', defaultRoute: false, h2c: false };

/** The result as `name: value` lines (lowercase names), order kept. */
const lines = (raw: string[], ctx: Partial<UpstreamHeaderContext> = {}): string[] => {
  const out = upstreamRequestHeaders(raw, { ...CTX, ...ctx });
  const l: string[] = [];
  for (let i = 0; i < out.length; i += 2) l.push(`${out[i].toLowerCase()}: ${out[i + 1]}`);
  return l;
};

describe('upstreamRequestHeaders: what the revision receives', () => {
  test.each<[string, string[], Partial<UpstreamHeaderContext>, string[]]>([
    ['a plain HTTP/1.1 request: X-Forwarded-* and Forwarded added, everything else kept',
      ['Host', 'a.example.com', 'User-Agent', 'curl', 'Cookie', 'x=1', 'traceparent', '00-1-2-01'], {},
      ['host: a.example.com', 'user-agent: curl', 'cookie: x=1', 'traceparent: 00-1-2-01',
        'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a.example.com',
        'forwarded: for=10.0.0.9;host=a.example.com;proto=http']],
    ['HTTP/2: pseudo-headers dropped, :authority becomes Host',
      [':method', 'GET', ':path', '/x', ':scheme', 'http', ':authority', 'a.example.com', 'accept', '*/*'], {},
      ['accept: */*', 'host: a.example.com', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: a.example.com',
        'forwarded: for=10.0.0.9;host=a.example.com;proto=http']],
    ['hop-by-hop headers, the headers Connection names, proxy-only headers and Knative-internal routing headers are dropped',
      ['Host', 'h', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'TE', 'trailers',
        'Trailer', 'x', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'HTTP2-Settings', 'AAA', 'Proxy-Authorization', 'Basic x',
        'Expect', '100-continue', 'Knative-Serving-Revision', 'r-1', 'Knative-Serving-Namespace', 'ns', 'X-Kept', 'yes'], {},
      ['host: h', 'x-kept: yes', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http']],
    ['the client\'s X-Forwarded-For is appended to, its first X-Forwarded-Proto/Host kept; Forwarded lists every hop (IPv6 quoted)',
      ['host', 'h', 'x-forwarded-for', '1.2.3.4', 'X-Forwarded-For', '2001:db8::1', 'x-forwarded-proto', 'https', 'x-forwarded-proto', 'http',
        'x-forwarded-host', 'orig.example.com'], {},
      ['host: h', 'x-forwarded-for: 1.2.3.4, 2001:db8::1, 10.0.0.9', 'x-forwarded-proto: https', 'x-forwarded-host: orig.example.com',
        'forwarded: for=1.2.3.4;host=orig.example.com;proto=https, for="[2001:db8::1]", for=10.0.0.9']],
    ['a client\'s Forwarded is kept as it is (queue-proxy adds one only when absent)',
      ['host', 'h', 'Forwarded', 'for=5.6.7.8'], {},
      ['host: h', 'forwarded: for=5.6.7.8', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h']],
    ['main split with tag-header routing Enabled: Knative-Serving-Default-Route: true replaces the client\'s; its tag header passes',
      ['host', 'h', 'Knative-Serving-Default-Route', 'false', 'Knative-Serving-Tag', 'nope'], { defaultRoute: true },
      ['host: h', 'knative-serving-tag: nope', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h',
        'forwarded: for=10.0.0.9;host=h;proto=http', 'knative-serving-default-route: true']],
    ['a tag host with tag-header routing Enabled: Knative-Serving-Tag names the tag (the client\'s replaced)',
      ['host', 'h', 'knative-serving-tag', 'other'], { tag: 'beta' },
      ['host: h', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http',
        'knative-serving-tag: beta']],
    ['toward an h2c pod, TE: trailers passes on (only if the client asked for trailers)',
      ['host', 'h', 'te', 'gzip, trailers'], { h2c: true },
      ['host: h', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http',
        'te: trailers']],
    ['toward an h2c pod, another TE is dropped',
      ['host', 'h', 'te', 'gzip'], { h2c: true },
      ['host: h', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http']],
    ['an upgrade tunnel keeps Upgrade and says Connection: Upgrade',
      ['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], { tunnel: true },
      ['host: h', 'sec-websocket-key: k', 'upgrade: websocket', 'connection: Upgrade', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http',
        'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http']],
    ['a DomainMapping\'s request: Host = the domain (hostOverride), the client\'s Host in X-Forwarded-Host and Forwarded; K-Original-Host dropped',
      ['Host', 'APP.example.org:80', 'K-Original-Host', 'spoofed.example.net', 'accept', '*/*'], { hostOverride: 'app.example.org' },
      ['accept: */*', 'host: app.example.org', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: APP.example.org:80',
        'forwarded: for=10.0.0.9;host=APP.example.org:80;proto=http']],
    ['a DomainMapping\'s HTTP/2 request: :authority gives way to the domain too',
      [':method', 'GET', ':authority', 'app.example.org', ':path', '/'], { hostOverride: 'app.example.org' },
      ['host: app.example.org', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: app.example.org',
        'forwarded: for=10.0.0.9;host=app.example.org;proto=http']],
    ['a client\'s K-Original-Host never reaches the app (upstream\'s queue-proxy consumes it)',
      ['host', 'h', 'k-original-host', 'spoofed.example.net'], {},
      ['host: h', 'x-forwarded-for: 10.0.0.9', 'x-forwarded-proto: http', 'x-forwarded-host: h', 'forwarded: for=10.0.0.9;host=h;proto=http']],
  ])('%s', (_name, raw, ctx, expected) => {
    expect(lines(raw, ctx)).toEqual(expected);
  });

  test('forwardedFrom follows queue-proxy\'s shim', () => {
    expect(forwardedFrom('1.1.1.1, 2.2.2.2', 'h', 'http')).toBe('for=1.1.1.1;host=h;proto=http, for=2.2.2.2');
    expect(forwardedFrom('::1', undefined, 'https')).toBe('for="[::1]";proto=https');
    expect(forwardedFrom('', 'h', undefined)).toBe('host=h');
  });
});
