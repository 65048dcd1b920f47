/**
 * DomainMapping rules (reference §8.1).
 */
import type { KubeObject } from '../types';
import { Req } from './context';
import { fqdnErrors } from './formats';
import { checkTopLevel, readMeta } from './metadata';
import { checkFields, getObj, getStr, isObj } from './util';
import { at, Sink } from './violation';

const REF_FIELDS = ['apiVersion', 'kind', 'name', 'namespace', 'address'];
const REF_GATES = { group: () => 'Remove group; use apiVersion instead.' };

function name(sink: Sink, obj: KubeObject, req: Req): string | undefined {
  const m = readMeta(sink, obj.metadata, 'metadata');
  if (m.generateName) sink.disallowed('metadata.generateName', m.generateName, 'Remove generateName; the DomainMapping name is the domain itself.');
  const n = m.name ?? '';
  const errs = fqdnErrors(n);
  if (!n) {sink.missing('metadata.name', 'Set metadata.name to the domain to map, e.g. "app.example.com".');} else if (errs.length) {
    sink.error('metadata.name', `invalid value: ${n}: ${errs.join('; ')}`, n, 'Use a lowercase fully-qualified domain name with at least two labels.');
  }
  const cd = req.s.clusterDomain;
  if (n && n.endsWith(`.${cd}`)) {
    sink.error('metadata.name', `invalid name "${n}": must not be a subdomain of cluster local domain "${cd}"`, n,
      `Map a public domain, not one under .${cd}.`);
  }
  return isObj(obj.metadata) && typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : undefined;
}

function ref(sink: Sink, spec: Record<string, unknown>, namespace: string | undefined): void {
  const path = 'spec.ref';
  const r = getObj(sink, spec, 'ref', 'spec');
  if (!r) {
    sink.missing(path, 'Set spec.ref to the Knative Service (apiVersion, kind, name) to map to.');
    return;
  }
  checkFields(sink, r, path, 'KReference', REF_FIELDS, REF_GATES);
  for (const k of ['apiVersion', 'kind', 'name']) {
    if (!getStr(sink, r, k, path)) sink.missing(at(path, k));
  }
  getStr(sink, r, 'address', path);
  const ns = getStr(sink, r, 'namespace', path);
  if (ns && namespace !== undefined && ns !== namespace) {
    sink.error(at(path, 'namespace'), 'mismatched namespaces', ns, `Omit ref.namespace or set it to "${namespace}".`);
  }
}

/** Internal: DomainMapping rules into a sink. */
export function domainMappingRules(sink: Sink, obj: KubeObject, req: Req): void {
  checkTopLevel(sink, obj);
  const namespace = name(sink, obj, req);
  if (!isObj(obj.spec)) {
    sink.missing('spec', 'Add spec.ref.');
    return;
  }
  checkFields(sink, obj.spec, 'spec', 'DomainMappingSpec', ['ref', 'tls']);
  ref(sink, obj.spec, namespace);
  // Knative's webhook does not look into spec.tls; the CRD schema (src/core/schema.ts) makes the
  // API server require tls.secretName before any webhook runs.
  const tls = getObj(sink, obj.spec, 'tls', 'spec');
  if (tls) checkFields(sink, tls, 'spec.tls', 'SecretTLS', ['secretName']);
}
