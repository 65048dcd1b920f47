import { defaultServingConfig, FlagState, ServingConfig } from '../../../src/core/config';
import { admit, AdmissionContext, Violation } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

export const T = 'spec.template.spec';
export const C0 = `${T}.containers[0]`;
export const ANN = 'spec.template.metadata.annotations';

type Mut = (o: any) => void;

export function service(mut?: Mut): KubeObject {
  const o: any = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'hello', namespace: 'default' },
    spec: { template: { spec: { containers: [{ image: 'ghcr.io/x/hello' }] } } },
  };
  mut?.(o);
  return o;
}

export function configuration(mut?: Mut): KubeObject {
  const o: any = service();
  o.kind = 'Configuration';
  mut?.(o);
  return o;
}

export function route(mut?: Mut): KubeObject {
  const o: any = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Route',
    metadata: { name: 'hello', namespace: 'default' },
    spec: { traffic: [{ configurationName: 'hello', percent: 100 }] },
  };
  mut?.(o);
  return o;
}

export function revision(mut?: Mut): KubeObject {
  const o: any = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name: 'hello-00001', namespace: 'default' },
    spec: { containers: [{ image: 'ghcr.io/x/hello' }] },
  };
  mut?.(o);
  return o;
}

export function domainMapping(mut?: Mut): KubeObject {
  const o: any = {
    apiVersion: 'serving.knative.dev/v1beta1',
    kind: 'DomainMapping',
    metadata: { name: 'app.example.com', namespace: 'default' },
    spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' } },
  };
  mut?.(o);
  return o;
}

/** Service whose template spec is mutated. */
export const podSvc = (mut: Mut) => service((s) => mut(s.spec.template.spec));
/** Service whose first container is mutated. */
export const ctrSvc = (mut: Mut) => podSvc((p) => mut(p.containers[0]));
/** Service with template annotations. */
export const annSvc = (anns: Record<string, string>) => service((s) => { s.spec.template.metadata = { annotations: anns }; });

export function withFeatures(features: Record<string, FlagState | string>, extra: (c: ServingConfig) => void = () => undefined): AdmissionContext {
  const config = defaultServingConfig();
  Object.assign(config.features, features);
  extra(config);
  return { config };
}

function fmt(v: Violation): string {
  return `${v.path}: ${v.message}`;
}

/** Error-level violations after admission (defaults + validation), as "path: message". */
export function errors(obj: KubeObject, ctx?: AdmissionContext): string[] {
  return admit(obj, ctx).violations.filter((v) => v.severity !== 'warning').map(fmt);
}

/** Warning-level violations after admission. */
export function warnings(obj: KubeObject, ctx?: AdmissionContext): string[] {
  return admit(obj, ctx).violations.filter((v) => v.severity === 'warning').map(fmt);
}

/** Secure container settings that silence W1 warnings. */
export const SECURE_SC = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  seccompProfile: { type: 'RuntimeDefault' },
  capabilities: { drop: ['ALL'] },
};
