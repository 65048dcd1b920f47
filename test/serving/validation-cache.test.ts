import { ApiObject, App, Chart, JsonPatch, Lazy, LazyResolver, ResolutionContext, Testing } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { KnativeFeature, KnativeFeatures, KnService, Route, TrafficSplit, TrafficTarget } from '../../src';

/**
 * cdk8s validates every construct once per synthesis plus once per chart; our constructs reuse a
 * validation result (and the spec it rendered) until some mutating call happens. These tests pin
 * both halves: the reuse, and that every kind of mutation is seen by the next synthesis.
 */
describe('validation result reuse', () => {
  function synthErrors(app: App): string {
    try {
      app.synthYaml();
      return '';
    } catch (e) {
      return String(e);
    }
  }

  test('one render per service per synthesis, however many charts', () => {
    const app = Testing.app();
    const services: KnService[] = [];
    for (let k = 0; k < 3; k++) {
      const chart = new Chart(app, `c${k}`, { namespace: 'default' });
      services.push(new KnService(chart, 'Svc', { metadata: { name: `svc-${k}` }, image: 'img' }));
    }
    const spies = services.map((s) => jest.spyOn(s, '_toKube'));
    const yaml1 = app.synthYaml();
    // cdk8s ran 4 validation passes (app + one per chart) and wrote each object once.
    for (const spy of spies) expect(spy).toHaveBeenCalledTimes(1);
    // Unchanged: the validation result is reused, the spec is rendered once for the output.
    expect(app.synthYaml()).toBe(yaml1);
    for (const spy of spies) expect(spy).toHaveBeenCalledTimes(2);
    services[1].template.addRevisionLabel('team', 'payments');
    const yaml3 = app.synthYaml();
    expect(yaml3).toContain('team: payments');
    // Any mutation invalidates every cached result (the epoch is global): one render each again.
    for (const spy of spies) expect(spy).toHaveBeenCalledTimes(3);
  });

  const cases: Array<[string, (svc: KnService, app: App) => void, RegExp]> = [
    ['metadata.addAnnotation', (svc) => svc.metadata.addAnnotation('autoscaling.knative.dev/min-scale', '1'), /autoscaling\.knative\.dev\/min-scale/],
    ['metadata.addAnnotation (rollout-duration)', (svc) => svc.metadata.addAnnotation('serving.knative.dev/rollout-duration', 'soon'), /rollout-duration/],
    ['metadata.add', (svc) => svc.metadata.add('generateName', 'Bad_Prefix-'), /generateName.*DNS 1035/],
    ['ApiObject.of(svc).metadata.addAnnotation', (svc) => ApiObject.of(svc).metadata.addAnnotation('autoscaling.knative.dev/min-scale', '1'), /min-scale/],
    ['container.addEnv', (svc) => svc.template.containers[0].addEnv('K_SERVICE', EnvValue.fromValue('x')), /K_SERVICE/],
    ['addContainer', (svc) => svc.addContainer({ image: 'b', port: 9090 }), /port/i],
    ['addRevisionAnnotation', (svc) => svc.template.addRevisionAnnotation('autoscaling.knative.dev/min-scale', '-1'), /min-scale/],
    ['replaceTraffic', (svc) => svc.replaceTraffic(TrafficSplit.create().toLatest(50)), /sum to 50|100/],
    ['addTraffic', (svc) => svc.addTraffic(TrafficTarget.latestRevision(), 30), /130|100/],
    ['mutating the split held by the service', (svc) => svc.traffic!.to(TrafficTarget.latestRevision(), 40, { tag: 'b' }), /140|100/],
    ['addJsonPatch', (svc) => ApiObject.of(svc).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports', [{ containerPort: 8012 }])), /8012|reserved/],
  ];

  test.each(cases)('a mutation after a synthesis is seen by the next one: %s', (_name, mutate, error) => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', traffic: TrafficSplit.create().toLatest(100, { tag: 'a' }) });
    expect(synthErrors(app)).toBe('');
    mutate(svc, app);
    expect(synthErrors(app)).toMatch(error);
  });

  test('a resolver added to the app after a synthesis is applied and validated on the next one', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
    expect(synthErrors(app)).toBe('');
    app.resolvers.unshift({
      resolve: (ctx: ResolutionContext) => {
        if (ctx.key[ctx.key.length - 1] === 'containerConcurrency' && ctx.value !== 5000) ctx.replaceValue(5000);
      },
    });
    expect(synthErrors(app)).toMatch(/containerConcurrency/);
  });

  test('KnativeFeatures.enable() after a failed synthesis clears the gate error', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', nodeSelector: { disk: 'ssd' } });
    expect(synthErrors(app)).toMatch(/kubernetes\.podspec-nodeselector/);
    KnativeFeatures.enable(chart, KnativeFeature.NODE_SELECTOR);
    expect(synthErrors(app)).toBe('');
  });

  test('a Lazy value is re-evaluated on every synthesis (its result is never reused)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    let port = 8080;
    const route = new Route(chart, 'Route', { metadata: { name: 'r' }, traffic: TrafficSplit.create().to(TrafficTarget.revisionName('r-v1'), 100) });
    new KnService(chart, 'Svc', {
      metadata: { name: 'svc', annotations: { note: Lazy.any({ produce: () => `port ${port}` }) as unknown as string } },
      image: 'img',
    });
    expect(app.synthYaml()).toContain('port 8080');
    port = 9090;
    expect(app.synthYaml()).toContain('port 9090');
    expect(route.name).toBe('r');
  });

  test('a Lazy metadata value that turns invalid after a synthesis is seen by the next one', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    let rollout = '10s';
    new KnService(chart, 'Svc', {
      metadata: { name: 'svc', annotations: { 'serving.knative.dev/rollout-duration': Lazy.any({ produce: () => rollout }) as unknown as string } },
      image: 'img',
    });
    expect(synthErrors(app)).toBe('');
    rollout = 'soon';
    expect(synthErrors(app)).toMatch(/rollout-duration/);
  });

  test('with a resolver of its own, the app is validated as cdk8s renders it, on every synthesis', () => {
    let concurrency = 10;
    const app = new App({
      resolvers: [{
        resolve: (ctx: ResolutionContext) => {
          if (ctx.key[ctx.key.length - 1] === 'containerConcurrency' && ctx.value !== concurrency) ctx.replaceValue(concurrency);
        },
      }],
    });
    const chart = new Chart(app, 'c', { namespace: 'default' });
    new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', containerConcurrency: 1 });
    expect(synthErrors(app)).toBe('');
    expect(app.synthYaml()).toContain('containerConcurrency: 10');
    // No mutating call of ours: only the resolver's answer changed.
    concurrency = 5000;
    expect(synthErrors(app)).toMatch(/containerConcurrency/);
  });

  test("cdk8s's own resolvers passed again do not turn the reuse off", () => {
    const app = new App({ resolvers: [new LazyResolver()] });
    const chart = new Chart(app, 'c', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
    const spy = jest.spyOn(svc, '_toKube');
    app.synthYaml();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  test('an empty addJsonPatch() leaves the output and the reuse as they are', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
    const before = app.synthYaml();
    ApiObject.of(svc).addJsonPatch();
    const spy = jest.spyOn(svc, '_toKube');
    expect(app.synthYaml()).toBe(before);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
