import { _hostOf, _tagUrlOf, _urlOf, IAddressableTarget } from './addressable';
import { KnativeResource } from './base';
import { DomainMapping, DomainMappingOptions } from './domain-mapping';

/**
 * A Knative object with its own hosts (Service or Route): the addressable surface and
 * `mapDomain()`, shared by `KnService` and `Route`.
 */
export abstract class RoutableResource extends KnativeResource implements IAddressableTarget {
  /** `serving.knative.dev/v1`. */
  public get targetApiVersion(): string {
    return this.apiVersion;
  }

  /** The kind (`Service` or `Route`). */
  public get targetKind(): string {
    return this.kind;
  }

  /** The object's `metadata.name`. */
  public get targetName(): string {
    return this.name;
  }

  /** The object's namespace, if set on the object or its chart. */
  public get targetNamespace(): string | undefined {
    return this.metadata.namespace;
  }

  /** `<name>.<namespace>.svc.cluster.local` */
  public get clusterLocalHost(): string {
    return _hostOf(this.name, this.metadata.namespace);
  }

  /** `http://<name>.<namespace>.svc.cluster.local` */
  public get clusterLocalUrl(): string {
    return _urlOf(this.name, this.metadata.namespace);
  }

  /**
   * `http://<name>.<namespace>.<domain>` (default domain template).
   *
   * @param domain the domain `config-domain` selects for this object
   * @default 'svc.cluster.local'
   */
  public url(domain?: string): string {
    return _urlOf(this.name, this.metadata.namespace, domain);
  }

  /**
   * `http://<tag>-<name>.<namespace>.<domain>` (default tag and domain templates).
   *
   * @param tag a tag of the traffic split
   * @param domain the domain `config-domain` selects
   * @default 'svc.cluster.local'
   */
  public tagUrl(tag: string, domain?: string): string {
    return _tagUrlOf(this, tag, this.name, this.metadata.namespace, domain);
  }

  /**
   * Serve this object at a custom domain: adds a `DomainMapping` (construct id
   * `DomainMapping-<domain>`) in this object's scope.
   *
   * @param domain a fully-qualified domain such as `api.example.com`
   */
  public mapDomain(domain: string, options: DomainMappingOptions = {}): DomainMapping {
    return new DomainMapping(this, `DomainMapping-${domain}`, { ...options, domain, target: this });
  }
}
