import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AutoscalingMetric } from '../../src/serving/autoscaling';
import { KnativeResource, KnativeResourceProps } from '../../src/serving/base';
import { KnativeFeature, KnativeFeatures } from '../../src/serving/features';
import { KnativeProbe } from '../../src/serving/probe';
import { IRevision, Revision } from '../../src/serving/revision';
import { RevisionName, RevisionTemplate, RevisionTemplateProps } from '../../src/serving/template';

/** A minimal template-owning L2 (the shape KnService/Configuration have), for base-class tests. */
class TemplateOwner extends KnativeResource {
  public readonly template: RevisionTemplate;
  public constructor(scope: Construct, id: string, props: RevisionTemplateProps & KnativeResourceProps = {}) {
    super(scope, id, 'serving.knative.dev/v1', 'Configuration', props);
    this.template = new RevisionTemplate(this, props);
    this._addKnativeValidation({
      features: () => this.template._featureList(),
      checks: () => this.template._checks('spec.template.spec'),
    });
  }
  public _toKube(): any {
    return { template: this.template._toKube(this.name) };
  }
}

describe('Revision', () => {
  test('minimal revision: the image plus Knative admission defaults only', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { metadata: { name: 'hello-v1' }, image: 'ghcr.io/x/hello' });
    expect(Testing.synth(chart)).toEqual([{
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'hello-v1' },
      spec: {
        containers: [{
          name: 'user-container',
          image: 'ghcr.io/x/hello',
          readinessProbe: { successThreshold: 1, tcpSocket: { port: 0 } },
          resources: {},
        }],
        enableServiceLinks: false,
        containerConcurrency: 0,
        timeoutSeconds: 300,
      },
    }]);
  });

  test('defaultChild is the ApiObject', () => {
    const chart = Testing.chart();
    const rev = new Revision(chart, 'Rev', { image: 'img' });
    expect(rev.node.defaultChild).toBe(rev.apiObject);
    expect(ApiObject.of(rev)).toBe(rev.apiObject);
    expect(rev.apiObject.node.id).toBe('Resource');
    expect(rev.node.children.filter(c => c instanceof ApiObject)).toHaveLength(1);
  });

  test('forwards name, apiVersion, apiGroup, kind and metadata', () => {
    const chart = Testing.chart();
    const rev = new Revision(chart, 'Rev', { metadata: { name: 'r1', namespace: 'apps' }, image: 'img' });
    expect(rev.name).toBe('r1');
    expect(rev.revisionName).toBe('r1');
    expect(rev.apiVersion).toBe('serving.knative.dev/v1');
    expect(rev.apiGroup).toBe('serving.knative.dev');
    expect(rev.kind).toBe('Revision');
    expect(rev.metadata.namespace).toBe('apps');
    expect(rev.configurationName).toBeUndefined();
  });

  test('synthesizes lazily: env, containers and volumes added after construction are rendered', () => {
    const chart = Testing.chart();
    const rev = new Revision(chart, 'Rev', { image: 'img', port: 8080 });
    rev.containers[0].addEnv('A', kplus.EnvValue.fromValue('1'));
    const side = rev.addContainer({ image: 'sidecar', name: 'side' });
    side.mount('/cache', kplus.Volume.fromEmptyDir(chart, 'Cache', 'cache'));
    rev.containers[0].mount('/creds', kplus.Volume.fromSecret(chart, 'S', kplus.Secret.fromSecretName(chart, 'Sec', 'creds')));
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['user-container-0', 'side']);
    expect(spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['secret-creds', 'cache']);
  });

  test('revision labels, annotations and autoscaling go on the Revision metadata', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', {
      metadata: { name: 'r1', labels: { app: 'x' } },
      image: 'img',
      revisionLabels: { team: 'a' },
      revisionAnnotations: { 'serving.knative.dev/no-gc': 'true' },
      autoscaling: { minScale: 1, metric: AutoscalingMetric.RPS },
    });
    expect(Testing.synth(chart)[0].metadata).toEqual({
      name: 'r1',
      labels: { app: 'x', team: 'a' },
      annotations: {
        'autoscaling.knative.dev/metric': 'rps',
        'autoscaling.knative.dev/min-scale': '1',
        'serving.knative.dev/no-gc': 'true',
      },
    });
  });

  test('containerConcurrency and timeout render as spec.containerConcurrency and spec.timeoutSeconds', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'img', containerConcurrency: 10, timeout: Duration.seconds(120) });
    expect(Testing.synth(chart)[0].spec).toMatchObject({ containerConcurrency: 10, timeoutSeconds: 120 });
  });

  test('fails at synth time without containers', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev');
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Rev\] spec.containers: missing field\(s\)/);
  });

  test('feature gate errors carry the construct path', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'img', envVariables: { POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Rev\] spec\.containers\[0\]\.env\["POD"\]\.valueFrom\.fieldRef: requires the Knative feature gate "kubernetes\.podspec-fieldref", which is disabled by default\. Fix: /);
  });

  test('escape-hatch fields behind a gate pass validation only when declared', () => {
    const build = (features: KnativeFeature[]): Chart => {
      const chart = Testing.chart();
      const rev = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: features });
      ApiObject.of(rev).addJsonPatch(JsonPatch.add('/spec/tolerations', [{ key: 'gpu', operator: 'Exists' }]));
      return chart;
    };
    expect(() => Testing.synth(build([]))).toThrow(/tolerations/);
    expect(Testing.synth(build([KnativeFeature.TOLERATIONS]))[0].spec.tolerations).toEqual([{ key: 'gpu', operator: 'Exists' }]);
  });

  test('a container without securityContext (Knative only warns) synthesizes without error', () => {
    // no securityContext at all: Knative only warns
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'img' });
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('composite revision (two containers, secret env and mount, probe, service account, autoscaling) matches the reviewed snapshot', () => {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'Sec', 'db');
    const rev = new Revision(chart, 'Rev', {
      metadata: { name: 'api-v3' },
      containers: [
        {
          image: 'ghcr.io/x/api:3',
          port: 8080,
          envVariables: { DB_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }) },
          readiness: KnativeProbe.fromHttpGet('/healthz', { periodSeconds: Duration.seconds(5) }),
          securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilitiesDrop: [kplus.Capability.ALL] },
        },
        { image: 'ghcr.io/x/log-shipper:1', name: 'logs' },
      ],
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'api'),
      containerConcurrency: 50,
      autoscaling: { minScale: 1, maxScale: 10 },
    });
    rev.containers[1].mount('/var/run/secrets/db', kplus.Volume.fromSecret(chart, 'DbVol', secret));
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('Revision.fromRevisionName', () => {
  test('returns an IRevision that renders nothing', () => {
    const chart = Testing.chart();
    const rev: IRevision = Revision.fromRevisionName(chart, 'Old', 'hello-00001', { configurationName: 'hello' });
    expect(rev.revisionName).toBe('hello-00001');
    expect(rev.configurationName).toBe('hello');
    expect(Revision.fromRevisionName(chart, 'Other', 'x-1').configurationName).toBeUndefined();
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('throws on an empty name', () => {
    expect(() => Revision.fromRevisionName(Testing.chart(), 'X', '')).toThrow('[test/X] Revision.fromRevisionName(name): must not be empty (got ""). Fix: Pass the revision name, e.g. "hello-00001".');
  });
});

describe('KnativeResource (template owners)', () => {
  test('contentHash revision names are stable across two independent syntheses', () => {
    const synth = (): any => {
      const chart = Testing.chart();
      new TemplateOwner(chart, 'Cfg', { metadata: { name: 'hello' }, image: 'img:1', revisionName: RevisionName.contentHash() });
      return Testing.synth(chart)[0];
    };
    const a = synth();
    const b = synth();
    expect(a.spec.template.metadata.name).toMatch(/^hello-[a-z0-9]+$/);
    expect(b).toEqual(a);
  });

  test('contentHash name changes after a late mutation', () => {
    const chart = Testing.chart();
    const owner = new TemplateOwner(chart, 'Cfg', { metadata: { name: 'hello' }, image: 'img:1', revisionName: RevisionName.contentHash() });
    const before = owner.template._toKube('hello').metadata!.name;
    owner.template.containers[0].addEnv('A', kplus.EnvValue.fromValue('1'));
    const after = Testing.synth(chart)[0].spec.template.metadata.name;
    expect(after).not.toBe(before);
  });

  test('BYO names get the parent prefix; a too-long one fails validation', () => {
    const ok = Testing.chart();
    new TemplateOwner(ok, 'Cfg', { metadata: { name: 'hello' }, image: 'img', revisionName: RevisionName.of('v2') });
    expect(Testing.synth(ok)[0].spec.template.metadata).toEqual({ name: 'hello-v2' });
    const chart = Testing.chart();
    new TemplateOwner(chart, 'Cfg', { metadata: { name: 'hello' }, image: 'img', revisionName: RevisionName.of('v'.repeat(63)) });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Cfg\] spec.template.metadata.name/);
  });

  test('chart-wide features reach nested constructs', () => {
    const chart = Testing.chart();
    const group = new Construct(chart, 'Group');
    new TemplateOwner(group, 'Cfg', { image: 'img', envVariables: { POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Group\/Cfg\].*kubernetes.podspec-fieldref/);
    KnativeFeatures.enable(chart, KnativeFeature.FIELD_REF);
    expect(Testing.synth(chart)[0].spec.template.spec.containers[0].env).toHaveLength(1);
  });
});
