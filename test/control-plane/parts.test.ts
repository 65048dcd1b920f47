/**
 * The parts of ServingControlPlane (ServingCrds, ServingConfigMaps, the RBAC, RuntimeComponent):
 * their order, that each part on its own renders what the control plane renders, and where
 * their errors point.
 */
import { App, Chart, Duration, Testing } from 'cdk8s';
import { AutoscalerClass, FeatureFlagState, KnativeCluster, ServingConfigMaps, ServingControlPlane, ServingCrds } from '../../src';
import { RuntimeComponent, RuntimeComponentProps } from '../../src/control-plane/runtime-component';
import { ServingRbac } from '../../src/control-plane/serving-rbac';
import { KnativeError } from '../../src/serving/errors';

type Manifest = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

function thrown(fn: () => unknown): KnativeError {
  try {
    fn();
  } catch (e) {
    if (KnativeError.is(e)) return e;
    throw e;
  }
  throw new Error('nothing thrown');
}

const SETTINGS = {
  defaultDomain: 'example.com',
  network: { tagTemplate: '{{.Name}}-{{.Tag}}', rolloutDuration: Duration.seconds(0) },
  gc: { maxNonActiveRevisions: 50 },
  defaults: { maxRevisionTimeout: Duration.minutes(15) },
  features: { tagHeaderBasedRouting: FeatureFlagState.ENABLED },
  autoscaler: { podAutoscalerClass: AutoscalerClass.HPA, targetUtilizationPercentage: 1 },
};

describe('ServingControlPlane parts', () => {
  test('children in the order of Knative\'s config/core: namespace, CRDs, ConfigMaps, RBAC, then one RuntimeComponent per component', () => {
    const cp = new ServingControlPlane(Testing.chart(), 'cp');
    expect(cp.node.children.map(c => c.node.id)).toEqual(['Namespace', 'Crds', 'ConfigMaps', 'Rbac', 'Controller', 'Ingress', 'WebhookCertificates', 'Webhook', 'WebhookConfigurations']);
    expect(cp.node.findChild('Crds')).toBeInstanceOf(ServingCrds);
    expect(cp.node.findChild('ConfigMaps')).toBeInstanceOf(ServingConfigMaps);
    expect(cp.node.findChild('Rbac')).toBeInstanceOf(ServingRbac);
    const controller = cp.node.findChild('Controller') as RuntimeComponent;
    const ingress = cp.node.findChild('Ingress') as RuntimeComponent;
    expect([controller, ingress].every(c => c instanceof RuntimeComponent)).toBe(true);
    // The public fields are the parts' objects.
    expect(cp.controllerDeployment).toBe(controller.deployment);
    expect(cp.ingressDeployment).toBe(ingress.deployment);
    expect([cp.ingressService, cp.ingressInternalService]).toEqual(ingress.services);
    expect(cp.customResourceDefinitions).toEqual((cp.node.findChild('Crds') as ServingCrds).customResourceDefinitions);
  });

  test('ServingCrds on its own renders the control plane\'s CRDs, cluster-scoped in a namespaced chart', () => {
    const cpChart = Testing.chart();
    new ServingControlPlane(cpChart, 'cp');
    const fromControlPlane = Testing.synth(cpChart).filter((m: Manifest) => m.kind === 'CustomResourceDefinition');
    const app = Testing.app();
    const crdChart = new Chart(app, 'crds', { namespace: 'apps' });
    const crds = new ServingCrds(crdChart, 'Crds');
    expect(crds.customResourceDefinitions).toHaveLength(6);
    const alone = Testing.synth(crdChart) as Manifest[];
    expect(alone).toEqual(fromControlPlane);
    for (const m of alone) expect(m.metadata.namespace).toBeUndefined();
  });

  test('ServingConfigMaps on its own renders the control plane\'s ConfigMaps for the same settings', () => {
    const cpChart = Testing.chart();
    new ServingControlPlane(cpChart, 'cp', { namespace: 'kn', ...SETTINGS });
    const fromControlPlane = Testing.synth(cpChart).filter((m: Manifest) => m.kind === 'ConfigMap');
    const chart = Testing.chart();
    const maps = new ServingConfigMaps(chart, 'Config', { namespace: 'kn', ...SETTINGS });
    expect(maps.namespace).toBe('kn');
    expect(maps.configMaps.map(m => m.name)).toEqual([
      'config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment',
    ]);
    const alone = Testing.synth(chart);
    expect(alone).toEqual(fromControlPlane);
    // Written from the one settings table: whole seconds, Go durations, the legacy 1 % fraction.
    const data = (name: string): Record<string, string> => alone.find((m: Manifest) => m.metadata.name === name).data;
    expect(data('config-defaults')).toEqual({ 'max-revision-timeout-seconds': '900' });
    expect(data('config-network')).toEqual({ 'tag-template': '{{.Name}}-{{.Tag}}', 'rollout-duration': '0' });
    expect(data('config-autoscaler')).toEqual({ 'pod-autoscaler-class': 'hpa.autoscaling.knative.dev', 'container-concurrency-target-percentage': '0.01' });
  });

  test('ServingConfigMaps on its own does not declare the cluster settings (a ServingControlPlane does)', () => {
    const app = new App();
    const chart = new Chart(app, 'config');
    new ServingConfigMaps(chart, 'Config', SETTINGS);
    expect(KnativeCluster.isConfigured(chart)).toBe(false);
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', SETTINGS);
    expect(KnativeCluster.isConfigured(chart)).toBe(true);
  });

  test('errors: ServingConfigMaps names its own path; inside a ServingControlPlane the control plane\'s path (where the props were written)', () => {
    const alone = thrown(() => new ServingConfigMaps(Testing.chart(), 'Config', { gc: { maxNonActiveRevisions: -1 } }));
    expect(alone.constructPath).toBe('test/Config');
    expect(alone.message).toBe('[test/Config] gc.maxNonActiveRevisions: must be an integer ≥ 0 (got -1). Fix: Use a whole number such as 1.');
    const ns = thrown(() => new ServingConfigMaps(Testing.chart(), 'Config', { namespace: 'Knative' }));
    expect([ns.constructPath, ns.field, ns.value]).toEqual(['test/Config', 'namespace', 'Knative']);

    const inside = thrown(() => new ServingControlPlane(Testing.chart(), 'cp', { gc: { maxNonActiveRevisions: -1 } }));
    expect(inside.constructPath).toBe('test/cp');
    expect(inside.message).toBe('[test/cp] gc.maxNonActiveRevisions: must be an integer ≥ 0 (got -1). Fix: Use a whole number such as 1.');
    const template = thrown(() => new ServingControlPlane(Testing.chart(), 'cp', { network: { tagTemplate: '{{.Name}}' } }));
    expect([template.constructPath, template.field]).toEqual(['test/cp', 'network.tagTemplate']);
  });

  test('RuntimeComponent serves any component: one replica → no PodDisruptionBudget; no NetworkPolicy when off; its Services in order', () => {
    const webhookProps: RuntimeComponentProps = {
      namespace: 'kn',
      name: 'serving-webhook',
      role: 'webhook',
      image: 'example.com/webhook:1',
      script: '/app/webhook.js',
      replicas: 1,
      resources: { cpuRequestMillis: 10, cpuLimitMillis: 100, memoryRequestMi: 16, memoryLimitMi: 64 },
      clusterDomain: 'cluster.local',
      logLevel: 'debug',
      ports: [{ name: 'https', containerPort: 8443 }, { name: 'admin', containerPort: 9090, from: [{ podSelector: {} }] }],
      healthPort: 'admin',
      services: [{ name: 'serving-webhook', type: 'ClusterIP', portName: 'https', port: 443, targetPort: 'https' }],
      networkPolicy: false,
    };
    const chart = Testing.chart();
    const webhook = new RuntimeComponent(chart, 'Webhook', webhookProps);
    const out = Testing.synth(chart) as Manifest[];
    expect(out.map(m => `${m.kind}/${m.metadata.name}`)).toEqual(['Deployment/serving-webhook', 'Service/serving-webhook']);
    expect(webhook.services).toHaveLength(1);
    const pod = out[0].spec.template.spec;
    expect(pod.serviceAccountName).toBe('serving-webhook');
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = pod.containers;
    expect(c.name).toBe('webhook');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.env.map((e: any) => `${e.name}=${e.value ?? '<ref>'}`)).toEqual([
      'SYSTEM_NAMESPACE=<ref>', 'CLUSTER_DOMAIN=cluster.local', 'LOG_LEVEL=debug', 'NODE_OPTIONS=--enable-source-maps --max-old-space-size=32',
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });

    // With the NetworkPolicy on: one rule per port, `from` only where the port names one.
    const chart2 = Testing.chart();
    new RuntimeComponent(chart2, 'Webhook', { ...webhookProps, replicas: 2, services: [], networkPolicy: true });
    const out2 = Testing.synth(chart2) as Manifest[];
    expect(out2.map(m => m.kind)).toEqual(['Deployment', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(out2[2].spec.ingress).toEqual([
      { ports: [{ protocol: 'TCP', port: 8443 }] },
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
  });
});
