/** Children of a Knative Service (reference §3.3): a Configuration and a Route named like it. */
import { A, L, joinSet, ownerRef, splitSet } from './meta';
import { serviceRouteTraffic } from '../../../core/traffic';
import type { ConfigurationObject, KnServiceObject, RouteObject } from '../../../core/types';
import { clone } from '../util';

const CONFIG_DROPPED_ANNOTATIONS = new Set<string>([A.lastApplied, A.rolloutDuration, A.rolloutDurationAlt]);

export function makeConfiguration(service: KnServiceObject, existing?: ConfigurationObject): ConfigurationObject {
  const name = service.metadata.name!;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.annotations ?? {})) {
    if (!CONFIG_DROPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  }
  annotations[A.routes] = joinSet([...splitSet(existing?.metadata.annotations?.[A.routes]), name]);
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Configuration',
    metadata: {
      name,
      namespace: service.metadata.namespace,
      labels: { ...(service.metadata.labels ?? {}), [L.service]: name, [L.serviceUID]: service.metadata.uid! },
      annotations,
      ownerReferences: [ownerRef(service)],
    },
    spec: { template: clone(service.spec.template) },
  };
}

export function makeRoute(service: KnServiceObject): RouteObject {
  const name = service.metadata.name!;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.annotations ?? {})) {
    if (k !== A.lastApplied) annotations[k] = v;
  }
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Route',
    metadata: {
      name,
      namespace: service.metadata.namespace,
      labels: { ...(service.metadata.labels ?? {}), [L.service]: name },
      annotations,
      ownerReferences: [ownerRef(service)],
    },
    spec: { traffic: serviceRouteTraffic(name, service.spec.traffic) },
  };
}
