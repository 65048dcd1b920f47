/**
 * The hand-written edge cases of the conformance test, per rule family: field values at and
 * around each rule's edges (Go zero values on pointer fields, empty lists and maps, values that
 * do not decode into the Go types, gated fields with the gate on and off, reserved names and
 * ports, traffic tables, annotations and their config knobs). An `Edit` sets one field of a
 * Knative object; `CONFIGS` are the cluster configurations (config maps) the cases run under.
 */
import type { ConfigMapData } from '../../src/core/config';

/** Where an edit lands in a Service / Configuration / Revision (Route and DomainMapping: meta and spec only). */
export type Place = 'meta' | 'templateMeta' | 'pod' | 'container' | 'spec' | 'route';

/** One field set to one value; `extra` sets more fields of the same place (e.g. a volume and its mount). */
export interface Edit {
  readonly family: string;
  readonly place: Place;
  readonly field: string;
  readonly value: unknown;
  /** Config maps under which this edit is also tried (e.g. its feature gate enabled). */
  readonly configs?: readonly string[];
}

const e = (family: string, place: Place, field: string, values: readonly unknown[], configs?: readonly string[]): Edit[] =>
  values.map((value) => ({ family, place, field, value, configs }));

const probes: unknown[] = [
  {}, { httpGet: {} }, { httpGet: { path: '/', port: 8080 } }, { httpGet: { port: 9999 } }, { httpGet: { port: 'http' } },
  { httpGet: { scheme: 'HTTPS' } }, { httpGet: { host: 'x', httpHeaders: [] } }, { tcpSocket: {} }, { tcpSocket: { port: 8080 } },
  { exec: { command: ['true'] } }, { exec: {} }, { grpc: { port: 8080 } }, { grpc: {} }, { httpGet: {}, tcpSocket: {} },
  { periodSeconds: 0 }, { periodSeconds: 1, httpGet: {} }, { periodSeconds: 0, tcpSocket: {} }, { timeoutSeconds: 0, httpGet: {} },
  { failureThreshold: 0, httpGet: {} }, { successThreshold: 2, httpGet: {} }, { successThreshold: 0, httpGet: {} },
  { initialDelaySeconds: -1, httpGet: {} }, { terminationGracePeriodSeconds: 10, httpGet: {} }, { periodSeconds: -1 },
  { timeoutSeconds: 1.5, httpGet: {} }, { httpGet: { port: 0 } }, { httpGet: { port: 65536 } }, { exec: { command: [] } },
];

const ports: unknown[] = [
  [], [{}], [{ containerPort: 8080 }], [{ containerPort: 0 }], [{ containerPort: -1 }], [{ containerPort: 65535 }], [{ containerPort: 65536 }],
  [{ containerPort: 8012 }], [{ containerPort: 8022 }], [{ containerPort: 9090 }], [{ containerPort: 9091 }], [{ containerPort: 8013 }],
  [{ containerPort: 8080, name: 'h2c' }], [{ containerPort: 8080, name: 'http1' }], [{ containerPort: 8080, name: 'grpc' }],
  [{ containerPort: 8080, name: '' }], [{ containerPort: 8080, protocol: 'UDP' }], [{ containerPort: 8080, protocol: 'TCP' }],
  [{ containerPort: 8080, protocol: 'SCTP' }], [{ containerPort: 8080, protocol: '' }], [{ containerPort: 8080, hostPort: 80 }], [{ containerPort: 8080, hostPort: 0 }],
  [{ containerPort: 8080, hostIP: '1.1.1.1' }], [{ containerPort: 8080, hostIP: '' }], [{ containerPort: 8080 }, { containerPort: 8081 }],
  [{ containerPort: '8080' }], [{ containerPort: 8080.5 }], [{ containerPort: 8080, name: 'h2c', protocol: 'TCP' }], [{ name: 'http1' }],
];

const envs: unknown[] = [
  [], [{ name: 'A', value: 'b' }], [{ name: '' }], [{ name: '1BAD' }], [{ name: 'PORT', value: '1' }], [{ name: 'K_SERVICE' }],
  [{ name: 'K_CONFIGURATION' }], [{ name: 'K_REVISION' }], [{ name: 'a.b' }], [{ name: 'A', value: 1 }], [{ name: 'A', value: '' }],
  [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
  [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }], [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }],
  [{ name: 'A', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], [{ name: 'A', valueFrom: {} }],
  [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } }],
  [{ name: 'A', valueFrom: { secretKeyRef: { key: 'k' } } }], [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }],
  [{ name: 'A' }, { name: 'A' }], [{ name: 'has space' }], [{ name: 'A', valueFrom: { fieldRef: {} } }],
  [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
  [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } }], [{ name: 'A', valueFrom: { resourceFieldRef: {} } }],
  [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c' } } }], [{ name: 'A', valueFrom: { secretKeyRef: { name: '', key: 'k' } } }],
  [{ name: 'x'.repeat(300) }], [{ name: '-A' }], [{ name: 'A-B' }], [{ name: 'A', value: 'x'.repeat(2000) }],
];

const resources: unknown[] = [
  {}, { limits: { cpu: '1' } }, { requests: { cpu: '2' }, limits: { cpu: '1' } }, { requests: { memory: 'abc' } }, { limits: { cpu: '-1' } },
  { requests: { 'nvidia.com/gpu': '1' } }, { limits: { 'nvidia.com/gpu': '1' } }, { requests: { cpu: '100m', memory: '128Mi' } },
  { limits: {} }, { requests: {} }, { claims: [{ name: 'x' }] }, { claims: [] }, { requests: { cpu: 1 } }, { requests: { cpu: '1.0' } },
  { requests: { cpu: '0' } }, { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } }, { requests: { 'bad key!': '1' } }, { requests: { cpu: '' } },
  { limits: { 'ephemeral-storage': '1Gi' } }, { requests: { cpu: '1e3' } }, { requests: { cpu: '0.5' } }, { requests: { memory: '1.5Gi' } },
];

const securityContexts: unknown[] = [
  {}, { privileged: true }, { privileged: false }, { allowPrivilegeEscalation: false }, { allowPrivilegeEscalation: true },
  { runAsNonRoot: true }, { runAsNonRoot: false }, { runAsUser: 0 }, { runAsUser: 1000 }, { runAsGroup: 0 }, { runAsGroup: 1 },
  { readOnlyRootFilesystem: true }, { readOnlyRootFilesystem: false }, { capabilities: {} },
  { capabilities: { add: [] } }, { capabilities: { drop: [] } },
  { capabilities: { drop: ['ALL'] } }, { capabilities: { add: ['NET_BIND_SERVICE'] } }, { capabilities: { add: ['SYS_ADMIN'] } },
  { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } }, { seccompProfile: { type: 'RuntimeDefault' } }, { seccompProfile: {} },
  { procMount: 'Default' }, { windowsOptions: {} }, { seLinuxOptions: {} }, { seLinuxOptions: { level: 's0' } }, { appArmorProfile: { type: 'RuntimeDefault' } },
];

const podSecurityContexts: unknown[] = [
  {}, { runAsUser: 1000 }, { runAsUser: 0 }, { runAsNonRoot: true }, { runAsNonRoot: false }, { runAsGroup: 1 }, { fsGroup: 2000 }, { fsGroup: 0 },
  { supplementalGroups: [] }, { supplementalGroups: [1] }, { sysctls: [] }, { sysctls: [{ name: 'a', value: 'b' }] }, { seccompProfile: { type: 'RuntimeDefault' } },
  { seLinuxOptions: {} }, { windowsOptions: {} }, { fsGroupChangePolicy: 'Always' },
];

/** Volumes with their mounts (field: `volumes+mounts`). */
const volumes: unknown[] = [
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v' }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: false }] },
  { volumes: [{ name: 'v', secret: { secretName: 's' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', secret: {} }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'c' } }] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [{}] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'c' }, secret: { name: 's' } }] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', projected: { sources: [{ downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'metadata.name' } }] } }] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', emptyDir: {} }], mounts: [{ name: 'v', mountPath: '/v' }] },
  { volumes: [{ name: 'v', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }], mounts: [{ name: 'v', mountPath: '/v' }] },
  { volumes: [{ name: 'v', emptyDir: { sizeLimit: 'lots' } }], mounts: [{ name: 'v', mountPath: '/v' }] },
  { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }], mounts: [{ name: 'v', mountPath: '/v' }] },
  { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c', readOnly: true } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', hostPath: { path: '/h' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', csi: { driver: 'd' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v' }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' }, secret: { secretName: 's' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c', items: [] } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 511 } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 1000 } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }, { name: 'v', secret: { secretName: 's' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [] },
  { volumes: [], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: 'v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/dev/log', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/var/log', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true, subPath: 's' }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true, mountPropagation: 'HostToContainer' }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '/v', readOnly: true }, { name: 'v', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: '', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'Bad_Name', configMap: { name: 'c' } }], mounts: [{ name: 'Bad_Name', mountPath: '/v', readOnly: true }] },
  { volumes: [{ name: 'v', configMap: { name: 'c' } }], mounts: [{ name: 'v', mountPath: '', readOnly: true }] },
];

const traffic: unknown[] = [
  [], [{ latestRevision: true, percent: 100 }], [{ percent: 100 }], [{ latestRevision: true }], [{ latestRevision: true, percent: 50 }],
  [{ revisionName: 'svc-v1', percent: 100 }], [{ revisionName: 'svc-v1', latestRevision: true, percent: 100 }], [{ configurationName: 'c', percent: 100 }],
  [{ latestRevision: false, percent: 100 }], [{ tag: 'v1', latestRevision: true, percent: 100 }],
  [{ tag: 'v1', latestRevision: true, percent: 50 }, { tag: 'v1', revisionName: 'svc-v1', percent: 50 }],
  [{ tag: 'Bad_Tag', latestRevision: true, percent: 100 }], [{ tag: '', latestRevision: true, percent: 100 }], [{ url: 'http://x', latestRevision: true, percent: 100 }],
  [{ latestRevision: true, percent: -1 }], [{ latestRevision: true, percent: 101 }], [{ latestRevision: true, percent: 0 }],
  [{ latestRevision: true, percent: 50 }, { revisionName: 'svc-v1', percent: 50 }], [{ latestRevision: true, percent: 100 }, { revisionName: 'x', percent: 0, tag: 't' }],
  [{ revisionName: 'x', percent: 0 }], [{ latestRevision: true, percent: 50.5 }, { revisionName: 'x', percent: 49.5 }], [{}],
  [{ latestRevision: true, percent: 100, tag: 't'.repeat(64) }], [{ revisionName: 'Bad_Name', percent: 100 }],
  [{ revisionName: 'x', configurationName: 'c', percent: 100 }], [{ latestRevision: true, percent: 100, tag: 'latest' }],
  [{ latestRevision: true, percent: 40 }, { latestRevision: true, percent: 60 }], [{ latestRevision: true, percent: '100' }],
  [{ latestRevision: true, percent: 100, tag: 't'.repeat(50) }], [{ latestRevision: true, percent: 100, tag: 't'.repeat(63) }],
  [{ latestRevision: true, percent: 100, tag: 'T' }], [{ latestRevision: true, percent: 100, tag: '1a' }], [{ latestRevision: true, percent: 100, tag: 'a-' }],
  [{ latestRevision: true, percent: 100 }, { revisionName: 'svc-v1', tag: 'v1' }], [{ latestRevision: true, percent: 100 }, { latestRevision: true, tag: 'l' }],
  [{ latestRevision: true, percent: 100, revisionName: '' }], [{ latestRevision: true, percent: 100, configurationName: '' }],
  [{ revisionName: 'svc-v1', percent: 100, latestRevision: false }], [{ latestRevision: true, percent: 0 }, { revisionName: 'svc-v1', percent: 100 }],
];

const autoscalingKeys = [
  'min-scale', 'max-scale', 'initial-scale', 'target', 'target-utilization-percentage', 'window', 'panic-window-percentage',
  'panic-threshold-percentage', 'metric', 'class', 'target-burst-capacity', 'scale-down-delay', 'activation-scale',
  'metric-aggregation-algorithm', 'scale-to-zero-pod-retention-period', 'minScale', 'maxScale', 'initialScale', 'panicWindowPercentage',
  'panicThresholdPercentage', 'targetUtilizationPercentage', 'scaleDownDelay', 'unknown-key',
];
const autoscalingValues = [
  '0', '1', '-1', '10', '1.5', 'abc', '', '6s', '5s', '3600s', '3601s', '1h1s', '0s', '-1s', '10m', 'rps', 'concurrency', 'cpu', 'memory', 'custom',
  'kpa.autoscaling.knative.dev', 'hpa.autoscaling.knative.dev', 'other.example.com', '100', '101', '1000', '0.5', '200', '1e3', 'weighted-exponential',
];

const annotationEdits: Edit[] = [
  ...autoscalingKeys.flatMap((k) => e('autoscaling', 'templateMeta', 'annotations', autoscalingValues.map((v) => ({ [`autoscaling.knative.dev/${k}`]: v })))),
  ...e('autoscaling', 'templateMeta', 'annotations', [
    { 'autoscaling.knative.dev/min-scale': '5', 'autoscaling.knative.dev/max-scale': '2' },
    { 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/minScale': '1' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'concurrency' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'memory' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'rps' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'custom' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' },
    { 'autoscaling.knative.dev/max-scale': '100' }, { 'autoscaling.knative.dev/max-scale': '11' },
    { 'autoscaling.knative.dev/initial-scale': '0' }, { 'autoscaling.knative.dev/window': '4s', 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' },
    { 'autoscaling.knative.dev/activation-scale': '2', 'autoscaling.knative.dev/max-scale': '1' },
  ], ['autoscaler-knobs']),
  ...e('annotations', 'templateMeta', 'annotations', [
    {}, { 'networking.knative.dev/foo': 'x' }, { 'networking.knative.dev/ingress.class': 'x' }, { 'networking.knative.dev/visibility': 'cluster-local' },
    { 'queue.sidecar.serving.knative.dev/cpu-resource-percentage': '50' }, { 'queue.sidecar.serving.knative.dev/cpu-resource-percentage': '200' },
    { 'queue.sidecar.serving.knative.dev/cpu-resource-percentage': 'abc' }, { 'queue.sidecar.serving.knative.dev/resourcePercentage': '50' },
    { 'queue.sidecar.serving.knative.dev/cpu-resource-request': '100m' }, { 'queue.sidecar.serving.knative.dev/memory-resource-limit': 'x' },
    { 'features.knative.dev/queueproxy-podinfo': 'enabled' }, { 'features.knative.dev/podspec-dryrun': 'enabled' },
    { 'serving.knative.dev/creator': 'x' }, { 'serving.knative.dev/lastModifier': 'x' }, { 'serving.knative.dev/routes': 'x' },
    { 'serving.knative.dev/rollout-duration': '10s' }, { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' }, { 'Bad Key': 'x' },
    { 'serving.knative.dev/progress-deadline': '10s' }, { 'serving.knative.dev/progress-deadline': 'abc' }, { 'client.knative.dev/user-image': 'x' },
  ]),
  ...e('annotations', 'templateMeta', 'labels', [
    {}, { app: 'x' }, { 'Bad Key': 'x' }, { a: 'bad value!' }, { app: 'x'.repeat(64) }, { 'serving.knative.dev/service': 'x' },
    { 'serving.knative.dev/route': 'x' }, { 'serving.knative.dev/configuration': 'x' }, { 'serving.knative.dev/visibility': 'cluster-local' },
    { 'networking.knative.dev/visibility': 'cluster-local' }, { 'serving.knative.dev/revision': 'x' }, { 'serving.knative.dev/configurationGeneration': '1' },
  ]),
  ...e('template-name', 'templateMeta', 'name', ['svc-v1', 'other-v1', 'Bad', 'svc-', 'svc-' + 'a'.repeat(60), '']),
  ...e('template-name', 'templateMeta', 'generateName', ['svc-', 'x']),
  ...e('template-name', 'templateMeta', 'namespace', ['default', 'other']),
  ...e('metadata', 'meta', 'name', ['svc', 'Bad_Name', 'a'.repeat(63), 'a'.repeat(64), '-svc', 'svc.dot', '1svc', 'a'.repeat(50)]),
  ...e('metadata', 'meta', 'labels', [
    {}, { app: 'x' }, { 'Bad Key': 'x' }, { a: 'bad value!' }, { 'serving.knative.dev/visibility': 'cluster-local' },
    { 'networking.knative.dev/visibility': 'cluster-local' }, { 'networking.knative.dev/visibility': 'bad' }, { 'serving.knative.dev/route': 'x' },
    { 'serving.knative.dev/service': 'x' }, { 'serving.knative.dev/configuration': 'x' }, { app: 'x'.repeat(64) },
    { ['p'.repeat(254) + '/k']: 'x' }, { ['example.com/' + 'k'.repeat(64)]: 'x' }, { 'example.com/': 'x' }, { '/k': 'x' }, { app: '-x' },
    { app: '' }, { 'a.b/c': 'd' }, { 'UPPER.example.com/k': 'x' },
  ]),
  ...e('metadata', 'meta', 'annotations', [
    {}, { 'serving.knative.dev/creator': 'x' }, { 'serving.knative.dev/lastModifier': 'x' }, { 'serving.knative.dev/rollout-duration': '100s' },
    { 'serving.knative.dev/rollout-duration': '-1s' }, { 'serving.knative.dev/rollout-duration': 'abc' }, { 'autoscaling.knative.dev/min-scale': '1' },
    { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' }, { 'features.knative.dev/podspec-dryrun': 'enabled' },
    { 'networking.knative.dev/ingress.class': 'x' }, { 'networking.knative.dev/certificate.class': 'x' }, { 'networking.knative.dev/http-option': 'redirected' },
    { 'networking.knative.dev/http-option': 'bad' }, { 'networking.knative.dev/disable-auto-tls': 'true' }, { 'networking.knative.dev/foo': 'x' },
    { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, { 'serving.knative.dev/progress-deadline': '10s' },
    { ['p'.repeat(254) + '/k']: 'x' }, { 'Bad Key': 'x' }, { big: 'x'.repeat(300000) }, { 'serving.knative.dev/creator': '' },
  ]),
];

const podEdits: Edit[] = [
  ...e('podspec-pointers', 'pod', 'terminationGracePeriodSeconds', [0, 30, -1]),
  ...e('podspec-pointers', 'pod', 'setHostnameAsFQDN', [false, true]),
  ...e('podspec-pointers', 'pod', 'hostUsers', [false, true]),
  ...e('podspec-pointers', 'pod', 'shareProcessNamespace', [false, true], ['gate:kubernetes.podspec-shareprocessnamespace']),
  ...e('podspec-pointers', 'pod', 'automountServiceAccountToken', [false, true]),
  ...e('podspec-pointers', 'pod', 'activeDeadlineSeconds', [0, 10]),
  ...e('podspec-pointers', 'pod', 'enableServiceLinks', [false, true]),
  ...e('podspec-pointers', 'pod', 'priority', [0, 1]),
  ...e('podspec', 'pod', 'hostNetwork', [false, true], ['gate:kubernetes.podspec-hostnetwork']),
  ...e('podspec', 'pod', 'hostPID', [false, true], ['gate:kubernetes.podspec-hostpid']),
  ...e('podspec', 'pod', 'hostIPC', [false, true], ['gate:kubernetes.podspec-hostipc']),
  ...e('podspec', 'pod', 'serviceAccountName', ['sa', 'Bad_SA', '', 'a'.repeat(254)]),
  ...e('podspec', 'pod', 'serviceAccount', ['sa']),
  ...e('podspec', 'pod', 'tolerations', [[], [{ key: 'k', operator: 'Exists' }], [{}]], ['gate:kubernetes.podspec-tolerations']),
  ...e('podspec', 'pod', 'nodeSelector', [{}, { disk: 'ssd' }], ['gate:kubernetes.podspec-nodeselector']),
  ...e('podspec', 'pod', 'affinity', [{}, { nodeAffinity: {} }], ['gate:kubernetes.podspec-affinity']),
  ...e('podspec', 'pod', 'runtimeClassName', ['gvisor', ''], ['gate:kubernetes.podspec-runtimeclassname']),
  ...e('podspec', 'pod', 'schedulerName', ['custom', ''], ['gate:kubernetes.podspec-schedulername']),
  ...e('podspec', 'pod', 'priorityClassName', ['high', ''], ['gate:kubernetes.podspec-priorityclassname']),
  ...e('podspec', 'pod', 'imagePullSecrets', [[], [{ name: 'reg' }], [{}]]),
  ...e('podspec', 'pod', 'securityContext', podSecurityContexts, ['gate:kubernetes.podspec-securitycontext', 'secure-pod-defaults']),
  ...e('podspec', 'pod', 'initContainers', [[], [{ image: 'busybox' }], [{ name: 'init', image: 'busybox' }], [{ name: 'init' }],
    [{ name: 'init', image: 'busybox', ports: [{ containerPort: 80 }] }], [{ name: 'init', image: 'busybox', readinessProbe: { httpGet: {} } }]],
  ['gate:kubernetes.podspec-init-containers']),
  ...e('podspec', 'pod', 'dnsPolicy', ['ClusterFirst', 'None', ''], ['gate:kubernetes.podspec-dnspolicy']),
  ...e('podspec', 'pod', 'dnsConfig', [{}, { nameservers: ['1.1.1.1'] }], ['gate:kubernetes.podspec-dnsconfig']),
  ...e('podspec', 'pod', 'hostAliases', [[], [{ ip: '1.2.3.4', hostnames: ['a'] }]], ['gate:kubernetes.podspec-hostaliases']),
  ...e('podspec', 'pod', 'topologySpreadConstraints', [[], [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }]],
    ['gate:kubernetes.podspec-topologyspreadconstraints']),
  ...e('podspec', 'pod', 'nodeName', ['n1', '']),
  ...e('podspec', 'pod', 'restartPolicy', ['Always', '']),
  ...e('podspec', 'pod', 'overhead', [{}, { cpu: '1' }]),
  ...e('podspec', 'pod', 'os', [{ name: 'linux' }]),
  ...e('podspec', 'pod', 'preemptionPolicy', ['Never']),
  ...e('podspec', 'pod', 'readinessGates', [[], [{ conditionType: 'x' }]]),
  ...e('podspec', 'pod', 'ephemeralContainers', [[], [{ name: 'e', image: 'x' }]]),
  ...e('podspec', 'pod', 'resourceClaims', [[], [{ name: 'x' }]]),
  ...e('podspec', 'pod', 'unknownPodField', [1, {}]),
  ...e('revision-spec', 'pod', 'containerConcurrency', [0, -1, 1, 5, 1000, 1001, 1.5, '5'], ['defaults-knobs']),
  ...e('revision-spec', 'pod', 'timeoutSeconds', [0, -1, 1, 300, 600, 601, 3600], ['defaults-knobs']),
  ...e('revision-spec', 'pod', 'responseStartTimeoutSeconds', [0, -1, 10, 300, 601], ['defaults-knobs']),
  ...e('revision-spec', 'pod', 'idleTimeoutSeconds', [0, -1, 10, 601], ['defaults-knobs']),
  ...e('volumes', 'pod', 'volumes+mounts', volumes, ['gate:kubernetes.podspec-persistent-volume-claim', 'pvc-write', 'gate:kubernetes.podspec-volumes-hostpath',
    'emptydir-off', 'gate:kubernetes.podspec-volumes-csi', 'gate:kubernetes.podspec-volumes-mount-propagation']),
  ...e('containers', 'pod', 'containers', [
    [], [{}], [{ image: 'app' }, { image: 'side' }], [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side' }],
    [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side', ports: [{ containerPort: 8081 }] }],
    [{ name: 'a', image: 'app' }, { name: 'a', image: 'side', ports: [{ containerPort: 8080 }] }],
    [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side', readinessProbe: { httpGet: { port: 9000 } } }],
    [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side', readinessProbe: { tcpSocket: {} } }],
    [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side', startupProbe: { tcpSocket: { port: 9 } } }],
    [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side', livenessProbe: { tcpSocket: { port: 9 } } }],
    [{ name: 'user-container', image: 'app', ports: [{ containerPort: 8080 }] }, { name: 'queue-proxy', image: 'side' }],
  ], ['gate:multi-container-probing', 'multi-container-off', 'defaults-knobs']),
];

const containerEdits: Edit[] = [
  ...e('container', 'container', 'name', ['', 'user-container', 'Bad_Name', 'x'.repeat(64), 'queue-proxy'], ['defaults-knobs']),
  ...e('container', 'container', 'image', ['', 'nginx', 'a', 'ab', 'a/b', ' nginx', 'UPPER/Case', 'gcr.io/x/app@sha256:' + 'a'.repeat(64), 'x@sha256:bad']),
  ...e('container', 'container', 'args', [[], ['a'], [1], [''], null]),
  ...e('container', 'container', 'command', [[], ['sh'], [true]]),
  ...e('container', 'container', 'workingDir', ['/w', '']),
  ...e('ports', 'container', 'ports', ports),
  ...e('env', 'container', 'env', envs, ['gate:kubernetes.podspec-fieldref']),
  ...e('env', 'container', 'envFrom', [[], [{ configMapRef: { name: 'c' } }], [{ secretRef: { name: 's' } }], [{ prefix: 'P_' }],
    [{ configMapRef: { name: 'c' }, secretRef: { name: 's' } }], [{ configMapRef: {} }], [{ prefix: '1bad', configMapRef: { name: 'c' } }]]),
  ...e('resources', 'container', 'resources', resources, ['defaults-knobs']),
  ...e('probes', 'container', 'readinessProbe', probes),
  ...e('probes', 'container', 'livenessProbe', probes),
  ...e('probes', 'container', 'startupProbe', probes),
  ...e('container', 'container', 'lifecycle', [{}, { preStop: { exec: { command: ['x'] } } }, { postStart: { httpGet: { port: 80 } } }, { preStop: {} }]),
  ...e('security', 'container', 'securityContext', securityContexts, ['gate:kubernetes.containerspec-addcapabilities', 'secure-pod-defaults',
    'secure-pod-defaults-root-bounded']),
  ...e('container', 'container', 'terminationMessagePath', ['/dev/termination-log', '', '/x']),
  ...e('container', 'container', 'terminationMessagePolicy', ['FallbackToLogsOnError', 'File', 'Bad', '']),
  ...e('container', 'container', 'imagePullPolicy', ['Always', 'IfNotPresent', 'Never', 'Bad', '']),
  ...e('container', 'container', 'stdin', [true, false]),
  ...e('container', 'container', 'stdinOnce', [true, false]),
  ...e('container', 'container', 'tty', [true, false]),
  ...e('container', 'container', 'volumeDevices', [[], [{ name: 'v', devicePath: '/d' }]]),
  ...e('container', 'container', 'resizePolicy', [[], [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]]),
  ...e('container', 'container', 'restartPolicy', ['Always', '']),
  ...e('container', 'container', 'unknownContainerField', [1, 'x']),
];

const specEdits: Edit[] = [
  ...e('traffic', 'spec', 'traffic', traffic),
  ...e('spec', 'spec', 'unknownSpecField', [1]),
];

/** Route / DomainMapping edits. */
export const ROUTE_EDITS: Edit[] = [
  ...e('route', 'route', 'traffic', traffic),
  ...e('route', 'meta', 'labels', [{}, { 'networking.knative.dev/visibility': 'cluster-local' }, { 'serving.knative.dev/visibility': 'cluster-local' },
    { 'networking.knative.dev/visibility': 'bad' }, { 'serving.knative.dev/service': 'x' }]),
  ...e('route', 'meta', 'annotations', [{}, { 'serving.knative.dev/rollout-duration': '10s' }, { 'serving.knative.dev/rollout-duration': 'x' },
    { 'networking.knative.dev/http-option': 'redirected' }, { 'networking.knative.dev/foo': 'x' }, { 'serving.knative.dev/creator': 'x' }]),
  ...e('route', 'meta', 'name', ['r', 'Bad_Name', 'a'.repeat(64)]),
];

export const DOMAIN_MAPPING_EDITS: Edit[] = [
  ...e('domain-mapping', 'meta', 'name', ['example.com', 'a.b.example.com', 'Example.com', 'example', '-x.com', 'x'.repeat(64) + '.com', 'x..com', 'cluster.local', 'svc.default.svc.cluster.local']),
  ...e('domain-mapping', 'spec', 'ref', [
    { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'svc' }, { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'svc', namespace: 'other' },
    { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'svc', namespace: 'default' }, { kind: 'Service', apiVersion: 'v1', name: 'svc' },
    { kind: 'Route', apiVersion: 'serving.knative.dev/v1', name: 'r' }, { kind: 'Service', name: 'svc' }, { apiVersion: 'serving.knative.dev/v1', name: 'svc' },
    { kind: 'Service', apiVersion: 'serving.knative.dev/v1' }, { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'Bad_Name' }, {},
    { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'svc', address: 'x' },
  ]),
  ...e('domain-mapping', 'spec', 'tls', [{ secretName: 's' }, { secretName: '' }, {}, { secretName: 'Bad_Name' }]),
  ...e('domain-mapping', 'meta', 'annotations', [{}, { 'networking.knative.dev/foo': 'x' }, { 'serving.knative.dev/creator': 'x' }]),
];

/** Edits for Services, Configurations and Revisions. */
export const WORKLOAD_EDITS: Edit[] = [...annotationEdits, ...podEdits, ...containerEdits, ...specEdits];

const gate = (flag: string, state = 'enabled'): ConfigMapData => ({ 'config-features': { [flag]: state } });

/** Named cluster configurations (config maps the webhook's context holds). `default`: none. */
export const CONFIGS: Readonly<Record<string, ConfigMapData | undefined>> = {
  'default': undefined,
  'all-gates': {
    'config-features': Object.fromEntries([
      'kubernetes.podspec-affinity', 'kubernetes.podspec-topologyspreadconstraints', 'kubernetes.podspec-hostaliases', 'kubernetes.podspec-nodeselector',
      'kubernetes.podspec-runtimeclassname', 'kubernetes.podspec-securitycontext', 'kubernetes.podspec-shareprocessnamespace', 'kubernetes.podspec-hostipc',
      'kubernetes.podspec-hostpid', 'kubernetes.podspec-hostnetwork', 'kubernetes.podspec-priorityclassname', 'kubernetes.podspec-schedulername',
      'kubernetes.podspec-tolerations', 'kubernetes.podspec-dnspolicy', 'kubernetes.podspec-dnsconfig', 'kubernetes.podspec-fieldref',
      'kubernetes.podspec-init-containers', 'kubernetes.containerspec-addcapabilities', 'kubernetes.podspec-volumes-hostpath',
      'kubernetes.podspec-persistent-volume-claim', 'kubernetes.podspec-persistent-volume-write', 'multi-container-probing',
    ].map((f) => [f, 'enabled'])),
  },
  'pvc-write': { 'config-features': { 'kubernetes.podspec-persistent-volume-claim': 'enabled', 'kubernetes.podspec-persistent-volume-write': 'enabled' } },
  'emptydir-off': gate('kubernetes.podspec-volumes-emptydir', 'disabled'),
  'multi-container-off': gate('multi-container', 'disabled'),
  'secure-pod-defaults': gate('secure-pod-defaults'),
  'secure-pod-defaults-root-bounded': gate('secure-pod-defaults', 'AllowRootBounded'),
  'defaults-knobs': {
    'config-defaults': {
      'container-concurrency-max-limit': '100',
      'allow-container-concurrency-zero': 'false',
      'max-revision-timeout-seconds': '900',
      'revision-timeout-seconds': '100',
      'container-name-template': '{{.Name}}-c',
      'revision-cpu-request': '100m',
      'revision-memory-limit': '1Gi',
      'enable-service-links': 'true',
    },
  },
  'autoscaler-knobs': {
    'config-autoscaler': { 'max-scale-limit': '10', 'max-scale': '5', 'allow-zero-initial-scale': 'true', 'pod-autoscaler-class': 'hpa.autoscaling.knative.dev' },
  },
};

/** The config named `name` (`gate:<flag>` enables one feature flag). */
export function configNamed(name: string): ConfigMapData | undefined {
  if (name.startsWith('gate:')) return gate(name.slice(5));
  if (!(name in CONFIGS)) throw new Error(`no config ${name}`);
  return CONFIGS[name];
}

/**
 * Config maps at the edges of the parsers (family `config`): each is tried with a few Services.
 * A config map one side refuses makes that side deny (the config webhook would deny the map).
 */
const maps = (name: string, data: Array<Record<string, string>>): ConfigMapData[] => data.map((d) => ({ [name]: d }));

export const CONFIG_EDGES: readonly ConfigMapData[] = [
  ...maps('config-defaults', [
    { 'revision-timeout-seconds': '-1' }, { 'revision-timeout-seconds': '0' }, { 'revision-timeout-seconds': 'abc' }, { 'revision-timeout-seconds': '700' },
    { 'max-revision-timeout-seconds': '100' }, { 'max-revision-timeout-seconds': '100', 'revision-timeout-seconds': '50' },
    { 'container-concurrency': '2000' }, { 'container-concurrency': '5' }, { 'container-concurrency-max-limit': '0' }, { 'container-concurrency-max-limit': '10' },
    { 'revision-cpu-request': 'abc' }, { 'revision-cpu-request': '100m', 'revision-cpu-limit': '50m' }, { 'revision-memory-limit': '1Gi' },
    { 'container-name-template': '{{.Bad' }, { 'container-name-template': '' }, { 'container-name-template': '{{.Name}}' },
    { 'allow-container-concurrency-zero': 'maybe' }, { 'allow-container-concurrency-zero': 'false' }, { 'enable-service-links': 'x' },
    { 'enable-service-links': 'true' }, { 'enable-service-links': 'default' }, { 'revision-response-start-timeout-seconds': '700' },
    { 'revision-response-start-timeout-seconds': '10' }, { 'revision-idle-timeout-seconds': '-1' }, { 'revision-idle-timeout-seconds': '10' },
    { 'init-container-name-template': '' }, { 'revision-ephemeral-storage-request': '1Gi' },
  ]),
  ...maps('config-features', [
    { 'multi-container': 'bogus' }, { 'multi-container': 'Disabled' }, { 'secure-pod-defaults': 'AllowRootBounded' }, { 'secure-pod-defaults': 'enabled' },
    { 'kubernetes.podspec-affinity': 'Allowed' }, { 'queueproxy.mount-podinfo': 'allowed' }, { 'kubernetes.podspec-fieldref': 'ENABLED' },
    { 'kubernetes.podspec-init-containers': 'enabled', 'multi-container': 'disabled' }, { 'unknown-flag': 'enabled' },
  ]),
  ...maps('config-autoscaler', [
    { 'max-scale-limit': '-1' }, { 'max-scale-limit': '10', 'max-scale': '5' }, { 'max-scale': '5' }, { 'min-scale': '3' }, { 'min-scale': '6', 'max-scale': '5' },
    { 'initial-scale': '0' }, { 'allow-zero-initial-scale': 'true', 'initial-scale': '0' }, { 'initial-scale': '3' },
    { 'container-concurrency-target-default': '0' }, { 'container-concurrency-target-default': '50' }, { 'target-burst-capacity': '-2' },
    { 'target-burst-capacity': '-1' }, { 'stable-window': '5s' }, { 'stable-window': '1h1s' }, { 'stable-window': '20s' },
    { 'panic-window-percentage': '0' }, { 'scale-to-zero-grace-period': '5s' }, { 'enable-scale-to-zero': 'false' }, { 'pod-autoscaler-class': 'x' },
    { 'activation-scale': '0' }, { 'activation-scale': '2' }, { 'max-scale-up-rate': '1' }, { 'scale-down-delay': '-1s' },
    { 'requests-per-second-target-default': '0' }, { 'container-concurrency-target-percentage': '0' }, { 'max-scale-limit': '3' },
  ]),
];

/** The Service edits each CONFIG_EDGES entry is tried with (besides the bare Service). */
export const CONFIG_EDGE_EDITS: readonly Edit[][] = [
  [{ family: 'config', place: 'pod', field: 'containerConcurrency', value: 50 }],
  [{ family: 'config', place: 'pod', field: 'timeoutSeconds', value: 200 }],
  [{ family: 'config', place: 'templateMeta', field: 'annotations', value: { 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '4' } }],
  [{ family: 'config', place: 'templateMeta', field: 'annotations', value: { 'autoscaling.knative.dev/initial-scale': '0' } }],
  [{ family: 'config', place: 'templateMeta', field: 'annotations', value: { 'autoscaling.knative.dev/target-burst-capacity': '-1' } }],
  [{ family: 'config', place: 'pod', field: 'containers', value: [{ image: 'app', ports: [{ containerPort: 8080 }] }, { image: 'side' }] }],
  [{ family: 'config', place: 'container', field: 'resources', value: { limits: { cpu: '200m' } } }],
];
