/**
 * The played kube-proxy and cluster DNS, both fed by the real API (as system:kube-proxy, which
 * bootstrap RBAC's system:node-proxier role lets read Services and EndpointSlices):
 *
 * - kube-proxy: for every ClusterIP Service port (TCP), a listener on <clusterIP>:<port> (the
 *   namespace routes 10.96.0.0/16 locally) that forwards each connection to a ready endpoint of
 *   the Service's EndpointSlices (written by the real EndpointSlice controller), round-robin. With
 *   no ready endpoint the connection is reset (kube-proxy's REJECT).
 * - cluster DNS: a JSON table `<service>.<namespace>.svc.<domain>` (and `.svc`, `<service>.<namespace>`)
 *   → ClusterIP, or → the target name for ExternalName Services, written atomically to `dnsFile`
 *   for pod-net.cjs, which process containers preload.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { KObj, Reflector } from './reflector';

interface Listener { server: net.Server; service: string; portName: string; next: number; sockets: Set<net.Socket> }

export class KubeProxy {
  private readonly listeners = new Map<string, Listener>();
  private services!: Reflector;
  private slices!: Reflector;
  private dnsWrite: NodeJS.Timeout | undefined;
  /** Connections reset for lack of a ready endpoint. */
  public rejected = 0;
  private stopped = false;

  constructor(private readonly kc: K8s.KubeConfig, public readonly dnsFile: string, private readonly clusterDomain = 'cluster.local') {}

  public async start(): Promise<void> {
    fs.writeFileSync(this.dnsFile, '{}');
    this.services = new Reflector(this.kc, { path: '/api/v1/services', onEvent: () => this.sync() }).start();
    this.slices = new Reflector(this.kc, { path: '/apis/discovery.k8s.io/v1/endpointslices', onEvent: () => undefined }).start();
    await Promise.all([this.services.hasSynced, this.slices.hasSynced]);
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    this.services?.stop();
    this.slices?.stop();
    if (this.dnsWrite) clearTimeout(this.dnsWrite);
    // Forwarded connections end with the proxy (the API server keeps its connections to webhook
    // Services open, which would hold server.close() forever).
    await Promise.all([...this.listeners.values()].map((l) => new Promise<void>((r) => {
      l.server.close(() => r());
      for (const sock of l.sockets) sock.destroy();
    })));
    this.listeners.clear();
  }

  /** Ready endpoints (ip:port) of a Service port, from the EndpointSlices. */
  public endpoints(namespace: string, service: string, portName: string): Array<{ ip: string; port: number }> {
    const out: Array<{ ip: string; port: number }> = [];
    for (const s of this.slices.store.values()) {
      if (s.metadata.namespace !== namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
      const port = (s.ports ?? []).find((p: any) => (p.name ?? '') === portName);
      if (!port?.port) continue;
      for (const e of s.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses ?? []) out.push({ ip, port: port.port });
      }
    }
    return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  }

  private sync(): void {
    const wanted = new Map<string, { service: string; portName: string; ip: string; port: number }>();
    for (const s of this.services.store.values()) {
      const ip: string | undefined = s.spec?.clusterIP;
      if (!ip || ip === 'None') continue;
      for (const p of s.spec?.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        wanted.set(`${ip}:${p.port}`, { service: `${s.metadata.namespace}/${s.metadata.name}`, portName: p.name ?? '', ip, port: p.port });
      }
    }
    for (const [k, l] of this.listeners) {
      const w = wanted.get(k);
      if (!w || w.service !== l.service || w.portName !== l.portName) {
        l.server.close();
        this.listeners.delete(k);
      }
    }
    for (const [k, w] of wanted) {
      if (!this.listeners.has(k)) this.listen(k, w);
    }
    this.scheduleDns();
  }

  private listen(k: string, w: { service: string; portName: string; ip: string; port: number }): void {
    const [ns, name] = w.service.split('/');
    const l: Listener = { server: net.createServer(), service: w.service, portName: w.portName, next: 0, sockets: new Set() };
    l.server.on('connection', (client) => {
      const eps = this.endpoints(ns, name, w.portName);
      if (eps.length === 0) {
        this.rejected++;
        client.resetAndDestroy();
        return;
      }
      const ep = eps[l.next++ % eps.length];
      const upstream = net.connect({ host: ep.ip, port: ep.port });
      l.sockets.add(client);
      l.sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', () => (client.readyState === 'open' ? client.resetAndDestroy() : client.destroy()));
      client.on('close', () => {
        upstream.destroy();
        l.sockets.delete(client);
      });
      // The endpoint closed (e.g. its pod stopped): the client's connection ends too, once what
      // was read from the endpoint is written (a client that never closes its side would else
      // keep it forever).
      upstream.on('close', () => {
        l.sockets.delete(upstream);
        client.end();
        setTimeout(() => client.destroy(), 1000).unref();
      });
    });
    l.server.on('error', () => this.listeners.delete(k));
    l.server.listen(w.port, w.ip);
    this.listeners.set(k, l);
  }

  private scheduleDns(): void {
    // A Services event delivered after stop() must not write into the removed temp dir.
    if (this.dnsWrite || this.stopped) return;
    this.dnsWrite = setTimeout(() => {
      this.dnsWrite = undefined;
      const names: Record<string, string> = {};
      for (const s of this.services.store.values()) {
        const target = s.spec?.type === 'ExternalName' ? s.spec.externalName : s.spec?.clusterIP;
        if (!target || target === 'None') continue;
        const base = `${s.metadata.name}.${s.metadata.namespace}`;
        for (const n of [base, `${base}.svc`, `${base}.svc.${this.clusterDomain}`]) names[n] = target;
      }
      const tmp = `${this.dnsFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(names));
      fs.renameSync(tmp, this.dnsFile);
    }, 20);
  }

  /** The ClusterIP of a Service as the played DNS answers it. */
  public clusterIP(namespace: string, name: string): string | undefined {
    return (this.services.store.get(`${namespace}/${name}`) as KObj | undefined)?.spec?.clusterIP;
  }
}
