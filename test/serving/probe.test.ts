/**
 * Probes: `KnativeProbe` (gRPC and the handlers cdk8s-plus also has; `fromProbe()` for a cdk8s-plus
 * `Probe`) and the escape hatch (a probe patched in with `addJsonPatch`), synthesized, validated
 * and written as Knative stores them.
 */
import { ApiObject, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { goJsonRoundTripChanges } from '../../src/core/go-json';
import { applyDefaults, formatViolation, validate } from '../../src/core/rules';
import type { KubeObject } from '../../src/core/types';
import { ContainerProps } from '../../src/serving/container';
import { KnativeFeature } from '../../src/serving/features';
import { KnService } from '../../src/serving/kn-service';
import { KnativeProbe } from '../../src/serving/probe';

/** A KnService with the given containers, synthesized (validation runs). */
function synthService(containers: ContainerProps[], features: KnativeFeature[] = [], patch?: (svc: KnService) => void): KubeObject {
  const chart = Testing.chart();
  const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, containers, enabledFeatures: features });
  patch?.(svc);
  return Testing.synth(chart)[0];
}

/** What the README promises of every object we write: admission keeps it as it is. */
function expectAdmissionFixedPoint(obj: KubeObject): void {
  const errors = validate(obj, { operation: 'create' }).filter((v) => v.severity !== 'warning').map(formatViolation);
  expect(errors).toEqual([]);
  expect(applyDefaults(obj, { operation: 'create' })).toEqual(obj);
  expect(goJsonRoundTripChanges(obj).filter((c) => c.change !== 'added')).toEqual([]);
}

describe('KnativeProbe.fromGrpc()', () => {
  test('readiness on the serving container: port 0 (the serving port, resolved by Knative), Knative\'s defaults rendered', () => {
    const obj = synthService([{ image: 'img', port: 9000, readiness: KnativeProbe.fromGrpc() }]);
    expect(obj.spec.template.spec.containers[0].readinessProbe).toEqual({ grpc: { port: 0, service: '' }, successThreshold: 1 });
    expectAdmissionFixedPoint(obj);
  });

  test('liveness and startup default to the serving port (the kubelet runs them as written), 8080 without one', () => {
    const withPort = synthService([{ image: 'img', port: 9000, liveness: KnativeProbe.fromGrpc(), startup: KnativeProbe.fromGrpc() }]);
    const c = withPort.spec.template.spec.containers[0];
    expect(c.livenessProbe).toEqual({ grpc: { port: 9000, service: '' } });
    expect(c.startupProbe).toEqual({ grpc: { port: 9000, service: '' } });
    expectAdmissionFixedPoint(withPort);
    const noPort = synthService([{ image: 'img', liveness: KnativeProbe.fromGrpc() }]);
    expect(noPort.spec.template.spec.containers[0].livenessProbe).toEqual({ grpc: { port: 8080, service: '' } });
  });

  test('explicit port, service and timing are rendered; readiness timing gets Knative\'s defaults', () => {
    const obj = synthService([{
      image: 'img',
      port: 8080,
      readiness: KnativeProbe.fromGrpc({ port: 9089, service: 'ready', periodSeconds: Duration.seconds(5) }),
      liveness: KnativeProbe.fromGrpc({ service: 'live', initialDelaySeconds: Duration.seconds(3), failureThreshold: 5 }),
    }]);
    const c = obj.spec.template.spec.containers[0];
    expect(c.readinessProbe).toEqual({ grpc: { port: 9089, service: 'ready' }, periodSeconds: 5, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
    expect(c.livenessProbe).toEqual({ grpc: { port: 8080, service: 'live' }, initialDelaySeconds: 3, failureThreshold: 5 });
    expectAdmissionFixedPoint(obj);
  });

  test.each([0, 65536, 80.5])('port %p is rejected where the probe is given, with the construct path', (port) => {
    const probe = KnativeProbe.fromGrpc({ port });
    const chart = Testing.chart();
    expect(() => new KnService(chart, 'Svc', { metadata: { name: 'svc' }, containers: [{ image: 'img', readiness: probe }] }))
      .toThrow(`[test/Svc] containers[0].readiness.grpc.port: expected a port number between 1 and 65535 (got ${port}). Fix: Use the port the gRPC health service listens on, or leave port unset for the serving port.`);
    const svc = new KnService(chart, 'Other', { metadata: { name: 'other' }, image: 'img' });
    expect(() => svc.addContainer({ image: 'side', liveness: probe })).toThrow(`[test/Other] containers[1].liveness.grpc.port: expected a port number between 1 and 65535 (got ${port}).`);
  });

  test('a sidecar gRPC probe needs an explicit port (synthesis names the field); with one it validates', () => {
    const sidecar = (probe: KnativeProbe): ContainerProps[] => [{ image: 'img', port: 8080 }, { image: 'side', name: 'side', readiness: probe }];
    expect(() => synthService(sidecar(KnativeProbe.fromGrpc()), [KnativeFeature.MULTI_CONTAINER_PROBING]))
      .toThrow(/\[test\/Svc\] spec\.template\.spec\.containers\[1\]\.readinessProbe\.grpc\.port: a sidecar's gRPC probe needs an explicit port .*Fix: Pass the port of the sidecar's gRPC health service/);
    const obj = synthService(sidecar(KnativeProbe.fromGrpc({ port: 9001 })), [KnativeFeature.MULTI_CONTAINER_PROBING]);
    expect(obj.spec.template.spec.containers[1].readinessProbe).toEqual({ grpc: { port: 9001, service: '' }, successThreshold: 1 });
    expect(validate(obj, {
      operation: 'create',
      config: KnService._servingConfig([KnativeFeature.MULTI_CONTAINER_PROBING]),
    }).filter((v) => v.severity !== 'warning')).toEqual([]);
  });
});

describe('KnativeProbe.fromHttpGet/fromTcpSocket/fromCommand()', () => {
  test('render exactly what was passed: no failureThreshold or scheme that was not set, explicit defaults kept', () => {
    const obj = synthService([{
      image: 'img',
      port: 9000,
      readiness: KnativeProbe.fromHttpGet('/ready', { host: 'localhost', scheme: kplus.ConnectionScheme.HTTP }),
      liveness: KnativeProbe.fromTcpSocket({ port: 9000, failureThreshold: 3 }),
      startup: KnativeProbe.fromCommand(['true'], { periodSeconds: Duration.seconds(1) }),
    }]);
    const c = obj.spec.template.spec.containers[0];
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 0, host: 'localhost', scheme: 'HTTP' }, successThreshold: 1 });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 9000 }, failureThreshold: 3 });
    expect(c.startupProbe).toEqual({ exec: { command: ['true'] }, periodSeconds: 1 });
    expectAdmissionFixedPoint(obj);
  });

  test('a probe is a value: later changes to the arrays and options passed in change nothing', () => {
    const command = ['cat', '/tmp/ok'];
    const options: { periodSeconds?: Duration } = { periodSeconds: Duration.seconds(2) };
    const probe = KnativeProbe.fromCommand(command, options);
    command.push('--changed');
    options.periodSeconds = Duration.seconds(9);
    const c = synthService([{ image: 'img', liveness: probe }]).spec.template.spec.containers[0];
    expect(c.livenessProbe).toEqual({ exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 2 });
  });
});

describe('KnativeProbe.fromProbe() (a cdk8s-plus Probe, read through its public rendering)', () => {
  test('a probe shared with a cdk8s-plus Deployment: the same handler and timing; a port left unset is the serving port', () => {
    const probe = kplus.Probe.fromHttpGet('/healthz', { periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(2) });
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'Dep', { containers: [{ image: 'img', portNumber: 7000, readiness: probe }] });
    const dep = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].readinessProbe)
      .toEqual({ httpGet: { path: '/healthz', port: 7000, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });

    const obj = synthService([{ image: 'img', port: 7000, readiness: KnativeProbe.fromProbe(probe), startup: KnativeProbe.fromProbe(probe) }]);
    const c = obj.spec.template.spec.containers[0];
    // Readiness: port 0 (Knative resolves it); startup: the serving port (the kubelet runs it as written).
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 0 }, periodSeconds: 5, timeoutSeconds: 2, successThreshold: 1, failureThreshold: 3 });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 7000 }, periodSeconds: 5, timeoutSeconds: 2 });
    expectAdmissionFixedPoint(obj);
  });

  test.each([1, 2, 80, 8080])('an explicit port %p is kept (also one equal to a port the rendering uses)', (port) => {
    const c = synthService([{
      image: 'img',
      port: 8080,
      liveness: KnativeProbe.fromProbe(kplus.Probe.fromTcpSocket({ port, host: 'h' })),
      startup: KnativeProbe.fromProbe(kplus.Probe.fromHttpGet('/s', { port })),
    }]).spec.template.spec.containers[0];
    expect(c.livenessProbe).toEqual({ tcpSocket: { port, host: 'h' } });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/s', port } });
  });

  test('cdk8s-plus\'s rendered defaults (failureThreshold 3, scheme HTTP) are read as unset; other values are kept', () => {
    const c = synthService([{
      image: 'img',
      liveness: KnativeProbe.fromProbe(kplus.Probe.fromHttpGet('/l', { scheme: kplus.ConnectionScheme.HTTP, failureThreshold: 3 })),
      startup: KnativeProbe.fromProbe(kplus.Probe.fromHttpGet('/s', {
        scheme: kplus.ConnectionScheme.HTTPS, failureThreshold: 7, initialDelaySeconds: Duration.seconds(4),
      })),
      readiness: KnativeProbe.fromProbe(kplus.Probe.fromCommand(['ready', '--now'], { successThreshold: 1 })),
    }]).spec.template.spec.containers[0];
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/l', port: 0 } });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/s', port: 8080, scheme: 'HTTPS' }, failureThreshold: 7, initialDelaySeconds: 4 });
    expect(c.readinessProbe).toEqual({ exec: { command: ['ready', '--now'] }, successThreshold: 1 });
  });

  test('a cdk8s-plus Probe given directly (untyped callers) is rejected with the construct path and the replacement', () => {
    const chart = Testing.chart();
    const props = { image: 'img', readiness: kplus.Probe.fromHttpGet('/') as unknown as KnativeProbe };
    expect(() => new KnService(chart, 'Svc', { metadata: { name: 'svc' }, containers: [props] }))
      .toThrow('[test/Svc] containers[0].readiness: must be a KnativeProbe (got a Probe). Fix: Use KnativeProbe.fromHttpGet(), fromTcpSocket(), fromCommand() or fromGrpc() (the same arguments as cdk8s-plus Probe.fromXxx()), or wrap a cdk8s-plus Probe with KnativeProbe.fromProbe(probe).');
  });
});

describe('escape hatch: manifests cdk8s renders are written and validated as Knative stores them', () => {
  function patched(...ops: JsonPatch[]): KubeObject {
    return synthService([{ image: 'img', port: 8080 }], [], (svc) => ApiObject.of(svc).addJsonPatch(...ops));
  }

  test('a gRPC readiness and liveness probe patched in without Knative\'s defaults synthesize, with the defaults written', () => {
    const obj = patched(
      JsonPatch.replace('/spec/template/spec/containers/0/readinessProbe', { grpc: { port: 8080 } }),
      JsonPatch.add('/spec/template/spec/containers/0/livenessProbe', { periodSeconds: 5, grpc: { port: 8080 } }),
    );
    const c = obj.spec.template.spec.containers[0];
    expect(c.readinessProbe).toEqual({ grpc: { port: 8080, service: '' }, successThreshold: 1 });
    expect(c.livenessProbe).toEqual({ grpc: { port: 8080, service: '' }, periodSeconds: 5 });
    expectAdmissionFixedPoint(obj);
  });

  test('the written object is the Go round trip (zero values Go drops are left out) and keeps cdk8s\'s sorted keys', () => {
    const obj = patched(JsonPatch.add('/spec/template/spec/containers/0/livenessProbe', { tcpSocket: { port: 0 }, initialDelaySeconds: 0, timeoutSeconds: 2 }));
    expect(obj.spec.template.spec.containers[0].livenessProbe).toEqual({ tcpSocket: { port: 0 }, timeoutSeconds: 2 });
    expect(Object.keys(obj)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(obj.spec.template.spec.containers[0])).toEqual([...Object.keys(obj.spec.template.spec.containers[0])].sort());
    expectAdmissionFixedPoint(obj);
  });

  test('defaults fill in only what is missing: a patched probe Knative rejects still fails synthesis', () => {
    expect(() => patched(JsonPatch.replace('/spec/template/spec/containers/0/readinessProbe', { grpc: { port: 8080 }, tcpSocket: { port: 0 } })))
      .toThrow(/\[test\/Svc\] spec\.template\.spec\.containers\[0\]\.readinessProbe: expected exactly one, got both/);
    expect(() => patched(JsonPatch.replace('/spec/template/spec/containers/0/readinessProbe', { grpc: { port: 8080 }, periodSeconds: 0, timeoutSeconds: 3 })))
      .toThrow(/readinessProbe\.timeoutSeconds: timeoutSeconds is disallowed when periodSeconds is zero \(got 3\)/);
  });
});
