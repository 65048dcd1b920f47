import { domainMapping, errors } from './helpers';
import { validateDomainMapping } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

describe('§8.1 DomainMapping', () => {
  test.each<[string, KubeObject, string[]]>([
    ['valid', domainMapping(), []],
    ['valid with tls', domainMapping((d) => { d.spec.tls = { secretName: 's' }; }), []],
    ['single-label name', domainMapping((d) => { d.metadata.name = 'localhost'; }), ['metadata.name: invalid value: localhost: should be a domain with at least two segments separated by dots']],
    ['uppercase name', domainMapping((d) => { d.metadata.name = 'App.example.com'; }),
      ["metadata.name: invalid value: App.example.com: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]],
    ['under cluster domain', domainMapping((d) => { d.metadata.name = 'hello.default.svc.cluster.local'; }),
      ['metadata.name: invalid name "hello.default.svc.cluster.local": must not be a subdomain of cluster local domain "cluster.local"']],
    ['generateName', domainMapping((d) => { d.metadata.generateName = 'x-'; }), ['metadata.generateName: must not set the field(s)']],
    ['no name', domainMapping((d) => { delete d.metadata.name; }), ['metadata.name: missing field(s)']],
    ['ref missing', domainMapping((d) => { delete d.spec.ref; }), ['spec.ref: missing field(s)']],
    ['ref fields missing', domainMapping((d) => { d.spec.ref = {}; }),
      ['spec.ref.apiVersion: missing field(s)', 'spec.ref.kind: missing field(s)', 'spec.ref.name: missing field(s)']],
    ['ref.group forbidden', domainMapping((d) => { d.spec.ref.group = 'serving.knative.dev'; }), ['spec.ref.group: must not set the field(s)']],
    ['namespace mismatch', domainMapping((d) => { d.spec.ref.namespace = 'other'; }), ['spec.ref.namespace: mismatched namespaces']],
    // Knative's webhook does not check spec.tls (the CRD schema requires secretName: the API server's job)
    ['tls without secretName', domainMapping((d) => { d.spec.tls = {}; }), []],
    ['tls with an empty secretName', domainMapping((d) => { d.spec.tls = { secretName: '' }; }), []],
    ['unknown spec field', domainMapping((d) => { d.spec.foo = 1; }), ['spec.foo: must not set the field(s)']],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test('entry point reports value and fix', () => {
    expect(validateDomainMapping(domainMapping((d) => { d.spec.ref.namespace = 'other'; }))).toEqual([
      { path: 'spec.ref.namespace', message: 'mismatched namespaces', value: 'other', fix: 'Omit ref.namespace or set it to "default".' },
    ]);
  });
});
