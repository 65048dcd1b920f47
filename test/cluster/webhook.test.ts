/**
 * Cluster tier: the admission webhook as ServingControlPlane deploys it, on a real kube-apiserver
 * that calls it through the emitted MutatingWebhookConfiguration and ValidatingWebhookConfigurations
 * (the webhook's Service ClusterIP via the played kube-proxy, TLS trusted through the CA bundle the
 * webhook patched in):
 *
 * - the webhook pods run under their own ServiceAccount: Secret filled, CA bundles patched, no 403;
 * - `kubectl create` of bad objects, one per rule family (25, all five kinds), is denied with
 *   `validation failed: ` and exactly the synth-time texts of core/admission for that object;
 * - every Knative object of every example comes back from a server-side dry run with every field
 *   it contains unchanged (the fixed point holds through a real server and our webhook); added
 *   only: the creator/lastModifier annotations and a port's `protocol: TCP` (CRD schema default),
 *   nothing else (a revision template's `metadata: {}`, which Knative's Go round trip adds, is
 *   emitted by the constructs);
 * - admission warnings reach kubectl;
 * - a Revision spec edit is denied, a metadata edit is not; creator and lastModifier are set from
 *   the requests' users;
 * - a bad config-* ConfigMap edit is denied with its parser's message;
 * - certificate rotation (lifetime shortened to 60 s: rotated every ~36 s) keeps admission working:
 *   no failed request while the certificates change twice;
 * - with the webhook scaled to 0, a create fails closed with the API server's message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readManifests } from './emulator-replay';
import { stopAndDiagnose } from './lifecycle';
import { Stack, SYSTEM_NAMESPACE, synthesize } from './stack';
import { loadExamples } from '../../scripts/synth-examples';
import { configMapProblem, defaultedForAdmission, validateForAdmission } from '../../src/core/admission';
import { parseServingConfig, ServingConfig } from '../../src/core/config';
import { CREATOR, LAST_MODIFIER } from '../../src/core/rules/metadata';

const NS = 'webhook-test';
const ADMIN = 'cluster-admin';

let stack: Stack;
let config: ServingConfig;
let dir: string;

beforeAll(async () => {
  stack = await Stack.start();
  dir = fs.mkdtempSync(path.join(stack.work, 'webhook-'));
  const data: Record<string, Record<string, string>> = {};
  for (const cm of readManifests(stack.controlPlaneFiles()).filter((o) => o.kind === 'ConfigMap')) data[cm.metadata.name] = cm.data ?? {};
  config = parseServingConfig(data);
  await stack.cluster.kubectlOk(['create', 'namespace', NS]);
}, 240_000);

stopAndDiagnose(() => stack);

let fileNo = 0;
function file(obj: unknown): string {
  const f = path.join(dir, `obj-${fileNo++}.json`);
  fs.writeFileSync(f, JSON.stringify(obj));
  return f;
}

const kubectl = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => stack.cluster.kubectl(args);

const svc = (name: string, spec: any, meta: any = {}): any => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: NS, ...meta }, spec });
const tpl = (spec: any, meta: any = {}): any => ({ template: { metadata: meta, spec } });
const c = (extra: any = {}): any => ({ image: 'gcr.io/knative-samples/helloworld-go', ...extra });
const ref = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'x' };

/** One bad object per rule family (src/core/rules), of all five kinds. */
const BAD: Array<{ family: string; object: any }> = [
  { family: 'traffic: percents sum to 100', object: svc('bad-traffic-sum', { ...tpl({ containers: [c()] }), traffic: [{ latestRevision: true, percent: 90 }] }) },
  { family: 'traffic: unique tags', object: svc('bad-traffic-dup-tag', { ...tpl({ containers: [c()] }), traffic: [{ latestRevision: true, percent: 100, tag: 'a' }, { latestRevision: true, percent: 0, tag: 'a' }] }) },
  { family: 'traffic: tag is a DNS-1035 label', object: svc('bad-traffic-tag', { ...tpl({ containers: [c()] }), traffic: [{ latestRevision: true, percent: 100, tag: 'Bad_Tag' }] }) },
  { family: 'traffic: revisionName xor latestRevision', object: svc('bad-traffic-target', { ...tpl({ containers: [c()] }), traffic: [{ latestRevision: true, revisionName: 'x-00001', percent: 100 }] }) },
  { family: 'template: BYO revision name prefix', object: svc('bad-byo-name', tpl({ containers: [c()] }, { name: 'other-v1' })) },
  { family: 'container: image required', object: svc('bad-no-image', tpl({ containers: [{ name: 'app' }] })) },
  { family: 'container: one port per revision', object: svc('bad-two-ports', tpl({ containers: [c({ ports: [{ containerPort: 8080 }, { containerPort: 8081 }] })] })) },
  { family: 'container: reserved port', object: svc('bad-reserved-port', tpl({ containers: [c({ ports: [{ containerPort: 8012 }] })] })) },
  { family: 'container: reserved env', object: svc('bad-reserved-env', tpl({ containers: [c({ env: [{ name: 'K_SERVICE', value: 'x' }] })] })) },
  { family: 'containers: unique names', object: svc('bad-names', tpl({ containers: [c({ name: 'a', ports: [{ containerPort: 8080 }] }), c({ name: 'a' })] })) },
  { family: 'volumes: mount of an undefined volume', object: svc('bad-volume-ref', tpl({ containers: [c({ volumeMounts: [{ name: 'nope', mountPath: '/data' }] })] })) },
  { family: 'volumes: absolute mount path', object: svc('bad-mount-path', tpl({ volumes: [{ name: 'v', configMap: { name: 'cm' } }], containers: [c({ volumeMounts: [{ name: 'v', mountPath: 'relative', readOnly: true }] })] })) },
  { family: 'template: containerConcurrency range', object: svc('bad-concurrency', tpl({ containerConcurrency: 2000, containers: [c()] })) },
  { family: 'template: timeoutSeconds ≤ max-revision-timeout', object: svc('bad-timeout', tpl({ timeoutSeconds: 100000, containers: [c()] })) },
  { family: 'annotations: min-scale', object: svc('bad-min-scale', tpl({ containers: [c()] }, { annotations: { 'autoscaling.knative.dev/min-scale': '-1' } })) },
  { family: 'annotations: target', object: svc('bad-target', tpl({ containers: [c()] }, { annotations: { 'autoscaling.knative.dev/target': '0' } })) },
  { family: 'annotations: autoscaling on the Service metadata', object: svc('bad-annotation-place', tpl({ containers: [c()] }), { annotations: { 'autoscaling.knative.dev/min-scale': '1' } }) },
  { family: 'security: privileged', object: svc('bad-privileged', tpl({ containers: [c({ securityContext: { privileged: true } })] })) },
  { family: 'podspec: feature-gated field', object: svc('bad-node-selector', tpl({ nodeSelector: { a: 'b' }, containers: [c()] })) },
  { family: 'probes: one handler', object: svc('bad-probe', tpl({ containers: [c({ livenessProbe: { httpGet: { path: '/' }, tcpSocket: {} } })] })) },
  { family: 'probes: period', object: svc('bad-probe-period', tpl({ containers: [c({ readinessProbe: { periodSeconds: -2, httpGet: { path: '/' } } })] })) },
  // (A visibility label other than cluster-local is only a warning, as in Knative 1.17–1.23.)
  { family: 'metadata: rollout-duration annotation', object: svc('bad-rollout', tpl({ containers: [c()] }), { annotations: { 'serving.knative.dev/rollout-duration': 'soon' } }) },
  { family: 'Route: traffic target', object: { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'bad-route', namespace: NS }, spec: { traffic: [{ configurationName: 'a', revisionName: 'b', percent: 100 }] } } },
  { family: 'Configuration: template', object: { apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', metadata: { name: 'bad-config', namespace: NS }, spec: tpl({ containers: [c({ ports: [{ containerPort: 8022 }] })] }) } },
  { family: 'Revision: containers', object: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'bad-revision', namespace: NS }, spec: { containers: [] } } },
  { family: 'DomainMapping: ref namespace', object: { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'bad.example.org', namespace: NS }, spec: { ref: { ...ref, namespace: 'other' } } } },
  { family: 'DomainMapping: name is a domain', object: { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'nodots', namespace: NS }, spec: { ref } } },
];

/** A field of `got` that is not in `want` (added) or differs from it (changed), by path. */
function differences(want: any, got: any, at = ''): Array<{ path: string; added: boolean; value: unknown }> {
  if (want === undefined) return got === undefined ? [] : [{ path: at, added: true, value: got }];
  if (typeof want !== 'object' || want === null || typeof got !== 'object' || got === null || Array.isArray(want) !== Array.isArray(got)) {
    return JSON.stringify(want) === JSON.stringify(got) ? [] : [{ path: at, added: false, value: got }];
  }
  if (Array.isArray(want) && want.length !== got.length) return [{ path: at, added: false, value: got }];
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  return [...keys].flatMap((k) => differences(want[k], got[k], Array.isArray(want) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
}

/** Fields the API server may add to what we synthesize: path pattern and the value added. */
const ADDED_ALLOWED: Array<[RegExp, unknown]> = [
  [/^spec\.(template\.)?spec\.containers\[\d+\]\.ports\[\d+\]\.protocol$/, 'TCP'],
];

const DENIED = (webhook: string): string => `admission webhook "${webhook}" denied the request: validation failed: `;

describe('admission webhook on a real kube-apiserver', () => {
  test('the webhook runs under its own ServiceAccount: Secret filled, CA bundles patched, no 403', async () => {
    const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-webhook']);
    expect(pods.items.map((p: any) => [p.spec.serviceAccountName, p.status.conditions.find((x: any) => x.type === 'Ready').status]))
      .toEqual([['serving-webhook', 'True'], ['serving-webhook', 'True']]);
    const secret = await stack.getJson(['secret', '-n', SYSTEM_NAMESPACE, 'serving-webhook-certs']);
    expect(Object.keys(secret.data).sort()).toEqual(['ca-bundle.pem', 'ca-cert.pem', 'server-cert.pem', 'server-key.pem'].sort());
    for (const [kind, name] of [
      ['mutatingwebhookconfiguration', 'webhook.serving.knative.dev'],
      ['validatingwebhookconfiguration', 'validation.webhook.serving.knative.dev'],
      ['validatingwebhookconfiguration', 'config.webhook.serving.knative.dev'],
    ]) {
      const cfg = await stack.getJson([kind, name]);
      expect([name, cfg.webhooks[0].clientConfig.caBundle]).toEqual([name, secret.data['ca-bundle.pem']]);
    }
    expect(stack.forbidden()).toEqual([]);
  });

  test(`kubectl create of ${BAD.length} bad objects, one per rule family, is denied with the synth-time messages`, async () => {
    expect(BAD.length).toBeGreaterThanOrEqual(20);
    const results: string[] = [];
    for (const { family, object } of BAD) {
      const defaulted = defaultedForAdmission({ operation: 'create', object, user: ADMIN, config });
      const { errors } = validateForAdmission({ operation: 'create', object: defaulted, user: ADMIN, config });
      expect([family, errors.length > 0]).toEqual([family, true]);
      const r = await kubectl(['create', '-f', file(object)]);
      const want = `${DENIED('validation.webhook.serving.knative.dev')}${errors.join('\n')}`;
      results.push(r.code !== 0 && r.stderr.includes(want) ? `${family}: denied` : `${family}: code ${r.code}, stderr ${r.stderr.trim()}, want ${want}`);
    }
    expect(results).toEqual(BAD.map((b) => `${b.family}: denied`));
    const left = await stack.getJson(['ksvc,configuration,route,revision,domainmapping', '-n', NS]);
    expect(left.items).toEqual([]);
  }, 180_000);

  test('every example\'s Knative objects come back from the API server with every synthesized field unchanged (server dry run through the webhook)', async () => {
    const checked: string[] = [];
    const problems: string[] = [];
    const added = new Set<string>();
    const namespaces = new Set<string>();
    const objects: Array<{ where: string; obj: any }> = [];
    for (const ex of loadExamples()) {
      for (const step of synthesize(ex.name, path.join(dir, 'examples'))) {
        for (const f of step.files) {
          for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
            const obj = doc.toJSON();
            if (!obj?.apiVersion?.startsWith('serving.knative.dev/')) continue;
            namespaces.add(obj.metadata.namespace ?? 'default');
            objects.push({ where: `${ex.name}/${step.name}`, obj });
          }
        }
      }
    }
    for (const ns of namespaces) {
      if (ns !== 'default') await kubectl(['create', 'namespace', ns]);
    }
    expect(objects.length).toBeGreaterThan(10);
    const plain = (a: Record<string, string> | undefined): Record<string, string> =>
      Object.fromEntries(Object.entries(a ?? {}).filter(([k]) => k !== CREATOR && k !== LAST_MODIFIER));
    for (const { where, obj } of objects) {
      const id = `${where} ${obj.kind} ${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
      const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', file(obj)]);
      if (r.code !== 0) {
        problems.push(`${id}: ${r.stderr.trim()}`);
        continue;
      }
      const back = JSON.parse(r.stdout);
      const got = { spec: back.spec, labels: back.metadata.labels ?? {}, annotations: plain(back.metadata.annotations) };
      const want = { spec: obj.spec, labels: obj.metadata.labels ?? {}, annotations: plain(obj.metadata.annotations) };
      for (const d of differences(want, got)) {
        // Fields the object leaves out, added at their empty/default value (README "fixed point of
        // Knative's admission for every field it contains"): a container port's `protocol: TCP`
        // (the CRD schema's default).
        if (ADDED_ALLOWED.some(([re, v]) => d.added && re.test(d.path) && JSON.stringify(d.value) === JSON.stringify(v))) {
          added.add(`${d.path.replace(/\[\d+\]/g, '[*]')} = ${JSON.stringify(d.value)}`);
          continue;
        }
        problems.push(`${id}: ${d.path}: ${d.added ? 'added' : 'changed to'} ${JSON.stringify(d.value)}`);
      }
      if (back.metadata.annotations?.[CREATOR] !== ADMIN || back.metadata.annotations?.[LAST_MODIFIER] !== ADMIN) problems.push(`${id}: creator/lastModifier ${JSON.stringify(back.metadata.annotations)}`);
      checked.push(id);
    }
    // eslint-disable-next-line no-console
    console.log(`${checked.length} Knative objects of ${loadExamples().length} examples checked through the webhook; fields added: ${[...added].join(', ')}`);
    expect(problems).toEqual([]);
  }, 240_000);

  test('creator and lastModifier from the requests\' users; a Revision spec edit is denied, a metadata edit is not', async () => {
    // Warnings (here: the restricted security context the container leaves out) come back as
    // admission warnings, which kubectl prints.
    const hello = svc('hello', tpl({ containers: [c()] }));
    const { warnings } = validateForAdmission({ operation: 'create', object: defaultedForAdmission({ operation: 'create', object: hello, user: ADMIN, config }), user: ADMIN, config });
    expect(warnings.length).toBeGreaterThan(0);
    const create = await kubectl(['create', '-f', file(hello)]);
    expect([create.code, create.stderr.trim().split('\n')]).toEqual([0, warnings.map((w) => `Warning: ${w}`)]);
    const created = await stack.getJson(['ksvc', '-n', NS, 'hello']);
    expect([created.metadata.annotations[CREATOR], created.metadata.annotations[LAST_MODIFIER]]).toEqual([ADMIN, ADMIN]);

    // Another user (a ServiceAccount allowed to edit Knative Services) changes the spec.
    await stack.cluster.kubectlOk(['create', 'serviceaccount', 'editor', '-n', NS]);
    await stack.cluster.kubectlOk(['create', 'role', 'ksvc-editor', '-n', NS, '--verb=get,patch', '--resource=services.serving.knative.dev']);
    await stack.cluster.kubectlOk(['create', 'rolebinding', 'ksvc-editor', '-n', NS, '--role=ksvc-editor', `--serviceaccount=${NS}:editor`]);
    const kubeconfig = stack.cluster.writeKubeconfig(path.join(dir, 'editor.kubeconfig'), await stack.cluster.serviceAccountToken(NS, 'editor'), 'editor', NS);
    const editor = `system:serviceaccount:${NS}:editor`;
    const patch = { spec: { template: { spec: { containers: [c({ env: [{ name: 'TARGET', value: 'editor' }] })] } } } };
    const r = await stack.cluster.kubectl(['patch', 'ksvc', 'hello', '--type=merge', '-p', JSON.stringify(patch)], { kubeconfig });
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning: '))).toEqual([]);
    const edited = await stack.getJson(['ksvc', '-n', NS, 'hello']);
    expect([edited.metadata.annotations[CREATOR], edited.metadata.annotations[LAST_MODIFIER]]).toEqual([ADMIN, editor]);
    // The creator annotation cannot be changed.
    const forged = await stack.cluster.kubectl(['annotate', 'ksvc', 'hello', `${CREATOR}=someone-else`, '--overwrite'], { kubeconfig });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain(`${DENIED('validation.webhook.serving.knative.dev')}metadata.annotations.${CREATOR}: annotation value is immutable`);

    const rev = await stack.until('Revision hello-00001', async () => (await stack.getJson(['revisions', '-n', NS])).items.find((x: any) => x.metadata.name === 'hello-00001'));
    expect(rev.metadata.annotations[CREATOR]).toBe(ADMIN);
    const denied = await kubectl(['patch', 'revision', 'hello-00001', '-n', NS, '--type=merge', '-p', '{"spec":{"containerConcurrency":7}}']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`${DENIED('validation.webhook.serving.knative.dev')}spec: Immutable fields changed (-old +new)`);
    expect((await stack.getJson(['revision', '-n', NS, 'hello-00001'])).spec.containerConcurrency).toBe(rev.spec.containerConcurrency);
    await stack.cluster.kubectlOk(['label', 'revision', 'hello-00001', '-n', NS, 'team=a']);
  }, 120_000);

  test('a bad config-* ConfigMap edit is denied with its parser\'s message; a good one is admitted', async () => {
    const cm = await stack.getJson(['configmap', '-n', SYSTEM_NAMESPACE, 'config-autoscaler']);
    const bad = { ...(cm.data ?? {}), 'container-concurrency-target-default': '-5' };
    const problem = configMapProblem('config-autoscaler', bad);
    expect(problem).toBeDefined();
    const r = await kubectl(['patch', 'configmap', 'config-autoscaler', '-n', SYSTEM_NAMESPACE, '--type=merge', '-p', JSON.stringify({ data: { 'container-concurrency-target-default': '-5' } })]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${DENIED('config.webhook.serving.knative.dev')}${problem}`);
    expect((await stack.getJson(['configmap', '-n', SYSTEM_NAMESPACE, 'config-autoscaler'])).data?.['container-concurrency-target-default']).toBe(cm.data?.['container-concurrency-target-default']);
    await stack.cluster.kubectlOk(['patch', 'configmap', 'config-autoscaler', '-n', SYSTEM_NAMESPACE, '--type=merge', '-p', '{"data":{"container-concurrency-target-default":"50"}}']);
  });

  test('certificate rotation keeps admission working (lifetime 60 s: two rotations, no failed request)', async () => {
    const dep = ['-n', SYSTEM_NAMESPACE, 'deployment/serving-webhook'];
    await stack.cluster.kubectlOk(['scale', ...dep, '--replicas=0']);
    await stack.until('no webhook pod', async () => (await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-webhook'])).items.length === 0);
    // Start over from the control plane's empty Secret, with 60-second certificates.
    await stack.cluster.kubectlOk(['patch', 'secret', 'serving-webhook-certs', '-n', SYSTEM_NAMESPACE, '--type=json', '-p', '[{"op":"remove","path":"/data"}]']);
    await stack.cluster.kubectlOk(['set', 'env', ...dep, 'WEBHOOK_CERT_LIFETIME_SECONDS=60']);
    await stack.cluster.kubectlOk(['scale', ...dep, '--replicas=2']);
    await stack.cluster.kubectlOk(['rollout', 'status', ...dep, '--timeout=120s']);
    const serverCert = async (): Promise<string> => (await stack.getJson(['secret', '-n', SYSTEM_NAMESPACE, 'serving-webhook-certs'])).data?.['server-cert.pem'] ?? '';
    const seen = [await serverCert()];
    expect(seen[0]).not.toBe('');
    const probe = file(svc('rotation-probe', tpl({ containers: [c()] })));
    const failures: string[] = [];
    let requests = 0;
    const deadline = Date.now() + 150_000;
    while (seen.length < 3 && Date.now() < deadline) {
      const r = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', probe]);
      requests++;
      if (r.code !== 0) failures.push(r.stderr.trim());
      const cur = await serverCert();
      if (cur && cur !== seen[seen.length - 1]) seen.push(cur);
      await new Promise((res) => setTimeout(res, 500));
    }
    // eslint-disable-next-line no-console
    console.log(`rotation: ${seen.length - 1} rotations, ${requests} dry-run creates, ${failures.length} failed`);
    expect(seen.length).toBe(3);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(20);
    expect(stack.forbidden()).toEqual([]);
  }, 300_000);

  test('with the webhook scaled to 0, a create fails closed with the API server\'s message', async () => {
    await stack.cluster.kubectlOk(['scale', '-n', SYSTEM_NAMESPACE, 'deployment/serving-webhook', '--replicas=0']);
    await stack.until('no webhook pod', async () => (await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-webhook'])).items.length === 0);
    const r = await kubectl(['create', '-f', file(svc('while-down', tpl({ containers: [c()] })))]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Internal error occurred: failed calling webhook "webhook\.serving\.knative\.dev": failed to call webhook: Post "https:\/\/serving-webhook\.knative-serving\.svc:443\/defaulting\?timeout=10s": /);
    const get = await kubectl(['get', 'ksvc', '-n', NS, 'while-down']);
    expect(get.stderr).toContain('NotFound');
    await stack.cluster.kubectlOk(['scale', '-n', SYSTEM_NAMESPACE, 'deployment/serving-webhook', '--replicas=2']);
  }, 120_000);
});
