/** Placeholder K8s Services of a Route (reference §7.5 step 4), one per traffic name. */
import { L, ownerRef } from './meta';
import { clusterLocalHost } from '../../../core/hosts';
import type { KubeObject, RouteObject } from '../../../core/types';

export interface IngressTarget {
  /** Name of the internal ingress Service (the listener that serves cluster-local hosts). */
  name: string;
  namespace: string;
  clusterDomain: string;
}

/**
 * `name` is the route name (default traffic name) or the tag host name (`<tag>-<route>`).
 * It is an ExternalName Service pointing at the internal ingress Service, so `<name>.<ns>.svc.<cd>`
 * resolves in-cluster to the ingress's cluster-local listener, which routes by Host header from the
 * Route's routing contract (core/routing; the external listener does not serve these hosts).
 */
export function makePlaceholderService(route: RouteObject, name: string, ingress: IngressTarget, tag?: string): KubeObject {
  const labels: Record<string, string> = { [L.route]: route.metadata.name! };
  if (route.metadata.labels?.[L.service]) labels[L.service] = route.metadata.labels[L.service];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: route.metadata.namespace,
      labels,
      annotations: tag ? { 'serving.knative.dev/tag': tag } : {},
      ownerReferences: [ownerRef(route)],
    },
    spec: {
      type: 'ExternalName',
      externalName: clusterLocalHost(ingress.name, ingress.namespace, ingress.clusterDomain),
      ports: [{ name: 'http2', port: 80, protocol: 'TCP', targetPort: 80, appProtocol: 'kubernetes.io/h2c' }],
    },
  };
}
