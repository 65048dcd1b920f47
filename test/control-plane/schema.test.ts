import { crdFor, JsonSchema, KnativeKind, knativeCrds } from '../../src/core/schema';
import { preserveUnknownPaths, schemaViolations } from '../support/schema-validator';

const KINDS: KnativeKind[] = ['Service', 'Configuration', 'Revision', 'Route', 'DomainMapping'];

/** Walk every node; return paths of nodes that are neither typed nor int-or-string. */
function untypedNodes(s: JsonSchema, path = ''): string[] {
  const out: string[] = [];
  if (!s.type && !s['x-kubernetes-int-or-string']) out.push(path || '<root>');
  if (s['x-kubernetes-int-or-string'] && s.type) out.push(`${path} (int-or-string must not declare a type)`);
  for (const [k, c] of Object.entries(s.properties ?? {})) out.push(...untypedNodes(c, path ? `${path}.${k}` : k));
  if (s.items) out.push(...untypedNodes(s.items, `${path}[]`));
  if (s.additionalProperties) out.push(...untypedNodes(s.additionalProperties, `${path}{}`));
  if (s.type === 'array' && !s.items) out.push(`${path} (array without items)`);
  return out;
}

/** Every node that has `properties` or `additionalProperties` must be an object; `required` ⊆ properties. */
function structuralProblems(s: JsonSchema, path = ''): string[] {
  const out: string[] = [];
  if ((s.properties || s.additionalProperties) && s.type !== 'object') out.push(`${path}: properties on a non-object`);
  if (s.properties && s.additionalProperties) out.push(`${path}: both properties and additionalProperties`);
  for (const r of s.required ?? []) if (!s.properties?.[r]) out.push(`${path}: required "${r}" is not a property`);
  for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
    if (!s.items?.properties?.[k]) out.push(`${path}: list-map key "${k}" is not an item property`);
    if (!(s.items?.required ?? []).includes(k) && s.items?.properties?.[k]?.default === undefined) {
      out.push(`${path}: list-map key "${k}" must be required or defaulted`);
    }
  }
  if (s['x-kubernetes-list-map-keys'] && s['x-kubernetes-list-type'] !== 'map') out.push(`${path}: list-map keys without list-type map`);
  for (const [k, c] of Object.entries(s.properties ?? {})) out.push(...structuralProblems(c, path ? `${path}.${k}` : k));
  if (s.items) out.push(...structuralProblems(s.items, `${path}[]`));
  if (s.additionalProperties) out.push(...structuralProblems(s.additionalProperties, `${path}{}`));
  return out;
}

function nodeAt(s: JsonSchema, path: string): JsonSchema {
  let cur: JsonSchema | undefined = s;
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const name = list ? part.slice(0, -2) : part;
    cur = cur?.properties?.[name];
    if (list) cur = cur?.items;
  }
  if (!cur) throw new Error(`no schema node at ${path}`);
  return cur;
}

const POD_SPEC_PRESERVE = [
  'affinity', 'dnsConfig', 'hostAliases[]', 'initContainers[]', 'securityContext', 'tolerations[]', 'topologySpreadConstraints[]',
  'containers[].env[].valueFrom.fieldRef', 'containers[].env[].valueFrom.resourceFieldRef',
  'volumes[].csi', 'volumes[].emptyDir', 'volumes[].ephemeral', 'volumes[].hostPath', 'volumes[].image', 'volumes[].persistentVolumeClaim',
].sort();

describe('CRD schemas are structural', () => {
  test.each(KINDS)('%s: every node is typed (or int-or-string)', kind => {
    expect(untypedNodes(crdFor(kind).schema)).toEqual([]);
  });

  test.each(KINDS)('%s: properties/required/list-map keys are consistent', kind => {
    expect(structuralProblems(crdFor(kind).schema)).toEqual([]);
  });

  test('x-kubernetes-preserve-unknown-fields appears exactly where Knative uses it', () => {
    const template = (prefix: string): string[] => [
      `${prefix}.metadata`,
      ...POD_SPEC_PRESERVE.map(p => `${prefix}.spec.${p}`),
    ].sort();
    expect(preserveUnknownPaths(crdFor('Service').schema).sort()).toEqual(template('spec.template'));
    expect(preserveUnknownPaths(crdFor('Configuration').schema).sort()).toEqual(template('spec.template'));
    expect(preserveUnknownPaths(crdFor('Revision').schema).sort()).toEqual(POD_SPEC_PRESERVE.map(p => `spec.${p}`).sort());
    expect(preserveUnknownPaths(crdFor('Route').schema)).toEqual([]);
    expect(preserveUnknownPaths(crdFor('DomainMapping').schema)).toEqual([]);
  });

  test('list-map keys and atomic lists (reference §1)', () => {
    const spec = crdFor('Revision').schema.properties!.spec;
    const keys = (p: string): string[] | undefined => nodeAt(spec, p)['x-kubernetes-list-map-keys'];
    expect(keys('containers[].env')).toEqual(['name']);
    expect(keys('volumes')).toEqual(['name']);
    expect(keys('imagePullSecrets')).toEqual(['name']);
    expect(keys('containers[].volumeMounts')).toEqual(['mountPath']);
    expect(nodeAt(spec, 'containers[].volumeMounts').items!.required).toEqual(['mountPath', 'name']);
    for (const p of ['containers[].args', 'containers[].command', 'containers[].envFrom',
      'containers[].readinessProbe.exec.command', 'containers[].readinessProbe.httpGet.httpHeaders']) {
      expect([p, nodeAt(spec, p)['x-kubernetes-list-type']]).toEqual([p, 'atomic']);
    }
    expect(nodeAt(spec, 'containers[].ports').items!.properties!.protocol.default).toBe('TCP');
  });

  test('required fields: containers; DomainMapping ref, ref.kind/name and tls.secretName', () => {
    expect(crdFor('Revision').schema.properties!.spec.required).toEqual(['containers']);
    expect(nodeAt(crdFor('Service').schema, 'spec.template.spec').required).toEqual(['containers']);
    expect(nodeAt(crdFor('Configuration').schema, 'spec.template.spec').required).toEqual(['containers']);
    const dm = crdFor('DomainMapping').schema.properties!.spec;
    expect(dm.required).toEqual(['ref']);
    expect(dm.properties!.ref.required).toEqual(['kind', 'name']);
    expect(dm.properties!.tls.required).toEqual(['secretName']);
  });

  test('integer fields carry Knative\'s int64/int32 formats', () => {
    const spec = crdFor('Revision').schema.properties!.spec;
    for (const p of ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds',
      'containers[].securityContext.runAsUser', 'containers[].securityContext.runAsGroup']) {
      expect([p, nodeAt(spec, p).format]).toEqual([p, 'int64']);
    }
    for (const p of ['containers[].readinessProbe.periodSeconds', 'containers[].livenessProbe.failureThreshold',
      'containers[].startupProbe.timeoutSeconds', 'containers[].ports[].containerPort']) {
      expect([p, nodeAt(spec, p).format]).toEqual([p, 'int32']);
    }
    expect(nodeAt(crdFor('Route').schema, 'spec.traffic[].percent').format).toBe('int64');
    expect(nodeAt(crdFor('Service').schema, 'spec.traffic[].percent').format).toBe('int64');
    expect(nodeAt(crdFor('Revision').schema, 'status.actualReplicas').format).toBe('int32');
  });

  test('status schemas list exactly Knative\'s status fields per kind', () => {
    expect(Object.keys(crdFor('Service').schema.properties!.status.properties!).sort()).toEqual(
      ['address', 'annotations', 'conditions', 'latestCreatedRevisionName', 'latestReadyRevisionName', 'observedGeneration', 'traffic', 'url']);
    expect(Object.keys(crdFor('Configuration').schema.properties!.status.properties!).sort()).toEqual(
      ['annotations', 'conditions', 'latestCreatedRevisionName', 'latestReadyRevisionName', 'observedGeneration']);
    expect(Object.keys(crdFor('Revision').schema.properties!.status.properties!).sort()).toEqual(
      ['actualReplicas', 'annotations', 'conditions', 'containerStatuses', 'desiredReplicas', 'initContainerStatuses', 'logUrl', 'observedGeneration']);
    expect(Object.keys(crdFor('Route').schema.properties!.status.properties!).sort()).toEqual(
      ['address', 'annotations', 'conditions', 'observedGeneration', 'traffic', 'url']);
    expect(Object.keys(crdFor('DomainMapping').schema.properties!.status.properties!).sort()).toEqual(
      ['address', 'annotations', 'conditions', 'observedGeneration', 'url']);
    expect(nodeAt(crdFor('Route').schema, 'status.conditions[]').required).toEqual(['type', 'status']);
  });

  test('PodSpec fields in the schema are exactly the allowed ones (reference §6.5)', () => {
    expect(Object.keys(crdFor('Revision').schema.properties!.spec.properties!).sort()).toEqual([
      'affinity', 'automountServiceAccountToken', 'containerConcurrency', 'containers', 'dnsConfig', 'dnsPolicy', 'enableServiceLinks',
      'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'idleTimeoutSeconds', 'imagePullSecrets', 'initContainers', 'nodeSelector',
      'priorityClassName', 'responseStartTimeoutSeconds', 'runtimeClassName', 'schedulerName', 'securityContext', 'serviceAccountName',
      'shareProcessNamespace', 'timeoutSeconds', 'tolerations', 'topologySpreadConstraints', 'volumes',
    ]);
    // Container fields (§6.6): no lifecycle, stdin, tty, …
    expect(Object.keys(nodeAt(crdFor('Revision').schema, 'spec.containers[]').properties!).sort()).toEqual([
      'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'livenessProbe', 'name', 'ports', 'readinessProbe', 'resources',
      'securityContext', 'startupProbe', 'terminationMessagePath', 'terminationMessagePolicy', 'volumeMounts', 'workingDir',
    ]);
    // Probe (§6.10): no terminationGracePeriodSeconds.
    expect(Object.keys(nodeAt(crdFor('Revision').schema, 'spec.containers[].livenessProbe').properties!).sort()).toEqual([
      'exec', 'failureThreshold', 'grpc', 'httpGet', 'initialDelaySeconds', 'periodSeconds', 'successThreshold', 'tcpSocket', 'timeoutSeconds',
    ]);
  });

  test('CRD descriptions: names, short names, categories, printer columns, labels', () => {
    const summary = knativeCrds().map(c => ({
      name: `${c.plural}.${c.group}`,
      apiVersion: c.apiVersion,
      singular: c.singular,
      shortNames: c.shortNames,
      categories: c.categories,
      labels: c.labels,
      columns: c.printerColumns.map(p => `${p.name}:${p.type}`),
    }));
    expect(summary).toEqual([
      {
        name: 'services.serving.knative.dev',
        apiVersion: 'serving.knative.dev/v1',
        singular: 'service',
        shortNames: ['kservice', 'ksvc'],
        categories: ['all', 'knative', 'serving'],
        labels: { 'duck.knative.dev/addressable': 'true', 'duck.knative.dev/podspecable': 'true' },
        columns: ['URL:string', 'LatestCreated:string', 'LatestReady:string', 'Ready:string', 'Reason:string'],
      },
      {
        name: 'configurations.serving.knative.dev',
        apiVersion: 'serving.knative.dev/v1',
        singular: 'configuration',
        shortNames: ['config', 'cfg'],
        categories: ['all', 'knative', 'serving'],
        labels: { 'duck.knative.dev/podspecable': 'true' },
        columns: ['LatestCreated:string', 'LatestReady:string', 'Ready:string', 'Reason:string'],
      },
      {
        name: 'revisions.serving.knative.dev',
        apiVersion: 'serving.knative.dev/v1',
        singular: 'revision',
        shortNames: ['rev'],
        categories: ['all', 'knative', 'serving'],
        labels: {},
        columns: ['Config Name:string', 'Generation:string', 'Ready:string', 'Reason:string', 'Actual Replicas:integer', 'Desired Replicas:integer'],
      },
      {
        name: 'routes.serving.knative.dev',
        apiVersion: 'serving.knative.dev/v1',
        singular: 'route',
        shortNames: ['rt'],
        categories: ['all', 'knative', 'serving'],
        labels: { 'duck.knative.dev/addressable': 'true' },
        columns: ['URL:string', 'Ready:string', 'Reason:string'],
      },
      {
        name: 'domainmappings.serving.knative.dev',
        apiVersion: 'serving.knative.dev/v1beta1',
        singular: 'domainmapping',
        shortNames: ['dm'],
        categories: ['all', 'knative', 'serving'],
        labels: {},
        columns: ['URL:string', 'Ready:string', 'Reason:string'],
      },
    ]);
    const rev = crdFor('Revision').printerColumns;
    expect(rev[0].jsonPath).toBe(".metadata.labels['serving\\.knative\\.dev/configuration']");
    expect(rev[2].jsonPath).toBe(".status.conditions[?(@.type=='Ready')].status");
  });

  test('knativeCrds() returns fresh copies', () => {
    const a = knativeCrds();
    a[0].shortNames.push('x');
    expect(knativeCrds()[0].shortNames).toEqual(['kservice', 'ksvc']);
  });
});

describe('schemaViolations', () => {
  const ksvc = (spec: unknown): unknown => ({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'hello', namespace: 'default', labels: { a: 'b' } },
    spec,
  });

  test('a conforming Service has no violations', () => {
    expect(schemaViolations('Service', ksvc({
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '1' }, generateName: 'hello-' },
        spec: {
          containerConcurrency: 0,
          timeoutSeconds: 300,
          containers: [{
            image: 'ghcr.io/x/hello',
            env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name', anything: true } } }],
            ports: [{ containerPort: 8080, name: 'http1' }],
            readinessProbe: { httpGet: { path: '/', port: 'http1' }, periodSeconds: 1 },
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1 } },
            volumeMounts: [{ name: 'v', mountPath: '/data', readOnly: true }],
          }],
          affinity: { nodeAffinity: { whatever: [1, 2] } },
          volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
        },
      },
      traffic: [{ latestRevision: true, percent: 100 }],
    }))).toEqual([]);
  });

  test('reports fields outside the schema (what the API server prunes)', () => {
    const v = schemaViolations('Service', ksvc({
      template: {
        spec: {
          containers: [{ image: 'x', lifecycle: { preStop: {} }, stdin: true, readinessProbe: { terminationGracePeriodSeconds: 3, tcpSocket: { port: 0 } } }],
          restartPolicy: 'Always',
          nodeName: 'n1',
        },
      },
      bogus: 1,
    }));
    expect(v.map(x => x.path).sort()).toEqual([
      'spec.bogus',
      'spec.template.spec.containers[0].lifecycle',
      'spec.template.spec.containers[0].readinessProbe.terminationGracePeriodSeconds',
      'spec.template.spec.containers[0].stdin',
      'spec.template.spec.nodeName',
      'spec.template.spec.restartPolicy',
    ]);
    expect(v[0].message).toMatch(/not declared in the schema/);
  });

  test('reports type and format mismatches', () => {
    const v = schemaViolations('Route', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'r' },
      spec: { traffic: [{ revisionName: 'r-1', percent: '100' }, { latestRevision: 'yes', percent: 1.5 }, 'oops'] },
    });
    expect(v).toEqual([
      { path: 'spec.traffic[0].percent', message: 'must be an integer, got string "100"' },
      { path: 'spec.traffic[1].latestRevision', message: 'must be a boolean, got string' },
      { path: 'spec.traffic[1].percent', message: 'must be an integer, got number' },
      { path: 'spec.traffic[2]', message: 'must be an object, got string' },
    ]);
    const r = schemaViolations('Revision', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'r' },
      spec: { containers: [{ image: 'x', ports: [{ containerPort: 2 ** 31 }], resources: { limits: { cpu: 'lots' } } }] },
    });
    expect(r).toEqual([
      { path: 'spec.containers[0].ports[0].containerPort', message: '2147483648 does not fit in int32' },
      { path: 'spec.containers[0].resources.limits.cpu', message: 'invalid quantity "lots"' },
    ]);
  });

  test('reports missing required fields and duplicate list-map keys', () => {
    expect(schemaViolations('Revision', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'r' },
      spec: { containers: [{ image: 'x', env: [{ name: 'A' }, { name: 'A', value: '2' }, { value: 'no name' }] }] },
    })).toEqual([
      { path: 'spec.containers[0].env[2].name', message: 'Required value' },
      { path: 'spec.containers[0].env[1]', message: 'duplicate entry for key [name] = "A" (also at index 0)' },
    ]);
    expect(schemaViolations('DomainMapping', {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'a.example.com' },
      spec: { ref: { kind: 'Service' }, tls: {} },
    })).toEqual([
      { path: 'spec.ref.name', message: 'Required value' },
      { path: 'spec.tls.secretName', message: 'Required value' },
    ]);
    expect(schemaViolations('Revision', { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r' }, spec: {} }))
      .toEqual([{ path: 'spec.containers', message: 'Required value' }]);
  });

  test('checks apiVersion, kind, metadata and top-level fields', () => {
    expect(schemaViolations('DomainMapping', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'DomainMapping',
      metadata: { name: 'a.example.com', bogus: 1, labels: { a: 1 } },
      spec: { ref: { kind: 'Service', name: 's', apiVersion: 'serving.knative.dev/v1' } },
      extra: true,
    })).toEqual([
      { path: 'apiVersion', message: 'DomainMapping is served only as serving.knative.dev/v1beta1, got "serving.knative.dev/v1"' },
      { path: 'metadata.bogus', message: 'not an ObjectMeta field (the API server drops it)' },
      { path: 'metadata.labels.a', message: 'must be a string, got integer' },
      { path: 'extra', message: 'field not declared in the schema (the API server prunes it, or rejects it under strict field validation)' },
    ]);
    expect(schemaViolations('Route', 'nope')).toEqual([{ path: '', message: 'must be an object, got string' }]);
    expect(schemaViolations('Route', { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: {} }))
      .toEqual([{ path: 'kind', message: 'expected "Route", got "Service"' }]);
  });

  test('status is checked too', () => {
    expect(schemaViolations('Route', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'r' },
      status: { observedGeneration: 1, url: 'http://r.default.example.com', conditions: [{ type: 'Ready' }], address: { url: 'x', port: 80 } },
    })).toEqual([
      { path: 'status.conditions[0].status', message: 'Required value' },
      { path: 'status.address.port', message: 'field not declared in the schema (the API server prunes it, or rejects it under strict field validation)' },
    ]);
  });

  test('spec.template.metadata keeps unknown fields (generateName survives)', () => {
    expect(schemaViolations('Configuration', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'c' },
      spec: { template: { metadata: { generateName: 'c-', whatever: 1 }, spec: { containers: [{ image: 'x' }] } } },
    })).toEqual([]);
  });

  test('unknown kinds are an error', () => {
    expect(() => schemaViolations('Pod' as KnativeKind, {})).toThrow(/unknown Knative kind "Pod"/);
  });
});
