/**
 * Per-kind validation (reference §3.2, §4.2, §6.2, §7.2 Route-level, §8.1).
 */
import { goDecodeProblems } from '../go-json';
import type { KubeObject } from '../types';
import { AdmissionContext, Req, toReq } from './context';
import { domainMappingRules } from './domain-mapping';
import { checkTopLevel, checkUserInfo, tracksUserInfo, validateObjectMeta } from './metadata';
import { revisionSpecRules } from './podspec';
import { templateRules } from './template';
import { trafficRules } from './traffic';
import { checkFields, diffPaths, isObj } from './util';
import { safeJson, Sink, Violation } from './violation';

type Rules = (sink: Sink, obj: KubeObject, req: Req) => void;

const SERVICE_SPEC_FIELDS = ['template', 'traffic'];

/** The object's spec after the field allow-list; undefined (reported) when missing or not an object. */
function specObject(sink: Sink, obj: KubeObject, goType: string, allowed: readonly string[]): Record<string, unknown> | undefined {
  if (obj.spec === undefined || obj.spec === null) {
    sink.missing('spec');
    return undefined;
  }
  if (!isObj(obj.spec)) {
    sink.error('spec', `invalid value: ${JSON.stringify(obj.spec)}`, obj.spec, 'Make spec an object.');
    return undefined;
  }
  checkFields(sink, obj.spec, 'spec', goType, allowed);
  return obj.spec;
}

function oldTemplate(req: Req): unknown {
  return req.op === 'update' && isObj(req.old?.spec) ? req.old.spec.template : undefined;
}

function userInfo(sink: Sink, obj: KubeObject, req: Req): void {
  if (tracksUserInfo(obj)) checkUserInfo(sink, obj, req);
}

const serviceRules: Rules = (sink, obj, req) => {
  checkTopLevel(sink, obj);
  const meta = validateObjectMeta(sink, obj, 'Service', req);
  const spec = specObject(sink, obj, 'ServiceSpec', SERVICE_SPEC_FIELDS);
  if (spec) {
    templateRules(sink, spec.template, meta, 'spec.template', req, oldTemplate(req));
    trafficRules(sink, spec.traffic, { service: true });
  }
  userInfo(sink, obj, req);
};

const configurationRules: Rules = (sink, obj, req) => {
  checkTopLevel(sink, obj);
  const meta = validateObjectMeta(sink, obj, 'Configuration', req);
  const spec = specObject(sink, obj, 'ConfigurationSpec', ['template']);
  if (spec) templateRules(sink, spec.template, meta, 'spec.template', req, oldTemplate(req));
  userInfo(sink, obj, req);
};

const revisionRules: Rules = (sink, obj, req) => {
  checkTopLevel(sink, obj);
  validateObjectMeta(sink, obj, 'Revision', req);
  if (req.op === 'update' && req.old) {
    const changed = diffPaths(req.old.spec, obj.spec, 'spec');
    if (changed.length) {
      sink.error('spec', 'Immutable fields changed (-old +new)', changed, 'Revisions are immutable; change the Configuration/Service template (or create a new Revision) instead.');
    }
    return;
  }
  revisionSpecRules(sink, obj.spec, 'spec', req);
};

const routeRules: Rules = (sink, obj, req) => {
  checkTopLevel(sink, obj);
  validateObjectMeta(sink, obj, 'Route', req);
  const spec = specObject(sink, obj, 'RouteSpec', ['traffic']);
  if (spec) trafficRules(sink, spec.traffic);
  userInfo(sink, obj, req);
};

const dmRules: Rules = (sink, obj, req) => {
  domainMappingRules(sink, obj, req);
  userInfo(sink, obj, req);
};

function run(rules: Rules, obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  const sink = new Sink(ctx?.warnings !== false);
  if (!isObj(obj)) {
    sink.error('', `invalid value: ${JSON.stringify(obj)}`, obj, 'Pass a Kubernetes object.');
    return sink.list;
  }
  if (decodes(sink, obj)) rules(sink, obj, toReq(ctx));
  return sink.list;
}

/**
 * Knative's webhooks decode the object into its Go type before anything else; a value that does
 * not decode (a number in `args`, an unparsable quantity, a list where an object goes) rejects
 * the object with nothing else said. Reports each such value; false when there is any.
 */
function decodes(sink: Sink, obj: KubeObject): boolean {
  const problems = goDecodeProblems(obj);
  for (const p of problems) {
    const shown = safeJson(p.value);
    const quantity = p.expected === 'a resource quantity';
    sink.error(p.path, quantity ? `invalid quantity: ${shown}` : `invalid value: ${shown}`, p.value,
      quantity
        ? 'Use a Kubernetes quantity such as "500m", "512Mi" or "1Gi" (Knative cannot read the object otherwise).'
        : `Use ${p.expected} here (Knative cannot read the object otherwise).`);
  }
  return problems.length === 0;
}

/** Validate a Service (§3.2 S1–S7). */
export function validateService(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  return run(serviceRules, obj, ctx);
}

/** Validate a Configuration (§4.2). */
export function validateConfiguration(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  return run(configurationRules, obj, ctx);
}

/** Validate a Revision (§6.2, §6.4). */
export function validateRevision(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  return run(revisionRules, obj, ctx);
}

/** Validate a Route (§7.2). */
export function validateRoute(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  return run(routeRules, obj, ctx);
}

/** Validate a DomainMapping (§8.1). */
export function validateDomainMapping(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  return run(dmRules, obj, ctx);
}

const BY_KIND: Record<string, [string, Rules]> = {
  Service: ['serving.knative.dev/v1', serviceRules],
  Configuration: ['serving.knative.dev/v1', configurationRules],
  Revision: ['serving.knative.dev/v1', revisionRules],
  Route: ['serving.knative.dev/v1', routeRules],
  DomainMapping: ['serving.knative.dev/v1beta1', dmRules],
};

/**
 * Knative's validating webhook: dispatches on apiVersion/kind. Like the real webhook it expects
 * an object that already went through defaulting — use `admit()` for raw manifests.
 */
export function validate(obj: KubeObject, ctx?: AdmissionContext): Violation[] {
  const kind = isObj(obj) && typeof obj.kind === 'string' ? obj.kind : '';
  const entry = Object.prototype.hasOwnProperty.call(BY_KIND, kind) ? BY_KIND[kind] : undefined;
  if (!entry) {
    return [{ path: 'kind', message: `invalid value: ${JSON.stringify(isObj(obj) ? obj.kind : obj)}`, value: isObj(obj) ? obj.kind : obj, fix: `Use one of ${Object.keys(BY_KIND).join(', ')}.` }];
  }
  const [apiVersion, rules] = entry;
  if (obj.apiVersion !== apiVersion) {
    return [{ path: 'apiVersion', message: `invalid value: ${JSON.stringify(obj.apiVersion)}`, value: obj.apiVersion, fix: `Use apiVersion "${apiVersion}" for ${kind}.` }];
  }
  return run(rules, obj, ctx);
}
