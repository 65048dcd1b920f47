import { Construct, IConstruct } from 'constructs';
import { KnativeError } from './errors';
import { clusterLocalDomainOf, domainHost, tagHostName } from '../core/hosts';
import { isDns1035Label } from '../core/names';

/**
 * Something reachable over HTTP at a Knative host: a Knative Service or a Route.
 *
 * The values are plain strings computed from the object's name and namespace, so they can be
 * used anywhere a string is accepted, e.g. `EnvValue.fromValue(backend.clusterLocalUrl)`.
 */
export interface IAddressable {
  /**
   * The in-cluster host, `<name>.<namespace>.svc.cluster.local` (what Knative reports as
   * `status.address.url`).
   */
  readonly clusterLocalHost: string;

  /**
   * `http://<clusterLocalHost>`.
   */
  readonly clusterLocalUrl: string;

  /**
   * The URL Knative assigns with the default domain template
   * (`http://<name>.<namespace>.<domain>`).
   *
   * @param domain the domain the cluster's `config-domain` selects for this object
   * @default 'svc.cluster.local' (Knative's out-of-the-box domain)
   */
  url(domain?: string): string;

  /**
   * The URL of a traffic tag with the default tag and domain templates
   * (`http://<tag>-<name>.<namespace>.<domain>`), as Knative reports it in `status.traffic[].url`.
   *
   * @param tag a tag of this object's traffic split
   * @param domain the domain the cluster's `config-domain` selects for this object
   * @default 'svc.cluster.local'
   */
  tagUrl(tag: string, domain?: string): string;
}

/**
 * A Knative object a DomainMapping can point at (`spec.ref`): a Knative Service or a Route,
 * created here or imported.
 */
export interface IAddressableTarget extends IConstruct, IAddressable {
  /**
   * The target's apiVersion (`serving.knative.dev/v1`).
   */
  readonly targetApiVersion: string;

  /**
   * The target's kind (`Service`, `Route`).
   */
  readonly targetKind: string;

  /**
   * The target's `metadata.name`.
   */
  readonly targetName: string;

  /**
   * The target's namespace, when it is known.
   *
   * @default - the namespace the manifest is applied to
   */
  readonly targetNamespace?: string;
}

/**
 * Host helpers shared by the addressable constructs: the default domain template (core/hosts)
 * in `domain`, by default the cluster-local domain `svc.cluster.local`.
 * @internal
 */
export function _hostOf(name: string, namespace: string | undefined, domain?: string): string {
  return domainHost(name, namespace ?? 'default', domain ?? clusterLocalDomainOf());
}

/**
 * `http://<tag>-<name>.<namespace>.<domain>` (default tag template `{{.Tag}}-{{.Name}}`).
 * @internal
 */
export function _tagUrlOf(scope: IConstruct, tag: string, name: string, namespace: string | undefined, domain?: string): string {
  if (typeof tag !== 'string' || !isDns1035Label(tag)) {
    throw new KnativeError(scope, {
      field: 'tagUrl(tag)',
      message: 'is not a valid traffic tag (a DNS-1035 label)',
      value: tag,
      fix: 'Use a tag of the traffic split, such as \'latest\' or \'v2\'.',
    });
  }
  return _urlOf(tagHostName(tag, name), namespace, domain);
}

/**
 * `http://` + `_hostOf(...)`.
 * @internal
 */
export function _urlOf(name: string, namespace: string | undefined, domain?: string): string {
  return `http://${_hostOf(name, namespace, domain)}`;
}

/**
 * The addressable surface of a Knative object known only by name (imports such as
 * `KnService.fromServiceName()` and `Route.fromRouteName()`).
 * @internal
 */
export abstract class _ImportedAddressable extends Construct implements IAddressableTarget {
  protected constructor(
    scope: Construct,
    id: string,
    public readonly targetApiVersion: string,
    public readonly targetKind: string,
    public readonly targetName: string,
    public readonly targetNamespace?: string,
  ) {
    super(scope, id);
  }

  public get clusterLocalHost(): string {
    return _hostOf(this.targetName, this.targetNamespace);
  }

  public get clusterLocalUrl(): string {
    return _urlOf(this.targetName, this.targetNamespace);
  }

  public url(domain?: string): string {
    return _urlOf(this.targetName, this.targetNamespace, domain);
  }

  public tagUrl(tag: string, domain?: string): string {
    return _tagUrlOf(this, tag, this.targetName, this.targetNamespace, domain);
  }
}
