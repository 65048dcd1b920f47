/**
 * List-then-watch with @kubernetes/client-node, as client-go's reflector does: list, then watch
 * from the list's resourceVersion; when the watch ends (timeout, 410 Gone after a compaction, a
 * restarted API server) list again and report the difference as events. Used by the played
 * kubelet, scheduler and kube-proxy (client-node's informer cannot pass a field selector, which
 * the Node authorizer requires of a node listing its pods).
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { k8s } from './harness';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: any };
  [k: string]: any;
}

export interface ReflectorOptions {
  /** Collection path, e.g. `/api/v1/pods` or `/apis/discovery.k8s.io/v1/endpointslices`. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  onEvent: (type: EventType, obj: KObj) => void;
  onError?: (e: unknown) => void;
}

const key = (o: KObj): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class Reflector {
  public readonly store = new Map<string, KObj>();
  private stopped = false;
  private abort: AbortController | undefined;
  private synced!: () => void;
  /** Resolves after the first list was delivered. */
  public readonly hasSynced = new Promise<void>((r) => { this.synced = r; });

  constructor(private readonly kc: K8s.KubeConfig, private readonly opts: ReflectorOptions) {}

  public start(): this {
    void this.run();
    return this;
  }

  public stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async list(): Promise<{ items: KObj[]; resourceVersion: string }> {
    const q = new URLSearchParams();
    if (this.opts.fieldSelector) q.set('fieldSelector', this.opts.fieldSelector);
    if (this.opts.labelSelector) q.set('labelSelector', this.opts.labelSelector);
    const url = `${this.kc.getCurrentCluster()!.server}${this.opts.path}?${q}`;
    const options: import('node:https').RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    const res = await httpsJson(url, options);
    return { items: res.items ?? [], resourceVersion: res.metadata?.resourceVersion ?? '' };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const { items, resourceVersion } = await this.list();
        const seen = new Set<string>();
        for (const o of items) {
          const k = key(o);
          seen.add(k);
          const prev = this.store.get(k);
          this.store.set(k, o);
          if (!prev) this.opts.onEvent('ADDED', o);
          else if (prev.metadata.resourceVersion !== o.metadata.resourceVersion) this.opts.onEvent('MODIFIED', o);
        }
        for (const [k, o] of [...this.store]) {
          if (!seen.has(k)) {
            this.store.delete(k);
            this.opts.onEvent('DELETED', o);
          }
        }
        this.synced();
        await this.watch(resourceVersion);
      } catch (e) {
        if (!this.stopped) this.opts.onError?.(e);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 250));
    }
  }

  private watch(resourceVersion: string): Promise<void> {
    return new Promise((resolve) => {
      const params: Record<string, string | boolean> = { resourceVersion, allowWatchBookmarks: true };
      if (this.opts.fieldSelector) params.fieldSelector = this.opts.fieldSelector;
      if (this.opts.labelSelector) params.labelSelector = this.opts.labelSelector;
      new k8s.Watch(this.kc).watch(this.opts.path, params, (type: string, obj: KObj) => {
        if (type === 'BOOKMARK' || type === 'ERROR') return;
        const k = key(obj);
        if (type === 'DELETED') this.store.delete(k);
        else this.store.set(k, obj);
        this.opts.onEvent(type as EventType, obj);
      }, () => resolve()).then((ac) => {
        this.abort = ac;
        if (this.stopped) ac.abort();
      }, () => resolve());
    });
  }
}

/** GET JSON with the TLS/auth options client-node applied (CA, bearer token). */
async function httpsJson(url: string, options: import('node:https').RequestOptions): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('node:https') as typeof import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 300)}`));
        else resolve(JSON.parse(body));
      });
    });
    req.on('error', reject);
  });
}
