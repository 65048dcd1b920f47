/**
 * The request headers the ingress sends to a revision's pod: Knative's data path (Kourier, the
 * activator and queue-proxy; reference runtime.md §10) collapsed into this one hop. Pure; used
 * for HTTP/1.1 and HTTP/2 clients alike, and for upgrade (WebSocket) tunnels.
 *
 * Dropped:
 * - HTTP/2 pseudo-headers (`:authority` becomes `Host` when the request has none);
 * - hop-by-hop headers (RFC 9110 §7.6.1): `Connection` and every header it names, `Keep-Alive`,
 *   `Proxy-Connection`, `TE`, `Trailer`, `Transfer-Encoding` (the body is re-framed), `Upgrade`
 *   (kept for tunnels), `HTTP2-Settings`; `Proxy-Authorization` (meant for a proxy) and `Expect`
 *   (the ingress's HTTP client handles it);
 * - `Knative-Serving-Revision` and `Knative-Serving-Namespace`: upstream's ingress sets them per
 *   split for the activator, and the activator and queue-proxy remove them before the app, so a
 *   client's values never reach it either.
 * - `K-Ingress-Revision`: the revision an ingress replica forwards a request for to its owner
 *   replica (proxy.ts, peer port only): a client must not be able to set it.
 * - `K-Original-Host`: upstream's gateway sets it on a DomainMapping's requests and queue-proxy
 *   consumes it (`RewriteHostOut`: it becomes `Host` and is removed), so the app never sees it.
 *   A client's value is dropped (upstream's queue-proxy would make it the app's `Host`).
 *
 * Added (replacing the client's value where noted):
 * - `X-Forwarded-For`: the client's list with the client's address appended (upstream's gateway
 *   appends the same address);
 * - `X-Forwarded-Proto`: the client's first value, else the scheme it used (`http`, or `https` on
 *   the HTTPS listener);
 * - `Host` = a DomainMapping's domain on its requests to a revision (`hostOverride`): upstream's
 *   gateway rewrites `Host` to the target's cluster-local host with `K-Original-Host: <domain>`,
 *   and queue-proxy puts the domain back, so the app sees the domain it was asked for. Toward a
 *   Kubernetes Service (no queue-proxy there) the gateway's rewrite stays: `Host` = the
 *   Service's cluster-local host (`hostOverride`) and `K-Original-Host: <domain>` (`originalHost`);
 * - `X-Forwarded-Host`: the client's first value, else the request's host (the ingress's own:
 *   upstream's gateway adds none);
 * - `Forwarded`: when the client sent none, built from those three as queue-proxy's shim does
 *   (`for=<first>;host=<xfh>;proto=<xfp>, for=<next>, …`, IPv6 addresses as `"[addr]"`);
 * - `Knative-Serving-Default-Route: true` on the main split's requests when
 *   `tag-header-based-routing` is Enabled (replacing the client's);
 * - `Knative-Serving-Tag: <tag>` on a tag host's requests when `tag-header-based-routing` is
 *   Enabled (replacing the client's; on the main host the client's tag header passes on);
 * - `TE: trailers` toward an h2c pod when the client's `TE` lists `trailers` (gRPC servers look
 *   for it; the only TE value HTTP/2 allows).
 *
 * Everything else (User-Agent, cookies, tracing headers, …) passes on unchanged; no User-Agent is
 * added when absent.
 */
import { INGRESS_PEER_REVISION_HEADER } from '../../core/runtime-contract';

export interface UpstreamHeaderContext {
  /** The client's address (the TCP peer). */
  readonly remoteAddress: string;
  /** The scheme the client used (`https` on the HTTPS listener): `X-Forwarded-Proto` when the client sent none. Default `http`. */
  readonly scheme?: string;
  /** Add `Knative-Serving-Default-Route: true` (the main split, tag-header-based routing Enabled). */
  readonly defaultRoute: boolean;
  /** Add `Knative-Serving-Tag: <tag>` (a tag host, tag-header-based routing Enabled). */
  readonly tag?: string;
  /** The pod is reached over HTTP/2 (h2c): `TE: trailers` passes on. */
  readonly h2c: boolean;
  /** An upgrade tunnel (WebSocket): keep `Upgrade` and send `Connection: Upgrade`. */
  readonly tunnel?: boolean;
  /**
   * The `Host` to send in place of the client's: a DomainMapping's domain (`X-Forwarded-Host` and
   * `Forwarded` still name the host the client asked for).
   * @default - the client's `Host` (or `:authority`)
   */
  readonly hostOverride?: string;
  /**
   * Add `K-Original-Host` with this value (a DomainMapping's domain, toward a Kubernetes Service).
   * @default - none (a client's `K-Original-Host` is dropped in any case)
   */
  readonly originalHost?: string;
}

/** Lowercase names the rules look at; every other header passes without being lowercased. */
const WATCHED = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
  'proxy-authorization', 'expect', 'knative-serving-revision', 'knative-serving-namespace',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'knative-serving-default-route', 'knative-serving-tag',
  'k-original-host', INGRESS_PEER_REVISION_HEADER,
]);
const WATCHED_LENGTHS = new Set([...WATCHED].map((h) => h.length));
/** Dropped outright (hop-by-hop, proxy-only, Knative-internal). */
const DROPPED = new Set([
  'keep-alive', 'proxy-connection', 'trailer', 'transfer-encoding', 'http2-settings', 'proxy-authorization', 'expect',
  'knative-serving-revision', 'knative-serving-namespace', 'k-original-host', INGRESS_PEER_REVISION_HEADER,
]);

/** The headers to send to the pod, as a flat `[name, value, …]` list. `raw`: node's rawHeaders (HTTP/2 pseudo-headers included). */
export function upstreamRequestHeaders(raw: readonly string[], ctx: UpstreamHeaderContext): string[] {
  const out: string[] = [];
  let host: string | undefined;
  let authority: string | undefined;
  let connection: string | undefined;
  let te: string | undefined;
  let upgrade: string | undefined;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let forwarded = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':authority') authority = value;
      continue;
    }
    if (!WATCHED_LENGTHS.has(name.length)) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    if (!WATCHED.has(lower)) {
      out.push(name, value);
      continue;
    }
    if (DROPPED.has(lower)) continue;
    switch (lower) {
      case 'host':
        host ??= value;
        if (ctx.hostOverride === undefined) out.push(name, value);
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case 'te':
        te = te === undefined ? value : `${te}, ${value}`;
        break;
      case 'upgrade':
        upgrade ??= value;
        break;
      case 'x-forwarded-for':
        xff = xff === undefined ? value : `${xff}, ${value}`;
        break;
      case 'x-forwarded-proto':
        xfProto ??= value;
        break;
      case 'x-forwarded-host':
        xfHost ??= value;
        break;
      case 'forwarded':
        forwarded = true;
        out.push(name, value);
        break;
      case 'knative-serving-default-route':
        if (!ctx.defaultRoute) out.push(name, value);
        break;
      case 'knative-serving-tag':
        if (ctx.tag === undefined) out.push(name, value);
        break;
      default:
        out.push(name, value);
    }
  }
  if (connection !== undefined) stripConnectionTokens(out, connection);
  if (host === undefined && authority !== undefined) {
    host = authority;
    if (ctx.hostOverride === undefined) out.push('host', authority);
  }
  if (ctx.hostOverride !== undefined) out.push('host', ctx.hostOverride);
  if (ctx.originalHost !== undefined) out.push('k-original-host', ctx.originalHost);
  if (ctx.tunnel && upgrade !== undefined) out.push('upgrade', upgrade, 'connection', 'Upgrade');

  const forFor = xff === undefined ? ctx.remoteAddress : `${xff}, ${ctx.remoteAddress}`;
  const proto = xfProto ?? ctx.scheme ?? 'http';
  const fwdHost = xfHost ?? host;
  out.push('x-forwarded-for', forFor, 'x-forwarded-proto', proto);
  if (fwdHost !== undefined) out.push('x-forwarded-host', fwdHost);
  if (!forwarded) {
    // Fast path (no X-Forwarded-For from the client, an IPv4 peer): the one element forwardedFrom would build.
    const simple = xff === undefined && !ctx.remoteAddress.includes(':') && ctx.remoteAddress !== '';
    out.push('forwarded', simple
      ? (fwdHost !== undefined && fwdHost !== '' ? `for=${ctx.remoteAddress};host=${fwdHost};proto=${proto}` : `for=${ctx.remoteAddress};proto=${proto}`)
      : forwardedFrom(forFor, fwdHost, proto));
  }
  if (ctx.defaultRoute) out.push('knative-serving-default-route', 'true');
  if (ctx.tag !== undefined) out.push('knative-serving-tag', ctx.tag);
  if (ctx.h2c && te !== undefined && /(^|,)\s*trailers\s*(;|,|$)/i.test(te)) out.push('te', 'trailers');
  return out;
}

/** queue-proxy's `Forwarded` shim: the first element carries for/host/proto, each further X-Forwarded-For node its own `for=`. */
export function forwardedFrom(xff: string, xfh: string | undefined, xfp: string | undefined): string {
  const nodes = xff.split(',').map((n) => {
    const t = n.trim();
    return t.includes(':') ? `"[${t}]"` : t;
  });
  const first: string[] = [];
  if (xff !== '') first.push(`for=${nodes[0]}`);
  if (xfh !== undefined && xfh !== '') first.push(`host=${xfh}`);
  if (xfp !== undefined && xfp !== '') first.push(`proto=${xfp}`);
  return [first.join(';'), ...nodes.slice(1).map((n) => `for=${n}`)].join(', ');
}

/** Drop the headers a `Connection` header names (hop-by-hop by declaration). */
export function stripConnectionTokens(headers: string[], connection: string): void {
  // Fast path: the usual values name no extra hop-by-hop headers.
  const len = connection.length;
  if ((len === 10 || len === 5 || len === 7) && /^(keep-alive|close|upgrade)$/i.test(connection)) return;
  const tokens = connection.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade');
  if (tokens.length === 0) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (tokens.includes(headers[i].toLowerCase())) headers.splice(i, 2);
  }
}

/** Hop-by-hop headers a forwarded request's owner drops (the forwarder kept `TE: trailers` only toward h2c). */
const PEER_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'trailer', 'upgrade', 'http2-settings', 'expect']);

/**
 * A request another ingress replica forwarded (on the peer port): the headers to send to the pod,
 * which the forwarder already built (upstreamRequestHeaders, a DomainMapping's Host included), passed
 * on as they are (no second X-Forwarded-For element) without HTTP/2 pseudo-headers (`:authority`
 * becomes `Host` when there is none), hop-by-hop headers and `K-Ingress-Revision`, whose value
 * (the revision the forwarder picked) is returned as `revision`.
 */
export function peerRequestHeaders(raw: readonly string[]): { headers: string[]; revision: string | undefined } {
  const out: string[] = [];
  let revision: string | undefined;
  let authority: string | undefined;
  let host = false;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':authority') authority = raw[i + 1];
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === INGRESS_PEER_REVISION_HEADER) {
      revision ??= raw[i + 1];
      continue;
    }
    if (lower === 'connection') {
      connection = connection === undefined ? raw[i + 1] : `${connection}, ${raw[i + 1]}`;
      continue;
    }
    if (PEER_HOP.has(lower)) continue;
    if (lower === 'host') host = true;
    out.push(name, raw[i + 1]);
  }
  if (connection !== undefined) stripConnectionTokens(out, connection);
  if (!host && authority !== undefined) out.push('host', authority);
  return { headers: out, revision };
}
