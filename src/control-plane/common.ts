/**
 * Labels, names and checks shared by the parts of `ServingControlPlane` (internal: not exported
 * from the package).
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { packageVersion } from './version';
import { isDns1123Label } from '../core/names';
import { propError as settingsPropError } from '../serving/cluster-config';
import { KnativeError } from '../serving/errors';

/** Labels (or annotations) of an object. */
export type Labels = { [key: string]: string };

/**
 * The labels every object of the control plane carries: `app.kubernetes.io/part-of` and the
 * package version (`app.kubernetes.io/version`, made a valid label value; left out if nothing
 * of it is valid). Throws a path-less error when the package has no version.
 */
export function commonLabels(): Labels {
  const versionLabel = packageVersion().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return {
    'app.kubernetes.io/part-of': 'cdk8s-knative-serving',
    ...(versionLabel ? { 'app.kubernetes.io/version': versionLabel } : {}),
  };
}

/** The selector of a component's pods (`app.kubernetes.io/name`). */
export function selectorOf(name: string): Labels {
  return { 'app.kubernetes.io/name': name };
}

/** The labels of a component's objects: the common ones, its name and its role (`app.kubernetes.io/component`). */
export function labelsOf(name: string, role: string): Labels {
  return { ...commonLabels(), ...selectorOf(name), 'app.kubernetes.io/component': role };
}

/** `o`, without the namespace cdk8s stamps from its chart (cluster-scoped objects must not carry one). */
export function clusterScoped(o: ApiObject): ApiObject {
  if (Chart.of(o).namespace !== undefined) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return o;
}

/** Path-less error for a bad prop (the construct locates it with `_withPath`). */
export function propError(prop: string, value: unknown, problem: string, fix: string): KnativeError {
  return settingsPropError({ scope: undefined, fieldPrefix: '' }, prop, value, problem, fix);
}

/** Check the system namespace (prop `namespace`); returns it. Path-less errors. */
export function checkNamespace(ns: string): string {
  if (ns.length > 63 || !isDns1123Label(ns)) {
    throw propError('namespace', ns, 'is not a valid namespace name (DNS-1123 label, ≤ 63 characters)', 'use lower-case letters, digits and "-", e.g. "knative-serving"');
  }
  return ns;
}
