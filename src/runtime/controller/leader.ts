/**
 * Lease-based leader election (coordination.k8s.io/v1), following client-go's leaderelection:
 * acquire when the Lease is free/expired, renew every `retryPeriodMs`, give up leadership when a
 * renewal has not succeeded within `renewDeadlineMs`, release (holderIdentity cleared) on stop.
 * Optimistic concurrency (resourceVersion) makes two candidates racing for the same Lease safe:
 * the loser gets a 409 and stays a follower.
 */
import { KubeClient, R, isConflict } from './client';
import { Clock, microTime, realClock } from './clock';
import type { KubeObject } from '../../core/types';
import { Logger, silentLogger } from '../common/log';

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface LeaseObject extends KubeObject {
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private lastRenew = 0;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private tickRunning?: Promise<void>;

  constructor(private readonly client: KubeClient, private readonly opts: LeaderElectorOptions) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ component: 'leader-election', identity: opts.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tickRunning = this.tick().finally(() => {
        this.tickRunning = undefined;
        this.schedule(this.retryMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (e) {
      this.log.warn('lease acquire/renew failed', { error: e });
    }
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading && !this.stopped) {
        this.leading = true;
        this.log.info('became leader');
        this.opts.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.log.warn('lost leadership (renew deadline exceeded)');
      this.opts.onStoppedLeading();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const existing = await this.client.get<LeaseObject>(R.leases, namespace, name);
    const durationSeconds = Math.max(1, Math.round(this.leaseMs / 1000));
    if (!existing) {
      const lease: LeaseObject = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        await this.client.create(R.leases, lease);
        return true;
      } catch (e) {
        if (isConflict(e)) return false;
        throw e;
      }
    }
    const spec = existing.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = !holder || renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < now.getTime();
    if (holder !== identity && !expired) return false;
    const next: LeaseObject = {
      ...existing,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        acquireTime: holder === identity ? spec.acquireTime : microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      },
    };
    try {
      await this.client.update(R.leases, next);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  /** Stop campaigning; if leading, call onStoppedLeading and release the Lease. */
  async stop(release = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tickRunning;
    const wasLeading = this.leading;
    this.leading = false;
    if (wasLeading) {
      this.opts.onStoppedLeading();
      if (release) await this.release();
    }
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.opts;
    try {
      const existing = await this.client.get<LeaseObject>(R.leases, namespace, name);
      if (!existing || existing.spec?.holderIdentity !== identity) return;
      await this.client.update(R.leases, {
        ...existing,
        spec: { ...existing.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()), acquireTime: null },
      });
      this.log.info('released lease');
    } catch (e) {
      this.log.warn('lease release failed', { error: e });
    }
  }
}
