import { SeccompProfile } from 'cdk8s-plus-28';
import { KnativeError } from './errors';

/**
 * How a toleration matches a taint.
 */
export enum TolerationOperator {
  /** The taint's key and value must equal the toleration's. */
  EQUAL = 'Equal',
  /** Any value of the taint's key (or any taint, without a key). */
  EXISTS = 'Exists',
}

/**
 * The taint effect a toleration matches.
 */
export enum TolerationEffect {
  /** Pods that do not tolerate the taint are not scheduled on the node. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler tries to avoid the node. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Pods that do not tolerate the taint are evicted. */
  NO_EXECUTE = 'NoExecute',
}

/**
 * A pod toleration of the revision (requires `KnativeFeature.TOLERATIONS`).
 */
export interface RevisionToleration {
  /**
   * Taint key.
   * @default - every key (only with `TolerationOperator.EXISTS`)
   */
  readonly key?: string;

  /**
   * How to match.
   * @default TolerationOperator.EQUAL
   */
  readonly operator?: TolerationOperator;

  /**
   * Taint value (with `TolerationOperator.EQUAL`).
   * @default - empty
   */
  readonly value?: string;

  /**
   * Taint effect to match.
   * @default - every effect
   */
  readonly effect?: TolerationEffect;

  /**
   * How long the pod stays bound to a node with a matching `NoExecute` taint.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/**
 * The pod security context Knative accepts (requires `KnativeFeature.POD_SECURITY_CONTEXT`;
 * with only `secure-pod-defaults` enabled, Knative accepts just `seccompProfile`).
 */
export interface PodSecurityContextProps {
  /**
   * User id of the containers' processes.
   * @default - image default
   */
  readonly runAsUser?: number;

  /**
   * Group id of the containers' processes.
   * @default - image default
   */
  readonly runAsGroup?: number;

  /**
   * Require a non-root user.
   * @default - not required
   */
  readonly runAsNonRoot?: boolean;

  /**
   * Group owning mounted volumes.
   * @default - none
   */
  readonly fsGroup?: number;

  /**
   * Extra groups of the containers' processes.
   * @default - none
   */
  readonly supplementalGroups?: number[];

  /**
   * Seccomp profile of the pod.
   * @default - none rendered
   */
  readonly seccompProfile?: SeccompProfile;
}

const MAX_ID = 2147483647;

/**
 * Render tolerations, checking what Kubernetes would reject. Errors are path-less; the template
 * constructor calling this locates them at its construct.
 * @internal
 */
export function _renderTolerations(tolerations: readonly RevisionToleration[]): Array<Record<string, unknown>> {
  return tolerations.map((t, i) => {
    const at = `tolerations[${i}]`;
    const operator = t.operator ?? TolerationOperator.EQUAL;
    if (operator === TolerationOperator.EXISTS && t.value !== undefined && t.value !== '') {
      throw new KnativeError(undefined, {
        field: `${at}.value`,
        message: 'must be empty with operator Exists (Kubernetes rejects it)',
        value: t.value,
        fix: 'Remove value, or use TolerationOperator.EQUAL.',
      });
    }
    if (t.key === undefined && operator !== TolerationOperator.EXISTS) {
      throw new KnativeError(undefined, {
        field: `${at}.operator`,
        message: 'a toleration without key must use operator Exists (Kubernetes rejects it)',
        // The operator only when written (Equal is the default).
        ...(t.operator !== undefined ? { value: t.operator } : {}),
        fix: 'Set key, or operator: TolerationOperator.EXISTS.',
      });
    }
    if (t.tolerationSeconds !== undefined) {
      if (!Number.isInteger(t.tolerationSeconds)) {
        throw new KnativeError(undefined, {
          field: `${at}.tolerationSeconds`,
          message: 'must be a whole number of seconds',
          value: t.tolerationSeconds,
          shown: String(t.tolerationSeconds),
          fix: 'Use e.g. 300.',
        });
      }
      if (t.effect !== TolerationEffect.NO_EXECUTE) {
        throw new KnativeError(undefined, {
          field: `${at}.tolerationSeconds`,
          message: `only applies to effect NoExecute (the toleration has ${t.effect === undefined ? 'no effect, i.e. every effect' : `effect ${t.effect}`})`,
          value: t.tolerationSeconds,
          fix: 'Set effect: TolerationEffect.NO_EXECUTE, or remove tolerationSeconds.',
        });
      }
    }
    const out: Record<string, unknown> = {};
    if (t.key !== undefined) out.key = t.key;
    if (t.operator !== undefined) out.operator = t.operator;
    if (t.value !== undefined) out.value = t.value;
    if (t.effect !== undefined) out.effect = t.effect;
    if (t.tolerationSeconds !== undefined) out.tolerationSeconds = t.tolerationSeconds;
    return out;
  });
}

/**
 * Render a pod security context, checking ids (path-less errors, located by the template).
 * @internal
 */
export function _renderPodSecurityContext(sc: PodSecurityContextProps): Record<string, unknown> {
  const id = (name: string, v: number | undefined): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > MAX_ID)) {
      throw new KnativeError(undefined, {
        field: `podSecurityContext.${name}`,
        message: `must be a whole number between 0 and ${MAX_ID}`,
        value: v,
        shown: String(v),
        fix: `Use an id between 0 and ${MAX_ID}, e.g. 1000.`,
      });
    }
  };
  id('runAsUser', sc.runAsUser);
  id('runAsGroup', sc.runAsGroup);
  id('fsGroup', sc.fsGroup);
  (sc.supplementalGroups ?? []).forEach((g, i) => id(`supplementalGroups[${i}]`, g));
  const out: Record<string, unknown> = {};
  if (sc.runAsUser !== undefined) out.runAsUser = sc.runAsUser;
  if (sc.runAsGroup !== undefined) out.runAsGroup = sc.runAsGroup;
  if (sc.runAsNonRoot !== undefined) out.runAsNonRoot = sc.runAsNonRoot;
  if (sc.fsGroup !== undefined) out.fsGroup = sc.fsGroup;
  if (sc.supplementalGroups !== undefined && sc.supplementalGroups.length) out.supplementalGroups = [...sc.supplementalGroups];
  if (sc.seccompProfile !== undefined) {
    const p: Record<string, unknown> = { type: sc.seccompProfile.type };
    if (sc.seccompProfile.localhostProfile !== undefined) p.localhostProfile = sc.seccompProfile.localhostProfile;
    out.seccompProfile = p;
  }
  return out;
}
