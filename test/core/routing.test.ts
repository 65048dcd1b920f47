import { ConfigMapData, defaultServingConfig, parseServingConfig } from '../../src/core/config';
import { RouteHostsError } from '../../src/core/hosts';
import { Rollout, ROLLOUT_STATE_ANNOTATION, RolloutStepParams, serializeRollout } from '../../src/core/rollout';
import {
  clusterLocalTagsFromStatus, listenerHosts, routingContract, routingFromStatus, RoutingInput, trafficTags,
} from '../../src/core/routing';
import type { RouteObject, WireTrafficTarget } from '../../src/core/types';

const NONE: RolloutStepParams = { startTime: 0, nextStepTime: 0, stepDuration: 0, stepSize: 0 };

const cfgOf = (data: ConfigMapData = {}, cd?: string) => parseServingConfig({ 'config-domain': { 'example.com': '' }, ...data }, cd);
const HEADER_ON: ConfigMapData = { 'config-features': { 'tag-header-based-routing': 'Enabled' } };

const TRAFFIC: WireTrafficTarget[] = [
  { revisionName: 'web-1', percent: 40, tag: 'v1', latestRevision: false },
  { revisionName: 'web-2', percent: 60, latestRevision: true },
  { revisionName: 'web-2', percent: 0, tag: 'current', latestRevision: false },
  { revisionName: 'web-3', percent: 0, tag: 'next', latestRevision: false },
];
const input = (traffic: WireTrafficTarget[] = TRAFFIC, labels?: Record<string, string>): RoutingInput =>
  ({ name: 'web', namespace: 'prod', labels, traffic });

describe('routingContract', () => {
  test('an external Route: per traffic name a cluster-local rule (short forms) and an external rule; status URLs and placeholders', () => {
    const r = routingContract(input(), cfgOf());
    expect(r.url).toBe('http://web.prod.example.com');
    expect(r.addressUrl).toBe('http://web.prod.svc.cluster.local');
    expect(r.tagUrls).toEqual({
      v1: 'http://v1-web.prod.example.com', current: 'http://current-web.prod.example.com', next: 'http://next-web.prod.example.com',
    });
    expect(r.clusterLocal).toBe(false);
    expect(r.placeholderServices).toEqual([{ name: 'web' }, { name: 'v1-web', tag: 'v1' }, { name: 'current-web', tag: 'current' }, { name: 'next-web', tag: 'next' }]);
    expect(r.rules.map((x) => [x.name, x.visibility, x.hosts])).toEqual([
      ['', 'cluster-local', ['web.prod', 'web.prod.svc', 'web.prod.svc.cluster.local']],
      ['', 'external', ['web.prod.example.com']],
      ['v1', 'cluster-local', ['v1-web.prod', 'v1-web.prod.svc', 'v1-web.prod.svc.cluster.local']],
      ['v1', 'external', ['v1-web.prod.example.com']],
      ['current', 'cluster-local', ['current-web.prod', 'current-web.prod.svc', 'current-web.prod.svc.cluster.local']],
      ['current', 'external', ['current-web.prod.example.com']],
      ['next', 'cluster-local', ['next-web.prod', 'next-web.prod.svc', 'next-web.prod.svc.cluster.local']],
      ['next', 'external', ['next-web.prod.example.com']],
    ]);
  });

  test('splits: main = percent > 0 merged by revision; a tag = its targets, a lone or all-0% target at 100%', () => {
    const r = routingContract(input([
      { revisionName: 'web-1', percent: 30, tag: 'a' },
      { revisionName: 'web-2', percent: 50 },
      { revisionName: 'web-1', percent: 20 },
      { revisionName: 'web-3', percent: 0, tag: 'b' },
      { revisionName: 'web-4', percent: 0, tag: 'c' },
      { revisionName: 'web-5', percent: 0, tag: 'c' },
      { configurationName: 'unresolved', percent: 0, tag: 'ignored' },
    ]), cfgOf());
    const splits = (name: string) => r.rules.find((x) => x.name === name)!.splits;
    expect(splits('')).toEqual([{ revisionName: 'web-1', percent: 50 }, { revisionName: 'web-2', percent: 50 }]);
    expect(splits('a')).toEqual([{ revisionName: 'web-1', percent: 100 }]);
    expect(splits('b')).toEqual([{ revisionName: 'web-3', percent: 100 }]);
    expect(splits('c')).toEqual([{ revisionName: 'web-4', percent: 100 }, { revisionName: 'web-5', percent: 0 }]);
    expect(r.rules.some((x) => x.name === 'ignored')).toBe(false);
    // external and cluster-local rules of a name share one split
    expect(r.rules.filter((x) => x.name === '').map((x) => x.splits)).toEqual([splits(''), splits('')]);
  });

  test('a tag rollout (several targets under one tag) keeps its percents', () => {
    const r = routingContract(input([
      { revisionName: 'web-1', percent: 90, tag: 'r' },
      { revisionName: 'web-2', percent: 10, tag: 'r' },
    ]), cfgOf());
    expect(r.rules.find((x) => x.name === 'r')!.splits).toEqual([{ revisionName: 'web-1', percent: 90 }, { revisionName: 'web-2', percent: 10 }]);
  });

  test('a tag whose latestRevision target is being rolled: its host (and its header route) serves the tag rollout; the main split stays status.traffic', () => {
    const rolling: Rollout = {
      configurations: [
        { configurationName: 'web', percent: 60, revisions: [{ revisionName: 'web-1', percent: 59 }, { revisionName: 'web-2', percent: 1 }], stepParams: NONE },
        { configurationName: 'web', tag: 'next', percent: 100, revisions: [{ revisionName: 'web-1', percent: 97 }, { revisionName: 'web-2', percent: 3 }], stepParams: NONE },
      ],
    };
    const traffic: WireTrafficTarget[] = [
      { revisionName: 'web-1', percent: 40, latestRevision: true },
      { revisionName: 'web-1', percent: 19, tag: 'next', latestRevision: true },
      { revisionName: 'web-2', percent: 1, tag: 'next', latestRevision: true },
      { revisionName: 'web-9', percent: 40, tag: 'old', latestRevision: false },
    ];
    const r = routingContract({ ...input(traffic), rollout: rolling }, cfgOf(HEADER_ON));
    const rule = (name: string) => r.rules.find((x) => x.name === name)!;
    expect(rule('').splits).toEqual([{ revisionName: 'web-1', percent: 59 }, { revisionName: 'web-2', percent: 1 }, { revisionName: 'web-9', percent: 40 }]);
    expect(rule('next').splits).toEqual([{ revisionName: 'web-1', percent: 97 }, { revisionName: 'web-2', percent: 3 }]);
    expect(rule('').tagHeaderRoutes.find((t) => t.tag === 'next')!.splits).toEqual(rule('next').splits);
    expect(rule('old').splits).toEqual([{ revisionName: 'web-9', percent: 100 }]);
    // without the state, the tag's entries are its split
    expect(routingContract(input(traffic), cfgOf()).rules.find((x) => x.name === 'next')!.splits)
      .toEqual([{ revisionName: 'web-1', percent: 19 }, { revisionName: 'web-2', percent: 1 }]);
  });

  test('routingFromStatus reads the rollout state from status.annotations', () => {
    const route: RouteObject = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'web', namespace: 'prod' },
      spec: {},
      status: {
        traffic: [{ revisionName: 'web-2', percent: 100, latestRevision: true }, { revisionName: 'web-2', percent: 0, tag: 'next', latestRevision: true }],
        annotations: {
          [ROLLOUT_STATE_ANNOTATION]: serializeRollout({
            configurations: [{ configurationName: 'web', tag: 'next', percent: 100, revisions: [{ revisionName: 'web-1', percent: 90 }, { revisionName: 'web-2', percent: 10 }], stepParams: NONE }],
          }),
        },
      },
    };
    const next = (o: RouteObject) => routingFromStatus(o, cfgOf()).rules.find((x) => x.name === 'next')!.splits;
    expect(next(route)).toEqual([{ revisionName: 'web-1', percent: 90 }, { revisionName: 'web-2', percent: 10 }]);
    expect(next({ ...route, status: { ...route.status, annotations: { [ROLLOUT_STATE_ANNOTATION]: 'not json' } } })).toEqual([{ revisionName: 'web-2', percent: 100 }]);
  });

  test('tag-header-based-routing: the main rules route each tag by header and mark the default route; external rule: external tags only', () => {
    const off = routingContract(input(), cfgOf());
    expect(off.rules.every((x) => x.tagHeaderRoutes.length === 0 && !x.appendDefaultRouteHeader)).toBe(true);

    const on = routingContract(input(), cfgOf(HEADER_ON), { clusterLocalTags: ['next'] });
    const [local, external] = on.rules.filter((x) => x.name === '');
    expect(local.tagHeaderRoutes.map((t) => t.tag)).toEqual(['v1', 'current', 'next']);
    expect(external.tagHeaderRoutes.map((t) => t.tag)).toEqual(['v1', 'current']);
    expect(local.tagHeaderRoutes[2].splits).toEqual([{ revisionName: 'web-3', percent: 100 }]);
    expect(local.appendDefaultRouteHeader && external.appendDefaultRouteHeader).toBe(true);
    expect(on.rules.filter((x) => x.name !== '').every((x) => x.tagHeaderRoutes.length === 0 && !x.appendDefaultRouteHeader)).toBe(true);
  });

  test('cluster-local: the Route (label or default config-domain) has no external rule; a cluster-local tag has none either', () => {
    const label = routingContract(input(TRAFFIC, { 'networking.knative.dev/visibility': 'cluster-local' }), cfgOf());
    expect(label.clusterLocal).toBe(true);
    expect(label.url).toBe('http://web.prod.svc.cluster.local');
    expect(label.tagUrls.v1).toBe('http://v1-web.prod.svc.cluster.local');
    expect(label.rules.every((x) => x.visibility === 'cluster-local')).toBe(true);
    expect(routingContract(input(), defaultServingConfig()).rules.every((x) => x.visibility === 'cluster-local')).toBe(true);

    const tag = routingContract(input(), cfgOf(), { clusterLocalTags: ['next'] });
    expect(tag.tagUrls.next).toBe('http://next-web.prod.svc.cluster.local');
    expect(tag.rules.filter((x) => x.name === 'next').map((x) => x.visibility)).toEqual(['cluster-local']);
    expect(listenerHosts(tag, 'external')).toEqual(['web.prod.example.com', 'v1-web.prod.example.com', 'current-web.prod.example.com']);
    expect(listenerHosts(tag, 'internal')).toHaveLength(3 * 4 + 3);
  });

  test('templates, cluster domain and scheme come from the configuration; hosts are normalised', () => {
    const r = routingContract(input(), cfgOf({
      'config-network': { 'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}.', 'tag-template': '{{.Name}}--{{.Tag}}', 'default-external-scheme': 'https' },
    }, 'corp.internal'));
    expect(r.url).toBe('https://web-prod.example.com.');
    expect(r.addressUrl).toBe('http://web.prod.svc.corp.internal');
    expect(r.rules[1].hosts).toEqual(['web-prod.example.com']);
    expect(r.rules[2].hosts).toEqual(['web--v1.prod', 'web--v1.prod.svc', 'web--v1.prod.svc.corp.internal']);
    expect(r.placeholderServices[1]).toEqual({ name: 'web--v1', tag: 'v1' });
  });

  test('a template that renders an invalid host throws RouteHostsError', () => {
    expect(() => routingContract(input([{ revisionName: 'web-1', percent: 100, tag: 't'.repeat(60) }]), cfgOf())).toThrow(RouteHostsError);
    const byLabel = cfgOf({ 'config-network': { 'domain-template': '{{.Name}}.{{index .Labels "team"}}.{{.Domain}}' } });
    expect(() => routingContract(input(), byLabel)).toThrow(/invalid domain name "web\.\.example\.com"/);
    expect(routingContract(input(TRAFFIC, { team: 'blue' }), byLabel).url).toBe('http://web.blue.example.com');
  });
});

describe('the ingress view', () => {
  test('clusterLocalTagsFromStatus: tags whose URL is under svc.<cd> (any case, trailing dot), once each', () => {
    expect(clusterLocalTagsFromStatus([
      { tag: 'a', url: 'http://a-web.prod.svc.cluster.local' },
      { tag: 'a', url: 'http://a-web.prod.svc.cluster.local' },
      { tag: 'b', url: 'http://b-web.prod.example.com' },
      { tag: 'c', url: 'http://C-WEB.prod.SVC.cluster.local.' },
      { tag: 'd' },
      { tag: 'e', url: 'not a url' },
      { url: 'http://web.prod.svc.cluster.local' },
    ], 'cluster.local')).toEqual(['a', 'c']);
    expect(clusterLocalTagsFromStatus([{ tag: 'a', url: 'http://a-web.prod.svc.cluster.local' }], 'corp.internal')).toEqual([]);
  });

  test('routingFromStatus gives the contract the controller computed, from the status it published', () => {
    const cfg = cfgOf(HEADER_ON);
    const controller = routingContract(input(), cfg, { clusterLocalTags: ['current'] });
    const traffic = TRAFFIC.map((t) => (t.tag ? { ...t, url: controller.tagUrls[t.tag] } : t));
    const route: RouteObject = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'web', namespace: 'prod' },
      spec: { traffic: TRAFFIC },
      status: { url: controller.url, address: { url: controller.addressUrl }, traffic },
    };
    expect(routingFromStatus(route, cfg)).toEqual(controller);
  });

  test('trafficTags: distinct non-empty tags in order', () => {
    expect(trafficTags([{ tag: 'b' }, { tag: '' }, { tag: 'a' }, { tag: 'b' }, {}])).toEqual(['b', 'a']);
    expect(trafficTags(undefined)).toEqual([]);
  });
});
