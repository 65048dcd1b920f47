import { ConditionVerdict, DeploymentView, PodView, RevisionHealthInput, revisionHealth } from '../../src/core/revision-health';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:05Z';

type DeploymentCondition = { type: string; status: string; reason?: string; message?: string };

/** A Deployment wanting `want` replicas with `available` of them available, plus conditions. */
const dep = (want: number, available: number, conditions: DeploymentCondition[] = []): DeploymentView => ({
  spec: { replicas: want },
  status: { readyReplicas: available, availableReplicas: available, conditions },
});
const deadline = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-00001-deployment-abc" has timed out progressing.' };

const pod = (containerStatuses: any[], extra: Partial<PodView['metadata']> = {}, conditions: any[] = [{ type: 'PodScheduled', status: 'True' }]): PodView => ({
  metadata: { name: 'web-00001-deployment-abc-x1', creationTimestamp: T0, ...extra },
  status: { conditions, containerStatuses },
});
const waiting = (name: string, reason: string, message?: string): any => ({ name, state: { waiting: { reason, ...(message ? { message } : {}) } } });
const running = (name: string): any => ({ name, state: { running: { startedAt: T0 } } });

const TRUE: ConditionVerdict = { status: 'True', reason: '', message: '' };
const DEPLOYING: ConditionVerdict = { status: 'Unknown', reason: 'Deploying', message: '' };
const F = (reason: string, message: string): ConditionVerdict => ({ status: 'False', reason, message });

interface Row {
  name: string;
  input: Partial<RevisionHealthInput>;
  resourcesAvailable: ConditionVerdict;
  containerHealthy: ConditionVerdict;
}

const rows: Row[] = [
  {
    name: 'Deployment without status (just created): both Unknown Deploying',
    input: { deployment: { spec: { replicas: 1 } } },
    resourcesAvailable: DEPLOYING,
    containerHealthy: DEPLOYING,
  },
  {
    name: 'available replicas: both True',
    input: { deployment: dep(1, 1), pods: [pod([running('user-container')])] },
    resourcesAvailable: TRUE,
    containerHealthy: TRUE,
  },
  {
    name: 'scaled to zero (no replicas wanted): both True',
    input: { deployment: dep(0, 0) },
    resourcesAvailable: TRUE,
    containerHealthy: TRUE,
  },
  {
    name: 'container creating: Deploying (not a failure)',
    input: { deployment: dep(1, 0), pods: [pod([waiting('user-container', 'ContainerCreating')])] },
    resourcesAvailable: DEPLOYING,
    containerHealthy: DEPLOYING,
  },
  {
    name: 'ImagePullBackOff: ResourcesAvailable False at once, before the progress deadline, with the container name',
    input: { deployment: dep(1, 0), pods: [pod([waiting('user-container', 'ImagePullBackOff', 'Back-off pulling image "example.com/nope:1"')])] },
    resourcesAvailable: F('ImagePullBackOff', 'Container "user-container": Back-off pulling image "example.com/nope:1"'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'ErrImagePull: False at once with the kubelet message',
    input: { deployment: dep(1, 0), pods: [pod([waiting('user-container', 'ErrImagePull', 'rpc error: manifest unknown')])] },
    resourcesAvailable: F('ErrImagePull', 'Container "user-container": rpc error: manifest unknown'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'InvalidImageName without a message: the reason stands in for it',
    input: { deployment: dep(1, 0), pods: [pod([waiting('app', 'InvalidImageName')])], containers: ['app'] },
    resourcesAvailable: F('InvalidImageName', 'Container "app": InvalidImageName'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'CrashLoopBackOff with a previous termination: ContainerHealthy False ExitCode1 with the termination message',
    input: {
      deployment: dep(1, 0),
      pods: [pod([{
        ...waiting('user-container', 'CrashLoopBackOff', 'back-off 10s restarting failed container'),
        lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'panic: listen tcp :8080: bind: address already in use' } },
        restartCount: 4,
      }])],
    },
    resourcesAvailable: DEPLOYING,
    containerHealthy: F('ExitCode1', 'Container "user-container" failed with: panic: listen tcp :8080: bind: address already in use'),
  },
  {
    name: 'CrashLoopBackOff after the progress deadline: both False (exit code and waiting reason)',
    input: {
      deployment: dep(1, 0, [deadline]),
      pods: [pod([{
        ...waiting('user-container', 'CrashLoopBackOff', 'back-off 5m0s restarting failed container=user-container'),
        lastState: { terminated: { exitCode: 2, reason: 'Error' } },
      }])],
    },
    resourcesAvailable: F('ProgressDeadlineExceeded', deadline.message),
    containerHealthy: F('ExitCode2', 'Container "user-container" failed with: Error'),
  },
  {
    name: 'CrashLoopBackOff without a recorded termination waits for the deadline: Deploying before',
    input: { deployment: dep(1, 0), pods: [pod([waiting('user-container', 'CrashLoopBackOff', 'back-off 10s restarting failed container')])] },
    resourcesAvailable: DEPLOYING,
    containerHealthy: DEPLOYING,
  },
  {
    name: 'CrashLoopBackOff without a recorded termination after the deadline: False CrashLoopBackOff',
    input: { deployment: dep(1, 0, [deadline]), pods: [pod([waiting('user-container', 'CrashLoopBackOff', 'back-off 5m0s restarting failed container')])] },
    resourcesAvailable: F('CrashLoopBackOff', 'Container "user-container": back-off 5m0s restarting failed container'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'exit code 0 without a message: "exited with no error"',
    input: { deployment: dep(1, 0), pods: [pod([{ ...running('user-container'), lastState: { terminated: { exitCode: 0, reason: 'Completed' } } }])] },
    resourcesAvailable: DEPLOYING,
    containerHealthy: F('ExitCode0', 'Container "user-container" exited with no error'),
  },
  {
    name: 'exit code 137 without message or reason: the exit code is the detail',
    input: { deployment: dep(1, 0), pods: [pod([{ ...running('user-container'), lastState: { terminated: { exitCode: 137 } } }])] },
    resourcesAvailable: DEPLOYING,
    containerHealthy: F('ExitCode137', 'Container "user-container" failed with: exit code 137'),
  },
  {
    name: 'PodScheduled False: False with the scheduler\'s reason and message',
    input: {
      deployment: dep(1, 0),
      pods: [pod([], {}, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }])],
    },
    resourcesAvailable: F('Unschedulable', '0/3 nodes are available: 3 Insufficient cpu.'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'PodScheduled False without a reason: Unschedulable',
    input: { deployment: dep(1, 0), pods: [pod([], {}, [{ type: 'PodScheduled', status: 'False', message: 'no nodes' }])] },
    resourcesAvailable: F('Unschedulable', 'no nodes'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'second container failing: its name in the message; containers inspected in spec order',
    input: {
      deployment: dep(1, 0),
      containers: ['app', 'sidecar'],
      pods: [pod([waiting('sidecar', 'ImagePullBackOff', 'Back-off pulling image "x/sidecar"'), waiting('app', 'ContainerCreating')])],
    },
    resourcesAvailable: F('ImagePullBackOff', 'Container "sidecar": Back-off pulling image "x/sidecar"'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'a terminated container wins over another container\'s image error (upstream: terminated first)',
    input: {
      deployment: dep(1, 0),
      containers: ['app', 'sidecar'],
      pods: [pod([waiting('app', 'ImagePullBackOff', 'Back-off'), { ...running('sidecar'), lastState: { terminated: { exitCode: 3, message: 'boom' } } }])],
    },
    resourcesAvailable: DEPLOYING,
    containerHealthy: F('ExitCode3', 'Container "sidecar" failed with: boom'),
  },
  {
    name: 'pods are not inspected while a replica is available (a crashing extra pod does not fail the revision)',
    input: { deployment: dep(2, 1), pods: [pod([waiting('user-container', 'ImagePullBackOff', 'Back-off')])] },
    resourcesAvailable: TRUE,
    containerHealthy: TRUE,
  },
  {
    name: 'a terminating pod is ignored; the newest live pod decides',
    input: {
      deployment: dep(1, 0),
      pods: [
        pod([waiting('user-container', 'ErrImagePull', 'old')], { name: 'a', creationTimestamp: T0, deletionTimestamp: T1 }),
        pod([waiting('user-container', 'ImagePullBackOff', 'new')], { name: 'b', creationTimestamp: T1 }),
        pod([waiting('user-container', 'ErrImagePull', 'older')], { name: 'c', creationTimestamp: T0 }),
      ],
    },
    resourcesAvailable: F('ImagePullBackOff', 'Container "user-container": new'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'after the progress deadline any waiting reason explains it (ContainerCreating, no kubelet message)',
    input: { deployment: dep(1, 0, [deadline]), pods: [pod([waiting('user-container', 'ContainerCreating')])] },
    resourcesAvailable: F('ContainerCreating', 'Container "user-container": ContainerCreating'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'Deployment Progressing False without pods: the Deployment\'s reason and message',
    input: { deployment: dep(1, 0, [deadline]) },
    resourcesAvailable: F('ProgressDeadlineExceeded', deadline.message),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'ReplicaFailure True (e.g. quota): False with its reason',
    input: { deployment: dep(1, 0, [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota' }]) },
    resourcesAvailable: F('FailedCreate', 'pods "x" is forbidden: exceeded quota'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'autoscaler inactive before the initial scale was reached: "Initial scale was never achieved" (overrides a pod reason)',
    input: {
      deployment: dep(1, 0),
      pods: [pod([waiting('user-container', 'ImagePullBackOff', 'Back-off')])],
      autoscaler: { inactive: true, scaleTargetInitialized: false },
    },
    resourcesAvailable: F('ProgressDeadlineExceeded', 'Initial scale was never achieved'),
    containerHealthy: DEPLOYING,
  },
  {
    name: 'autoscaler inactive after the initial scale was reached (scaled to zero): not a failure',
    input: { deployment: dep(0, 0), autoscaler: { inactive: true, scaleTargetInitialized: true } },
    resourcesAvailable: TRUE,
    containerHealthy: TRUE,
  },
  {
    name: 'ContainerHealthy that was True stays True while pods come up again',
    input: { deployment: dep(1, 0), pods: [pod([waiting('user-container', 'ContainerCreating')])], previousContainerHealthy: 'True' },
    resourcesAvailable: DEPLOYING,
    containerHealthy: TRUE,
  },
  {
    name: '… but turns False when a container of the new pods keeps crashing',
    input: {
      deployment: dep(1, 0),
      pods: [pod([{ ...waiting('user-container', 'CrashLoopBackOff'), lastState: { terminated: { exitCode: 1, message: 'bad config' } } }])],
      previousContainerHealthy: 'True',
    },
    resourcesAvailable: DEPLOYING,
    containerHealthy: F('ExitCode1', 'Container "user-container" failed with: bad config'),
  },
];

describe('revisionHealth: Revision conditions from the Deployment, its pods and the autoscaler', () => {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const got = revisionHealth({ deployment: { spec: { replicas: 1 } }, pods: [], containers: ['user-container'], ...r.input });
    expect(got).toEqual({ resourcesAvailable: r.resourcesAvailable, containerHealthy: r.containerHealthy });
  });
});
