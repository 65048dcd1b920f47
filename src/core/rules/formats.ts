/**
 * Value formats used by Knative validation: DNS names with k8s apimachinery's messages
 * (predicates come from ../names), qualified names, k8s quantities and image references.
 */
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, QUALIFIED_NAME_PART } from '../names';

const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';

const DNS1035_RE = DNS1035_LABEL;
const DNS1123_LABEL_RE = DNS1123_LABEL;
const DNS1123_SUBDOMAIN_RE = DNS1123_SUBDOMAIN;
const QUALIFIED_NAME_RE = QUALIFIED_NAME_PART;

const maxLen = (n: number) => `must be no more than ${n} characters`;

/** k8s IsDNS1035Label: list of problems (empty = valid). */
export function dns1035Errors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLen(63));
  if (!DNS1035_RE.test(s)) {
    errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, " +
      `and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_FMT}')`);
  }
  return errs;
}

/** k8s IsDNS1123Label. */
export function dns1123LabelErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLen(63));
  if (!DNS1123_LABEL_RE.test(s)) {
    errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
      `an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL_FMT}')`);
  }
  return errs;
}

/** k8s IsDNS1123Subdomain. */
export function dns1123SubdomainErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(s)) {
    errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end " +
      `with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`);
  }
  return errs;
}

/** k8s IsFullyQualifiedDomainName (subdomain with at least two labels, each ≤ 63). */
export function fqdnErrors(s: string): string[] {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name.length === 0) return ['Required value'];
  const errs = dns1123SubdomainErrors(name);
  if (errs.length === 0 && name.split('.').some((l) => l.length > 63)) errs.push('each label ' + maxLen(63));
  if (name.split('.').length < 2) errs.push('should be a domain with at least two segments separated by dots');
  return errs;
}

/** k8s IsQualifiedName (`[prefix/]name`). */
export function qualifiedNameErrors(s: string): string[] {
  const parts = s.split('/');
  let name = s;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
      `character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME_FMT}') with an optional ` +
      "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part ' + maxLen(63));
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
      `character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME_FMT}')`);
  }
  return errs;
}

// ---------------------------------------------------------------------------
// Quantities and image references
// ---------------------------------------------------------------------------

const QUANTITY_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/;

/** resource.ParseQuantity success test. */
export function isQuantity(s: string): boolean {
  return QUANTITY_RE.test(s);
}

/** Sign of a quantity string (-1, 0, 1); assumes isQuantity. */
export function quantitySign(s: string): number {
  const n = parseFloat(s.replace(/[A-Za-z]+$/, ''));
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

const REPOSITORY_CHARS = /^[a-z0-9_\-./]+$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const REGISTRY_RE = /^[A-Za-z0-9.-]+(:\d+)?$/;

/**
 * name.ParseReference(s, name.WeakValidation) success test (go-containerregistry, which Knative
 * uses): optional `@sha256:<64 hex>`, optional `:tag`, optional registry (first segment with a
 * `.`/`:` or `localhost`), repository of `[a-z0-9_-./]`, 2–255 chars.
 */
export function isImageReference(s: string): boolean {
  // Pure function of `s`, and manifests repeat the same few images: memoize (bounded).
  const hit = IMAGE_MEMO.get(s);
  if (hit !== undefined) return hit;
  const ok = parseImageReference(s);
  if (IMAGE_MEMO.size >= IMAGE_MEMO_MAX) IMAGE_MEMO.clear();
  IMAGE_MEMO.set(s, ok);
  return ok;
}

const IMAGE_MEMO = new Map<string, boolean>();
const IMAGE_MEMO_MAX = 1024;

function parseImageReference(s: string): boolean {
  let rest = s;
  const digestAt = rest.indexOf('@');
  if (digestAt >= 0) {
    if (!DIGEST_RE.test(rest.slice(digestAt + 1))) return false;
    rest = rest.slice(0, digestAt);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    if (!TAG_RE.test(rest.slice(colon + 1))) return false;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let repo = rest;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    if (!REGISTRY_RE.test(parts[0])) return false;
    repo = parts.slice(1).join('/');
  }
  // go-containerregistry v0.20.3 (Knative 1.17–1.23) wants 2–255 characters (1 only since v0.20.4).
  return repo.length >= 2 && repo.length <= 255 && REPOSITORY_CHARS.test(repo);
}
