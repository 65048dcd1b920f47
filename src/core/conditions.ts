/**
 * Knative "living condition sets" (reference §2.4), a faithful port of knative.dev/pkg/apis
 * ConditionSet/ConditionManager. The clock is always passed in.
 */
import { Condition, ConditionStatus } from './types';

export type Clock = Date | string;

/** Anything with a `conditions` array (a Knative status). Mutated in place. */
export interface ConditionsHolder {
  conditions?: Condition[];
  [key: string]: unknown;
}

/** Minimal object shape for readiness checks. */
export interface StatusObject {
  metadata?: { generation?: number; [key: string]: unknown };
  status?: { observedGeneration?: number; conditions?: Condition[]; [key: string]: unknown };
}

/** RFC 3339 UTC with second precision (what metav1.Time serialises to). */
export function formatTime(now: Clock): string {
  const d = typeof now === 'string' ? new Date(now) : now;
  if (isNaN(d.getTime())) throw new Error(`invalid time ${String(now)}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function timeValue(c: Condition): number {
  if (!c.lastTransitionTime) return 0;
  const t = Date.parse(c.lastTransitionTime);
  return isNaN(t) ? 0 : t;
}

function sameCondition(a: Condition, b: Condition): boolean {
  return a.type === b.type && a.status === b.status && (a.severity ?? '') === (b.severity ?? '') &&
    (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '');
}

export const READY = 'Ready';
export const NEW_OBSERVED_GEN_FAILURE = 'NewObservedGenFailure';

export class ConditionSet {
  public readonly happy: string;
  public readonly dependents: readonly string[];

  constructor(happy: string, dependents: string[]) {
    this.happy = happy;
    this.dependents = [...new Set(dependents.filter(d => d !== happy))];
  }

  /** Happy condition or one of the dependents (severity Error). */
  isTerminal(type: string): boolean {
    return type === this.happy || this.dependents.includes(type);
  }

  private severity(type: string): '' | 'Info' {
    return this.isTerminal(type) ? '' : 'Info';
  }

  get(status: ConditionsHolder | undefined, type: string): Condition | undefined {
    return status?.conditions?.find(c => c.type === type);
  }

  /**
   * Knative SetCondition: replaces the condition of that type, keeping lastTransitionTime if
   * nothing else changed; otherwise stamps `now`. Keeps the list sorted by type.
   */
  setCondition(status: ConditionsHolder, cond: Condition, now?: Clock): void {
    const next: Condition = { type: cond.type, status: cond.status };
    if (cond.severity) next.severity = cond.severity;
    if (cond.reason) next.reason = cond.reason;
    if (cond.message) next.message = cond.message;
    const others: Condition[] = [];
    for (const c of status.conditions ?? []) {
      if (c.type !== next.type) {
        others.push(c);
      } else {
        const candidate = { ...next };
        if (c.lastTransitionTime !== undefined) candidate.lastTransitionTime = c.lastTransitionTime;
        if (sameCondition(candidate, c)) return;
      }
    }
    const stamped: Condition = { type: next.type, status: next.status };
    if (next.severity) stamped.severity = next.severity;
    if (now !== undefined) stamped.lastTransitionTime = formatTime(now);
    if (next.reason) stamped.reason = next.reason;
    if (next.message) stamped.message = next.message;
    others.push(stamped);
    others.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    status.conditions = others;
  }

  private make(type: string, s: ConditionStatus, reason?: string, message?: string): Condition {
    const c: Condition = { type, status: s };
    const sev = this.severity(type);
    if (sev) c.severity = sev;
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  }

  /**
   * InitializeConditions: add `Ready` (Unknown) if missing; add each missing dependent as True
   * when Ready is True, else Unknown.
   */
  initialize(status: ConditionsHolder, now?: Clock): void {
    let happy = this.get(status, this.happy);
    if (!happy) {
      this.setCondition(status, { type: this.happy, status: 'Unknown' }, now);
      happy = this.get(status, this.happy)!;
    }
    const s: ConditionStatus = happy.status === 'True' ? 'True' : 'Unknown';
    for (const d of this.dependents) {
      if (!this.get(status, d)) this.setCondition(status, { type: d, status: s }, now);
    }
  }

  markTrue(status: ConditionsHolder, type: string, now: Clock): void {
    this.setCondition(status, this.make(type, 'True'), now);
    this.recomputeHappiness(status, type, now);
  }

  markTrueWithReason(status: ConditionsHolder, type: string, reason: string, message: string, now: Clock): void {
    this.setCondition(status, this.make(type, 'True', reason, message), now);
    this.recomputeHappiness(status, type, now);
  }

  markFalse(status: ConditionsHolder, type: string, reason: string, message: string, now: Clock): void {
    const types: string[] = [];
    if (this.dependents.includes(type)) types.push(this.happy);
    types.push(type);
    for (const t of types) this.setCondition(status, this.make(t, 'False', reason, message), now);
  }

  markUnknown(status: ConditionsHolder, type: string, reason: string, message: string, now: Clock): void {
    this.setCondition(status, this.make(type, 'Unknown', reason, message), now);
    let isDependent = false;
    for (const d of this.dependents) {
      const c = this.get(status, d);
      if (c?.status === 'False') {
        const happy = this.get(status, this.happy);
        if (happy?.status !== 'False') this.markFalse(status, this.happy, reason, message, now);
        return;
      }
      if (d === type) isDependent = true;
    }
    if (isDependent) this.setCondition(status, this.make(this.happy, 'Unknown', reason, message), now);
  }

  private recomputeHappiness(status: ConditionsHolder, type: string, now: Clock): void {
    const c = this.findUnhappyDependent(status);
    if (c) {
      this.setCondition(status, this.make(this.happy, c.status, c.reason, c.message), now);
    } else if (type !== this.happy) {
      this.setCondition(status, this.make(this.happy, 'True'), now);
    }
  }

  private findUnhappyDependent(status: ConditionsHolder): Condition | undefined {
    if (this.dependents.length === 0) return undefined;
    const conds = (status.conditions ?? [])
      .filter(c => (c.severity ?? '') === '' && c.type !== this.happy)
      .map((c, i) => ({ c, i }))
      // most recent transition first; stable for equal timestamps
      .sort((a, b) => (timeValue(b.c) - timeValue(a.c)) || (a.i - b.i))
      .map(x => x.c);
    const f = conds.find(c => c.status === 'False');
    if (f) return f;
    const u = conds.find(c => c.status === 'Unknown');
    if (u) return u;
    if (this.dependents.length > conds.length) return { type: '', status: 'Unknown' };
    return undefined;
  }

  /** The happy condition of a status. */
  getTopLevel(status: ConditionsHolder | undefined): Condition | undefined {
    return this.get(status, this.happy);
  }

  /** Happy condition True (ignores generations; see `isReady`). */
  isHappy(status: ConditionsHolder | undefined): boolean {
    return this.get(status, this.happy)?.status === 'True';
  }

  /** `observedGeneration == generation` ∧ Ready True. */
  isReady(obj: StatusObject | undefined): boolean {
    return !!obj && generationObserved(obj) && this.isHappy(obj.status as ConditionsHolder);
  }

  /** `observedGeneration == generation` ∧ Ready False. */
  isFailed(obj: StatusObject | undefined): boolean {
    return !!obj && generationObserved(obj) && this.get(obj.status as ConditionsHolder, this.happy)?.status === 'False';
  }

  /**
   * Reconcile-framework pre-step: initialize conditions; on a new generation mark Ready Unknown
   * `NewObservedGenFailure` ("unsuccessfully observed a new generation").
   */
  beginReconcile(obj: StatusObject, now: Clock): void {
    const status = (obj.status ??= {}) as ConditionsHolder;
    this.initialize(status, now);
    if ((obj.metadata?.generation ?? 0) !== (obj.status.observedGeneration ?? 0)) {
      this.markUnknown(status, this.happy, NEW_OBSERVED_GEN_FAILURE, 'unsuccessfully observed a new generation', now);
    }
  }

  /** Reconcile-framework post-step (success or failure): `status.observedGeneration = generation`. */
  endReconcile(obj: StatusObject): void {
    const status = (obj.status ??= {});
    status.observedGeneration = obj.metadata?.generation ?? 0;
  }
}

function generationObserved(obj: StatusObject): boolean {
  return (obj.metadata?.generation ?? 0) === (obj.status?.observedGeneration ?? 0);
}

// Condition types per kind
export const SERVICE_CONDITION_CONFIGURATIONS_READY = 'ConfigurationsReady';
export const SERVICE_CONDITION_ROUTES_READY = 'RoutesReady';
export const REVISION_CONDITION_RESOURCES_AVAILABLE = 'ResourcesAvailable';
export const REVISION_CONDITION_CONTAINER_HEALTHY = 'ContainerHealthy';
export const REVISION_CONDITION_ACTIVE = 'Active';
export const ROUTE_CONDITION_ALL_TRAFFIC_ASSIGNED = 'AllTrafficAssigned';
export const ROUTE_CONDITION_INGRESS_READY = 'IngressReady';
export const ROUTE_CONDITION_CERTIFICATE_PROVISIONED = 'CertificateProvisioned';
export const DOMAIN_MAPPING_CONDITION_DOMAIN_CLAIMED = 'DomainClaimed';
export const DOMAIN_MAPPING_CONDITION_REFERENCE_RESOLVED = 'ReferenceResolved';
export const DOMAIN_MAPPING_CONDITION_INGRESS_READY = 'IngressReady';
export const DOMAIN_MAPPING_CONDITION_CERTIFICATE_PROVISIONED = 'CertificateProvisioned';

export const SERVICE_CONDITIONS = new ConditionSet(READY, [SERVICE_CONDITION_CONFIGURATIONS_READY, SERVICE_CONDITION_ROUTES_READY]);
export const CONFIGURATION_CONDITIONS = new ConditionSet(READY, []);
/** `Active` is not a dependent: it gets severity Info and never affects Ready. */
export const REVISION_CONDITIONS = new ConditionSet(READY, [REVISION_CONDITION_RESOURCES_AVAILABLE, REVISION_CONDITION_CONTAINER_HEALTHY]);
export const ROUTE_CONDITIONS = new ConditionSet(READY, [
  ROUTE_CONDITION_ALL_TRAFFIC_ASSIGNED, ROUTE_CONDITION_INGRESS_READY, ROUTE_CONDITION_CERTIFICATE_PROVISIONED,
]);
export const DOMAIN_MAPPING_CONDITIONS = new ConditionSet(READY, [
  DOMAIN_MAPPING_CONDITION_DOMAIN_CLAIMED, DOMAIN_MAPPING_CONDITION_REFERENCE_RESOLVED,
  DOMAIN_MAPPING_CONDITION_INGRESS_READY, DOMAIN_MAPPING_CONDITION_CERTIFICATE_PROVISIONED,
]);
