import { C0, ctrSvc, errors, podSvc, T, withFeatures } from './helpers';
import type { KubeObject } from '../../../src/core/types';

const S = `${C0}.securityContext`;
const PS = `${T}.securityContext`;

describe('§6.9 container securityContext (C7)', () => {
  test.each<[string, KubeObject, string[]]>([
    ['allowed fields', ctrSvc((c) => { c.securityContext = { readOnlyRootFilesystem: true, runAsUser: 1000, runAsGroup: 1000, privileged: false, capabilities: { drop: ['ALL'] } }; }), []],
    ['privileged true', ctrSvc((c) => { c.securityContext = { privileged: true }; }), [`${S}.privileged: must not set the field(s)`]],
    ['seLinuxOptions', ctrSvc((c) => { c.securityContext = { seLinuxOptions: {} }; }), [`${S}.seLinuxOptions: must not set the field(s)`]],
    ['procMount', ctrSvc((c) => { c.securityContext = { procMount: 'Unmasked' }; }), [`${S}.procMount: must not set the field(s)`]],
    ['windowsOptions', ctrSvc((c) => { c.securityContext = { windowsOptions: {} }; }), [`${S}.windowsOptions: must not set the field(s)`]],
    ['appArmorProfile', ctrSvc((c) => { c.securityContext = { appArmorProfile: {} }; }), [`${S}.appArmorProfile: must not set the field(s)`]],
    ['runAsUser range', ctrSvc((c) => { c.securityContext = { runAsUser: -1 }; }), [`${S}.runAsUser: expected 0 <= -1 <= 2147483647`]],
    ['runAsGroup range', ctrSvc((c) => { c.securityContext = { runAsGroup: 2147483648 }; }), [`${S}.runAsGroup: expected 0 <= 2147483648 <= 2147483647`]],
    ['capabilities.add forbidden', ctrSvc((c) => { c.securityContext = { capabilities: { add: ['NET_ADMIN'] } }; }), [`${S}.capabilities.add: must not set the field(s)`]],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test('capabilities.add allowed with containerspec-addcapabilities Enabled', () => {
    expect(errors(ctrSvc((c) => { c.securityContext = { capabilities: { add: ['NET_ADMIN'] } }; }), withFeatures({ 'kubernetes.containerspec-addcapabilities': 'Enabled' }))).toEqual([]);
  });
  test.each<[string[], string[]]>([
    [['NET_BIND_SERVICE'], []],
    [['NET_ADMIN'], [`${S}.capabilities.add: must not set the field(s)`]],
  ])('secure-pod-defaults Enabled: add %j', (add, want) => {
    expect(errors(ctrSvc((c) => { c.securityContext = { capabilities: { add } }; }), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).toEqual(want);
  });
});

describe('§6.9 pod securityContext (P9)', () => {
  const ENABLED = withFeatures({ 'kubernetes.podspec-securitycontext': 'Enabled' });
  test.each<[string, Record<string, unknown>, string[]]>([
    ['allowed fields', { runAsUser: 1, runAsGroup: 1, runAsNonRoot: true, fsGroup: 1, supplementalGroups: [1], seccompProfile: { type: 'RuntimeDefault' } }, []],
    ['sysctls forbidden', { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] }, [`${PS}.sysctls: must not set the field(s)`]],
    ['sysctls: [] passes (the round trip drops it)', { sysctls: [] }, []],
    ['fsGroupChangePolicy forbidden', { fsGroupChangePolicy: 'Always' }, [`${PS}.fsGroupChangePolicy: must not set the field(s)`]],
    ['seLinuxOptions forbidden', { seLinuxOptions: {} }, [`${PS}.seLinuxOptions: must not set the field(s)`]],
    ['fsGroup range', { fsGroup: -5 }, [`${PS}.fsGroup: expected 0 <= -5 <= 2147483647`]],
    ['supplementalGroups range', { supplementalGroups: [1, -1] }, [`${PS}.supplementalGroups[1]: expected 0 <= -1 <= 2147483647`]],
  ])('podspec-securitycontext Enabled: %s', (_n, sc, want) => {
    expect(errors(podSvc((p) => { p.securityContext = sc; }), ENABLED)).toEqual(want);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ['seccomp RuntimeDefault ok', { seccompProfile: { type: 'RuntimeDefault' } }, []],
    ['seccomp Localhost rejected', { seccompProfile: { type: 'Localhost' } }, [`${PS}.seccompProfile.type: invalid value: Localhost`]],
    ['runAsUser rejected', { runAsUser: 1 }, [`${PS}.runAsUser: must not set the field(s)`]],
  ])('only secure-pod-defaults Enabled: %s', (_n, sc, want) => {
    expect(errors(podSvc((p) => { p.securityContext = sc; }), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).toEqual(want);
  });

  test('both disabled: even {} is rejected', () => {
    expect(errors(podSvc((p) => { p.securityContext = {}; }))).toEqual([`${PS}: must not set the field(s)`]);
  });
});
