/** MakeRevision (reference §4.6). */
import { revisionNameForGeneration } from '../../../core/names';
import type { ConfigurationObject, RevisionObject } from '../../../core/types';
import { rfc3339 } from '../clock';
import { A, L, ownerRef } from './meta';
import { clone } from '../util';

/** The name of the Revision for the Configuration's current generation (BYO or `<config>-0000N`). */
export function revisionNameFor(config: ConfigurationObject): string {
  return config.spec.template.metadata?.name || revisionNameForGeneration(config.metadata.name!, config.metadata.generation ?? 1);
}

export function makeRevision(config: ConfigurationObject, now: Date): RevisionObject {
  const tmplMeta = clone(config.spec.template.metadata ?? {});
  const cfgLabels = config.metadata.labels ?? {};
  const cfgAnn = config.metadata.annotations ?? {};
  const labels: Record<string, string> = { ...(tmplMeta.labels ?? {}) };
  labels[L.configuration] = config.metadata.name!;
  labels[L.configurationGeneration] = String(config.metadata.generation ?? 1);
  labels[L.configurationUID] = config.metadata.uid!;
  if (cfgLabels[L.service]) labels[L.service] = cfgLabels[L.service];
  if (cfgLabels[L.serviceUID]) labels[L.serviceUID] = cfgLabels[L.serviceUID];
  labels[L.routingState] = cfgAnn[A.routes] ? 'active' : 'pending';
  const annotations: Record<string, string> = { ...(tmplMeta.annotations ?? {}) };
  annotations[A.routingStateModified] = rfc3339(now);
  if (cfgAnn[A.lastModifier]) annotations[A.creator] = cfgAnn[A.lastModifier];
  if (cfgAnn[A.routes]) annotations[A.routes] = cfgAnn[A.routes];
  const { name: _n, generateName: _g, namespace: _ns, labels: _l, annotations: _a, ownerReferences, ...restMeta } = tmplMeta;
  void _n; void _g; void _ns; void _l; void _a;
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      ...restMeta,
      name: revisionNameFor(config),
      namespace: config.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [...(ownerReferences ?? []), ownerRef(config)],
    },
    spec: clone(config.spec.template.spec),
  };
}
