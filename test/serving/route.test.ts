import { ApiObject, Duration, Testing } from 'cdk8s';
import { Configuration, Revision, Route, TrafficSplit, TrafficTarget } from '../../src';

describe('Route', () => {
  test('defaultChild is the Route ApiObject', () => {
    const chart = Testing.chart();
    const route = new Route(chart, 'Route', { traffic: TrafficSplit.create().to(TrafficTarget.revisionName('a-00001'), 100) });
    expect(route.node.defaultChild).toBe(ApiObject.of(route));
    expect(ApiObject.of(route).kind).toBe('Route');
    expect(route.apiVersion).toBe('serving.knative.dev/v1');
  });

  test('targets by configuration and by revision (seed 000: the Route a Service creates)', () => {
    const chart = Testing.chart();
    const cfg = Configuration.fromConfigurationName(chart, 'Cfg', 'my-service');
    const old = Revision.fromRevisionName(chart, 'Def', 'def');
    new Route(chart, 'Route', {
      metadata: { name: 'my-service' },
      traffic: TrafficSplit.create()
        .toRevision(old, 95, { tag: 'current' })
        .to(TrafficTarget.revisionName('ghi'), 5, { tag: 'candidate' })
        .to(TrafficTarget.configuration(cfg), 0, { tag: 'latest' }),
    });
    expect(Testing.synth(chart)).toEqual([{
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'my-service' },
      spec: {
        traffic: [
          { tag: 'current', revisionName: 'def', latestRevision: false, percent: 95 },
          { tag: 'candidate', revisionName: 'ghi', latestRevision: false, percent: 5 },
          { tag: 'latest', configurationName: 'my-service', latestRevision: true, percent: 0 },
        ],
      },
    }]);
  });

  test('targets a Configuration created in the same chart', () => {
    const chart = Testing.chart();
    const cfg = new Configuration(chart, 'Cfg', { metadata: { name: 'blue' }, image: 'img' });
    new Route(chart, 'Route', { metadata: { name: 'web' }, traffic: TrafficSplit.create().to(TrafficTarget.configuration(cfg), 100) });
    expect(Testing.synth(chart)[1].spec).toEqual({
      traffic: [{ configurationName: 'blue', latestRevision: true, percent: 100 }],
    });
  });

  test('synthesizes lazily: addTraffic() after construction', () => {
    const chart = Testing.chart();
    const route = new Route(chart, 'Route', { metadata: { name: 'web' } });
    route.addTraffic(TrafficTarget.revisionName('web-a'), 60, { tag: 'a' });
    route.addTraffic(TrafficTarget.revisionName('web-b'), 40);
    expect(route.traffic.tags).toEqual(['a']);
    expect(Testing.synth(chart)[0].spec.traffic).toEqual([
      { tag: 'a', revisionName: 'web-a', latestRevision: false, percent: 60 },
      { revisionName: 'web-b', latestRevision: false, percent: 40 },
    ]);
  });

  test('replaceTraffic() replaces the split; the split is used by reference', () => {
    const chart = Testing.chart();
    const route = new Route(chart, 'Route', { metadata: { name: 'web' }, traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 100) });
    const split = TrafficSplit.create();
    route.replaceTraffic(split);
    split.to(TrafficTarget.revisionName('web-b'), 100);
    expect(Testing.synth(chart)[0].spec.traffic).toEqual([{ revisionName: 'web-b', latestRevision: false, percent: 100 }]);
  });

  test('clusterLocal adds the visibility label on the Route', () => {
    const chart = Testing.chart();
    new Route(chart, 'Route', { metadata: { name: 'web', labels: { app: 'web' } }, clusterLocal: true, traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 100) });
    expect(Testing.synth(chart)[0].metadata).toEqual({
      name: 'web',
      labels: { 'app': 'web', 'networking.knative.dev/visibility': 'cluster-local' },
    });
  });

  test('rolloutDuration is an annotation on the Route', () => {
    const chart = Testing.chart();
    new Route(chart, 'Route', { metadata: { name: 'web' }, rolloutDuration: Duration.minutes(5), traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 100) });
    expect(Testing.synth(chart)[0].metadata).toEqual({
      name: 'web',
      annotations: { 'serving.knative.dev/rollout-duration': '300s' },
    });
  });

  test('rolloutDuration must be whole seconds', () => {
    const chart = Testing.chart();
    expect(() => new Route(chart, 'Route', { rolloutDuration: Duration.millis(1500) }))
      .toThrow('[test/Route] rolloutDuration: must be a non-negative whole number of seconds (got 1 second 500 millis). Fix: Use e.g. Duration.seconds(300) or Duration.minutes(5).');
  });

  test('addressable: hosts and URLs', () => {
    const chart = Testing.chart();
    const route = new Route(chart, 'Route', { metadata: { name: 'web', namespace: 'shop' } });
    expect(route.routeName).toBe('web');
    expect(route.clusterLocalHost).toBe('web.shop.svc.cluster.local');
    expect(route.clusterLocalUrl).toBe('http://web.shop.svc.cluster.local');
    expect(route.url('example.com')).toBe('http://web.shop.example.com');
    expect(route.url()).toBe('http://web.shop.svc.cluster.local');
    expect(route.tagUrl('canary')).toBe('http://canary-web.shop.svc.cluster.local');
    expect([route.targetApiVersion, route.targetKind, route.targetName, route.targetNamespace]).toEqual(['serving.knative.dev/v1', 'Route', 'web', 'shop']);
  });

  test('fromRouteName() imports a Route', () => {
    const chart = Testing.chart();
    const route = Route.fromRouteName(chart, 'Imported', 'web', { namespace: 'shop' });
    expect(route.routeName).toBe('web');
    expect(route.clusterLocalUrl).toBe('http://web.shop.svc.cluster.local');
    expect(route.url('example.com')).toBe('http://web.shop.example.com');
    expect([route.targetApiVersion, route.targetKind, route.targetName]).toEqual(['serving.knative.dev/v1', 'Route', 'web']);
    expect(Route.fromRouteName(chart, 'NoNs', 'api').clusterLocalHost).toBe('api.default.svc.cluster.local');
    expect(route.tagUrl('blue', 'example.com')).toBe('http://blue-web.shop.example.com');
    expect(Testing.synth(chart)).toEqual([]);
  });

  describe('validation at synthesis', () => {
    test('an empty Route fails synthesis: traffic sums to 0, want 100', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', { metadata: { name: 'web' } });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Route\] spec\.traffic: Traffic targets sum to 0, want 100/);
    });

    test('percents must sum to 100', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', {
        metadata: { name: 'web' },
        traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 60).to(TrafficTarget.revisionName('web-b'), 60),
      });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Route\] spec\.traffic: Traffic targets sum to 120, want 100 \(got \[60,60\]\)\. Fix: Make the traffic percents add up to exactly 100\./);
    });

    test('latestRevision() has no Configuration in a standalone Route: eager when the split is known', () => {
      const message = /^\[test\/Route\] traffic\[0\]: TrafficTarget\.latestRevision\(\) is only valid in a KnService traffic split; in a Route use TrafficTarget\.configuration\(cfg\) \(got TrafficTarget\.latestRevision\(\)\)\. Fix: /;
      expect(() => new Route(Testing.chart(), 'Route', { metadata: { name: 'web' }, traffic: TrafficSplit.latest() })).toThrow(message);
      const route = new Route(Testing.chart(), 'Route', { metadata: { name: 'web' } });
      expect(() => route.addTraffic(TrafficTarget.latestRevision(), 100)).toThrow(message);
      expect(() => route.replaceTraffic(TrafficSplit.latest())).toThrow(message);
      expect(route.traffic.length).toBe(0);
    });

    test('latestRevision() added to a Route\'s split after construction is reported at synthesis', () => {
      const chart = Testing.chart();
      const split = TrafficSplit.create();
      new Route(chart, 'Route', { metadata: { name: 'web' }, traffic: split });
      split.to(TrafficTarget.revisionName('web-a'), 50).toLatest(50, { tag: 'next' });
      expect(() => Testing.synth(chart)).toThrow(
        /\[test\/Route\] spec\.traffic\[1\]: TrafficTarget\.latestRevision\(\) is only valid in a KnService traffic split; in a Route use TrafficTarget\.configuration\(cfg\) \(got TrafficTarget\.latestRevision\(\) tagged "next"\)\. Fix: /);
    });

    test('a tag whose host label would exceed 63 characters is reported with a fix', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', {
        metadata: { name: 'r'.repeat(56) },
        traffic: TrafficSplit.create().to(TrafficTarget.revisionName('x'), 100, { tag: 'preview' }),
      });
      expect(() => Testing.synth(chart)).toThrow(
        /\[test\/Route\] spec\.traffic\.tag: tag "preview" makes the host label "preview-r{56}" 64 characters long \(tag template \{\{\.Tag\}\}-\{\{\.Name\}\}\), more than 63 \(got "preview"\)\. Fix: Shorten the tag to at most 6 characters/);
    });

    test('a tag host label of exactly 63 characters is fine', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', {
        metadata: { name: 'r'.repeat(55), namespace: 'n'.repeat(63) },
        traffic: TrafficSplit.create().to(TrafficTarget.revisionName('x'), 100, { tag: 'preview' }),
      });
      expect(Testing.synth(chart)[0].spec.traffic[0].tag).toBe('preview');
    });

    test('a tag host that is not a valid FQDN is reported with a fix', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', {
        metadata: { name: 'web', namespace: 'my_ns' },
        traffic: TrafficSplit.create().to(TrafficTarget.revisionName('x'), 100, { tag: 'preview' }),
      });
      expect(() => Testing.synth(chart)).toThrow(
        /\[test\/Route\] spec\.traffic\.tag: host "preview-web\.my_ns\.svc\.cluster\.local": label "my_ns" must consist of lower case alphanumeric characters.* \(got "preview"\)\. Fix: Use a shorter tag or name, and a namespace that is a DNS label\./);
    });

    test('autoscaling annotations are rejected on Route metadata', () => {
      const chart = Testing.chart();
      new Route(chart, 'Route', {
        metadata: { name: 'web', annotations: { 'autoscaling.knative.dev/min-scale': '1' } },
        traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 100),
      });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Route\] metadata\.annotations.*autoscaling\.knative\.dev\/min-scale/);
    });
  });
});
