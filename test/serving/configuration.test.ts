import { ApiObject, Testing } from 'cdk8s';
import { Volume } from 'cdk8s-plus-28';
import { Configuration, RevisionName, Route, TrafficSplit, TrafficTarget } from '../../src';

describe('Configuration', () => {
  test('renders the template under spec.template', () => {
    const chart = Testing.chart();
    new Configuration(chart, 'Cfg', {
      metadata: { name: 'blue', labels: { team: 'a' } },
      revisionLabels: { version: 'v1' },
      image: 'ghcr.io/x/blue',
    });
    expect(Testing.synth(chart)).toEqual([{
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'blue', labels: { team: 'a' } },
      spec: {
        template: {
          metadata: { labels: { version: 'v1' } },
          spec: {
            containers: [{
              image: 'ghcr.io/x/blue',
              name: 'user-container',
              readinessProbe: { successThreshold: 1, tcpSocket: { port: 0 } },
              resources: {},
            }],
            enableServiceLinks: false,
            containerConcurrency: 0,
            timeoutSeconds: 300,
          },
        },
      },
    }]);
  });

  test('defaultChild is the Configuration ApiObject', () => {
    const chart = Testing.chart();
    const cfg = new Configuration(chart, 'Cfg', { image: 'img' });
    expect(cfg.node.defaultChild).toBe(ApiObject.of(cfg));
    expect(cfg.configurationName).toBe(cfg.name);
  });

  test('synthesizes lazily: containers added after construction', () => {
    const chart = Testing.chart();
    const cfg = new Configuration(chart, 'Cfg', { metadata: { name: 'blue' } });
    cfg.addContainer({ image: 'img:2' });
    expect(Testing.synth(chart)[0].spec.template.spec.containers[0].image).toBe('img:2');
  });

  test('a volume mounted on a container is added to the template', () => {
    const chart = Testing.chart();
    const res = new Configuration(chart, 'Res', { metadata: { name: 'vol' }, image: 'img' });
    const scratch = Volume.fromEmptyDir(chart, 'Scratch', 'scratch');
    res.template.containers[0].mount('/scratch', scratch);
    const spec = Testing.synth(chart)[0].spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'scratch', mountPath: '/scratch' }]);
  });

  test('currentRevision is set only for a BYO name (with the configuration prefix); revision() builds handles', () => {
    const chart = Testing.chart();
    const generated = new Configuration(chart, 'Gen', { metadata: { name: 'gen' }, image: 'img' });
    const byo = new Configuration(chart, 'Byo', { metadata: { name: 'blue' }, image: 'img', revisionName: RevisionName.of('v3') });
    expect(generated.currentRevision).toBeUndefined();
    expect(byo.currentRevision?.revisionName).toBe('blue-v3');
    expect(byo.revision('00002').revisionName).toBe('blue-00002');
    expect(byo.revision('00002').configurationName).toBe('blue');
    expect(Testing.synth(chart)[1].spec.template.metadata).toEqual({ name: 'blue-v3' });
  });

  test('a Route splits traffic between the latest of a Configuration and a pinned revision', () => {
    const chart = Testing.chart();
    const cfg = new Configuration(chart, 'Cfg', { metadata: { name: 'blue' }, image: 'img' });
    new Route(chart, 'Route', {
      metadata: { name: 'blue' },
      traffic: TrafficSplit.create()
        .to(TrafficTarget.configuration(cfg), 80)
        .toRevision(cfg.revision('00001'), 20, { tag: 'previous' }),
    });
    expect(Testing.synth(chart)[1].spec.traffic).toEqual([
      { configurationName: 'blue', latestRevision: true, percent: 80 },
      { tag: 'previous', revisionName: 'blue-00001', latestRevision: false, percent: 20 },
    ]);
  });

  test('fromConfigurationName() references by name and renders nothing; an empty name throws', () => {
    const chart = Testing.chart();
    expect(Configuration.fromConfigurationName(chart, 'C', 'green').configurationName).toBe('green');
    expect(() => Configuration.fromConfigurationName(chart, 'D', '')).toThrow('[test/D] Configuration.fromConfigurationName(name): must not be empty (got ""). Fix: Pass the Configuration\'s metadata.name.');
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('synthesis reports a Configuration-level autoscaling annotation and the missing containers with the construct path', () => {
    const chart = Testing.chart();
    new Configuration(chart, 'Cfg', { metadata: { name: 'blue', annotations: { 'autoscaling.knative.dev/max-scale': '3' } } });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/\[test\/Cfg\] metadata\.annotations.*autoscaling\.knative\.dev\/max-scale/);
    expect(message).toMatch(/\[test\/Cfg\] spec\.template\.spec\.containers/);
  });
});
