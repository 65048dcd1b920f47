/**
 * The rule tables (internal). Each rule's `need` is the comment that justifies it.
 */
import { RbacRuleDescription, RbacScope } from './rbac';

const LIST_WATCH = ['list', 'watch'];
const KNATIVE = 'serving.knative.dev';

/**
 * The controller's rules (cluster-wide and system-namespace).
 *
 * Each rule grants exactly what the controller's code calls today, and each `need` names the
 * module that calls it. Reads go through informers (list + watch), never single gets; writes are
 * create/update/delete (the controller never patches). `test/control-plane/rbac-least-privilege.test.ts`
 * runs the controller and the ingress under these rules and fails on a denied request and on a
 * granted verb no request used, so a rule cannot outlive its call site.
 */
export function controllerRules(leaseName: string, secretsRoleName: string, resolveDigests = false): RbacRuleDescription[] {
  const c = (scope: RbacScope, apiGroups: string[], resources: string[], verbs: string[], need: string,
    resourceNames?: string[]): RbacRuleDescription =>
    ({ component: 'controller', scope, apiGroups, resources, verbs, need, ...(resourceNames ? { resourceNames } : {}) });
  return [
    c(RbacScope.CLUSTER, [KNATIVE], ['services'], LIST_WATCH,
      'informer on Knative Services, the input of the Service reconciler (controller.ts, reconcilers/service.ts)'),
    c(RbacScope.CLUSTER, [KNATIVE], ['configurations', 'routes'], [...LIST_WATCH, 'create', 'update'],
      'create the Configuration and Route owned by each Service and repair drift (reconcilers/service.ts); the labeler updates routing annotations (reconcilers/labeler.ts)'),
    c(RbacScope.CLUSTER, [KNATIVE], ['revisions'], [...LIST_WATCH, 'create', 'update', 'delete'],
      'create one Revision per Configuration generation (reconcilers/configuration.ts), label routingState (reconcilers/labeler.ts), delete revisions collected per config-gc (reconcilers/gc.ts)'),
    c(RbacScope.CLUSTER, [KNATIVE], ['services/status', 'configurations/status', 'revisions/status', 'routes/status', 'domainmappings/status'], ['update'],
      'write observedGeneration, conditions, URLs and traffic through the status subresource (reconcilers/base.ts)'),
    c(RbacScope.CLUSTER, [KNATIVE], ['domainmappings'], [...LIST_WATCH, 'update'],
      'informer on DomainMappings, the input of the DomainMapping reconciler; update only adds or removes its finalizer, kept while autocreate-cluster-domain-claims is on (reconcilers/domainmapping.ts, reconcilers/base.ts setFinalizer)'),
    c(RbacScope.CLUSTER, ['rbac.authorization.k8s.io'], ['rolebindings'], [...LIST_WATCH, 'create', 'update', 'delete'],
      'the ingress\'s read access to TLS Secrets: one RoleBinding of the ClusterRole below per namespace with a DomainMapping naming a TLS Secret, '
      + 'owned by those DomainMappings, deleted when none is left (reconcilers/domainmapping.ts)'),
    c(RbacScope.CLUSTER, ['rbac.authorization.k8s.io'], ['clusterroles'], ['bind'],
      'bind that ClusterRole (get Secrets) in those RoleBindings without holding its permission: the controller never reads Secrets (reconcilers/domainmapping.ts; the API server\'s RBAC escalation check)',
      [secretsRoleName]),
    c(RbacScope.CLUSTER, ['networking.internal.knative.dev'], ['clusterdomainclaims'], [...LIST_WATCH, 'create', 'delete'],
      'cluster-wide domain claims: informer on ClusterDomainClaims; with autocreate-cluster-domain-claims, create the claim of a DomainMapping and delete it when the DomainMapping is deleted (reconcilers/domainmapping.ts)'),
    // blockOwnerDeletion on controller owner references needs update on <owner>/finalizers.
    c(RbacScope.CLUSTER, [KNATIVE], ['services/finalizers', 'configurations/finalizers', 'revisions/finalizers', 'routes/finalizers'], ['update'],
      'set controller ownerReferences with blockOwnerDeletion on the children of Services, Configurations, Revisions and Routes (resources/meta.ts ownerRef; OwnerReferencesPermissionEnforcement admission)'),
    c(RbacScope.CLUSTER, ['apps'], ['deployments'], [...LIST_WATCH, 'create', 'update'],
      'run each Revision as a Deployment, repair drift and read its rollout status for ResourcesAvailable (reconcilers/revision.ts)'),
    c(RbacScope.CLUSTER, [''], ['pods'], LIST_WATCH,
      'informer on the pods of Revisions (label serving.knative.dev/revision): their waiting reasons (ImagePullBackOff, …), exit codes and scheduling failures explain a Revision that does not start (reconcilers/revision.ts, core/revision-health.ts)'),
    c(RbacScope.CLUSTER, ['events.k8s.io'], ['events'], ['create', 'patch'],
      'Kubernetes Events about the reconciled objects (Created, Updated, CreationFailed, InternalError, RevisionReady, …): create one, then patch its series count when it repeats (events.ts via reconcilers/base.ts, child.ts)'),
    // Only with tag-to-digest resolution (controller.resolveDigests): upstream's keychain reads them too.
    ...(resolveDigests ? [
      c(RbacScope.CLUSTER, [''], ['serviceaccounts', 'secrets'], ['get'],
        'tag-to-digest resolution: the registry credentials of a revision\'s imagePullSecrets and of its ServiceAccount\'s, each read by GET (digests.ts pullCredentials)'),
    ] : []),
    c(RbacScope.CLUSTER, ['apps'], ['deployments/scale'], ['update'],
      'the KPA autoscaler sets each revision\'s replicas through the Scale subresource (autoscaler/autoscaler.ts, client.ts updateScale)'),
    c(RbacScope.CLUSTER, ['authentication.k8s.io'], ['tokenreviews'], ['create'],
      'authenticate the ingress\'s stats pushes: TokenReview of its projected serviceAccountToken, audience serving-autoscaler (autoscaler/auth.ts via autoscaler/endpoint.ts, client.ts tokenReview)'),
    c(RbacScope.CLUSTER, [''], ['services'], [...LIST_WATCH, 'create', 'update', 'delete'],
      'ClusterIP Service per Revision (reconcilers/revision.ts) and placeholder Service per Route/tag, deleted when a tag goes away (reconcilers/route.ts); '
      + 'the informer also resolves DomainMappings whose spec.ref is a v1 Service (reconcilers/domainmapping.ts resolveRef)'),
    c(RbacScope.CLUSTER, ['autoscaling'], ['horizontalpodautoscalers'], [...LIST_WATCH, 'create', 'update', 'delete'],
      'min/max scale with the HPA class: one HorizontalPodAutoscaler per Revision, deleted when the class changes (reconcilers/revision.ts)'),
    c(RbacScope.SYSTEM_NAMESPACE, ['discovery.k8s.io'], ['endpointslices'], LIST_WATCH,
      'informer on the EndpointSlices of the internal ingress Service: the ready ingress replicas asked whether they serve a Route before it turns IngressReady (controller.ts, ingress-probe.ts)'),
    c(RbacScope.SYSTEM_NAMESPACE, [''], ['configmaps'], LIST_WATCH,
      'informer on the config-* ConfigMaps (config-defaults, config-features, config-network, config-domain, config-gc, …) (controller.ts)'),
    // Leader election: create cannot be limited by name; get/update only on our Lease.
    c(RbacScope.SYSTEM_NAMESPACE, ['coordination.k8s.io'], ['leases'], ['create'],
      'leader election: create the Lease on first start (leader.ts)'),
    c(RbacScope.SYSTEM_NAMESPACE, ['coordination.k8s.io'], ['leases'], ['get', 'update'],
      'leader election: read and renew/acquire the controller Lease (leader.ts)', [leaseName]),
  ];
}

/** The ingress's rules: read-only informers (ingress/watcher.ts). */
export function ingressRules(): RbacRuleDescription[] {
  return [
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: [KNATIVE],
      resources: ['routes'],
      verbs: LIST_WATCH,
      need: 'informer on Routes: the host → weighted-targets table from the routing contract of each Route (metadata, status.traffic; core/routing) (ingress/watcher.ts)',
    },
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: [KNATIVE],
      resources: ['domainmappings'],
      verbs: LIST_WATCH,
      need: 'informer on DomainMappings: each claimed, resolved DomainMapping\'s host is served by routing to its target\'s cluster-local host (core/domain-mapping) (ingress/watcher.ts)',
    },
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: [KNATIVE],
      resources: ['revisions'],
      verbs: LIST_WATCH,
      need: 'informer on Revisions: per-revision request timeouts (spec.timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds) (ingress/watcher.ts)',
    },
    {
      component: 'ingress',
      scope: RbacScope.CLUSTER,
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: LIST_WATCH,
      need: 'informers on EndpointSlices: the pods of every revision for the data path (label serving.knative.dev/revision, all namespaces) and '
        + 'the serving-autoscaler endpoints the stats go to and the ready serving-ingress replicas (the owners of revisions with containerConcurrency > 0) '
        + '(system namespace) (ingress/watcher.ts)',
    },
    {
      component: 'ingress',
      scope: RbacScope.DOMAIN_MAPPING_NAMESPACES,
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get'],
      need: 'read the TLS Secret a DomainMapping names (tls.crt, tls.key) for the HTTPS listener, by GET only (no list or watch), and only in the namespaces '
        + 'where the controller bound this role because a DomainMapping there names a TLS Secret (ingress/certificates.ts via ingress/main.ts)',
    },
    {
      component: 'ingress',
      scope: RbacScope.SYSTEM_NAMESPACE,
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: LIST_WATCH,
      need: 'informer on the config-* ConfigMaps, parsed as the controller parses them (domain, network and feature settings such as tag-header-based-routing) (ingress/watcher.ts)',
    },
  ];
}

/**
 * The admission webhook's rules: its configuration informer, its own certificate Secret and the
 * CA bundle of its own webhook configurations, each restricted by name where Kubernetes allows.
 * No `create` on Secrets (RBAC cannot restrict create to a name): the control plane creates the
 * Secret empty and the webhook fills it by update.
 */
export function webhookRules(secretName: string, mutatingConfigurations: string[], validatingConfigurations: string[]): RbacRuleDescription[] {
  const w = (scope: RbacScope, apiGroups: string[], resources: string[], verbs: string[], need: string,
    resourceNames?: string[]): RbacRuleDescription =>
    ({ component: 'webhook', scope, apiGroups, resources, verbs, need, ...(resourceNames ? { resourceNames } : {}) });
  return [
    w(RbacScope.CLUSTER, ['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], ['get', 'patch'],
      'read its MutatingWebhookConfiguration and patch the CA bundle into each webhook\'s clientConfig (webhook/certificate-manager.ts via webhook/kube.ts)',
      mutatingConfigurations),
    w(RbacScope.CLUSTER, ['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['get', 'patch'],
      'read its ValidatingWebhookConfigurations (resources, config maps) and patch the CA bundle into each webhook\'s clientConfig (webhook/certificate-manager.ts via webhook/kube.ts)',
      validatingConfigurations),
    w(RbacScope.SYSTEM_NAMESPACE, [''], ['configmaps'], LIST_WATCH,
      'informer on the config-* ConfigMaps: the defaults, features and autoscaler settings reviews are defaulted and validated with (webhook/config.ts)'),
    w(RbacScope.SYSTEM_NAMESPACE, [''], ['secrets'], ['get', 'update'],
      'read its CA and serving certificate, and write new ones when the Secret is empty, unusable or 80 % through their lifetime (webhook/certificate-manager.ts via webhook/kube.ts)',
      [secretName]),
  ];
}
