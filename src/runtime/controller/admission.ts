/**
 * In-memory admission for the reconcilers (Knative applies SetDefaults before reconciling and
 * relies on the webhook for validation). Invalid objects get `Ready=False` with a clear message
 * instead of crashing the controller.
 */
import type { ServingConfig } from '../../core/config';
import { applyDefaults, formatViolation, validate } from '../../core/rules';
import type { KubeObject } from '../../core/types';

export function defaulted<T extends KubeObject>(obj: T, cfg: ServingConfig): T {
  try {
    return applyDefaults(obj, { config: cfg as any, operation: 'create' });
  } catch {
    return obj;
  }
}

/** Error-severity violations of the defaulted object as one message, or undefined when valid. */
export function invalidMessage(obj: KubeObject, cfg: ServingConfig): string | undefined {
  let violations;
  try {
    // Knative applies SetDefaults in memory before reconciling; validate what it would see.
    violations = validate(defaulted(obj, cfg), { config: cfg as any, operation: 'create' });
  } catch (e) {
    return `validation failed: ${(e as Error).message}`;
  }
  const errors = violations.filter((v) => (v.severity ?? 'error') === 'error');
  if (errors.length === 0) return undefined;
  return errors.map((v) => formatViolation(v)).join('; ');
}
