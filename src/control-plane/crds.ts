import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterScoped, commonLabels } from './common';
import { clusterDomainClaimSchema, knativeCrds } from '../core/schema';
import { _withPath } from '../serving/errors';

/**
 * The five Knative Serving CustomResourceDefinitions (Service, Configuration, Revision, Route,
 * DomainMapping), with the structural schemas and printer columns of `src/core/schema.ts`, and
 * the cluster-scoped ClusterDomainClaim (`networking.internal.knative.dev/v1alpha1`) that
 * DomainMappings claim their domain with: what upstream's `config/core/300-resources` installs
 * for these kinds.
 *
 * `ServingControlPlane` creates them (unless `installCrds` is false). On their own they let the
 * CRDs be applied first from a chart of their own, before the control plane and the
 * applications.
 */
export class ServingCrds extends Construct {
  /** The six CRDs (one ApiObject each, in the order above; ClusterDomainClaim last). */
  public readonly customResourceDefinitions: ApiObject[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const common = _withPath(this, commonLabels);
    this.customResourceDefinitions = knativeCrds().map(crd => clusterScoped(new ApiObject(this, `Crd${crd.kind}`, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${crd.plural}.${crd.group}`,
        labels: { ...common, 'knative.dev/crd-install': 'true', ...crd.labels },
      },
      spec: {
        group: crd.group,
        names: {
          kind: crd.kind,
          plural: crd.plural,
          singular: crd.singular,
          shortNames: crd.shortNames,
          categories: crd.categories,
        },
        scope: 'Namespaced',
        versions: [{
          name: crd.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: crd.printerColumns,
          schema: { openAPIV3Schema: crd.schema },
        }],
      },
    })));
    this.customResourceDefinitions.push(clusterScoped(new ApiObject(this, 'CrdClusterDomainClaim', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: 'clusterdomainclaims.networking.internal.knative.dev',
        labels: { ...common, 'knative.dev/crd-install': 'true' },
      },
      spec: {
        group: 'networking.internal.knative.dev',
        names: {
          kind: 'ClusterDomainClaim',
          plural: 'clusterdomainclaims',
          singular: 'clusterdomainclaim',
          shortNames: ['cdc'],
          categories: ['knative-internal', 'networking'],
        },
        scope: 'Cluster',
        versions: [{
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: clusterDomainClaimSchema() },
        }],
      },
    })));
  }
}
