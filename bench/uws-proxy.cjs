// Experiment only (never run by npm scripts or CI; the project does not depend on uWebSockets.js):
// bench/minimal-proxy.cjs with a uWebSockets.js HTTP/1.1 server in place of node:http (the client
// side stays an undici Pool), to measure what a native HTTP server in front would change in
// bench:ingress. uWebSockets.js is not on the npm registry under its own name, so point UWS_JS at
// an unpacked copy of a republished build that loads on this machine's Node and glibc, e.g.
//
//   (cd /tmp && npm pack @trufflesuite/uws-js-unofficial && mkdir -p uws \
//     && tar xzf trufflesuite-uws-js-unofficial-*.tgz -C uws --strip-components=1)
//   UWS_JS=/tmp/uws node -r ts-node/register/transpile-only bench/ingress.ts --proxy-js bench/uws-proxy.cjs
//
// Like minimal-proxy.cjs it forwards every request to the first backend (no routing, no header
// rules, no metrics, no timeouts), so only its throughput and half-load rows mean anything: uWS
// speaks no HTTP/2, so the gRPC row fails, and it does not answer the table-swap messages, so stop
// the run after the gRPC row.
'use strict';
const { Pool } = require('undici');

if (!process.env.UWS_JS) throw new Error('UWS_JS is not set: point it at an unpacked uWebSockets.js package (see the comment at the top of bench/uws-proxy.cjs)');
const uws = require(process.env.UWS_JS);
const cfg = JSON.parse(process.env.BENCH_CFG);
const pool = new Pool(`http://127.0.0.1:${cfg.backends[0]}`, { connections: 128, pipelining: 1 });

/** Headers uWS writes itself (framing, Date) or that are hop-by-hop. */
const SKIP = new Set(['connection', 'keep-alive', 'content-length', 'transfer-encoding', 'date']);

class Handler {
  constructor(res) {
    this.res = res;
    this.chunks = [];
    this.status = 0;
    this.raw = [];
  }
  onConnect() {}
  onHeaders(status, raw) {
    this.status = status;
    this.raw = raw;
    return true;
  }
  onData(chunk) {
    this.chunks.push(chunk);
    return true;
  }
  onComplete() {
    const res = this.res;
    if (res.aborted) return;
    res.cork(() => {
      res.writeStatus(String(this.status));
      for (let i = 0; i < this.raw.length; i += 2) {
        const name = this.raw[i].toString('latin1');
        if (!SKIP.has(name.toLowerCase())) res.writeHeader(name, this.raw[i + 1].toString('latin1'));
      }
      res.end(Buffer.concat(this.chunks));
    });
  }
  onError() {
    const res = this.res;
    if (!res.aborted) res.cork(() => res.writeStatus('502').end());
  }
}

uws.App().any('/*', (res, req) => {
  res.onAborted(() => {
    res.aborted = true;
  });
  // The request object is valid only in this callback: copy what the upstream request needs.
  const headers = [];
  req.forEach((name, value) => headers.push(name, value));
  const query = req.getQuery();
  pool.dispatch({ path: req.getUrl() + (query ? `?${query}` : ''), method: req.getMethod().toUpperCase(), headers }, new Handler(res));
}).listen('127.0.0.1', cfg.port, (listenSocket) => {
  if (!listenSocket) throw new Error(`uws-proxy: cannot listen on 127.0.0.1:${cfg.port}`);
  process.send({ type: 'ready' });
});
process.on('disconnect', () => process.exit(0));
