/**
 * The labeler's view of what a Route references (reconcilers/labeler.ts `referenced`): spec and
 * status traffic, each latestRevision Configuration's newest revision, and every revision of the
 * Route's rollout state (a tag's own host can still serve one that status.traffic no longer shows).
 */
import { ROLLOUT_STATE_ANNOTATION, serializeRollout } from '../../../src/core/rollout';
import type { ConfigurationObject, RevisionObject, RouteObject } from '../../../src/core/types';
import { referenced } from '../../../src/runtime/controller/reconcilers/labeler';

const NONE = { startTime: 0, nextStepTime: 0, stepDuration: 0, stepSize: 0 };
const configs: Record<string, ConfigurationObject> = {
  web: { metadata: { name: 'web' }, status: { latestCreatedRevisionName: 'web-3', latestReadyRevisionName: 'web-3' } } as ConfigurationObject,
};
const revs: Record<string, RevisionObject> = Object.fromEntries(['web-1', 'web-2', 'web-3', 'pinned-1'].map((n) => [n, {
  metadata: { name: n, labels: { 'serving.knative.dev/configuration': n.startsWith('web') ? 'web' : 'pinned' } },
} as unknown as RevisionObject]));

const route = (annotations?: Record<string, string>): RouteObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Route',
  metadata: { name: 'r', namespace: 'default' },
  spec: { traffic: [{ revisionName: 'pinned-1', percent: 100 }, { tag: 'latest', configurationName: 'web', percent: 0 }] },
  status: {
    traffic: [{ revisionName: 'pinned-1', percent: 100, latestRevision: false }, { tag: 'latest', revisionName: 'web-3', percent: 0, latestRevision: true }],
    ...(annotations ? { annotations } : {}),
  },
});

describe('referenced', () => {
  test('spec and status traffic, and the newest revision of a latestRevision Configuration', () => {
    const got = referenced(route(), (n) => configs[n], (n) => revs[n]);
    expect([...got.revisions].sort()).toEqual(['pinned-1', 'web-3']);
    expect([...got.configs].sort()).toEqual(['pinned', 'web']);
  });

  test('a tag rolling from older revisions keeps them referenced, though status.traffic shows only the newest', () => {
    const state = serializeRollout({
      configurations: [{
        configurationName: 'web',
        tag: 'latest',
        percent: 100,
        revisions: [{ revisionName: 'web-1', percent: 60 }, { revisionName: 'web-2', percent: 30 }, { revisionName: 'web-3', percent: 10 }],
        stepParams: NONE,
      }],
    });
    const got = referenced(route({ [ROLLOUT_STATE_ANNOTATION]: state }), (n) => configs[n], (n) => revs[n]);
    expect([...got.revisions].sort()).toEqual(['pinned-1', 'web-1', 'web-2', 'web-3']);
    // an unreadable state adds nothing
    expect([...referenced(route({ [ROLLOUT_STATE_ANNOTATION]: '{' }), (n) => configs[n], (n) => revs[n]).revisions].sort()).toEqual(['pinned-1', 'web-3']);
  });
});
