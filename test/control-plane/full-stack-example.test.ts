import { App } from 'cdk8s';
import { Deployment } from 'kubernetes-models/apps/v1';
import { example } from '../../examples/full-stack/main';
import { ServingControlPlane } from '../../src/control-plane';
import { admit, parseServingConfig } from '../../src/core';
import { KubeObject } from '../../src/core/types';
import { schemaViolations } from '../support/schema-validator';

function synthExample(): { charts: string[]; objects: KubeObject[] } {
  const app = new App();
  example.steps[example.steps.length - 1].build(app);
  return { charts: app.charts.map(c => c.node.id), objects: app.charts.flatMap(c => c.toJson() as KubeObject[]) };
}

describe('examples/full-stack', () => {
  const { charts, objects } = synthExample();

  test('the last step: the control-plane chart plus the stock-service chart', () => {
    expect(charts).toEqual(['full-stack', 'stock-service-gray-release']);
    const knative = objects.filter(o => o.apiVersion.startsWith('serving.knative.dev/'));
    expect(knative.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/stock-service-example']);
    expect(objects.filter(o => o.kind === 'CustomResourceDefinition')).toHaveLength(6);
    expect(objects.filter(o => o.kind === 'Deployment').map(o => o.metadata.name)).toEqual(['serving-controller', 'serving-ingress', 'serving-webhook']);
    for (const d of objects.filter(o => o.kind === 'Deployment')) expect(() => new Deployment(d as any).validate()).not.toThrow();
  });

  test('the Service is the seed\'s final step and passes the CRD schema and admission under the rendered config', () => {
    const ksvc = objects.find(o => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1')!;
    expect(ksvc.spec.template.metadata.name).toBe('stock-service-example-v3');
    expect(ksvc.spec.traffic).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', percent: 40, latestRevision: false },
      { tag: 'v2', revisionName: 'stock-service-example-v2', percent: 30, latestRevision: false },
      { tag: 'v3', revisionName: 'stock-service-example-v3', percent: 30, latestRevision: false },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
    expect(schemaViolations('Service', ksvc)).toEqual([]);
    const data: Record<string, Record<string, string>> = {};
    for (const cm of objects.filter(o => o.kind === 'ConfigMap')) data[cm.metadata.name!] = (cm.data as Record<string, string>) ?? {};
    const config = parseServingConfig(data);
    expect(config.domain).toEqual({ 'example.com': {} });
    expect(config.features['tag-header-based-routing']).toBe('Enabled');
    const { violations } = admit(ksvc, { config, operation: 'create' });
    expect(violations.filter(v => v.severity !== 'warning')).toEqual([]);
  });

  test('reviewed snapshot (CRD schemas and the package version elided; pinned elsewhere)', () => {
    const version = ServingControlPlane.packageVersion();
    const elided = objects.map(o => (o.kind !== 'CustomResourceDefinition' ? o : {
      ...o, spec: { ...o.spec, versions: o.spec.versions.map((v: any) => ({ ...v, schema: '<src/core/schema.ts>' })) },
    }));
    const json = JSON.stringify(elided).split(`:${version}"`).join(':<version>"').split(`"${version}"`).join('"<version>"');
    expect(JSON.parse(json)).toMatchSnapshot();
  });

  test('the external ingress Service is a LoadBalancer on the external and HTTPS listeners only; the internal one is ClusterIP', () => {
    const svc = (name: string): any => objects.find(o => o.kind === 'Service' && o.apiVersion === 'v1' && o.metadata.name === name)!;
    expect(svc('serving-ingress').spec.type).toBe('LoadBalancer');
    expect(svc('serving-ingress').spec.ports.map((p: any) => p.targetPort)).toEqual(['http', 'https']);
    expect(svc('serving-ingress-internal').spec.type).toBe('ClusterIP');
    expect(svc('serving-ingress-internal').spec.ports.map((p: any) => p.targetPort)).toEqual(['http-internal']);
  });
});
