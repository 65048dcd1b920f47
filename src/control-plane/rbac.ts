/**
 * Least-privilege RBAC for the bundled runtime. Every rule names the runtime need it serves;
 * the need is rendered into an annotation on the (Cluster)Role and listed by
 * `ServingControlPlane.describeRules()`. No wildcards anywhere (tests enforce it).
 */

/** Where a rule applies. */
export enum RbacScope {
  /** Granted cluster-wide through a ClusterRole + ClusterRoleBinding. */
  CLUSTER = 'Cluster',
  /** Granted only in the system namespace through a Role + RoleBinding. */
  SYSTEM_NAMESPACE = 'SystemNamespace',
  /**
   * Emitted as a ClusterRole `<namespace>-<component>-domainmapping-secrets` with no binding: the
   * controller binds it to the component, with a RoleBinding of the same name, in each namespace
   * that has a DomainMapping naming a TLS Secret (and only while it has one).
   */
  DOMAIN_MAPPING_NAMESPACES = 'DomainMappingNamespaces',
}

/** One RBAC rule of the control plane, with the runtime need that justifies it. */
export interface RbacRuleDescription {
  /** `controller` or `ingress`. */
  readonly component: string;
  /** Cluster-wide or system-namespace only. */
  readonly scope: RbacScope;
  /** API groups (`""` is the core group). */
  readonly apiGroups: string[];
  /** Resources, including subresources such as `services/status`. */
  readonly resources: string[];
  /** Verbs. */
  readonly verbs: string[];
  /**
   * Object names the rule is restricted to.
   * @default - not restricted by name
   */
  readonly resourceNames?: string[];
  /** Why the runtime needs this permission. */
  readonly need: string;
}

