/**
 * Composing a Knative Service with cdk8s-plus resources in one chart: a Secret (one key as an
 * env var), a ConfigMap (all keys as env via envFrom, and mounted read-only as files) and a
 * ServiceAccount the revision's pods run as.
 *
 *   npx ts-node --project tsconfig.dev.json examples/with-cdk8s-plus/main.ts
 */
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KnService } from '../../src';
import { Example, runExample } from '../example';

/** One chart: ServiceAccount, Secret, ConfigMap and the KnService using all three. */
export class WithCdk8sPlusChart extends Chart {
  public readonly service: KnService;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    const account = new kplus.ServiceAccount(this, 'Account', {
      metadata: { name: 'greeter' },
    });
    const secret = new kplus.Secret(this, 'ApiKey', {
      metadata: { name: 'greeter-api' },
      stringData: { 'api-key': 'change-me' },
    });
    const config = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: 'greeter-config' },
      data: { 'GREETING': 'Hello', 'settings.json': '{"color":"blue"}' },
    });

    this.service = new KnService(this, 'Greeter', {
      metadata: { name: 'greeter' },
      serviceAccount: account,
      containers: [{
        image: 'gcr.io/knative-samples/helloworld-go',
        port: 8080,
        envVariables: {
          API_KEY: kplus.EnvValue.fromSecretValue({ secret, key: 'api-key' }),
        },
        envFrom: [kplus.Env.fromConfigMap(config)],
        volumeMounts: [{
          volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', config, { name: 'config' }),
          path: '/etc/greeter',
        }],
        securityContext: {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilitiesDrop: [kplus.Capability.ALL],
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      }],
    });
  }
}

export const example: Example = {
  name: 'with-cdk8s-plus',
  title: 'A KnService composed with cdk8s-plus Secret, ConfigMap and ServiceAccount',
  scenario: 'composition: env from a Secret key, envFrom + mounted ConfigMap, custom ServiceAccount',
  steps: [
    {
      name: 'deploy',
      description: 'ServiceAccount, Secret, ConfigMap and a KnService using them',
      build: (app: App) => { new WithCdk8sPlusChart(app, 'with-cdk8s-plus', { namespace: 'default' }); },
    },
  ],
};

if (require.main === module) {
  runExample(example);
}
