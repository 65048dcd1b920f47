/** The ingress's admin server (default port 9000): the runtime's AdminServer with the ingress's readiness. */
import type { IngressProxy } from './proxy';
import { AdminServer } from '../common/admin';

/** Ready once the first routing table is installed, and not while draining. */
export function ingressAdminServer(proxy: IngressProxy): AdminServer {
  return new AdminServer({
    notReadyReason: () => (proxy.draining ? 'draining' : !proxy.ready ? 'routing table not built yet' : undefined),
    metrics: () => proxy.metrics.render(),
  });
}
