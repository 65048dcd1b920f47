/**
 * A simulated EndpointSlice controller (kube-controller-manager's `endpointslice-controller`):
 * every Service with a non-empty selector gets `discovery.k8s.io/v1` EndpointSlices listing the
 * pods it selects that have an IP, kept up to date as pods and Services change.
 *
 * As the real controller: slices are named `<service>-<5 chars>` (generateName), owned by the
 * Service (controller reference), labelled with the Service's labels plus
 * `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`; endpoints are grouped
 * into one slice per distinct resolved port set (a named targetPort resolves per pod) with at most
 * 100 endpoints per slice; each endpoint carries `conditions.ready` (pod Ready and not
 * terminating), `serving` (pod Ready) and `terminating` (deletionTimestamp set), `nodeName` and a
 * `targetRef` to the pod. Terminating pods stay listed until they are gone.
 */
import { deepClone } from './patch';
import { ResourceType, RESOURCES } from './resources';
import { Store, timestamp } from './store';
import type { KubeObject } from '../../src/core/types';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Annotation the controller stamps on each slice it writes: when the change that caused the write happened. */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const MAX_ENDPOINTS_PER_SLICE = 100;
const CONTROLLER_USER = 'system:serviceaccount:kube-system:endpointslice-controller';

function type(plural: string, group: string): ResourceType {
  return RESOURCES.find((t) => t.plural === plural && t.group === group)!;
}

export interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/**
 * `portOverride(pod)`: a port that replaces every resolved target port of that pod's endpoint
 * (used for pods whose real loopback backend listens on a port of its own).
 */
export class EndpointSliceController {
  private readonly services = type('services', '');
  private readonly pods = type('pods', '');
  private readonly slices = type('endpointslices', 'discovery.k8s.io');
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly portOverride: (pod: KubeObject) => number | undefined = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.unsubscribe = store.subscribe((ev) => {
      if (ev.t === this.services) {
        this.enqueue(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
      } else if (ev.t === this.pods) {
        const ns = ev.object.metadata.namespace ?? '';
        for (const svc of this.store.list(this.services, ns)) {
          const sel: Record<string, string> | undefined = svc.spec?.selector;
          if (!sel || Object.keys(sel).length === 0) continue;
          if (selects(sel, ev.object) || (ev.prev && selects(sel, ev.prev))) this.enqueue(`${ns}/${svc.metadata.name}`);
        }
      }
    });
  }

  public stop(): void {
    this.stopped = true;
    this.unsubscribe();
  }

  /** Sync a Service's slices now (in-process; normally done right after any change). */
  public syncNow(namespace: string, name: string): void {
    this.sync(namespace, name);
  }

  private enqueue(key: string): void {
    this.pending.add(key);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.stopped) return;
      const keys = [...this.pending];
      this.pending.clear();
      for (const k of keys) {
        const [ns, name] = k.split('/');
        try {
          this.sync(ns, name);
        } catch {
          // a concurrent change; the event it caused re-enqueues the Service
        }
      }
    });
  }

  private sync(ns: string, name: string): void {
    const svc = this.store.getRaw(this.services, ns, name);
    const existing = this.store.list(this.slices, ns).filter((s) =>
      s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    const selector: Record<string, string> | undefined = svc?.spec?.selector;
    if (!svc || svc.metadata.deletionTimestamp || !selector || Object.keys(selector).length === 0) {
      for (const s of existing) this.remove(ns, s.metadata.name!);
      return;
    }
    const matching = this.store.list(this.pods, ns).filter((p) => selects(selector, p) && p.status?.podIP);
    // group endpoints by resolved port set
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: unknown[] }>();
    for (const pod of matching.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
      const ports = this.portsFor(svc, pod);
      const key = JSON.stringify(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      g.endpoints.push(endpointOf(pod));
    }
    const desired: Array<{ ports: EndpointPort[] | null; endpoints: unknown[] | null }> = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        desired.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
      }
    }
    // A Service whose selector matches no pod with an IP keeps one placeholder slice (Go nil
    // slices: "endpoints": null, "ports": null).
    if (desired.length === 0) desired.push({ ports: null, endpoints: null });
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const unused = [...existing].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    for (const want of desired) {
      // reuse a slice with the same ports first, else any unused one
      let i = unused.findIndex((s) => JSON.stringify(s.ports ?? []) === JSON.stringify(want.ports));
      if (i < 0) i = unused.length > 0 ? 0 : -1;
      const body = {
        addressType: 'IPv4',
        endpoints: want.endpoints,
        ports: want.ports,
      };
      const trigger = { [TRIGGER_TIME_ANNOTATION]: timestamp(this.now()) };
      if (i >= 0) {
        const cur = unused.splice(i, 1)[0];
        // unchanged: no write (the trigger time would otherwise change on every pass)
        const same = JSON.stringify([cur.addressType, cur.endpoints ?? null, cur.ports ?? null, cur.metadata.labels, cur.metadata.ownerReferences])
          === JSON.stringify([body.addressType, body.endpoints, body.ports, labels, [owner]]);
        if (same) continue;
        const next: KubeObject = { ...deepClone(cur), ...deepClone(body) };
        next.metadata.labels = labels;
        next.metadata.ownerReferences = [owner];
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...trigger };
        this.store.update(this.slices, ns, cur.metadata.name!, next, { user: CONTROLLER_USER });
      } else {
        this.store.create(this.slices, ns, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { generateName: `${name}-`, namespace: ns, labels, annotations: trigger, ownerReferences: [owner] },
          ...body,
        }, { user: CONTROLLER_USER });
      }
    }
    for (const s of unused) this.remove(ns, s.metadata.name!);
  }

  private remove(ns: string, name: string): void {
    try {
      this.store.delete(this.slices, ns, name);
    } catch {
      // already gone
    }
  }

  /** The Service's ports resolved for one pod (a named targetPort the pod does not have is left out, as kube does). */
  private portsFor(svc: KubeObject, pod: KubeObject): EndpointPort[] {
    const override = this.portOverride(pod);
    const out: EndpointPort[] = [];
    for (const p of (svc.spec?.ports ?? []) as any[]) {
      let port: number | undefined;
      const target = p.targetPort ?? p.port;
      if (override !== undefined) {
        port = override;
      } else if (typeof target === 'number') {
        port = target;
      } else {
        for (const c of pod.spec?.containers ?? []) {
          const found = (c.ports ?? []).find((cp: any) => cp.name === target && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (found) port = found.containerPort;
        }
        if (port === undefined) continue; // kube leaves the port out for this pod
      }
      const ep: EndpointPort = { name: p.name ?? '', port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) ep.appProtocol = p.appProtocol;
      out.push(ep);
    }
    return out;
  }
}

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  return Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v);
}

function endpointOf(pod: KubeObject): unknown {
  const podReady = (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  const terminating = !!pod.metadata.deletionTimestamp;
  const ep: Record<string, unknown> = {
    addresses: [pod.status.podIP],
    conditions: { ready: podReady && !terminating, serving: podReady, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}
