/**
 * The rule tables (internal). Each rule's `need` is the comment that justifies it.
 */
import { RbacRuleDescription, RbacScope } from './rbac';

const READ = ['get', 'list', 'watch'];
const KNATIVE = 'serving.knative.dev';

/** The controller's rules (cluster-wide and system-namespace). */
export function controllerRules(leaseName: string): RbacRuleDescription[] {
  const c = (scope: RbacScope, apiGroups: string[], resources: string[], verbs: string[], need: string,
    resourceNames?: string[]): RbacRuleDescription =>
    ({ component: 'controller', scope, apiGroups, resources, verbs, need, ...(resourceNames ? { resourceNames } : {}) });
  return [
    // Service reconciler input.
    c(RbacScope.CLUSTER, [KNATIVE], ['services'], READ,
      'watch Knative Services to reconcile each into its Configuration and Route'),
    // Service → Configuration + Route (create, clobber drift, labeler annotations).
    c(RbacScope.CLUSTER, [KNATIVE], ['configurations', 'routes'], [...READ, 'create', 'update', 'patch'],
      'create and keep in sync the Configuration and Route owned by each Service; the labeler patches routing annotations'),
    // Configuration → Revisions, routingState labels, revision GC (config-gc).
    c(RbacScope.CLUSTER, [KNATIVE], ['revisions'], [...READ, 'create', 'update', 'patch', 'delete'],
      'create one Revision per Configuration generation, label routingState, and delete revisions garbage-collected per config-gc'),
    // DomainMapping reconciler (finalizer).
    c(RbacScope.CLUSTER, [KNATIVE], ['domainmappings'], [...READ, 'update', 'patch'],
      'reconcile DomainMappings (add/remove the domainmappings.serving.knative.dev finalizer)'),
    // Status is written through the /status subresource only.
    c(RbacScope.CLUSTER, [KNATIVE], ['services/status', 'configurations/status', 'revisions/status', 'routes/status', 'domainmappings/status'],
      ['get', 'update', 'patch'],
      'write observedGeneration, conditions, URLs and traffic through the status subresource'),
    // blockOwnerDeletion on controller owner references needs update on <owner>/finalizers.
    c(RbacScope.CLUSTER, [KNATIVE], ['services/finalizers', 'configurations/finalizers', 'revisions/finalizers', 'routes/finalizers', 'domainmappings/finalizers'],
      ['update'],
      'set controller ownerReferences with blockOwnerDeletion on children (OwnerReferencesPermissionEnforcement admission)'),
    // Revision → Deployment.
    c(RbacScope.CLUSTER, ['apps'], ['deployments'], [...READ, 'create', 'update', 'patch'],
      'run each Revision as a Deployment and read its rollout status for ResourcesAvailable'),
    // Revision → ClusterIP Service; Route → cluster-local/placeholder Services (deleted when a tag goes away).
    c(RbacScope.CLUSTER, [''], ['services'], [...READ, 'create', 'update', 'patch', 'delete'],
      'ClusterIP Service per Revision and per Route/tag (status.address); delete the Service of a removed tag'),
    // HPA autoscaling class.
    c(RbacScope.CLUSTER, ['autoscaling'], ['horizontalpodautoscalers'], [...READ, 'create', 'update', 'patch', 'delete'],
      'min/max scale with the HPA class: one HorizontalPodAutoscaler per Revision, removed when the class changes'),
    // ContainerHealthy / ResourcesAvailable diagnostics.
    c(RbacScope.CLUSTER, [''], ['pods'], READ,
      'inspect Revision pods for ContainerHealthy and ResourcesAvailable reasons (exit codes, ImagePullBackOff, unschedulable)'),
    // Events.
    c(RbacScope.CLUSTER, [''], ['events'], ['create', 'patch'],
      'record Kubernetes Events for reconcile results in the namespaces of the reconciled objects'),
    // Cluster configuration (namespaced).
    c(RbacScope.SYSTEM_NAMESPACE, [''], ['configmaps'], READ,
      'read and watch the config-* ConfigMaps (config-defaults, config-features, config-network, config-domain, config-gc, …)'),
    // Leader election: create cannot be limited by name; get/update only on our Lease.
    c(RbacScope.SYSTEM_NAMESPACE, ['coordination.k8s.io'], ['leases'], ['create'],
      'leader election: create the Lease on first start'),
    c(RbacScope.SYSTEM_NAMESPACE, ['coordination.k8s.io'], ['leases'], ['get', 'update'],
      'leader election: read and renew/acquire the controller Lease', [leaseName]),
  ];
}

/** The ingress's rules: read-only. */
export function ingressRules(): RbacRuleDescription[] {
  return [
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: [KNATIVE],
      resources: ['routes'],
      verbs: READ,
      need: 'build the host → weighted-targets table from Route status (url, address, traffic, tag URLs)',
    },
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: [KNATIVE],
      resources: ['revisions'],
      verbs: READ,
      need: 'per-revision request timeouts (spec.timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds)',
    },
    {
      component: 'ingress',
      scope: RbacScope.SYSTEM_NAMESPACE,
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: READ,
      need: 'read and watch the config-* ConfigMaps (domain, network and feature settings such as tag-header-based-routing)',
    },
  ];
}
