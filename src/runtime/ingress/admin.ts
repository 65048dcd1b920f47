/**
 * The ingress's admin server (default port 9000): the runtime's AdminServer with the ingress's
 * readiness, and `GET /v1/routes/<namespace>/<name>`: which version of a Route the table this
 * replica serves holds, for the controller's IngressReady probe (controller/ingress-probe.ts):
 * 200 `{"route":"<ns>/<name>","digest":"<routingDigest>"|null,"tableGeneration":N}` (null: not
 * in the table, or it lost a host to another Route), 503 before the first table is installed.
 * Read-only; the digest is a hash of the Route's routing, nothing else is disclosed.
 */
import type { IngressProxy } from './proxy';
import { AdminResponse, AdminServer } from '../common/admin';

/** Path prefix of the route-status endpoint. */
export const ROUTE_STATUS_PATH = '/v1/routes/';

/** The answer of `GET /v1/routes/<ns>/<name>` from the table the proxy serves. */
export function routeStatusResponse(proxy: Pick<IngressProxy, 'ready' | 'currentTable'>, path: string): AdminResponse | undefined {
  if (!path.startsWith(ROUTE_STATUS_PATH)) return undefined;
  const parts = path.slice(ROUTE_STATUS_PATH.length).split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return { status: 400, body: `expected ${ROUTE_STATUS_PATH}<namespace>/<name>\n` };
  }
  if (!proxy.ready) return { status: 503, body: 'routing table not built yet\n' };
  const table = proxy.currentTable;
  const route = `${parts[0]}/${parts[1]}`;
  const body = JSON.stringify({ route, digest: table.digests.get(route) ?? null, tableGeneration: table.generation });
  return { status: 200, body, type: 'application/json' };
}

/** Ready once the first routing table is installed, and not while draining. */
export function ingressAdminServer(proxy: IngressProxy): AdminServer {
  return new AdminServer({
    notReadyReason: () => (proxy.draining ? 'draining' : !proxy.ready ? 'routing table not built yet' : undefined),
    metrics: () => proxy.metrics.render(),
    handle: (path) => routeStatusResponse(proxy, path),
  });
}
