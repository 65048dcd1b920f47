/**
 * Traffic rules (reference §7.2 T1–T9, §3.2 S4–S5).
 */
import { dns1035Errors, qualifiedNameErrors } from './formats';
import { checkFields, getBool, getInt, getStr, isObj, Obj, wrongType } from './util';
import { at, ix, Sink, Violation } from './violation';

const TARGET_FIELDS = ['tag', 'revisionName', 'configurationName', 'latestRevision', 'percent', 'url'];

export interface TrafficOptions {
  /** Service traffic: configurationName forbidden, revisionName optional. */
  service?: boolean;
  /** Path of the traffic list (default `spec.traffic`). */
  path?: string;
}

function refName(sink: Sink, t: Obj, key: string, path: string): string {
  const v = getStr(sink, t, key, path) ?? '';
  if (v && qualifiedNameErrors(v).length) {
    sink.error(at(path, key), `invalid key name "${v}"`, v, `Use a valid Kubernetes name for ${key}.`);
  }
  return v;
}

function target(sink: Sink, t: Obj, path: string, service: boolean): { tag: string; percent: number } {
  checkFields(sink, t, path, 'TrafficTarget', TARGET_FIELDS);
  // Knative rejects a url whose text is not empty (apis.URL: "" decodes to the empty URL).
  if (t.url !== undefined && t.url !== null && t.url !== '') {
    sink.disallowed(at(path, 'url'), t.url, 'Remove url; Knative fills it in status for tagged targets.');
  }
  const rev = refName(sink, t, 'revisionName', path);
  const cfg = service ? '' : refName(sink, t, 'configurationName', path);
  if (service && t.configurationName !== undefined && t.configurationName !== null && t.configurationName !== '') {
    sink.disallowed(at(path, 'configurationName'), t.configurationName,
      'Remove configurationName; Service traffic targets its own Configuration (omit revisionName for the latest).');
  }
  if (!service && rev && cfg) {
    sink.error(path, 'expected exactly one, got both', { revisionName: rev, configurationName: cfg }, 'Set either revisionName or configurationName, not both.');
  } else if (!service && !rev && !cfg) {
    sink.error(path, 'expected exactly one, got neither', undefined, 'Set revisionName or configurationName.');
  }
  const latest = getBool(sink, t, 'latestRevision', path);
  if (latest !== undefined && latest === (rev !== '')) {
    sink.error(at(path, 'latestRevision'), `may not set revisionName "${rev}" when latestRevision is ${latest}`, latest,
      latest ? 'Remove revisionName, or set latestRevision: false.' : 'Set revisionName, or set latestRevision: true.');
  }
  const percent = getInt(sink, t, 'percent', path);
  if (percent !== undefined && (percent < 0 || percent > 100)) sink.outOfBounds(at(path, 'percent'), percent, 0, 100);
  const tag = getStr(sink, t, 'tag', path) ?? '';
  if (tag) {
    const errs = dns1035Errors(tag);
    if (errs.length) {
      sink.error(at(path, 'tag'), `invalid value: not a DNS 1035 label: [${errs.join(' ')}]`, tag,
        'Use a tag of lowercase letters, digits and "-", starting with a letter (≤ 63 chars).');
    }
  }
  return { tag, percent: percent ?? 0 };
}

/** Internal: traffic list rules into a sink. */
export function trafficRules(sink: Sink, traffic: unknown, opts: TrafficOptions = {}): void {
  const path = opts.path ?? 'spec.traffic';
  if (traffic !== undefined && traffic !== null && !Array.isArray(traffic)) {
    wrongType(sink, path, traffic, 'array');
    return;
  }
  const list = (traffic ?? []) as unknown[];
  const tags = new Map<string, number>();
  // The percents as written (unset ones count 0), shown with a wrong sum: the sum itself is not
  // a value the user wrote.
  const percents: number[] = [];
  let sum = 0;
  list.forEach((t, i) => {
    const p = ix(path, i);
    if (!isObj(t)) {
      wrongType(sink, p, t, 'object');
      return;
    }
    const { tag, percent } = target(sink, t, p, !!opts.service);
    sum += percent;
    if (typeof t.percent === 'number') percents.push(t.percent);
    if (!tag) return;
    const first = tags.get(tag);
    if (first === undefined) {tags.set(tag, i);} else {
      const fix = `Use each tag only once (also used by ${ix(path, first)}).`;
      sink.error(at(p, 'tag'), `Multiple definitions for "${tag}"`, tag, fix);
      sink.error(at(ix(path, first), 'tag'), `Multiple definitions for "${tag}"`, tag, `Use each tag only once (also used by ${p}).`);
    }
  });
  if (sum !== 100) {
    sink.error(path, `Traffic targets sum to ${sum}, want 100`, list.length > 0 ? percents : undefined, 'Make the traffic percents add up to exactly 100.');
  }
}

/** Validate a traffic list (Route spec, or Service spec with `service: true`). */
export function validateTraffic(traffic: unknown, opts: TrafficOptions = {}): Violation[] {
  const sink = new Sink();
  trafficRules(sink, traffic, opts);
  return sink.list;
}
