/**
 * Acceptance (issue 11, step 1): the controller and the ingress route by the same contract.
 *
 * For each configuration, the real Route reconciler runs against the API emulator; from what it
 * wrote (status URLs, status.address, the placeholder Services it keeps) the test derives, by
 * hand, the hosts a cluster would resolve to the Route: the external status URLs, and for the
 * internal listener additionally every placeholder Service's DNS names (`<svc>.<ns>`,
 * `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<cd>`) and the cluster-local URLs. The ingress's
 * TableBuilder then gets the same ConfigMaps and the Route object the controller wrote; its
 * external and internal host maps must hold exactly those hosts. The ingress's contract must also
 * equal the controller's (same splits and tag-header routes).
 *
 * Then: an invalid tag-template is rejected by the ingress's config loading exactly as by the
 * controller's, and both keep the previous configuration.
 */
import { ingressConfig } from './helpers';
import { ConfigMapData } from '../../../src/core/config';
import { routingContract, routingFromStatus } from '../../../src/core/routing';
import type { KubeObject, RouteObject, WireTrafficTarget } from '../../../src/core/types';
import type { Controller } from '../../../src/runtime/controller/controller';
import { lookupHost, RouteTable } from '../../../src/runtime/ingress/table';
import { TableBuilder } from '../../../src/runtime/ingress/watcher';
import { KubeApiEmulator } from '../../support/emulator';
import { NOW, newController } from '../controller/harness';

const NS = 'default';
const SYSTEM_NS = 'knative-serving';
const ROUTE_UID = 'uid-route-web';

const configMap = (name: string, data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NS }, data } as any);

const revision = (name: string): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name, namespace: NS, generation: 1 },
  // As admission defaults it (the labeler updates the Revision; its spec is immutable).
  spec: {
    containers: [{ image: 'gcr.io/example/app:1', name: 'user-container', resources: {}, readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 } }],
    timeoutSeconds: 300,
    containerConcurrency: 0,
    enableServiceLinks: false,
  },
  status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: NOW }] },
} as any);

const route = (traffic: WireTrafficTarget[], labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Route',
  metadata: { name: 'web', namespace: NS, uid: ROUTE_UID, generation: 1, labels, annotations },
  spec: { traffic },
});

/** The placeholder Service of a tag, labelled cluster-local by its user (reference §11.4). */
const localTagPlaceholder = (name: string, tag: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: NS,
    labels: { 'serving.knative.dev/route': 'web', 'networking.knative.dev/visibility': 'cluster-local' },
    annotations: { 'serving.knative.dev/tag': tag },
    ownerReferences: [{ apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'web', uid: ROUTE_UID, controller: true, blockOwnerDeletion: true }],
  },
  spec: { type: 'ExternalName', externalName: 'serving-ingress-internal.knative-serving.svc.cluster.local', ports: [{ name: 'http2', port: 80, protocol: 'TCP', targetPort: 80, appProtocol: 'kubernetes.io/h2c' }] },
} as any);

const TRAFFIC: WireTrafficTarget[] = [
  { revisionName: 'web-1', percent: 80 },
  { revisionName: 'web-2', percent: 20, tag: 'v2' },
  { revisionName: 'web-3', percent: 0, tag: 'next' },
];

interface Case {
  name: string;
  configMaps: ConfigMapData;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** tag → placeholder Service name, labelled cluster-local before the reconcile. */
  localTags?: Record<string, string>;
  /** The external hosts, written out (the sets must also be non-trivially equal). */
  external: string[];
  clusterDomain?: string;
}

const HEADER_ON = { 'tag-header-based-routing': 'Enabled' };

const CASES: Case[] = [
  {
    name: 'out-of-the-box config-domain: everything cluster-local',
    configMaps: {},
    external: [],
  },
  {
    name: 'default domain example.com',
    configMaps: { 'config-domain': { 'example.com': '' } },
    external: ['web.default.example.com', 'v2-web.default.example.com', 'next-web.default.example.com'],
  },
  {
    name: 'custom domain-template and tag-template, https scheme, tag-header routing',
    configMaps: {
      'config-domain': { 'example.com': '' },
      'config-network': { 'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}', 'tag-template': '{{.Name}}-at-{{.Tag}}', 'default-external-scheme': 'https' },
      'config-features': HEADER_ON,
    },
    external: ['web-default.example.com', 'web-at-v2-default.example.com', 'web-at-next-default.example.com'],
  },
  {
    name: 'domain-template with an annotation; cluster domain corp.internal',
    configMaps: {
      'config-domain': { 'example.com': '' },
      'config-network': { 'domain-template': '{{.Name}}.{{index .Annotations "team"}}.{{.Domain}}' },
    },
    annotations: { team: 'blue' },
    clusterDomain: 'corp.internal',
    external: ['web.blue.example.com', 'v2-web.blue.example.com', 'next-web.blue.example.com'],
  },
  {
    name: 'config-domain selectors: the most specific match wins',
    configMaps: {
      'config-domain': { 'example.com': '', 'prod.example.org': 'selector:\n  env: prod\n', 'eu.prod.example.org': 'selector:\n  env: prod\n  region: eu\n' },
    },
    labels: { env: 'prod', region: 'eu' },
    external: ['web.default.eu.prod.example.org', 'v2-web.default.eu.prod.example.org', 'next-web.default.eu.prod.example.org'],
  },
  {
    name: 'config-domain selector without a default: an unmatched Route is cluster-local',
    configMaps: { 'config-domain': { 'prod.example.org': 'selector:\n  env: prod\n' } },
    labels: { env: 'dev' },
    external: [],
  },
  {
    name: 'cluster-local Route (visibility label), tag-header routing',
    configMaps: { 'config-domain': { 'example.com': '' }, 'config-features': HEADER_ON },
    labels: { 'networking.knative.dev/visibility': 'cluster-local' },
    external: [],
  },
  {
    name: 'cluster-local tag (labelled placeholder), tag-header routing',
    configMaps: { 'config-domain': { 'example.com': '' }, 'config-features': HEADER_ON },
    localTags: { next: 'next-web' },
    external: ['web.default.example.com', 'v2-web.default.example.com'],
  },
  {
    name: 'cluster-local tag with a custom tag-template',
    configMaps: { 'config-domain': { 'example.com': '' }, 'config-network': { 'tag-template': '{{.Tag}}-of-{{.Name}}' } },
    localTags: { v2: 'v2-of-web' },
    external: ['web.default.example.com', 'next-of-web.default.example.com'],
  },
];

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
const hostOfUrl = (url: string): string => new URL(url).hostname.replace(/\.$/, '');

interface Published {
  route: RouteObject;
  placeholders: string[];
}

/** Hosts a cluster resolves to the Route, from what the controller published (computed by hand, not with core/hosts). */
function publishedHosts(p: Published, cd: string): { external: string[]; internal: string[] } {
  const isLocal = (h: string): boolean => h === `svc.${cd}` || h.endsWith(`.svc.${cd}`);
  const urls = [p.route.status!.url!, ...(p.route.status!.traffic ?? []).filter((t) => t.url).map((t) => t.url!)].map(hostOfUrl);
  const external = urls.filter((h) => !isLocal(h));
  const internal = [
    ...urls,
    hostOfUrl(p.route.status!.address!.url!),
    ...p.placeholders.flatMap((s) => [`${s}.${NS}`, `${s}.${NS}.svc`, `${s}.${NS}.svc.${cd}`]),
  ];
  return { external: sorted(external), internal: sorted(internal) };
}

function ingressTable(c: Case, r: RouteObject): { table: RouteTable; builder: TableBuilder } {
  const builder = new TableBuilder({ clusterDomain: c.clusterDomain, onTable: () => undefined });
  for (const [name, data] of Object.entries(c.configMaps)) builder.setConfigMap(name, data);
  builder.upsertRoute(r);
  builder.markSynced();
  const table = builder.flush()!;
  builder.stop();
  return { table, builder };
}

describe('routing contract: the controller publishes what the ingress serves', () => {
  let emu: KubeApiEmulator;
  let ctl: Controller | undefined;

  beforeEach(async () => {
    emu = await KubeApiEmulator.start({ now: () => new Date(NOW) });
  });
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    await emu.stop();
  });

  /** Seed, run the Route reconciler once, return what it published. */
  async function reconcile(c: Case): Promise<Published> {
    emu.seed(
      ...Object.entries(c.configMaps).map(([name, data]) => configMap(name, data!)),
      revision('web-1'), revision('web-2'), revision('web-3'),
      route(TRAFFIC, c.labels, c.annotations),
      ...Object.entries(c.localTags ?? {}).map(([tag, svc]) => localTagPlaceholder(svc, tag)),
    );
    ctl = newController(emu, { runWorkers: false, clusterDomain: c.clusterDomain });
    await ctl.start();
    await ctl.reconcileOnce('Route', `${NS}/web`);
    const r = emu.get<RouteObject>('routes', NS, 'web')!;
    expect(r.status?.conditions?.find((x) => x.type === 'AllTrafficAssigned')?.status).toBe('True');
    const placeholders = emu.list('services', NS)
      .filter((s) => s.metadata.ownerReferences?.some((o) => o.uid === ROUTE_UID))
      .map((s) => s.metadata.name!);
    return { route: r, placeholders };
  }

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cd = c.clusterDomain ?? 'cluster.local';
    const published = await reconcile(c);
    const want = publishedHosts(published, cd);
    expect(want.external).toEqual(sorted(c.external));
    expect(published.placeholders).toHaveLength(3);

    const { table, builder } = ingressTable(c, published.route);
    expect(sorted(table.externalHosts.keys())).toEqual(want.external);
    expect(sorted(table.hosts.keys())).toEqual(want.internal);
    expect(table.invalid).toEqual([]);

    // Same contract, splits and tag-header routes included: the controller's (with the
    // cluster-local tags it read from the placeholder Services) and the ingress's (from the status).
    const controllerContract = routingContract({
      name: 'web', namespace: NS, labels: c.labels, annotations: c.annotations, traffic: published.route.status!.traffic,
    }, ctl!.config, { clusterLocalTags: Object.keys(c.localTags ?? {}) });
    expect(routingFromStatus(published.route, builder.servingConfig)).toEqual(controllerContract);
    expect(controllerContract.url).toBe(published.route.status!.url);

    // Tag-header routing as the contract says, on both listeners.
    const header = (c.configMaps['config-features'] ?? {})['tag-header-based-routing'] === 'Enabled';
    const main = lookupHost(table, `web.${NS}`)!;
    expect(main.markDefaultRoute).toBe(header);
    expect(main.tagEntries ? sorted(main.tagEntries.keys()) : []).toEqual(header ? ['next', 'v2'] : []);
    for (const h of want.external) {
      const e = lookupHost(table, h, true)!;
      if (e.kind !== 'main' || !header) continue;
      const externalTags = ['v2', 'next'].filter((t) => !(c.localTags ?? {})[t]);
      expect(e.tagEntries ? sorted(e.tagEntries.keys()) : []).toEqual(sorted(externalTags));
    }
  });
});

describe('an invalid tag-template is rejected by the ingress exactly as by the controller', () => {
  const GOOD = { 'tag-template': '{{.Name}}-{{.Tag}}' };
  const BAD = { 'tag-template': '{{.Tag}}-{{.Namespace}}' };

  test('both log the same ConfigError and keep the previous configuration', async () => {
    const emu = await KubeApiEmulator.start({ now: () => new Date(NOW) });
    const controllerErrors: string[] = [];
    const logger = {
      debug: (): void => undefined,
      info: (): void => undefined,
      warn: (): void => undefined,
      error: (msg: string, fields?: Record<string, unknown>): void => {
        controllerErrors.push(`${msg}: ${String(fields?.error)}`);
      },
      child(): any {
        return logger;
      },
    };
    const ctl = newController(emu, { runWorkers: false, log: logger as any });
    try {
      emu.seed(configMap('config-domain', { 'example.com': '' }), configMap('config-network', GOOD),
        revision('web-1'), revision('web-2'), route(TRAFFIC.slice(0, 2)));
      await ctl.start();
      expect(ctl.config.network.tagTemplate).toBe(GOOD['tag-template']);

      // The controller: the informer delivers the bad ConfigMap; the configuration stays.
      const before = ctl.config;
      emu.put(configMap('config-network', BAD));
      const t0 = Date.now();
      while (controllerErrors.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
      expect(controllerErrors).toHaveLength(1);
      expect(ctl.config).toBe(before);
      await ctl.reconcileOnce('Route', `${NS}/web`);
      const published = emu.get<RouteObject>('routes', NS, 'web')!;
      expect(published.status!.traffic!.find((t) => t.tag === 'v2')!.url).toBe('http://web-v2.default.example.com');

      // The ingress: same ConfigMaps in the same order; same error, same configuration kept.
      const ingressErrors: string[] = [];
      const builder = new TableBuilder({
        onTable: () => undefined,
        log: (level, msg, fields) => {
          if (level === 'error') ingressErrors.push(`${msg}: ${String(fields?.error)}`);
        },
      });
      builder.setConfigMap('config-domain', { 'example.com': '' });
      builder.setConfigMap('config-network', GOOD);
      const good = builder.servingConfig;
      expect(good).toEqual(before);
      builder.markSynced();
      builder.upsertRoute(published);
      const t1 = builder.flush()!;
      builder.setConfigMap('config-network', BAD);
      expect(builder.servingConfig).toBe(good);
      expect(ingressErrors).toEqual(controllerErrors);
      expect(ingressErrors[0]).toMatch(/config-network: invalid value "\{\{\.Tag\}\}-\{\{\.Namespace\}\}" for key "tag-template": template: can't evaluate field Namespace/);
      // No rebuild for a rejected configuration; the table keeps serving the published hosts.
      const t2 = builder.flush()!;
      expect(sorted(t2.externalHosts.keys())).toEqual(sorted(t1.externalHosts.keys()));
      expect(lookupHost(t2, 'web-v2.default.example.com', true)?.tag).toBe('v2');
      builder.stop();

      // A good configuration afterwards is taken by both.
      builder.setConfigMap('config-network', { 'tag-template': '{{.Tag}}-{{.Name}}' });
      expect(builder.servingConfig.network.tagTemplate).toBe('{{.Tag}}-{{.Name}}');
      expect(builder.servingConfig).toEqual(ingressConfig({ 'config-network': { 'tag-template': '{{.Tag}}-{{.Name}}' } }));
      builder.stop();
    } finally {
      await ctl.stop();
      await emu.stop();
    }
  });
});
