import { defaultServingConfig, parseServingConfig, ServingConfig } from '../../src/core/config';
import {
  checkHost, clusterLocalHostForms, isClusterLocal, isClusterLocalHost, renderDomainTemplate, renderTagTemplate, routeHosts,
  RouteHostsError, selectDomain,
} from '../../src/core/hosts';

const exampleCom = (extra: Record<string, Record<string, string>> = {}): ServingConfig =>
  parseServingConfig({ 'config-domain': { 'example.com': '' }, ...extra });

describe('templates', () => {
  test('default domain and tag templates', () => {
    expect(renderDomainTemplate('{{.Name}}.{{.Namespace}}.{{.Domain}}', { Name: 'hello', Namespace: 'default', Domain: 'example.com' }))
      .toBe('hello.default.example.com');
    expect(renderTagTemplate('{{.Tag}}-{{.Name}}', { Tag: 'v1', Name: 'hello' })).toBe('v1-hello');
  });
  test('annotations and labels via index', () => {
    expect(renderDomainTemplate('{{index .Annotations "team"}}-{{.Name}}.{{index .Labels "env"}}.{{.Domain}}', {
      Name: 'hello', Namespace: 'ns', Domain: 'example.com', Annotations: { team: 'red' }, Labels: { env: 'prod' },
    })).toBe('red-hello.prod.example.com');
  });
  test('unsupported constructs throw clear errors', () => {
    expect(() => renderTagTemplate('{{.Namespace}}-{{.Tag}}', { Tag: 'a', Name: 'b' })).toThrow(/can't evaluate field Namespace/);
    expect(() => renderDomainTemplate('{{printf "%s" .Name}}', { Name: 'a', Namespace: 'b', Domain: 'c' })).toThrow(/unsupported action/);
  });
});

describe('selectDomain', () => {
  test('out of the box (only _example) → svc.cluster.local, cluster-local', () => {
    const cfg = parseServingConfig({ 'config-domain': { _example: '################################\nexample.com: |\n' } });
    expect(selectDomain({}, cfg)).toBe('svc.cluster.local');
    expect(isClusterLocal(undefined, cfg)).toBe(true);
    expect(isClusterLocal(undefined, defaultServingConfig())).toBe(true);
  });
  test('default domain, visibility label', () => {
    const cfg = exampleCom();
    expect(selectDomain({}, cfg)).toBe('example.com');
    expect(isClusterLocal({}, cfg)).toBe(false);
    expect(selectDomain({ 'networking.knative.dev/visibility': 'cluster-local' }, cfg)).toBe('svc.cluster.local');
    expect(isClusterLocal({ 'networking.knative.dev/visibility': 'cluster-local' }, cfg)).toBe(true);
  });
  test('most specific selector wins; ties → smallest domain', () => {
    const cfg = parseServingConfig({
      'config-domain': {
        'example.com': '',
        'b.example.org': 'selector:\n  app: x\n',
        'a.example.org': 'selector:\n  app: x\n',
        'prod.example.net': 'selector:\n  app: x\n  env: prod\n',
      },
    });
    expect(selectDomain({ app: 'x' }, cfg)).toBe('a.example.org');
    expect(selectDomain({ app: 'x', env: 'prod' }, cfg)).toBe('prod.example.net');
    expect(selectDomain({ app: 'y' }, cfg)).toBe('example.com');
  });
  test('implicit svc.<cd> default only when no entry has an empty selector', () => {
    const cfg = parseServingConfig({ 'config-domain': { 'example.org': 'selector:\n  app: x' } }, 'corp.local');
    expect(selectDomain({ app: 'x' }, cfg)).toBe('example.org');
    expect(selectDomain({}, cfg)).toBe('svc.corp.local');
  });
});

describe('routeHosts', () => {
  test('§14 worked example with config-domain example.com', () => {
    const h = routeHosts({ name: 'hello', namespace: 'default' }, ['v1'], exampleCom());
    expect(h.url).toBe('http://hello.default.example.com');
    expect(h.host).toBe('hello.default.example.com');
    expect(h.addressUrl).toBe('http://hello.default.svc.cluster.local');
    expect(h.clusterLocalHost).toBe('hello.default.svc.cluster.local');
    expect(h.clusterLocal).toBe(false);
    expect(h.tags.v1.url).toBe('http://v1-hello.default.example.com');
    expect(h.tags.v1.host).toBe('v1-hello.default.example.com');
  });
  test('§14 worked example without config-domain → cluster-local URLs', () => {
    const h = routeHosts({ name: 'hello', namespace: 'default' }, ['v1'], defaultServingConfig());
    expect(h.url).toBe('http://hello.default.svc.cluster.local');
    expect(h.tags.v1.url).toBe('http://v1-hello.default.svc.cluster.local');
    expect(h.clusterLocal).toBe(true);
  });
  test('seed document tag URL', () => {
    const h = routeHosts({ name: 'stock-service-example', namespace: 'default' }, ['v1'], exampleCom());
    expect(h.tags.v1.url).toBe('http://v1-stock-service-example.default.example.com');
    expect(h.url).toBe('http://stock-service-example.default.example.com');
  });
  test('custom domain/tag templates and the https scheme apply to external hosts only; cluster-local ones keep the standard form and http', () => {
    const cfg = exampleCom({
      'config-network': {
        'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}',
        'tag-template': '{{.Name}}-{{.Tag}}',
        'default-external-scheme': 'https',
      },
    });
    const h = routeHosts({ name: 'hello', namespace: 'ns' }, ['canary'], cfg);
    expect(h.url).toBe('https://hello-ns.example.com');
    expect(h.tags.canary.url).toBe('https://hello-canary-ns.example.com');
    const local = routeHosts({ name: 'hello', namespace: 'ns', labels: { 'networking.knative.dev/visibility': 'cluster-local' } }, ['canary'], cfg);
    expect(local.url).toBe('http://hello.ns.svc.cluster.local');
    expect(local.tags.canary.url).toBe('http://hello-canary.ns.svc.cluster.local');
  });
  test('per-tag cluster-local visibility', () => {
    const h = routeHosts({ name: 'hello', namespace: 'default' }, ['a', 'b'], exampleCom(), ['b']);
    expect(h.tags.a.url).toBe('http://a-hello.default.example.com');
    expect(h.tags.b.url).toBe('http://b-hello.default.svc.cluster.local');
    expect(h.tags.b.clusterLocal).toBe(true);
  });
  test('invalid hosts throw RouteHostsError (ErrorConfig)', () => {
    const longTag = 't'.repeat(60);
    expect(() => routeHosts({ name: 'hello', namespace: 'default' }, [longTag], exampleCom())).toThrow(RouteHostsError);
    expect(() => routeHosts({ name: 'hello', namespace: 'default' }, [longTag], exampleCom())).toThrow(/must be no more than 63 characters/);
    const bad = exampleCom({ 'config-network': { 'domain-template': '{{.Name}}' } });
    expect(() => routeHosts({ name: 'hello', namespace: 'default' }, [], bad)).toThrow(/at least two segments/);
  });
});

describe('checkHost', () => {
  test('valid and invalid hosts', () => {
    expect(checkHost('hello.default.example.com')).toBeUndefined();
    expect(checkHost('hello')).toMatch(/at least two segments/);
    expect(checkHost(`${'a'.repeat(64)}.example.com`)).toMatch(/no more than 63/);
    expect(checkHost('Hello.example.com')).toMatch(/lower case/);
    expect(checkHost(`${'a.'.repeat(127)}com`)).toMatch(/no more than 253/);
    expect(checkHost('')).toMatch(/empty/);
  });
});

describe('cluster-local hosts (what the ingress keeps off its external listener)', () => {
  test('the three short forms of a name', () => {
    expect(clusterLocalHostForms('hello', 'default', 'cluster.local')).toEqual(['hello.default', 'hello.default.svc', 'hello.default.svc.cluster.local']);
    expect(clusterLocalHostForms('v1-hello', 'ns', 'corp.internal')).toEqual(['v1-hello.ns', 'v1-hello.ns.svc', 'v1-hello.ns.svc.corp.internal']);
  });

  test('a host is cluster-local when it is in svc.<clusterDomain>', () => {
    expect(isClusterLocalHost('hello.default.svc.cluster.local', 'cluster.local')).toBe(true);
    expect(isClusterLocalHost('Hello.Default.SVC.cluster.local.', 'cluster.local')).toBe(true);
    expect(isClusterLocalHost('hello.default.svc.corp.internal', 'corp.internal')).toBe(true);
    expect(isClusterLocalHost('hello.default.svc.cluster.local', 'corp.internal')).toBe(false);
    expect(isClusterLocalHost('hello.default.example.com', 'cluster.local')).toBe(false);
    // suffix match on labels, not characters
    expect(isClusterLocalHost('hello.default.mysvc.cluster.local', 'cluster.local')).toBe(false);
    expect(isClusterLocalHost('hello.default.svc.cluster.local.example.com', 'cluster.local')).toBe(false);
  });

  test.each([
    ['public Route, public tag', {}, [] as string[], { main: false, a: false }],
    ['public Route, tag made private by its placeholder Service', {}, ['a'], { main: false, a: true }],
    ['Route labelled cluster-local: its tags too', { 'networking.knative.dev/visibility': 'cluster-local' }, [], { main: true, a: true }],
  ])('agrees with routeHosts on every URL: %s', (_name, labels, localTags, want) => {
    for (const cfg of [
      exampleCom(),
      exampleCom({ 'config-network': { 'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}', 'tag-template': '{{.Name}}-{{.Tag}}' } }),
      parseServingConfig({ 'config-domain': { 'example.com': '' } }, 'corp.internal'),
    ]) {
      const h = routeHosts({ name: 'hello', namespace: 'default', labels }, ['a'], cfg, localTags);
      expect(isClusterLocalHost(new URL(h.url).hostname, cfg.clusterDomain)).toBe(want.main);
      expect(isClusterLocalHost(new URL(h.tags.a.url).hostname, cfg.clusterDomain)).toBe(want.a);
      expect(isClusterLocalHost(new URL(h.addressUrl).hostname, cfg.clusterDomain)).toBe(true);
      expect(clusterLocalHostForms('hello', 'default', cfg.clusterDomain)[2]).toBe(h.clusterLocalHost);
    }
  });
});
