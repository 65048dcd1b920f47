/**
 * The watches and indexes each kind declares next to its reconciler (controller.ts only wires
 * them): which keys of which kind an informer event enqueues, evaluated against listers built
 * with exactly the indexes the kinds declare.
 */
import { owner, uid } from './table';
import type { KubeObject } from '../../../src/core/types';
import { keyOf, Lister } from '../../../src/runtime/controller/informers';
import { InformerName, KindReconciler, Listers, Watch } from '../../../src/runtime/controller/reconcilers/base';
import { configurationReconciler } from '../../../src/runtime/controller/reconcilers/configuration';
import { revisionReconciler } from '../../../src/runtime/controller/reconcilers/revision';
import { routeReconciler } from '../../../src/runtime/controller/reconcilers/route';
import { serviceReconciler } from '../../../src/runtime/controller/reconcilers/service';

const KINDS: KindReconciler<any>[] = [serviceReconciler, configurationReconciler, revisionReconciler, routeReconciler];
const INFORMERS: InformerName[] = ['services', 'configurations', 'revisions', 'routes', 'deployments', 'k8sServices', 'hpas'];

/** Listers over `objects` (by informer) carrying every index the kinds declare. */
function listersOf(objects: Partial<Record<InformerName, KubeObject[]>>): Listers {
  const out: Record<string, Lister<KubeObject>> = {};
  for (const inf of INFORMERS) {
    const store = new Map<string, KubeObject>();
    const byNs = new Map<string, Map<string, KubeObject>>();
    const indexes = new Map<string, { fn: (o: KubeObject) => string[]; values: Map<string, Map<string, KubeObject>> }>();
    const declared = KINDS.flatMap((k) => k.indexes ?? []).filter((i) => i.informer === inf);
    for (const idx of declared) indexes.set(idx.name, { fn: idx.fn, values: new Map() });
    for (const o of objects[inf] ?? []) {
      store.set(keyOf(o), o);
      for (const idx of indexes.values()) {
        for (const v of idx.fn(o)) {
          if (!idx.values.has(v)) idx.values.set(v, new Map());
          idx.values.get(v)!.set(keyOf(o), o);
        }
      }
    }
    out[inf] = new Lister(store, byNs, indexes);
  }
  return out as unknown as Listers;
}

/** `Kind key` for every key the kinds' watches on `informer` enqueue for `obj` (primary ones marked `!`). */
function enqueued(informer: InformerName, obj: KubeObject, listers: Listers = listersOf({})): string[] {
  const out: string[] = [];
  for (const k of KINDS) {
    for (const w of k.watches.filter((x: Watch) => x.informer === informer)) {
      for (const key of w.keys(obj, listers)) out.push(`${k.kind}${w.primary ? '!' : ''} ${key}`);
    }
  }
  return out.sort();
}

const obj = (apiVersion: string, kind: string, name: string, meta: Partial<KubeObject['metadata']> = {}, rest: any = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name, namespace: 'default', uid: uid(kind, name), ...meta }, ...rest });

describe('declared watches', () => {
  test('every kind watches its own informer as primary, and nothing else is primary', () => {
    const primaries = KINDS.flatMap((k) => k.watches.filter((w) => w.primary).map((w) => `${k.kind} ${w.informer}`));
    expect(primaries.sort()).toEqual(['Configuration configurations', 'Revision revisions', 'Route routes', 'Service services']);
  });

  test('children enqueue their controller (kind and API group must match), not other owners', () => {
    const dep = (o: any) => obj('apps/v1', 'Deployment', 'web-00001-deployment', { ownerReferences: [o] });
    expect(enqueued('deployments', dep(owner('Revision', 'web-00001')))).toEqual(['Revision default/web-00001']);
    expect(enqueued('deployments', dep({ ...owner('Revision', 'web-00001'), controller: false }))).toEqual([]);
    expect(enqueued('deployments', dep({ ...owner('Revision', 'web-00001'), apiVersion: 'example.com/v1' }))).toEqual([]);
    expect(enqueued('hpas', obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web-00001', { ownerReferences: [owner('Revision', 'web-00001')] })))
      .toEqual(['Revision default/web-00001']);
    // Kubernetes Services: a Revision's ClusterIP Service or a Route's placeholder
    expect(enqueued('k8sServices', obj('v1', 'Service', 'web-00001', { ownerReferences: [owner('Revision', 'web-00001')] }))).toEqual(['Revision default/web-00001']);
    expect(enqueued('k8sServices', obj('v1', 'Service', 'web', { ownerReferences: [owner('Route', 'web')] }))).toEqual(['Route default/web']);
    expect(enqueued('routes', obj('serving.knative.dev/v1', 'Route', 'web', { ownerReferences: [owner('Service', 'web')] })))
      .toEqual(['Route! default/web', 'Service default/web']);
  });

  test('a Configuration enqueues itself, its Service, the Routes referring to it and the Routes its routes annotation names', () => {
    const listers = listersOf({
      routes: [
        obj('serving.knative.dev/v1', 'Route', 'a', {}, { spec: { traffic: [{ configurationName: 'web', percent: 100 }] } }),
        obj('serving.knative.dev/v1', 'Route', 'b', {}, { spec: { traffic: [{ revisionName: 'web-00001', percent: 100 }] } }),
      ],
    });
    const cfg = obj('serving.knative.dev/v1', 'Configuration', 'web', { ownerReferences: [owner('Service', 'web')], annotations: { 'serving.knative.dev/routes': 'c,d' } });
    expect(enqueued('configurations', cfg, listers)).toEqual(['Configuration! default/web', 'Route default/a', 'Route default/c', 'Route default/d', 'Service default/web']);
  });

  test('a Revision enqueues itself, its Configuration, and the Routes referring to it by name or to its Configuration (spec or status traffic)', () => {
    const listers = listersOf({
      routes: [
        obj('serving.knative.dev/v1', 'Route', 'by-config', {}, { spec: { traffic: [{ configurationName: 'web', percent: 100 }] } }),
        obj('serving.knative.dev/v1', 'Route', 'by-name', {}, { spec: { traffic: [{ revisionName: 'web-00001', percent: 100 }] } }),
        obj('serving.knative.dev/v1', 'Route', 'by-status', {}, { spec: { traffic: [] }, status: { traffic: [{ revisionName: 'web-00001', percent: 100 }] } }),
        obj('serving.knative.dev/v1', 'Route', 'other', {}, { spec: { traffic: [{ revisionName: 'other-00001', percent: 100 }] } }),
      ],
    });
    const rev = obj('serving.knative.dev/v1', 'Revision', 'web-00001', {
      ownerReferences: [owner('Configuration', 'web')], labels: { 'serving.knative.dev/configuration': 'web' },
    });
    expect(enqueued('revisions', rev, listers)).toEqual([
      'Configuration default/web', 'Revision! default/web-00001', 'Route default/by-config', 'Route default/by-name', 'Route default/by-status',
    ]);
  });

  test('no two kinds declare the same index', () => {
    const ids = KINDS.flatMap((k) => (k.indexes ?? []).map((i) => `${i.informer}/${i.name}`));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
