/**
 * Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
 * (metadata.name / metadata.namespace, =, ==, !=) as kube-apiserver parses them.
 */
import { badRequest } from './errors';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export type FieldRequirement = { field: string; op: '=' | '!='; value: string };

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

const KEY = /^([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector) return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTop(selector)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v.length > 0);
      reqs.push({ key: checkKey(m[1], selector), op: m[2] as 'in' | 'notin', values });
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part))) {
      const key = checkKey(m[1], selector);
      const value = m[3].trim();
      reqs.push({ key, op: m[2] === '!=' ? 'notin' : 'in', values: [value] });
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      reqs.push({ key: checkKey(m[1], selector), op: '!exists' });
    } else if (/^\S+$/.test(part)) {
      reqs.push({ key: checkKey(part, selector), op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return reqs;
}

export function matchesLabels(labels: Record<string, string> | undefined, reqs: LabelRequirement[]): boolean {
  const l = labels ?? {};
  for (const req of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    switch (req.op) {
      case 'exists': if (!has) return false; break;
      case '!exists': if (has) return false; break;
      case 'in': if (!has || !req.values.includes(l[req.key])) return false; break;
      case 'notin': if (has && req.values.includes(l[req.key])) return false; break;
    }
  }
  return true;
}

const FIELDS = ['metadata.name', 'metadata.namespace'];

export function parseFieldSelector(selector: string | undefined, extraFields: string[] = []): FieldRequirement[] {
  if (!selector) return [];
  const reqs: FieldRequirement[] = [];
  for (const part of splitTop(selector)) {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    if (!FIELDS.includes(m[1]) && !extraFields.includes(m[1])) {
      throw badRequest(`field label not supported: ${m[1]}`);
    }
    reqs.push({ field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return reqs;
}

function fieldValue(obj: any, path: string): string {
  let cur = obj;
  for (const p of path.split('.')) cur = cur?.[p];
  return cur === undefined || cur === null ? '' : String(cur);
}

export function matchesFields(obj: unknown, reqs: FieldRequirement[]): boolean {
  for (const req of reqs) {
    const v = fieldValue(obj, req.field);
    if (req.op === '=' ? v !== req.value : v === req.value) return false;
  }
  return true;
}
