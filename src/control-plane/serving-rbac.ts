import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterScoped, labelsOf } from './common';
import { RbacRuleDescription, RbacScope } from './rbac';

/** Annotation of each (Cluster)Role listing the need of each of its rules. */
const RULE_NEEDS_ANNOTATION = 'serving.cdk8s-knative.dev/rule-needs';

/** A component that gets a ServiceAccount and its rules. */
export interface RbacComponent {
  /** The role, as the rules' `component` names it (`controller`). */
  readonly role: string;
  /** Name of its ServiceAccount and Role (`serving-controller`): the component's name. */
  readonly name: string;
}

/** Props of `ServingRbac`. */
export interface ServingRbacProps {
  /** The system namespace (ServiceAccounts, Roles, RoleBindings). */
  readonly namespace: string;
  /** Every rule, each naming its component (rules of other components are ignored). */
  readonly rules: RbacRuleDescription[];
  /** The components, in the order their objects are written. */
  readonly components: RbacComponent[];
}

/**
 * Least-privilege RBAC of the runtime components (internal: not exported from the package), as
 * upstream's `config/core/200-roles` and `200-serviceaccount.yaml`: per component a
 * ServiceAccount (no automounted token: the pod spec mounts it), a ClusterRole and
 * ClusterRoleBinding `<namespace>-<role>` for its cluster-wide rules, and a Role and RoleBinding
 * `<name>` for its system-namespace rules. Each (Cluster)Role lists the need of each rule in the
 * `serving.cdk8s-knative.dev/rule-needs` annotation.
 */
export class ServingRbac extends Construct {
  private readonly rules: RbacRuleDescription[];

  constructor(scope: Construct, id: string, props: ServingRbacProps) {
    super(scope, id);
    const ns = props.namespace;
    this.rules = props.rules.filter(r => props.components.some(c => c.role === r.component));
    for (const { role, name } of props.components) {
      new k8s.KubeServiceAccount(this, `${role}-sa`, {
        metadata: { name, namespace: ns, labels: labelsOf(name, role) },
        // Both components talk to the API server; the token is mounted by the pod spec, explicitly.
        automountServiceAccountToken: false,
      });
      const mine = this.rules.filter(r => r.component === role);
      const subject: k8s.Subject = { kind: 'ServiceAccount', name, namespace: ns };

      const cluster = mine.filter(r => r.scope === RbacScope.CLUSTER);
      const clusterRoleName = `${ns}-${role}`;
      clusterScoped(new k8s.KubeClusterRole(this, `${role}-clusterrole`, {
        metadata: { name: clusterRoleName, labels: labelsOf(name, role), annotations: { [RULE_NEEDS_ANNOTATION]: needs(cluster) } },
        rules: cluster.map(toPolicy),
      }));
      clusterScoped(new k8s.KubeClusterRoleBinding(this, `${role}-clusterrolebinding`, {
        metadata: { name: clusterRoleName, labels: labelsOf(name, role) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
        subjects: [subject],
      }));
      const local = mine.filter(r => r.scope === RbacScope.SYSTEM_NAMESPACE);
      new k8s.KubeRole(this, `${role}-role`, {
        metadata: { name, namespace: ns, labels: labelsOf(name, role), annotations: { [RULE_NEEDS_ANNOTATION]: needs(local) } },
        rules: local.map(toPolicy),
      });
      new k8s.KubeRoleBinding(this, `${role}-rolebinding`, {
        metadata: { name, namespace: ns, labels: labelsOf(name, role) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [subject],
      });
      // Bound at run time, per namespace, by the controller (RbacScope.DOMAIN_MAPPING_NAMESPACES).
      const perNamespace = mine.filter(r => r.scope === RbacScope.DOMAIN_MAPPING_NAMESPACES);
      if (perNamespace.length > 0) {
        clusterScoped(new k8s.KubeClusterRole(this, `${role}-domainmapping-clusterrole`, {
          metadata: { name: `${ns}-${role}-domainmapping-secrets`, labels: labelsOf(name, role), annotations: { [RULE_NEEDS_ANNOTATION]: needs(perNamespace) } },
          rules: perNamespace.map(toPolicy),
        }));
      }
    }
  }

  /** Every rule granted, with its need (copies). */
  public describeRules(): RbacRuleDescription[] {
    return this.rules.map(r => ({
      ...r,
      apiGroups: [...r.apiGroups],
      resources: [...r.resources],
      verbs: [...r.verbs],
      ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
    }));
  }
}

function toPolicy(r: RbacRuleDescription): k8s.PolicyRule {
  return { apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) };
}

/** The annotation text: one line per rule, `<i>: <resources> [<verbs>] — <need>`. */
function needs(rules: RbacRuleDescription[]): string {
  return rules.map((r, i) => `${i}: ${r.resources.join(',')} [${r.verbs.join(',')}] — ${r.need}`).join('\n');
}
