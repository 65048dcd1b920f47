/** config-gc: revision garbage collection. */
import { Reader } from './reader';
import { defaultServingConfig, GcConfig } from './types';

export function parseGc(data: Record<string, string>): GcConfig {
  const r = new Reader('config-gc', data);
  const g = defaultServingConfig().gc;
  g.retainSinceCreateTimeSeconds = r.durationOrDisabled(g.retainSinceCreateTimeSeconds, 'retain-since-create-time');
  g.retainSinceLastActiveTimeSeconds = r.durationOrDisabled(g.retainSinceLastActiveTimeSeconds, 'retain-since-last-active-time');
  g.minNonActiveRevisions = r.int(g.minNonActiveRevisions, 'min-non-active-revisions');
  const mx = r.raw('max-non-active-revisions');
  if (mx !== undefined) {
    if (mx.value.trim().toLowerCase() === 'disabled') {
      g.maxNonActiveRevisions = null;
    } else {
      g.maxNonActiveRevisions = r.int(0, 'max-non-active-revisions');
      if (g.maxNonActiveRevisions < 0) {
        r.fail('max-non-active-revisions', mx.value, 'must be non-negative or "disabled"', 'use e.g. "1000" or "disabled"');
      }
    }
  }
  if (g.minNonActiveRevisions < 0) {
    r.fail('min-non-active-revisions', String(g.minNonActiveRevisions), 'must be non-negative', 'use e.g. "20"');
  }
  if (g.maxNonActiveRevisions !== null && g.minNonActiveRevisions > g.maxNonActiveRevisions) {
    r.fail('min-non-active-revisions', String(g.minNonActiveRevisions),
      `must be ≤ max-non-active-revisions (${g.maxNonActiveRevisions})`, 'lower min-non-active-revisions or raise max-non-active-revisions');
  }
  return g;
}
