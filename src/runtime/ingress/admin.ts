/**
 * The ingress's admin server (default port 9000): the runtime's AdminServer with the ingress's
 * readiness, and which version of an object the table this replica serves holds, for the
 * controller's IngressReady probe (controller/ingress-probe.ts):
 * - `GET /v1/routes/<namespace>/<name>` → 200
 *   `{"route":"<ns>/<name>","digest":"<routingDigest>"|null,"tableGeneration":N}` (null: not in
 *   the table, or it lost a host to another Route);
 * - `GET /v1/domainmappings/<namespace>/<name>` → 200
 *   `{"domainMapping":"<ns>/<name>","digest":"<domainMappingDigest>"|null,"tableGeneration":N}`
 *   (null: not served: not claimed or resolved, its host a Route's, or its target not served);
 * 503 before the first table is installed. Read-only; a digest is a hash of the served rule,
 * nothing else is disclosed.
 */
import type { IngressProxy } from './proxy';
import type { RouteTable } from './table';
import { AdminResponse, AdminServer } from '../common/admin';

/** Path prefix of the route-status endpoint. */
export const ROUTE_STATUS_PATH = '/v1/routes/';
/** Path prefix of the DomainMapping-status endpoint. */
export const DOMAIN_MAPPING_STATUS_PATH = '/v1/domainmappings/';

/** Per path prefix: the answer's key naming the object, and where the table keeps its digests. */
const SERVED_STATUS: ReadonlyArray<{ prefix: string; field: string; digests: (t: RouteTable) => ReadonlyMap<string, string> }> = [
  { prefix: ROUTE_STATUS_PATH, field: 'route', digests: (t) => t.digests },
  { prefix: DOMAIN_MAPPING_STATUS_PATH, field: 'domainMapping', digests: (t) => t.domainMappingDigests },
];

/** The answer of `GET /v1/routes/<ns>/<name>` or `GET /v1/domainmappings/<ns>/<name>` from the table the proxy serves. */
export function servedStatusResponse(proxy: Pick<IngressProxy, 'ready' | 'currentTable'>, path: string): AdminResponse | undefined {
  const kind = SERVED_STATUS.find((k) => path.startsWith(k.prefix));
  if (!kind) return undefined;
  const parts = path.slice(kind.prefix.length).split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return { status: 400, body: `expected ${kind.prefix}<namespace>/<name>\n` };
  }
  if (!proxy.ready) return { status: 503, body: 'routing table not built yet\n' };
  const table = proxy.currentTable;
  const key = `${parts[0]}/${parts[1]}`;
  const body = JSON.stringify({ [kind.field]: key, digest: kind.digests(table).get(key) ?? null, tableGeneration: table.generation });
  return { status: 200, body, type: 'application/json' };
}

/** Ready once the first routing table is installed, and not while draining. */
export function ingressAdminServer(proxy: IngressProxy): AdminServer {
  return new AdminServer({
    notReadyReason: () => (proxy.draining ? 'draining' : !proxy.ready ? 'routing table not built yet' : undefined),
    metrics: () => proxy.metrics.render(),
    handle: (path) => servedStatusResponse(proxy, path),
  });
}
