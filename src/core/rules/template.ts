/**
 * RevisionTemplateSpec rules (reference §5.2 R1–R4).
 */
import { templateAnnotationRules } from './annotations';
import { Req } from './context';
import { checkDns1035Name, checkGenerateName, MetaView, readMeta } from './metadata';
import { revisionSpecRules } from './podspec';
import { checkFields, deepEqual, diffPaths, isObj } from './util';
import { at, Sink } from './violation';

const TEMPLATE_FIELDS = ['metadata', 'spec'];

/** The BYO revision name of a template (or ''). */
export function templateName(template: unknown): string {
  if (!isObj(template) || !isObj(template.metadata)) return '';
  return typeof template.metadata.name === 'string' ? template.metadata.name : '';
}

function byoName(sink: Sink, m: MetaView, parent: MetaView, path: string): void {
  if (m.generateName) checkGenerateName(sink, m.generateName, at(path, 'generateName'));
  if (!m.name) return;
  const np = at(path, 'name');
  checkDns1035Name(sink, m.name, np);
  if (!parent.name && parent.generateName) {
    sink.disallowed(np, m.name, 'Remove the template name, or give the parent a fixed metadata.name.');
  } else if (!m.name.startsWith(`${parent.name ?? ''}-`)) {
    sink.error(np, `"${m.name}" must have prefix "${parent.name ?? ''}-"`, m.name, `Name the revision "${parent.name ?? ''}-<suffix>".`);
  }
}

/**
 * Validate `template` (a RevisionTemplateSpec) of a Service/Configuration whose metadata is `parent`.
 * `oldTemplate` (update only) enables R4.
 */
export function templateRules(sink: Sink, template: unknown, parent: MetaView, path: string, req: Req, oldTemplate?: unknown): void {
  if (!isObj(template)) {
    if (template === undefined || template === null) sink.missing(path, 'Add spec.template with at least one container.');
    else sink.error(path, `invalid value: ${JSON.stringify(template)}`, template, 'Make the template an object.');
    return;
  }
  checkFields(sink, template, path, 'RevisionTemplateSpec', TEMPLATE_FIELDS);
  const mp = at(path, 'metadata');
  const m = readMeta(sink, template.metadata, mp);
  byoName(sink, m, parent, mp);
  templateAnnotationRules(sink, m.annotations, m.annotationKeys, at(mp, 'annotations'), req);
  revisionSpecRules(sink, template.spec, at(path, 'spec'), req);
  if (req.op === 'update' && oldTemplate !== undefined && m.name && m.name === templateName(oldTemplate) && !deepEqual(oldTemplate, template)) {
    sink.error(at(mp, 'name'), 'Saw the following changes without a name change (-old +new)', diffPaths(oldTemplate, template).map((p) => at(path, p)),
      'Give the template a new metadata.name whenever you change the template.');
  }
}
