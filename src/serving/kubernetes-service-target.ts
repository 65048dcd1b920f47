import { Service } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IAddressableTarget, _ImportedAddressable } from './addressable';
import { KnativeError, _childPath } from './errors';
import { KnativeImportOptions } from './route';
import { DOMAIN_MAPPING_SERVICE_PORT } from '../core/domain-mapping';
import { isDns1035Label } from '../core/names';
import { formatProblem } from '../core/rules';

/**
 * A Kubernetes Service (`v1` `Service`) as the target of a `DomainMapping`.
 *
 * Knative resolves such a reference to the Service's cluster DNS name and sends the domain's
 * requests to the Service's port 80, with `Host` rewritten to
 * `<name>.<namespace>.svc.cluster.local` and the domain in `K-Original-Host` (there is no
 * queue-proxy in front of a plain Service to restore it). The Service must exist in the
 * DomainMapping's namespace.
 *
 * @example
 * const api = new kplus.Service(this, 'Legacy', { ports: [{ port: 80, targetPort: 8080 }] });
 * new DomainMapping(this, 'Api', { domain: 'legacy.example.com', target: KubernetesServiceTarget.fromService(this, 'LegacyTarget', api) });
 */
export class KubernetesServiceTarget {
  /**
   * A cdk8s-plus Service of this app. Synthesis fails if it has no port 80 (the port Knative
   * sends to), naming its ports and the fix.
   */
  public static fromService(scope: Construct, id: string, service: Service): IAddressableTarget {
    const target = new ImportedKubernetesService(scope, id, service.name, service.metadata.namespace);
    target.node.addValidation({
      validate: (): string[] => {
        const ports = service.ports.map((p) => p.port);
        if (ports.includes(DOMAIN_MAPPING_SERVICE_PORT)) return [];
        return [formatProblem('spec.ports', `has no port ${DOMAIN_MAPPING_SERVICE_PORT}, the port Knative sends a DomainMapping's requests to`,
          JSON.stringify(ports), `Expose port ${DOMAIN_MAPPING_SERVICE_PORT} on Service "${service.name}", e.g. service.bind(80, { targetPort: ${ports[0] ?? 8080} }).`)];
      },
    });
    return target;
  }

  /**
   * A Kubernetes Service known by name (created elsewhere). It must expose port 80.
   *
   * @param name the Service's `metadata.name`
   */
  public static fromServiceName(scope: Construct, id: string, name: string, options: KnativeImportOptions = {}): IAddressableTarget {
    if (typeof name !== 'string' || !isDns1035Label(name)) {
      throw new KnativeError(_childPath(scope, id), {
        field: 'KubernetesServiceTarget.fromServiceName(name)',
        message: 'must be a Kubernetes Service name (a DNS-1035 label: lowercase letters, digits and "-", starting with a letter, at most 63 characters)',
        value: name,
        fix: 'Pass the Service\'s metadata.name.',
      });
    }
    return new ImportedKubernetesService(scope, id, name, options.namespace);
  }

  private constructor() {}
}

/** A Kubernetes Service as an `IAddressableTarget`: cluster-local host and URL only (Knative assigns it no domain URL and no tags). */
class ImportedKubernetesService extends _ImportedAddressable {
  public constructor(scope: Construct, id: string, name: string, namespace?: string) {
    super(scope, id, 'v1', 'Service', name, namespace);
  }

  public override url(domain?: string): string {
    throw new KnativeError(this, {
      field: 'url()',
      message: 'a Kubernetes Service has no Knative URL (Knative assigns domain URLs to Knative Services and Routes only)',
      ...(domain !== undefined ? { value: domain } : {}),
      fix: 'Use clusterLocalUrl, or the DomainMapping\'s domainUrl.',
    });
  }

  public override tagUrl(tag: string, _domain?: string): string {
    throw new KnativeError(this, {
      field: 'tagUrl(tag)',
      message: 'a Kubernetes Service has no traffic tags',
      value: tag,
      fix: 'Use clusterLocalUrl, or tag a Knative Service or Route instead.',
    });
  }
}
