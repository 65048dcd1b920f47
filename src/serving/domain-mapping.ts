import { ApiObjectMetadata } from 'cdk8s';
import { ISecret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IAddressableTarget } from './addressable';
import { KnativeResource } from './base';
import { _childPath, KnativeError } from './errors';
import { isDns1123Subdomain } from '../core/names';
import { DOMAIN_MAPPING_API_VERSION } from '../core/types';

/**
 * Options for `KnService.mapDomain()` / `Route.mapDomain()`.
 */
export interface DomainMappingOptions {
  /**
   * An existing TLS secret (same namespace) with the certificate for the domain
   * (`spec.tls.secretName`); upstream Knative then serves `https` (the bundled runtime has no TLS).
   *
   * @default - no TLS secret (cluster-managed certificate, if configured, else plain http)
   */
  readonly tlsSecret?: ISecret;

  /**
   * Additional metadata (namespace, labels, annotations). `name` is always the domain.
   *
   * @default - the target's namespace (else the chart's), no labels or annotations
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * Properties of a Knative `DomainMapping`.
 */
export interface DomainMappingProps extends DomainMappingOptions {
  /**
   * The custom domain, e.g. `api.example.com`. It becomes `metadata.name`: a lowercase
   * fully-qualified domain name (at least two labels, at most 253 characters) that is not under
   * the cluster domain (`.cluster.local`).
   */
  readonly domain: string;

  /**
   * What the domain serves: a `KnService` or `Route` (created here or imported with
   * `KnService.fromServiceName()` / `Route.fromRouteName()`), in the same namespace.
   */
  readonly target: IAddressableTarget;
}

/**
 * A Knative DomainMapping (`serving.knative.dev/v1beta1`): serve a Knative Service or Route at
 * a custom domain.
 *
 * Served by upstream Knative; the bundled runtime (`ServingControlPlane`) installs the CRD but
 * does not serve DomainMappings yet (synthesis warns when the app contains one).
 *
 * ```ts
 * new DomainMapping(this, 'Api', { domain: 'api.example.com', target: svc });
 * ```
 */
export class DomainMapping extends KnativeResource {
  /**
   * The mapped domain (`metadata.name`).
   */
  public readonly domain: string;

  /**
   * The mapped target.
   */
  public readonly target: IAddressableTarget;

  /**
   * The TLS secret, if any.
   */
  public readonly tlsSecret?: ISecret;

  public constructor(scope: Construct, id: string, props: DomainMappingProps) {
    // Checked before super() (the domain is the object's name): located at the path it will have.
    const path = _childPath(scope, id);
    checkDomain(path, props.domain);
    if (props.metadata?.name !== undefined && props.metadata.name !== props.domain) {
      throw new KnativeError(path, {
        field: 'metadata.name',
        message: `must be the mapped domain (${JSON.stringify(props.domain)})`,
        value: props.metadata.name,
        fix: 'Drop metadata.name; the domain is used as the name.',
      });
    }
    super(scope, id, DOMAIN_MAPPING_API_VERSION, 'DomainMapping', {
      metadata: {
        ...props.metadata,
        name: props.domain,
        namespace: props.metadata?.namespace ?? props.target.targetNamespace,
      },
    });
    this.domain = props.domain;
    this.target = props.target;
    this.tlsSecret = props.tlsSecret;
    this._addKnativeValidation();
  }

  /**
   * `https://<domain>` with a TLS secret, else `http://<domain>` (what Knative reports in
   * `status.url` with the default configuration).
   */
  public get domainUrl(): string {
    return `${this.tlsSecret ? 'https' : 'http'}://${this.domain}`;
  }

  /**
   * @internal
   */
  public _toKube(): any {
    const ref: Record<string, string> = {
      apiVersion: this.target.targetApiVersion,
      kind: this.target.targetKind,
      name: this.target.targetName,
    };
    // Knative defaults ref.namespace to the DomainMapping's namespace; render it so the
    // output is a fixed point of admission (no GitOps diff).
    const namespace = this.target.targetNamespace ?? this.apiObject.metadata.namespace;
    if (namespace !== undefined) {
      ref.namespace = namespace;
    }
    const spec: Record<string, unknown> = { ref };
    if (this.tlsSecret) {
      spec.tls = { secretName: this.tlsSecret.name };
    }
    return spec;
  }
}

function checkDomain(path: string, domain: string): void {
  const fix = 'Use a lowercase fully-qualified domain name such as "api.example.com".';
  if (typeof domain !== 'string' || domain.length === 0) {
    throw new KnativeError(path, { field: 'domain', message: 'is required', value: domain, fix });
  }
  if (domain.length > 253 || !isDns1123Subdomain(domain) || domain.split('.').length < 2 || domain.split('.').some(l => l.length > 63)) {
    throw new KnativeError(path, {
      field: 'domain',
      message: 'must be a fully-qualified domain name (lowercase DNS labels of at most 63 characters, at least two labels, at most 253 characters)',
      value: domain,
      fix,
    });
  }
  if (domain === 'cluster.local' || domain.endsWith('.cluster.local')) {
    throw new KnativeError(path, {
      field: 'domain',
      message: 'must not be under the cluster domain ".cluster.local"',
      value: domain,
      fix: 'Map a public domain; in-cluster hosts are already served by the target.',
    });
  }
}
