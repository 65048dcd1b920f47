import { ApiObject, Chart, Duration, JsonPatch, ResolutionContext, Testing } from 'cdk8s';
import { EnvValue, Volume } from 'cdk8s-plus-28';
import { KnativeFeature, KnativeFeatures, KnService, RevisionName, TrafficSplit, TrafficTarget } from '../../src';

describe('KnService', () => {
  test('minimal service: template plus Knative\'s default traffic, nothing else', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'ghcr.io/x/hello' });
    const [svc] = Testing.synth(chart);
    expect(svc.apiVersion).toBe('serving.knative.dev/v1');
    expect(svc.kind).toBe('Service');
    expect(svc.metadata).toEqual({ name: 'hello' });
    expect(svc.spec.template.spec.containers[0].image).toBe('ghcr.io/x/hello');
    expect(svc.spec.template.metadata).toEqual({}); // emitted empty: a fixed point of the Go round trip
    expect(svc.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('defaultChild is the Service ApiObject', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Hello', { image: 'img' });
    expect(svc.node.defaultChild).toBe(ApiObject.of(svc));
    expect(svc.kind).toBe('Service');
  });

  test('synthesizes lazily: containers and traffic added after construction', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' } });
    svc.addContainer({ image: 'img:2' });
    svc.addTraffic(TrafficTarget.revision(svc.revision('v1')), 90, { tag: 'v1' });
    svc.addTraffic(TrafficTarget.latestRevision(), 10);
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.template.spec.containers.map((c: any) => c.image)).toEqual(['img:2']);
    expect(spec.traffic).toEqual([
      { tag: 'v1', revisionName: 'hello-v1', latestRevision: false, percent: 90 },
      { latestRevision: true, percent: 10 },
    ]);
    expect(svc.traffic?.tags).toEqual(['v1']);
  });

  test('a volume mounted on a container is added to the template', () => {
    const chart = Testing.chart();
    const res = new KnService(chart, 'Res', { metadata: { name: 'vol' }, image: 'img' });
    const scratch = Volume.fromEmptyDir(chart, 'Scratch', 'scratch');
    res.template.containers[0].mount('/scratch', scratch);
    const spec = Testing.synth(chart)[0].spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'scratch', mountPath: '/scratch' }]);
  });

  test('template is exposed and mutable', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
    svc.template.addRevisionAnnotation('autoscaling.knative.dev/min-scale', '1');
    expect(Testing.synth(chart)[0].spec.template.metadata).toEqual({ annotations: { 'autoscaling.knative.dev/min-scale': '1' } });
  });

  test('object metadata and revision metadata are kept apart', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Hello', {
      metadata: { name: 'hello', labels: { team: 'a' }, annotations: { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' } },
      revisionLabels: { version: 'v2' },
      revisionAnnotations: { 'autoscaling.knative.dev/target': '10' },
      image: 'img',
    });
    const svc = Testing.synth(chart)[0];
    expect(svc.metadata).toEqual({
      name: 'hello',
      labels: { team: 'a' },
      annotations: { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' },
    });
    expect(svc.spec.template.metadata).toEqual({
      labels: { version: 'v2' },
      annotations: { 'autoscaling.knative.dev/target': '10' },
    });
  });

  test('clusterLocal: visibility label on the Service, not on the template', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img', clusterLocal: true });
    const svc = Testing.synth(chart)[0];
    expect(svc.metadata.labels).toEqual({ 'networking.knative.dev/visibility': 'cluster-local' });
    expect(svc.spec.template.metadata).toEqual({}); // emitted empty: a fixed point of the Go round trip
  });

  test('rolloutDuration: annotation on the Service, not on the template', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img', rolloutDuration: Duration.seconds(380) });
    const svc = Testing.synth(chart)[0];
    expect(svc.metadata.annotations).toEqual({ 'serving.knative.dev/rollout-duration': '380s' });
    expect(svc.spec.template.metadata).toEqual({}); // emitted empty: a fixed point of the Go round trip
  });

  test('currentRevision: undefined with generated names, the BYO name otherwise', () => {
    const chart = Testing.chart();
    const generated = new KnService(chart, 'Gen', { metadata: { name: 'gen' }, image: 'img' });
    const byo = new KnService(chart, 'Byo', { metadata: { name: 'byo' }, image: 'img', revisionName: RevisionName.of('v2') });
    const hashed = new KnService(chart, 'Hash', { metadata: { name: 'hashed' }, image: 'img', revisionName: RevisionName.contentHash() });
    expect(generated.currentRevision).toBeUndefined();
    expect(byo.currentRevision?.revisionName).toBe('byo-v2');
    expect(byo.currentRevision?.configurationName).toBe('byo');
    expect(hashed.currentRevision?.revisionName).toMatch(/^hashed-[a-z0-9]+$/);
    const out = Testing.synth(chart);
    expect(out[2].spec.template.metadata.name).toBe(hashed.currentRevision?.revisionName);
    // One handle per service, created on first use and then reused.
    expect(byo.currentRevision).toBe(byo.currentRevision);
    expect(byo.node.tryFindChild('CurrentRevision')).toBe(byo.currentRevision);
  });

  test('currentRevision handles follow later template changes and are created only when used', () => {
    const chart = Testing.chart();
    const unused = new KnService(chart, 'Unused', { metadata: { name: 'unused' }, image: 'img', revisionName: RevisionName.of('v1') });
    expect(unused.node.tryFindChild('CurrentRevision')).toBeUndefined();
    const hashed = new KnService(chart, 'Hash', { metadata: { name: 'hashed' }, image: 'img', revisionName: RevisionName.contentHash() });
    const before = hashed.currentRevision!.revisionName;
    hashed.template.containers[0].addEnv('A', EnvValue.fromValue('1'));
    expect(hashed.currentRevision!.revisionName).not.toBe(before);
    expect(Testing.synth(chart)[1].spec.template.metadata.name).toBe(hashed.currentRevision!.revisionName);
  });

  test('seed 000 scenario 3: BYO-named candidate released to 5% next to the current revision', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'gcr.io/x/app', revisionName: RevisionName.of('ghi') });
    svc.replaceTraffic(TrafficSplit.release({ current: svc.revision('def'), candidate: svc.currentRevision!, candidatePercent: 5 }));
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.template.metadata).toEqual({ name: 'my-service-ghi' });
    expect(spec.traffic).toEqual([
      { tag: 'current', revisionName: 'my-service-def', latestRevision: false, percent: 95 },
      { tag: 'candidate', revisionName: 'my-service-ghi', latestRevision: false, percent: 5 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('addressable: hosts and URLs, usable as an env value of another service', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const backend = new KnService(chart, 'Backend', { metadata: { name: 'backend' }, image: 'img' });
    new KnService(chart, 'Frontend', {
      metadata: { name: 'frontend' },
      image: 'img',
      envVariables: { BACKEND_URL: EnvValue.fromValue(backend.clusterLocalUrl) },
    });
    expect(backend.serviceName).toBe('backend');
    expect(backend.clusterLocalHost).toBe('backend.shop.svc.cluster.local');
    expect(backend.clusterLocalUrl).toBe('http://backend.shop.svc.cluster.local');
    expect(backend.url()).toBe('http://backend.shop.svc.cluster.local');
    expect(backend.url('example.com')).toBe('http://backend.shop.example.com');
    expect([backend.targetApiVersion, backend.targetKind, backend.targetName, backend.targetNamespace])
      .toEqual(['serving.knative.dev/v1', 'Service', 'backend', 'shop']);
    const out = Testing.synth(chart);
    expect(out[1].metadata).toEqual({ name: 'frontend', namespace: 'shop' });
    expect(out[1].spec.template.spec.containers[0].env).toEqual([{ name: 'BACKEND_URL', value: 'http://backend.shop.svc.cluster.local' }]);
    expect(out).toMatchSnapshot();
  });

  test('tagUrl(): the URL of a traffic tag (seed 002: testing v3 through the latest tag)', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Stock', { metadata: { name: 'stock-service-example', namespace: 'default' }, image: 'img' });
    expect(svc.tagUrl('latest', 'example.com')).toBe('http://latest-stock-service-example.default.example.com');
    expect(svc.tagUrl('v1')).toBe('http://v1-stock-service-example.default.svc.cluster.local');
    expect(KnService.fromServiceName(chart, 'I', 'api', { namespace: 'x' }).tagUrl('v2')).toBe('http://v2-api.x.svc.cluster.local');
    expect(() => svc.tagUrl('V1')).toThrow('[test/Stock] tagUrl(tag): is not a valid traffic tag (a DNS-1035 label) (got "V1"). Fix: Use a tag of the traffic split, such as \'latest\' or \'v2\'.');
  });

  test('without a namespace, hosts assume "default"', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
    expect(svc.clusterLocalHost).toBe('hello.default.svc.cluster.local');
    expect(svc.targetNamespace).toBeUndefined();
  });

  test('fromServiceName() imports a Service and renders nothing', () => {
    const chart = Testing.chart();
    const svc = KnService.fromServiceName(chart, 'Imported', 'payments', { namespace: 'billing' });
    expect(svc.serviceName).toBe('payments');
    expect(svc.clusterLocalUrl).toBe('http://payments.billing.svc.cluster.local');
    expect(svc.clusterLocalHost).toBe('payments.billing.svc.cluster.local');
    expect(svc.url('example.com')).toBe('http://payments.billing.example.com');
    expect([svc.targetApiVersion, svc.targetKind, svc.targetName, svc.targetNamespace]).toEqual(['serving.knative.dev/v1', 'Service', 'payments', 'billing']);
    expect(Testing.synth(chart)).toEqual([]);
    expect(() => KnService.fromServiceName(chart, 'Empty', ''))
      .toThrow('[test/Empty] KnService.fromServiceName(name): must not be empty (got ""). Fix: Pass the Knative Service\'s metadata.name.');
  });

  test('output never contains controller-owned labels or annotations', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Hello', {
      metadata: { name: 'hello' },
      image: 'img',
      clusterLocal: true,
      rolloutDuration: Duration.minutes(1),
      revisionName: RevisionName.of('v1'),
    });
    svc.replaceTraffic(TrafficSplit.pin(svc.currentRevision!, { latestTag: 'latest' }));
    const yaml = JSON.stringify(Testing.synth(chart));
    for (const key of ['serving.knative.dev/creator', 'serving.knative.dev/lastModifier', 'serving.knative.dev/routes',
      'serving.knative.dev/service', 'serving.knative.dev/configuration', 'serving.knative.dev/routingState', 'status']) {
      expect(yaml).not.toContain(`"${key}`);
    }
  });

  describe('validation at synthesis', () => {
    test('autoscaling annotations belong on the template, not the Service', () => {
      const chart = Testing.chart();
      new KnService(chart, 'Hello', { metadata: { name: 'hello', annotations: { 'autoscaling.knative.dev/min-scale': '1' } }, image: 'img' });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Hello\] metadata\.annotations.*autoscaling\.knative\.dev\/min-scale/);
    });

    test('a name that is not a DNS-1035 label is reported with the construct path', () => {
      const chart = Testing.chart();
      new KnService(chart, 'Hello', { metadata: { name: '1hello' }, image: 'img' });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Hello\] metadata\.name: .*DNS 1035/);
    });

    test('a service without containers is reported with the construct path', () => {
      const chart = Testing.chart();
      new KnService(chart, 'Hello', { metadata: { name: 'hello' } });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Hello\] spec\.template\.spec\.containers/);
    });
  });

  describe('validation is memoized by content only', () => {
    const errorsOf = (svc: KnService) => svc.node.validate();

    test('a mutation between two validations is always seen (no stale result)', () => {
      const chart = Testing.chart();
      const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
      expect(errorsOf(svc)).toEqual([]);
      svc.template.containers[0].addEnv('K_SERVICE', EnvValue.fromValue('x'));
      expect(errorsOf(svc)).toEqual([expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.env\[0\]\.name: "K_SERVICE" is a reserved environment variable/)]);
      svc.metadata.addAnnotation('autoscaling.knative.dev/min-scale', '1');
      expect(errorsOf(svc)).toHaveLength(2);
      expect(errorsOf(svc)).toHaveLength(2);
    });

    test('the same manifest under different feature gates is validated again', () => {
      const chart = Testing.chart();
      const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
      ApiObject.of(svc).addJsonPatch(JsonPatch.add('/spec/template/spec/tolerations', [{ key: 'gpu', operator: 'Exists' }]));
      expect(errorsOf(svc).join('\n')).toMatch(/tolerations/);
      KnativeFeatures.enable(chart, KnativeFeature.TOLERATIONS);
      expect(errorsOf(svc)).toEqual([]);
    });

    test('a JSON patch added after a first validation is validated (patched output)', () => {
      const chart = Testing.chart();
      const svc = new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
      expect(errorsOf(svc)).toEqual([]);
      ApiObject.of(svc).addJsonPatch(JsonPatch.replace('/spec/template/spec/timeoutSeconds', 900));
      expect(errorsOf(svc)).toEqual([expect.stringMatching(/^spec\.template\.spec\.timeoutSeconds: expected 0 <= 900 <= 600/)]);
      expect(() => Testing.synth(chart)).toThrow(/\[test\/Hello\] spec\.template\.spec\.timeoutSeconds: expected 0 <= 900 <= 600/);
    });

    test('an app with its own resolvers is validated on the resolved output', () => {
      const app = Testing.app({
        resolvers: [{
          resolve: (ctx: ResolutionContext) => {
            if (ctx.key.join('.') === 'spec.template.spec.containerConcurrency' && ctx.value !== 5000) ctx.replaceValue(5000);
          },
        }],
      });
      const chart = new Chart(app, 'test');
      new KnService(chart, 'Hello', { metadata: { name: 'hello' }, image: 'img' });
      expect(() => app.synthYaml()).toThrow(/\[test\/Hello\] spec\.template\.spec\.containerConcurrency: expected 0 <= 5000 <= 1000/);
    });
  });

  describe('eager errors name the construct path', () => {
    test('constructor misuse: containerConcurrency 2.5 (value and fix kept)', () => {
      const chart = new Chart(Testing.app(), 'shop');
      expect(() => new KnService(chart, 'Api', { image: 'img', containerConcurrency: 2.5 }))
        .toThrow(/^\[shop\/Api\] containerConcurrency: must be an integer \(got 2\.5\)\. Fix: Use a whole number such as 3\.$/);
    });

    test('mutator misuse: duplicate env variable, duplicate container name, bad revision suffix, traffic percent 101', () => {
      const chart = new Chart(Testing.app(), 'shop');
      const svc = new KnService(chart, 'Api', { image: 'img', envVariables: { A: EnvValue.fromValue('1') } });
      expect(() => svc.template.containers[0].addEnv('A', EnvValue.fromValue('2')))
        .toThrow(/^\[shop\/Api\] env\["A"\]: is already defined on container \(image img\) \(got "A"\)\. Fix: Define each variable once\.$/);
      svc.addContainer({ image: 'side', name: 'side' });
      expect(() => svc.addContainer({ image: 'side2', name: 'side' }))
        .toThrow(/^\[shop\/Api\] containers\[2\]\.name: is already used by another container of this revision template \(got "side"\)\. Fix: /);
      expect(() => svc.revision('Bad'))
        .toThrow(/^\[shop\/Api\] revision\(nameOrSuffix\): is not a revision name or suffix \(a DNS-1123 label\) \(got "Bad"\)\. Fix: /);
      expect(() => svc.addTraffic(TrafficTarget.latestRevision(), 101))
        .toThrow(/^\[shop\/Api\] traffic\[0\]\.percent: must be a whole number from 0 to 100 \(got 101\)\. Fix: /);
    });

    test('errors are prefixed once, also when a template method is called from the constructor', () => {
      const chart = new Chart(Testing.app(), 'shop');
      expect(() => new KnService(chart, 'Api', { containers: [{ image: 'a', name: 'x' }, { image: 'b', name: 'x' }] }))
        .toThrow(/^\[shop\/Api\] containers\[1\]\.name: is already used by another container/);
      expect(() => new KnService(chart, 'Api2', { image: 'img', timeout: Duration.seconds(0) }))
        .toThrow(/^\[shop\/Api2\] timeout: must be at least 1 second .*\(got 0 seconds\)/);
    });
  });
});
