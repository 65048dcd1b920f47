/** Strict admission: the shared Knative rules on every write, pluggable hooks, built-in structure checks. */
import { Clients, failure, knService, merge, startWithClients } from './helpers';
import type { KubeObject } from '../../src/core/types';

let c: Clients;
afterEach(async () => {
  await c.api.stop();
});

const G = 'serving.knative.dev';
const create = (body: any, ns = 'default', plural = 'services') => c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: ns, plural, body });

describe('default admission (src/core/go-json, src/core/rules)', () => {
  beforeEach(async () => {
    c = await startWithClients({}, 'alice@example.com');
  });

  test('an invalid Knative Service (traffic sums to 90) is rejected with 422 listing the violation', async () => {
    const svc = knService('bad', 'default', {
      spec: {
        template: { spec: { containers: [{ image: 'ghcr.io/example/hello:1' }] } },
        traffic: [{ latestRevision: true, percent: 60 }, { revisionName: 'bad-00001', percent: 30 }],
      },
    });
    const r = await failure(() => create(svc));
    expect(r.code).toBe(422);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'bad', group: G, kind: 'Service' } });
    expect(r.body.message).toContain('Service.serving.knative.dev "bad" is invalid');
    expect(r.body.message).toMatch(/sum to 90/);
    expect(r.body.details.causes.some((x: any) => x.field.startsWith('spec.traffic') && /90/.test(x.message))).toBe(true);
    expect(c.api.get('ksvc', 'default', 'bad')).toBeUndefined();
    // the rejected write is still recorded, with its error
    expect(c.api.actions()).toMatchObject([{ verb: 'create', resource: 'services', group: G, name: 'bad', error: { code: 422 } }]);
  });

  test('every violation is reported at once', async () => {
    const svc = knService('Bad_Name', 'default', {
      spec: { template: { spec: { containers: [{ image: '' }] } }, traffic: [{ percent: 101, tag: 'UPPER' }] },
    });
    const r = await failure(() => create(svc));
    expect(r.code).toBe(422);
    expect(r.body.details.causes.length).toBeGreaterThanOrEqual(3);
    const fields = r.body.details.causes.map((x: any) => x.field);
    expect(fields).toContain('metadata.name');
  });

  test('defaults are applied and creator/lastModifier come from the requesting user', async () => {
    const created = await create(knService('hello'));
    const container = created.spec.template.spec.containers[0];
    expect(container.name).toBe('user-container');
    expect(container.readinessProbe).toBeDefined();
    expect(created.spec.template.spec.timeoutSeconds).toBe(300);
    expect(created.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(created.metadata.annotations['serving.knative.dev/creator']).toBe('alice@example.com');
    expect(created.metadata.annotations['serving.knative.dev/lastModifier']).toBe('alice@example.com');

    // dropping the creator annotation on update is rejected (immutable)
    const dropped = structuredClone(created);
    delete dropped.metadata.annotations['serving.knative.dev/creator'];
    dropped.spec.template.spec.containers[0].image = 'ghcr.io/example/hello:2';
    const r = await failure(() => c.custom.replaceNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: dropped }));
    expect(r.code).toBe(422);
    expect(r.body.details.causes.map((x: any) => x.field).join(' ')).toContain('serving.knative.dev/creator');
  });

  test('the Go JSON round trip comes first: zero values with omitempty are dropped, quantities canonical, no status', async () => {
    const created = await create(knService('zeros', 'default', {
      spec: {
        template: {
          spec: {
            containers: [{
              image: 'ghcr.io/example/hello:1',
              env: [{ name: 'EMPTY', value: '' }],
              resources: { limits: { memory: '1024Mi' } },
              readinessProbe: { httpGet: { path: '/' }, initialDelaySeconds: 0, periodSeconds: 3 },
            }],
          },
        },
      },
    }));
    const container = created.spec.template.spec.containers[0];
    expect(container.env).toEqual([{ name: 'EMPTY' }]);
    expect(container.resources).toEqual({ limits: { memory: '1Gi' } });
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/', port: 0 }, periodSeconds: 3, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
    expect(created.spec.template.metadata).toEqual({});
    expect(created.status).toBeUndefined();
  });

  test('config-features in knative-serving changes what admission accepts', async () => {
    const withFieldRef = knService('env', 'default', {
      spec: { template: { spec: { containers: [{ image: 'x/y:1', env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] }] } } },
    });
    const refused = await failure(() => create(withFieldRef));
    expect(refused.code).toBe(422);
    c.api.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-features', namespace: 'knative-serving' }, data: { 'kubernetes.podspec-fieldref': 'enabled' } } as KubeObject);
    const ok = await create(withFieldRef);
    expect(ok.metadata.name).toBe('env');
  });

  test('Knative config webhook: invalid config-* ConfigMaps in knative-serving are rejected', async () => {
    const r = await failure(() => c.core.createNamespacedConfigMap({
      namespace: 'knative-serving', body: { metadata: { name: 'config-gc' }, data: { 'min-non-active-revisions': 'lots' } },
    }));
    expect(r.code).toBe(422);
    expect(r.body.message).toContain('admission webhook "config.webhook.serving.knative.dev" denied the request');
    expect(r.body.details.causes[0].field).toBe('data[min-non-active-revisions]');
    // the same ConfigMap elsewhere is just a ConfigMap
    await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'config-gc' }, data: { 'min-non-active-revisions': 'lots' } } });
    await c.core.createNamespacedConfigMap({ namespace: 'knative-serving', body: { metadata: { name: 'config-gc' }, data: { 'min-non-active-revisions': '3' } } });
  });

  test('status writes skip Service validation and keep spec and metadata', async () => {
    const created = await create(knService('hello'));
    const st = await c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: { status: { observedGeneration: 1 } },
    }, merge);
    expect(st.status.observedGeneration).toBe(1);
    expect(st.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    expect(st.spec).toEqual(created.spec);
    expect(st.metadata.annotations).toEqual(created.metadata.annotations);
    // A stored Service that admission would reject (seeded past it) still takes status writes.
    c.api.seed(knService('invalid', 'default', {
      spec: { template: { spec: { containers: [{ image: 'ghcr.io/example/hello:1' }] } }, traffic: [{ latestRevision: true, percent: 90 }] },
    }) as KubeObject);
    const invalid = await c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'invalid', body: { status: { observedGeneration: 1 } },
    }, merge);
    expect(invalid.status.observedGeneration).toBe(1);
    expect(invalid.spec.traffic).toEqual([{ latestRevision: true, percent: 90 }]);
  });

  test('a Revision written by a controller is validated too (strict like Knative fake clients)', async () => {
    const r = await failure(() => create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'rev-1' },
      spec: { containers: [{ image: 'x/y:1', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }] },
    }, 'default', 'revisions'));
    expect(r.code).toBe(422);
  });
});

describe('pluggable admission', () => {
  test('a custom hook can default and reject; false disables admission', async () => {
    const seen: string[] = [];
    c = await startWithClients({
      admission: (obj, ctx) => {
        seen.push(`${ctx.operation}:${ctx.resource}:${ctx.user}:${ctx.subresource ?? ''}`);
        const out = structuredClone(obj);
        out.metadata.labels = { ...(out.metadata.labels ?? {}), defaulted: 'yes' };
        const violations = obj.metadata.name === 'nope' ? [{ path: 'metadata.name', message: 'not allowed' }] : [];
        return { object: out, violations };
      },
    }, 'bob');
    const ok = await create(knService('fine'));
    expect(ok.metadata.labels).toEqual({ defaulted: 'yes' });
    const r = await failure(() => create(knService('nope')));
    expect(r.code).toBe(422);
    expect(r.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'not allowed.' }]);
    expect(seen).toEqual(['create:services:bob:', 'create:services:bob:']);
    await c.api.stop();

    c = await startWithClients({ admission: false, crdSchemas: false });
    const raw = await create({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'raw' }, spec: { anything: true } });
    expect(raw.spec).toEqual({ anything: true });
  });

  test('built-in structural validation can be turned off', async () => {
    c = await startWithClients({ validateCore: false, serverDefaults: false });
    const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'loose' }, spec: { selector: {}, template: {} } as any } });
    expect(d.spec?.replicas).toBeUndefined();
  });
});

describe('CRD structural schemas (src/core/schema)', () => {
  beforeEach(async () => {
    c = await startWithClients();
  });

  test('unknown fields are pruned with a warning; fieldValidation=Strict rejects them', async () => {
    const svc: any = knService('p');
    svc.spec.template.spec.containers[0].bogus = 1;
    svc.spec.extra = 'x';
    svc.metadata.unknownMeta = 'y';
    const res = await fetch(`${c.api.url}/apis/serving.knative.dev/v1/namespaces/default/services`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(svc),
    });
    expect(res.status).toBe(201);
    const stored: any = await res.json();
    expect(stored.spec.extra).toBeUndefined();
    expect(stored.spec.template.spec.containers[0].bogus).toBeUndefined();
    expect(stored.metadata.unknownMeta).toBeUndefined();
    expect(res.headers.get('warning')).toContain('unknown field \\"spec.extra\\"');

    const strict = await fetch(`${c.api.url}/apis/serving.knative.dev/v1/namespaces/default/services?fieldValidation=Strict`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...svc, metadata: { name: 'q' } }),
    });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as any).message).toContain('unknown field "spec.extra"');
  });

  test('status fields outside the schema are pruned; wrong types are 422', async () => {
    await create(knService('s'));
    const st = await c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1', namespace: 'default', plural: 'services', name: 's', body: { status: { url: 'http://s', made: 'up' } },
    }, merge);
    expect(st.status).toEqual({ url: 'http://s' });
    const bad = await failure(() => c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1', namespace: 'default', plural: 'services', name: 's', body: { status: { observedGeneration: 'one' } },
    }, merge));
    expect(bad.code).toBe(422);
    expect(bad.body.details.causes[0].field).toBe('status.observedGeneration');
  });
});

describe('built-in structural validation', () => {
  beforeEach(async () => {
    c = await startWithClients();
  });

  test.each([
    ['bad label value', { metadata: { name: 'a', labels: { k: 'has spaces' } } }, 'metadata.labels.k'],
    ['bad label key', { metadata: { name: 'a', labels: { 'a/b/c': 'v' } } }, 'metadata.labels'],
    ['bad name', { metadata: { name: 'Not_Valid' } }, 'metadata.name'],
    ['bad data key', { metadata: { name: 'a' }, data: { 'bad key': 'v' } }, 'data[bad key]'],
    ['owner ref without uid', { metadata: { name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' }] } }, 'metadata.ownerReferences[0].uid'],
  ])('configmap: %s', async (_what, body, field) => {
    const r = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'default', body: body as any }));
    expect(r.code).toBe(422);
    expect(r.body.details.causes.map((x: any) => x.field)).toContain(field);
  });

  test('core Service needs ports; names must be DNS-1035', async () => {
    const r = await failure(() => c.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: '1svc' }, spec: {} } }));
    expect(r.body.details.causes.map((x: any) => x.field)).toEqual(['metadata.name', 'spec.ports']);
  });

  test('apiVersion/kind must match the endpoint', async () => {
    const post = (body: unknown): Promise<Response> => fetch(`${c.api.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const kind = await post({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    expect(kind.status).toBe(400);
    expect(((await kind.json()) as any).message).toContain('the kind in the data (Secret) does not match the expected kind (ConfigMap)');
    const version = await post({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(version.status).toBe(400);
    expect(((await version.json()) as any).message).toContain('does not match the expected API version');
    expect(c.api.get('configmaps', 'default', 'x')).toBeUndefined();
  });
});
