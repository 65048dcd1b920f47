import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Secret, Service } from 'cdk8s-plus-28';
import { BundledRuntimeWarnings, DomainMapping, KnService, KubernetesServiceTarget, Route, ServingControlPlane, TrafficSplit, TrafficTarget } from '../../src';
import { applyDefaults } from '../../src/core/rules';

describe('DomainMapping', () => {
  test('maps a domain to a KnService (domain becomes metadata.name)', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'hello' }, image: 'img' });
    const dm = new DomainMapping(chart, 'Dm', { domain: 'hello.example.com', target: svc });
    expect(dm.domain).toBe('hello.example.com');
    expect(dm.domainUrl).toBe('http://hello.example.com');
    expect(dm.node.defaultChild).toBe(ApiObject.of(dm));
    expect(Testing.synth(chart)[1]).toEqual({
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'hello.example.com' },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' } },
    });
  });

  test('takes the target namespace and a TLS secret', () => {
    const chart = Testing.chart();
    const svc = KnService.fromServiceName(chart, 'Svc', 'payments', { namespace: 'billing' });
    const tls = Secret.fromSecretName(chart, 'Tls', 'pay-tls');
    const dm = new DomainMapping(chart, 'Dm', { domain: 'pay.example.com', target: svc, tlsSecret: tls, metadata: { labels: { app: 'pay' } } });
    expect(dm.domainUrl).toBe('https://pay.example.com');
    expect(Testing.synth(chart)).toEqual([{
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'pay.example.com', namespace: 'billing', labels: { app: 'pay' } },
      spec: {
        ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'payments', namespace: 'billing' },
        tls: { secretName: 'pay-tls' },
      },
    }]);
  });

  test('maps a domain to a Route in the chart namespace', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const route = new Route(chart, 'Route', { metadata: { name: 'web' }, traffic: TrafficSplit.create().to(TrafficTarget.revisionName('web-a'), 100) });
    new DomainMapping(chart, 'Dm', { domain: 'www.example.com', target: route });
    expect(Testing.synth(chart)[1]).toMatchSnapshot();
  });

  test('KnService.mapDomain() and Route.mapDomain() add a mapping in the target\'s scope', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'hello', namespace: 'web' }, image: 'img' });
    const route = new Route(chart, 'Route', { metadata: { name: 'blue', namespace: 'web' }, traffic: TrafficSplit.create().to(TrafficTarget.revisionName('blue-a'), 100) });
    const dm = svc.mapDomain('hello.example.com', { tlsSecret: Secret.fromSecretName(chart, 'Tls', 'hello-tls') });
    route.mapDomain('blue.example.com');
    expect(dm.node.path).toBe('test/Svc/DomainMapping-hello.example.com');
    const out = Testing.synth(chart);
    expect(out.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/hello', 'DomainMapping/hello.example.com', 'Route/blue', 'DomainMapping/blue.example.com']);
    expect(out[1]).toEqual({
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'hello.example.com', namespace: 'web' },
      spec: {
        ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', namespace: 'web' },
        tls: { secretName: 'hello-tls' },
      },
    });
    expect(out[3].spec.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'blue', namespace: 'web' });
  });

  test.each([
    ['example', /^\[test\/Dm\] domain: must be a fully-qualified domain name .*\(got "example"\)\. Fix: Use a lowercase fully-qualified domain name/],
    ['Example.com', /must be a fully-qualified domain name/],
    ['a_b.example.com', /must be a fully-qualified domain name/],
    [`${'a'.repeat(64)}.example.com`, /must be a fully-qualified domain name/],
    [`${'a.'.repeat(127)}com`, /must be a fully-qualified domain name/],
    ['', /^\[test\/Dm\] domain: is required \(got ""\)\. Fix: /],
    ['hello.default.svc.cluster.local', /^\[test\/Dm\] domain: must not be under the cluster domain "\.cluster\.local" \(got "hello\.default\.svc\.cluster\.local"\)\. Fix: Map a public domain/],
  ])('rejects domain %p', (domain, error) => {
    const chart = Testing.chart();
    const svc = KnService.fromServiceName(chart, 'Svc', 'hello');
    expect(() => new DomainMapping(chart, 'Dm', { domain, target: svc })).toThrow(error);
  });

  test('metadata.name must be the domain', () => {
    const chart = Testing.chart();
    const svc = KnService.fromServiceName(chart, 'Svc', 'hello');
    expect(() => new DomainMapping(chart, 'Dm', { domain: 'a.example.com', target: svc, metadata: { name: 'other' } }))
      .toThrow('[test/Dm] metadata.name: must be the mapped domain ("a.example.com") (got "other"). Fix: Drop metadata.name; the domain is used as the name.');
  });

  test('a target in another namespace is reported at synthesis', () => {
    const chart = Testing.chart();
    const svc = KnService.fromServiceName(chart, 'Svc', 'hello', { namespace: 'a' });
    new DomainMapping(chart, 'Dm', { domain: 'a.example.com', target: svc, metadata: { namespace: 'b' } });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Dm\] spec\.ref\.namespace: .*mismatched namespaces/);
  });
});

test('renders ref.namespace from the chart namespace so the output is a fixed point of Knative defaulting', () => {
  const app = new App();
  const chart = new Chart(app, 'dm', { namespace: 'shop' });
  new DomainMapping(chart, 'Dm', { domain: 'shop.example.org', target: KnService.fromServiceName(chart, 'Shop', 'shop') });
  const [dm] = chart.toJson();
  expect(dm.spec.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'shop', namespace: 'shop' });
  expect(applyDefaults(dm)).toEqual(dm);
});

describe('KubernetesServiceTarget: a Kubernetes Service as the target', () => {
  test('fromService: spec.ref is the v1 Service; its cluster-local host; no runtime warning with the bundled runtime', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
    const svc = new Service(chart, 'Legacy', { metadata: { name: 'legacy' }, ports: [{ port: 80, targetPort: 8080 }] });
    const target = KubernetesServiceTarget.fromService(chart, 'LegacyTarget', svc);
    expect([target.targetApiVersion, target.targetKind, target.targetName]).toEqual(['v1', 'Service', 'legacy']);
    expect(target.clusterLocalUrl).toBe('http://legacy.shop.svc.cluster.local');
    const dm = new DomainMapping(chart, 'Dm', { domain: 'legacy.example.com', target });
    const out = chart.toJson();
    expect(out.find((o: any) => o.kind === 'DomainMapping').spec).toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: 'legacy', namespace: 'shop' } });
    app.synthYaml();
    expect(BundledRuntimeWarnings.of(app)).toEqual([]);
    expect(dm.domainUrl).toBe('http://legacy.example.com');
  });

  test('fromService: a Service without port 80 fails the synthesis with its ports and the fix', () => {
    const chart = Testing.chart();
    const svc = new Service(chart, 'Legacy', { metadata: { name: 'legacy' }, ports: [{ port: 8080 }] });
    new DomainMapping(chart, 'Dm', { domain: 'legacy.example.com', target: KubernetesServiceTarget.fromService(chart, 'LegacyTarget', svc) });
    expect(() => Testing.synth(chart)).toThrow('[test/LegacyTarget] spec.ports: has no port 80, the port Knative sends a DomainMapping\'s requests to (got [8080]). '
      + 'Fix: Expose port 80 on Service "legacy", e.g. service.bind(80, { targetPort: 8080 }).');
    svc.bind(80, { targetPort: 8080 }); // ports added later count
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('fromServiceName: by name and namespace; a bad name is refused with the fix', () => {
    const chart = Testing.chart();
    const target = KubernetesServiceTarget.fromServiceName(chart, 'T', 'legacy', { namespace: 'billing' });
    new DomainMapping(chart, 'Dm', { domain: 'pay.example.com', target });
    expect(Testing.synth(chart)[0].spec).toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: 'legacy', namespace: 'billing' } });
    expect(() => KubernetesServiceTarget.fromServiceName(chart, 'Bad', 'Legacy_Svc'))
      .toThrow(/^\[test\/Bad\] KubernetesServiceTarget\.fromServiceName\(name\): must be a Kubernetes Service name .* \(got "Legacy_Svc"\)\. Fix: Pass the Service's metadata\.name\.$/);
  });

  test('url() and tagUrl() say that Knative gives a Kubernetes Service no domain URL or tags', () => {
    const target = KubernetesServiceTarget.fromServiceName(Testing.chart(), 'T', 'legacy');
    expect(() => target.url('example.com')).toThrow(/^\[test\/T\] url\(\): a Kubernetes Service has no Knative URL .*\(got "example.com"\)\. Fix: Use clusterLocalUrl/);
    expect(() => target.url()).toThrow(/^\[test\/T\] url\(\): a Kubernetes Service has no Knative URL \(Knative assigns domain URLs to Knative Services and Routes only\)\. Fix:/);
    expect(() => target.tagUrl('v2')).toThrow(/^\[test\/T\] tagUrl\(tag\): a Kubernetes Service has no traffic tags \(got "v2"\)\./);
  });
});
