/**
 * gRPC probes: the typed `KnativeProbe.fromGrpc()` and the escape hatch (a probe patched in with
 * `addJsonPatch`), both synthesized, validated and written as Knative stores them.
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
    const sidecar = (probe: kplus.Probe): ContainerProps[] => [{ image: 'img', port: 8080 }, { image: 'side', name: 'side', readiness: probe }];
    expect(() => synthService(sidecar(KnativeProbe.fromGrpc()), [KnativeFeature.MULTI_CONTAINER_PROBING]))
      .toThrow(/\[test\/Svc\] spec\.template\.spec\.containers\[1\]\.readinessProbe\.grpc\.port: a sidecar's gRPC probe needs an explicit port .*Fix: Pass the port of the sidecar's gRPC health service/);
    const obj = synthService(sidecar(KnativeProbe.fromGrpc({ port: 9001 })), [KnativeFeature.MULTI_CONTAINER_PROBING]);
    expect(obj.spec.template.spec.containers[1].readinessProbe).toEqual({ grpc: { port: 9001, service: '' }, successThreshold: 1 });
    expect(validate(obj, {
      operation: 'create',
      config: KnService._servingConfig([KnativeFeature.MULTI_CONTAINER_PROBING]),
    }).filter((v) => v.severity !== 'warning')).toEqual([]);
  });

  test('a cdk8s-plus container renders it as the same gRPC probe (no TCP probe)', () => {
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'Dep', {
      containers: [{ image: 'img', portNumber: 7000, readiness: KnativeProbe.fromGrpc({ periodSeconds: Duration.seconds(4) }), liveness: KnativeProbe.fromGrpc({ port: 7001, service: 'x' }) }],
    });
    const dep = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    const c = dep.spec.template.spec.containers[0];
    expect(c.readinessProbe).toEqual({ grpc: { port: 7000, service: '' }, periodSeconds: 4, failureThreshold: 3 });
    expect(c.livenessProbe).toEqual({ grpc: { port: 7001, service: 'x' }, failureThreshold: 3 });
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
