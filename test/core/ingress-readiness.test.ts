import { defaultServingConfig, parseServingConfig } from '../../src/core/config';
import { DomainMappingRule, domainMappingDigest, domainMappingRule } from '../../src/core/domain-mapping';
import {
  ingressProbeBackoffMs, ingressServedVerdict, routingContract, routingDigest, routingFromStatus, RoutingInput,
} from '../../src/core/routing';
import type { DomainMappingObject, RouteObject, WireTrafficTarget } from '../../src/core/types';

const cfg = parseServingConfig({ 'config-domain': { 'example.com': '' } });
const TRAFFIC: WireTrafficTarget[] = [
  { revisionName: 'web-1', percent: 40, tag: 'v1' },
  { revisionName: 'web-2', percent: 60, latestRevision: true },
];
const input = (traffic: WireTrafficTarget[] = TRAFFIC, extra: Partial<RoutingInput> = {}): RoutingInput => ({ name: 'web', namespace: 'prod', traffic, ...extra });
const digestOf = (i: RoutingInput, c = cfg) => routingDigest(routingContract(i, c));

describe('routingDigest', () => {
  test('a hex SHA-256, the same for the same routing however it is computed (controller: resolved traffic; ingress: the Route object)', () => {
    const d = digestOf(input());
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(input())).toBe(d);
    const route: RouteObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'web', namespace: 'prod' }, status: { traffic: TRAFFIC } } as any;
    expect(routingDigest(routingFromStatus(route, cfg))).toBe(d);
  });

  test.each<[string, RoutingInput, ReturnType<typeof parseServingConfig>]>([
    ['another split', input([{ revisionName: 'web-1', percent: 41, tag: 'v1' }, { revisionName: 'web-2', percent: 59 }]), cfg],
    ['another revision', input([{ revisionName: 'web-1', percent: 40, tag: 'v1' }, { revisionName: 'web-3', percent: 60 }]), cfg],
    ['another tag', input([{ revisionName: 'web-1', percent: 40, tag: 'v0' }, { revisionName: 'web-2', percent: 60 }]), cfg],
    ['another namespace', input(TRAFFIC, { namespace: 'dev' }), cfg],
    ['another name', input(TRAFFIC, { name: 'api' }), cfg],
    ['cluster-local visibility', input(TRAFFIC, { labels: { 'networking.knative.dev/visibility': 'cluster-local' } }), cfg],
    ['another domain', input(), parseServingConfig({ 'config-domain': { 'example.org': '' } })],
    ['tag-header routing on', input(), parseServingConfig({ 'config-domain': { 'example.com': '' }, 'config-features': { 'tag-header-based-routing': 'Enabled' } })],
  ])('changes with %s', (_what, i, c) => {
    expect(digestOf(i, c)).not.toBe(digestOf(input()));
  });

  test('does not change with what the ingress does not serve (latestRevision flags, a 0 % untagged target)', () => {
    expect(digestOf(input([{ revisionName: 'web-1', percent: 40, tag: 'v1', latestRevision: false }, { revisionName: 'web-2', percent: 60, latestRevision: false }])))
      .toBe(digestOf(input()));
    expect(digestOf(input([...TRAFFIC, { revisionName: 'web-9', percent: 0 }]))).toBe(digestOf(input()));
    expect(digestOf(input(), defaultServingConfig())).not.toBe(digestOf(input()));
  });
});

describe('ingressServedVerdict', () => {
  const D = 'a'.repeat(64);
  const OLD = 'b'.repeat(64);
  test.each<[string, Parameters<typeof ingressServedVerdict>[1], boolean, string]>([
    ['every replica serves it', [{ replica: '10.0.0.2:9000', digest: D }, { replica: '10.0.0.1:9000', digest: D }], true, ''],
    ['one replica', [{ replica: '10.0.0.1:9000', digest: D }], true, ''],
    ['no replica', [], false, 'Waiting for load balancer to be ready: no ready ingress replica to probe.'],
    ['one serves another version', [{ replica: '10.0.0.2:9000', digest: OLD }, { replica: '10.0.0.1:9000', digest: D }], false,
      'Waiting for load balancer to be ready: 1 of 2 ingress replicas serve the current routing (10.0.0.2:9000: serves another version).'],
    ['not loaded and a failed probe, in address order', [{ replica: '10.0.0.3:9000', error: 'ETIMEDOUT' }, { replica: '10.0.0.1:9000' }], false,
      'Waiting for load balancer to be ready: 0 of 2 ingress replicas serve the current routing (10.0.0.1:9000: route not loaded; 10.0.0.3:9000: probe failed: ETIMEDOUT).'],
    ['an error wins over a digest', [{ replica: 'r', digest: D, error: 'HTTP 500' }], false,
      'Waiting for load balancer to be ready: 0 of 1 ingress replicas serve the current routing (r: probe failed: HTTP 500).'],
  ])('%s', (_what, probes, served, message) => {
    expect(ingressServedVerdict(D, probes)).toEqual({ served, message });
  });

  test('a DomainMapping\'s verdict names it in the message', () => {
    expect(ingressServedVerdict(D, [{ replica: 'r' }], 'domain mapping')).toEqual({
      served: false,
      message: 'Waiting for load balancer to be ready: 0 of 1 ingress replicas serve the current routing (r: domain mapping not loaded).',
    });
  });
});

describe('domainMappingDigest', () => {
  const dm = (extra: { tls?: string; ref?: string; name?: string } = {}): DomainMappingObject => ({
    apiVersion: 'serving.knative.dev/v1beta1',
    kind: 'DomainMapping',
    metadata: { name: extra.name ?? 'shop.example.org', namespace: 'prod', generation: 1 },
    spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: extra.ref ?? 'web' }, ...(extra.tls ? { tls: { secretName: extra.tls } } : {}) },
    status: { observedGeneration: 1, conditions: [{ type: 'DomainClaimed', status: 'True' }, { type: 'ReferenceResolved', status: 'True' }] },
  } as DomainMappingObject);
  const dmDigest = (o: DomainMappingObject, c = cfg): string => domainMappingDigest(domainMappingRule(o, c)!);

  test('a hex SHA-256 of the rule: the same rule (however it was obtained) → the same digest', () => {
    const d = dmDigest(dm());
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    const rule: DomainMappingRule = { namespace: 'prod', name: 'shop.example.org', host: 'shop.example.org', targetHost: 'web.prod.svc.cluster.local' };
    expect(domainMappingDigest(rule)).toBe(d);
    // conditions other than the two the rule needs, and URLs, are not served
    const more = [...dm().status!.conditions!, { type: 'IngressReady', status: 'True' as const }];
    expect(dmDigest({ ...dm(), status: { ...dm().status, url: 'http://shop.example.org', conditions: more } })).toBe(d);
  });

  test.each<[string, DomainMappingObject, ReturnType<typeof parseServingConfig>]>([
    ['another target', dm({ ref: 'api' }), cfg],
    ['a TLS Secret', dm({ tls: 'shop-cert' }), cfg],
    ['another domain', dm({ name: 'www.example.org' }), cfg],
    ['another cluster domain (target host)', dm(), parseServingConfig({ 'config-domain': { 'example.com': '' } }, 'corp.local')],
  ])('changes with %s', (_what, o, c) => {
    expect(dmDigest(o, c)).not.toBe(dmDigest(dm()));
  });

  test('differs from a Route\'s digest of the same namespace and name', () => {
    expect(dmDigest(dm({ name: 'web' }))).not.toBe(routingDigest(routingContract({ name: 'web', namespace: 'prod', traffic: TRAFFIC }, cfg)));
  });
});

test('ingressProbeBackoffMs: 50 ms four times, then doubling to 5 s', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100].map(ingressProbeBackoffMs))
    .toEqual([50, 50, 50, 50, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
});
