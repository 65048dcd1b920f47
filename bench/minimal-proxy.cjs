// The stack floor bench:ingress measures in every run (and an experiment switch:
// `--proxy-js bench/minimal-proxy.cjs` runs it in the ingress's place): the smallest node:http +
// undici reverse proxy (one backend, no routing, no header filtering, no metrics, no timeouts).
// Comparing it with our ingress in the same run separates the cost of the node:http + undici
// stack from the cost of our own request handling.
'use strict';
const http = require('node:http');
const { Pool } = require('undici');

const cfg = JSON.parse(process.env.BENCH_CFG);
const pool = new Pool(`http://127.0.0.1:${cfg.backends[0]}`, { connections: 128, pipelining: 1 });

class Handler {
  constructor(res) {
    this.res = res;
    this.chunks = [];
  }
  onConnect() {}
  onHeaders(status, raw) {
    const headers = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      const lower = name.toLowerCase();
      if (lower === 'connection' || lower === 'keep-alive') continue;
      headers.push(name, raw[i + 1].toString('latin1'));
    }
    this.res.writeHead(status, headers);
    return true;
  }
  onData(chunk) {
    this.chunks.push(chunk);
    return true;
  }
  onComplete() {
    this.res.end(Buffer.concat(this.chunks).toString('latin1'), 'latin1');
  }
  onError() {
    this.res.destroy();
  }
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 75_000 }, (req, res) => {
  pool.dispatch({ path: req.url, method: req.method, headers: req.rawHeaders }, new Handler(res));
});
server.listen(cfg.port, '127.0.0.1', () => process.send({ type: 'ready' }));
process.on('disconnect', () => process.exit(0));
