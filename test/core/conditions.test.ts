import {
  ConditionSet, CONFIGURATION_CONDITIONS, DOMAIN_MAPPING_CONDITIONS, formatTime, REVISION_CONDITIONS, ROUTE_CONDITIONS, SERVICE_CONDITIONS,
} from '../../src/core/conditions';
import { Condition } from '../../src/core/types';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';
const T3 = '2026-01-01T00:00:03Z';

describe('ConditionSet basics', () => {
  test('formatTime is RFC 3339 with second precision', () => {
    expect(formatTime(new Date('2026-01-01T00:00:00.123Z'))).toBe('2026-01-01T00:00:00Z');
    expect(formatTime('2026-01-01T01:02:03.999Z')).toBe('2026-01-01T01:02:03Z');
  });

  test('initialize adds Ready and dependents as Unknown, sorted by type', () => {
    const st: { conditions?: Condition[] } = {};
    SERVICE_CONDITIONS.initialize(st, T0);
    expect(st.conditions).toEqual([
      { type: 'ConfigurationsReady', status: 'Unknown', lastTransitionTime: T0 },
      { type: 'Ready', status: 'Unknown', lastTransitionTime: T0 },
      { type: 'RoutesReady', status: 'Unknown', lastTransitionTime: T0 },
    ]);
  });

  test('initialize with Ready True fills missing dependents True and keeps existing', () => {
    const st: { conditions?: Condition[] } = { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: T0 }] };
    SERVICE_CONDITIONS.initialize(st, T1);
    expect(st.conditions).toEqual([
      { type: 'ConfigurationsReady', status: 'True', lastTransitionTime: T1 },
      { type: 'Ready', status: 'True', lastTransitionTime: T0 },
      { type: 'RoutesReady', status: 'True', lastTransitionTime: T1 },
    ]);
  });

  test('markTrue on all dependents makes Ready True with empty reason', () => {
    const st: { conditions?: Condition[] } = {};
    SERVICE_CONDITIONS.initialize(st, T0);
    SERVICE_CONDITIONS.markTrue(st, 'ConfigurationsReady', T1);
    expect(SERVICE_CONDITIONS.get(st, 'Ready')).toEqual({ type: 'Ready', status: 'Unknown', lastTransitionTime: T0 });
    SERVICE_CONDITIONS.markTrue(st, 'RoutesReady', T2);
    expect(st.conditions).toEqual([
      { type: 'ConfigurationsReady', status: 'True', lastTransitionTime: T1 },
      { type: 'Ready', status: 'True', lastTransitionTime: T2 },
      { type: 'RoutesReady', status: 'True', lastTransitionTime: T2 },
    ]);
  });

  test('lastTransitionTime unchanged when nothing changes', () => {
    const st: { conditions?: Condition[] } = {};
    SERVICE_CONDITIONS.initialize(st, T0);
    SERVICE_CONDITIONS.markTrue(st, 'ConfigurationsReady', T1);
    SERVICE_CONDITIONS.markTrue(st, 'RoutesReady', T1);
    const before = JSON.parse(JSON.stringify(st));
    SERVICE_CONDITIONS.markTrue(st, 'RoutesReady', T3);
    SERVICE_CONDITIONS.initialize(st, T3);
    expect(st).toEqual(before);
  });

  test('markFalse on a dependent propagates to Ready', () => {
    const st: { conditions?: Condition[] } = {};
    ROUTE_CONDITIONS.initialize(st, T0);
    ROUTE_CONDITIONS.markFalse(st, 'AllTrafficAssigned', 'RevisionMissing', 'Revision "x" referenced in traffic not found.', T1);
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toEqual({
      type: 'Ready', status: 'False', reason: 'RevisionMissing', message: 'Revision "x" referenced in traffic not found.', lastTransitionTime: T1,
    });
    expect(ROUTE_CONDITIONS.get(st, 'AllTrafficAssigned')?.status).toBe('False');
  });

  test('recompute: False beats Unknown; most recent False wins', () => {
    const st: { conditions?: Condition[] } = {};
    ROUTE_CONDITIONS.initialize(st, T0);
    ROUTE_CONDITIONS.markFalse(st, 'AllTrafficAssigned', 'A', 'a', T1);
    ROUTE_CONDITIONS.markFalse(st, 'IngressReady', 'B', 'b', T2);
    ROUTE_CONDITIONS.markTrue(st, 'CertificateProvisioned', T3);
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toMatchObject({ status: 'False', reason: 'B', message: 'b' });
    ROUTE_CONDITIONS.markTrue(st, 'IngressReady', T3);
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toMatchObject({ status: 'False', reason: 'A', message: 'a' });
    ROUTE_CONDITIONS.markTrue(st, 'AllTrafficAssigned', T3);
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toEqual({ type: 'Ready', status: 'True', lastTransitionTime: T3 });
  });

  test('recompute: Unknown dependent copied into Ready', () => {
    const st: { conditions?: Condition[] } = {};
    ROUTE_CONDITIONS.initialize(st, T0);
    ROUTE_CONDITIONS.markUnknown(st, 'IngressReady', 'IngressNotConfigured', 'Ingress has not yet been reconciled.', T1);
    ROUTE_CONDITIONS.markTrue(st, 'AllTrafficAssigned', T2);
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toMatchObject({
      status: 'Unknown', reason: 'IngressNotConfigured', message: 'Ingress has not yet been reconciled.',
    });
  });

  test('missing dependent → Ready Unknown without reason', () => {
    const set = new ConditionSet('Ready', ['A', 'B']);
    const st: { conditions?: Condition[] } = {};
    set.markTrue(st, 'A', T1);
    expect(st.conditions).toEqual([
      { type: 'A', status: 'True', lastTransitionTime: T1 },
      { type: 'Ready', status: 'Unknown', lastTransitionTime: T1 },
    ]);
  });

  test('markTrueWithReason keeps reason on the condition; Ready plain True', () => {
    const st: { conditions?: Condition[] } = {};
    ROUTE_CONDITIONS.initialize(st, T0);
    ROUTE_CONDITIONS.markTrue(st, 'AllTrafficAssigned', T1);
    ROUTE_CONDITIONS.markTrue(st, 'IngressReady', T1);
    ROUTE_CONDITIONS.markTrueWithReason(st, 'CertificateProvisioned', 'TLSNotEnabled', 'external-domain-tls is not enabled', T1);
    expect(ROUTE_CONDITIONS.get(st, 'CertificateProvisioned')).toEqual({
      type: 'CertificateProvisioned', status: 'True', reason: 'TLSNotEnabled', message: 'external-domain-tls is not enabled', lastTransitionTime: T1,
    });
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toEqual({ type: 'Ready', status: 'True', lastTransitionTime: T1 });
  });

  test('markUnknown on a dependent while another is False: a False Ready is kept as is; an Unknown Ready becomes False with the markUnknown reason', () => {
    const st: { conditions?: Condition[] } = {};
    ROUTE_CONDITIONS.initialize(st, T0);
    ROUTE_CONDITIONS.markFalse(st, 'AllTrafficAssigned', 'RevisionMissing', 'm1', T1);
    ROUTE_CONDITIONS.markUnknown(st, 'IngressReady', 'IngressNotConfigured', 'm2', T2);
    // Ready already False: unchanged
    expect(ROUTE_CONDITIONS.get(st, 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionMissing', message: 'm1', lastTransitionTime: T1 });

    const st2: { conditions?: Condition[] } = {
      conditions: [
        { type: 'AllTrafficAssigned', status: 'False', reason: 'X', message: 'x', lastTransitionTime: T0 },
        { type: 'Ready', status: 'Unknown', lastTransitionTime: T0 },
      ],
    };
    ROUTE_CONDITIONS.markUnknown(st2, 'IngressReady', 'IngressNotConfigured', 'm2', T2);
    expect(ROUTE_CONDITIONS.get(st2, 'Ready')).toMatchObject({ status: 'False', reason: 'IngressNotConfigured', message: 'm2' });
  });

  test('markUnknown on a dependent sets Ready Unknown (no False dependents)', () => {
    const st: { conditions?: Condition[] } = {};
    SERVICE_CONDITIONS.initialize(st, T0);
    SERVICE_CONDITIONS.markTrue(st, 'ConfigurationsReady', T1);
    SERVICE_CONDITIONS.markTrue(st, 'RoutesReady', T1);
    SERVICE_CONDITIONS.markUnknown(st, 'RoutesReady', 'TrafficNotMigrated', 'Traffic is not yet migrated to the latest revision.', T2);
    expect(SERVICE_CONDITIONS.get(st, 'Ready')).toEqual({
      type: 'Ready', status: 'Unknown', reason: 'TrafficNotMigrated', message: 'Traffic is not yet migrated to the latest revision.', lastTransitionTime: T2,
    });
  });
});

describe('Revision Active (non-dependent)', () => {
  test('severity Info and never affects Ready', () => {
    const st: { conditions?: Condition[] } = {};
    REVISION_CONDITIONS.initialize(st, T0);
    REVISION_CONDITIONS.markTrue(st, 'ResourcesAvailable', T1);
    REVISION_CONDITIONS.markTrue(st, 'ContainerHealthy', T1);
    REVISION_CONDITIONS.markFalse(st, 'Active', 'NoTraffic', 'The target is not receiving traffic.', T2);
    expect(st.conditions).toEqual([
      { type: 'Active', status: 'False', severity: 'Info', reason: 'NoTraffic', message: 'The target is not receiving traffic.', lastTransitionTime: T2 },
      { type: 'ContainerHealthy', status: 'True', lastTransitionTime: T1 },
      { type: 'Ready', status: 'True', lastTransitionTime: T1 },
      { type: 'ResourcesAvailable', status: 'True', lastTransitionTime: T1 },
    ]);
    REVISION_CONDITIONS.markTrue(st, 'Active', T3);
    expect(REVISION_CONDITIONS.get(st, 'Active')).toEqual({ type: 'Active', status: 'True', severity: 'Info', lastTransitionTime: T3 });
    expect(REVISION_CONDITIONS.get(st, 'Ready')?.status).toBe('True');
    REVISION_CONDITIONS.markUnknown(st, 'Active', 'Queued', 'Requests to the target are being buffered as resources are provisioned.', T3);
    expect(REVISION_CONDITIONS.get(st, 'Ready')?.status).toBe('True');
  });

  test('markUnknown(Active) while a dependent is False flips Ready False', () => {
    const st: { conditions?: Condition[] } = {
      conditions: [
        { type: 'ContainerHealthy', status: 'False', reason: 'ExitCode1', message: 'boom', lastTransitionTime: T0 },
        { type: 'Ready', status: 'Unknown', lastTransitionTime: T0 },
        { type: 'ResourcesAvailable', status: 'Unknown', lastTransitionTime: T0 },
      ],
    };
    REVISION_CONDITIONS.markUnknown(st, 'Active', 'Queued', 'q', T1);
    expect(REVISION_CONDITIONS.get(st, 'Ready')).toEqual({ type: 'Ready', status: 'False', reason: 'Queued', message: 'q', lastTransitionTime: T1 });
  });
});

describe('per-kind sets and readiness', () => {
  test('each kind\'s ConditionSet has Knative\'s dependents', () => {
    expect(SERVICE_CONDITIONS.dependents).toEqual(['ConfigurationsReady', 'RoutesReady']);
    expect(CONFIGURATION_CONDITIONS.dependents).toEqual([]);
    expect(REVISION_CONDITIONS.dependents).toEqual(['ResourcesAvailable', 'ContainerHealthy']);
    expect(ROUTE_CONDITIONS.dependents).toEqual(['AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned']);
    expect(DOMAIN_MAPPING_CONDITIONS.dependents).toEqual(['DomainClaimed', 'ReferenceResolved', 'IngressReady', 'CertificateProvisioned']);
  });
  test('configuration (no dependents): markTrue(Ready) / markFalse(Ready)', () => {
    const st: { conditions?: Condition[] } = {};
    CONFIGURATION_CONDITIONS.initialize(st, T0);
    expect(st.conditions).toEqual([{ type: 'Ready', status: 'Unknown', lastTransitionTime: T0 }]);
    CONFIGURATION_CONDITIONS.markTrue(st, 'Ready', T1);
    expect(st.conditions).toEqual([{ type: 'Ready', status: 'True', lastTransitionTime: T1 }]);
    CONFIGURATION_CONDITIONS.markFalse(st, 'Ready', 'RevisionFailed', 'Revision "x" failed with message: y.', T2);
    expect(st.conditions).toEqual([{ type: 'Ready', status: 'False', reason: 'RevisionFailed', message: 'Revision "x" failed with message: y.', lastTransitionTime: T2 }]);
  });
  test('isReady / isFailed require observedGeneration == generation', () => {
    const obj = { metadata: { generation: 2 }, status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' as const }] } };
    expect(SERVICE_CONDITIONS.isReady(obj)).toBe(false);
    obj.status.observedGeneration = 2;
    expect(SERVICE_CONDITIONS.isReady(obj)).toBe(true);
    expect(SERVICE_CONDITIONS.isFailed(obj)).toBe(false);
  });
  test('beginReconcile on a new generation sets Ready Unknown NewObservedGenFailure; endReconcile sets observedGeneration', () => {
    const obj: any = { metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: T0 }] } };
    SERVICE_CONDITIONS.beginReconcile(obj, T1);
    expect(SERVICE_CONDITIONS.get(obj.status, 'Ready')).toEqual({
      type: 'Ready', status: 'Unknown', reason: 'NewObservedGenFailure', message: 'unsuccessfully observed a new generation', lastTransitionTime: T1,
    });
    SERVICE_CONDITIONS.endReconcile(obj);
    expect(obj.status.observedGeneration).toBe(3);
  });
});
