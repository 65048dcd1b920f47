/**
 * JSON merge patch (RFC 7386), JSON patch (RFC 6902). Strategic merge patch is treated as merge
 * patch (documented gap: list merge keys are not honoured; lists are replaced).
 */
import { badRequest, apiError } from './errors';

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepClone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(tok: string): string {
  return tok.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`invalid JSON pointer: ${p}`);
  return p.slice(1).split('/').map(unescape);
}

function resolveParent(doc: any, tokens: string[], path: string): { parent: any; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw apiError(422, `jsonpatch: path ${path} does not exist (missing ${t})`, 'Invalid');
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: any, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean, path: string): number {
  if (key === '-' && forAdd) return arr.length;
  const i = Number(key);
  if (!/^\d+$/.test(key) || i > arr.length || (!forAdd && i >= arr.length)) {
    throw apiError(422, `jsonpatch: index ${key} out of bounds for ${path}`, 'Invalid');
  }
  return i;
}

function removeAt(doc: any, path: string): unknown {
  const tokens = parsePointer(path);
  const { parent, key } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false, path);
    return parent.splice(i, 1)[0];
  }
  if (!isPlainObject(parent) || !(key in parent)) {
    throw apiError(422, `jsonpatch remove operation does not apply: doc is missing path: "${path}"`, 'Invalid');
  }
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: any, path: string, value: unknown, replace: boolean): any {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return deepClone(value);
  const { parent, key } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, !replace, path);
    if (replace) parent[i] = deepClone(value);
    else parent.splice(i, 0, deepClone(value));
  } else if (isPlainObject(parent)) {
    if (replace && !(key in parent)) {
      throw apiError(422, `jsonpatch replace operation does not apply: doc is missing key: "${path}"`, 'Invalid');
    }
    parent[key] = deepClone(value);
  } else {
    throw apiError(422, `jsonpatch: path ${path} does not exist`, 'Invalid');
  }
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc: any = deepClone(target);
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest(`invalid json patch operation: ${JSON.stringify(op)}`);
    }
    switch (op.op) {
      case 'add': doc = addAt(doc, op.path, op.value, false); break;
      case 'replace': doc = addAt(doc, op.path, op.value, true); break;
      case 'remove': removeAt(doc, op.path); break;
      case 'move': {
        const v = removeAt(doc, op.from);
        doc = addAt(doc, op.path, v, false);
        break;
      }
      case 'copy': doc = addAt(doc, op.path, getAt(doc, op.from), false); break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) {
          throw apiError(422, `testing value ${op.path} failed: test operation failed`, 'Invalid');
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
