// Preloaded (`node --require`) into every process container the played kubelet starts, standing
// in for the two things a real pod gets from its node:
//  - its own network namespace: a server that listens on all interfaces (no host, 0.0.0.0 or ::)
//    listens on the pod's IP (POD_NET_IP) instead, so two pods can both use port 8080;
//  - cluster DNS: `<service>.<namespace>.svc.<domain>` (and the shorter forms) resolves to the
//    Service's ClusterIP (ExternalName Services: to their target's address), read from the JSON
//    file CLUSTER_DNS_FILE that the played kube-proxy keeps up to date from the real API;
//  - its volume mounts (POD_MOUNTS, JSON [{mountPath, hostPath}], from the played kubelet): a path
//    under a mountPath is read from the pod's directory instead (fs reads and stats only).
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const path = require('node:path');

const podIp = process.env.POD_NET_IP;
const dnsFile = process.env.CLUSTER_DNS_FILE;
const mounts = process.env.POD_MOUNTS ? JSON.parse(process.env.POD_MOUNTS) : [];

if (mounts.length) {
  const mapPath = (p) => {
    if (typeof p !== 'string' || !path.isAbsolute(p)) return p;
    const norm = path.normalize(p);
    for (const m of mounts) {
      const mp = path.normalize(m.mountPath).replace(/\/$/, '');
      if (norm === mp || norm.startsWith(mp + '/')) return path.join(m.hostPath, norm.slice(mp.length));
    }
    return p;
  };
  for (const fn of ['readFileSync', 'statSync', 'lstatSync', 'existsSync', 'accessSync', 'openSync', 'readdirSync', 'readFile', 'stat', 'lstat', 'access', 'open', 'readdir', 'watch', 'watchFile', 'createReadStream']) {
    const original = fs[fn];
    if (typeof original !== 'function') continue;
    fs[fn] = function mapped(p, ...rest) { return original.call(fs, mapPath(p), ...rest); };
  }
  for (const fn of ['readFile', 'stat', 'lstat', 'access', 'open', 'readdir']) {
    const original = fs.promises[fn];
    fs.promises[fn] = function mapped(p, ...rest) { return original.call(fs.promises, mapPath(p), ...rest); };
  }
}

if (podIp) {
  const original = net.Server.prototype.listen;
  const any = (h) => h === undefined || h === null || h === '' || h === '0.0.0.0' || h === '::';
  net.Server.prototype.listen = function listen(...args) {
    if (args.length === 0 || typeof args[0] === 'function') return original.call(this, 0, podIp, ...args);
    if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
      const [port, ...rest] = args;
      if (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null) {
        const host = rest.shift();
        return original.call(this, Number(port), any(host) ? podIp : host, ...rest);
      }
      return original.call(this, Number(port), podIp, ...rest);
    }
    const o = args[0];
    if (o && typeof o === 'object' && o.path === undefined && o.fd === undefined && o.handle === undefined && !o._handle) {
      return original.call(this, { ...o, host: any(o.host) ? podIp : o.host }, ...args.slice(1));
    }
    return original.apply(this, args);
  };
}

if (dnsFile) {
  let cache = { mtimeMs: -1, names: {} };
  const table = () => {
    try {
      const st = fs.statSync(dnsFile);
      if (st.mtimeMs !== cache.mtimeMs) cache = { mtimeMs: st.mtimeMs, names: JSON.parse(fs.readFileSync(dnsFile, 'utf8')) };
    } catch {
      // keep the last table (the file is replaced atomically; a missing file means no Services yet)
    }
    return cache.names;
  };
  const resolve = (name, depth = 0) => {
    if (typeof name !== 'string' || depth > 5) return undefined;
    const v = table()[name.toLowerCase().replace(/\.$/, '')];
    if (v === undefined) return undefined;
    if (net.isIP(v)) return v;
    return resolve(v, depth + 1) ?? (net.isIP(v) ? v : undefined);
  };
  const lookup = dns.lookup;
  dns.lookup = function clusterLookup(hostname, options, callback) {
    let cb = callback;
    let opts = options;
    if (typeof opts === 'function') {
      cb = opts;
      opts = {};
    } else if (typeof opts === 'number') {
      opts = { family: opts };
    }
    const ip = resolve(hostname);
    if (ip === undefined) return lookup.call(dns, hostname, options, callback);
    process.nextTick(() => (opts && opts.all ? cb(null, [{ address: ip, family: 4 }]) : cb(null, ip, 4)));
    return {};
  };
  const promisesLookup = dns.promises.lookup;
  dns.promises.lookup = async function clusterLookupPromise(hostname, options) {
    const ip = resolve(hostname);
    if (ip === undefined) return promisesLookup.call(dns.promises, hostname, options);
    return options && options.all ? [{ address: ip, family: 4 }] : { address: ip, family: 4 };
  };
}
