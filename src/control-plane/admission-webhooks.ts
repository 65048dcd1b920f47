/**
 * The admission webhook registrations of the bundled runtime (internal: not exported from the
 * package), as upstream's `config/core/webhooks/*.yaml` after its webhook controllers reconciled
 * them (reference: runtime §7): the same names, paths, kinds and operations. The webhook
 * (src/runtime/webhook) patches its CA bundle into each `clientConfig.caBundle`.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterScoped, commonLabels, labelsOf } from './common';
import { isAdmittedKind } from '../core/admission';
import {
  WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME, WEBHOOK_EXCLUDE_LABEL, WEBHOOK_MUTATING_CONFIGURATION_NAME, WEBHOOK_PATHS,
  WEBHOOK_SERVICE_NAME, WEBHOOK_VALIDATING_CONFIGURATION_NAME,
} from '../core/runtime-contract';
import { knativeCrds } from '../core/schema';

/** Props of `AdmissionWebhookConfigurations`. */
export interface AdmissionWebhookConfigurationsProps {
  /** The system namespace (the webhook's Service; excluded from the resource webhooks; the config-* ConfigMaps'). */
  readonly namespace: string;
  /** How long the API server waits for an answer (1–30 s). */
  readonly timeoutSeconds: number;
}

/** The Kubernetes `namespace` label (set by the API server on every namespace). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The MutatingWebhookConfiguration `webhook.serving.knative.dev` (`/defaulting`) and the
 * ValidatingWebhookConfigurations `validation.webhook.serving.knative.dev`
 * (`/resource-validation`) and `config.webhook.serving.knative.dev` (`/config-validation`).
 *
 * All: failurePolicy Fail (an object is never stored unadmitted), sideEffects None,
 * admissionReviewVersions v1 (the only version the webhook speaks). The resource webhooks admit
 * the kinds of core/admission `ADMITTED_KINDS` (plurals from core/schema's CRDs) (Service, Configuration, Revision, Route v1;
 * DomainMapping v1beta1) with their `/status`, CREATE and UPDATE (validation also DELETE, as
 * upstream registers it: always allowed, but a delete fails closed while the webhook is down),
 * in every namespace but the system namespace and namespaces labelled
 * `webhooks.knative.dev/exclude`. The config webhook admits CREATE/UPDATE of the ConfigMaps of
 * the system namespace that carry the control plane's `app.kubernetes.io/part-of` label (as
 * upstream selects its own ConfigMaps by label): the runtime's config-* ConfigMaps, and not
 * `kube-root-ca.crt`, which every pod there (the webhook's too) needs before the webhook runs.
 */
export class AdmissionWebhookConfigurations extends Construct {
  /** Mutating first, then the two validating configurations. */
  public readonly configurations: ApiObject[];

  constructor(scope: Construct, id: string, props: AdmissionWebhookConfigurationsProps) {
    super(scope, id);
    const ns = props.namespace;
    const labels = labelsOf(WEBHOOK_SERVICE_NAME, 'webhook');
    const common = (path: string): Record<string, unknown> => ({
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { name: WEBHOOK_SERVICE_NAME, namespace: ns, path, port: 443 } },
      failurePolicy: 'Fail',
      sideEffects: 'None',
      timeoutSeconds: props.timeoutSeconds,
    });
    // One rule per API version of the admitted kinds, with their plurals from the CRDs.
    const admitted = knativeCrds().filter(c => isAdmittedKind(c.apiVersion, c.kind));
    const resourceRules = (operations: string[]): Array<Record<string, unknown>> => [...new Set(admitted.map(c => c.version))].map(version => ({
      apiGroups: ['serving.knative.dev'],
      apiVersions: [version],
      operations,
      resources: admitted.filter(c => c.version === version).map(c => c.plural).sort().flatMap(p => [p, `${p}/status`]),
      scope: 'Namespaced',
    }));
    const notSystem = {
      matchExpressions: [
        { key: WEBHOOK_EXCLUDE_LABEL, operator: 'DoesNotExist' },
        { key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [ns] },
      ],
    };
    const configuration = (kind: string, name: string, webhook: Record<string, unknown>): ApiObject => clusterScoped(new ApiObject(this, name, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind,
      metadata: { name, labels },
      webhooks: [{ name, ...webhook }],
    }));
    this.configurations = [
      configuration('MutatingWebhookConfiguration', WEBHOOK_MUTATING_CONFIGURATION_NAME, {
        ...common(WEBHOOK_PATHS.defaulting),
        // Upstream's: defaulting runs again when a later mutating webhook changed the object.
        reinvocationPolicy: 'IfNeeded',
        namespaceSelector: notSystem,
        rules: resourceRules(['CREATE', 'UPDATE']),
      }),
      configuration('ValidatingWebhookConfiguration', WEBHOOK_VALIDATING_CONFIGURATION_NAME, {
        ...common(WEBHOOK_PATHS.validation),
        namespaceSelector: notSystem,
        rules: resourceRules(['CREATE', 'UPDATE', 'DELETE']),
      }),
      configuration('ValidatingWebhookConfiguration', WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME, {
        ...common(WEBHOOK_PATHS.configValidation),
        namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [ns] }] },
        objectSelector: { matchLabels: { 'app.kubernetes.io/part-of': commonLabels()['app.kubernetes.io/part-of'] } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'], scope: 'Namespaced' }],
      }),
    ];
  }
}
