package dev.capstan.apiserver.authz;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.UserInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * The RBAC objects every cluster starts with, created on the first start (and re-created when
 * missing, never overwritten): cluster-admin for group system:masters; Kubernetes' user-facing
 * roles admin, edit and view, bound to nobody; and the least each built-in component needs — the
 * scheduler, the controller manager and the node agents (group system:nodes, narrowed further per
 * node by {@link NodeRestriction}).
 */
public final class BootstrapPolicy {
  public static final String CLUSTER_ADMIN = "cluster-admin";
  /** Kubernetes' user-facing roles, bound by nobody by default: bind them in a namespace with a RoleBinding. */
  public static final String ADMIN = "admin";
  public static final String EDIT = "edit";
  public static final String VIEW = "view";
  public static final String SCHEDULER = "system:kube-scheduler";
  public static final String CONTROLLER_MANAGER = "system:kube-controller-manager";
  public static final String NODE = "system:node";
  /** May ask for a node client certificate: bound to group system:bootstrappers (bootstrap tokens). */
  public static final String NODE_BOOTSTRAPPER = "system:node-bootstrapper";
  /** May ask for a certificate for itself: bound to group system:nodes (a node renewing its own). */
  public static final String NODE_SELF_CLIENT = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";
  public static final String BOOTSTRAPPERS = "system:bootstrappers";
  static final String CERTIFICATES_GROUP = "certificates.k8s.io";
  static final String RBAC_GROUP = "rbac.authorization.k8s.io";
  private static final List<String> READ = List.of("get", "list", "watch");
  private static final List<String> WRITE_EVENTS = List.of("create", "update", "patch");
  private static final List<String> WRITE = List.of("create", "update", "patch", "delete", "deletecollection");
  private static final List<String> READ_WRITE = List.of("get", "list", "watch", "create", "update", "patch",
      "delete", "deletecollection");

  private BootstrapPolicy() {}

  public static List<ClusterRole> clusterRoles() {
    return List.of(
        role(CLUSTER_ADMIN, rule(List.of("*"), List.of("*"), List.of("*")),
            PolicyRule.newBuilder().addNonResourceUrls("*").addVerbs("*").build()),
        role(ADMIN, adminRules().toArray(PolicyRule[]::new)),
        role(EDIT, editRules().toArray(PolicyRule[]::new)),
        role(VIEW, viewRules().toArray(PolicyRule[]::new)),
        role(SCHEDULER,
            rule(List.of(""), List.of("pods", "nodes", "namespaces"), READ),
            rule(List.of(""), List.of("pods/binding"), List.of("create")),
            rule(List.of(""), List.of("pods/status"), List.of("update", "patch")),
            rule(List.of(""), List.of("events"), WRITE_EVENTS),
            rule(List.of("coordination.k8s.io"), List.of("leases"), List.of("get", "list", "watch", "create", "update"))),
        role(CONTROLLER_MANAGER,
            // The pod controllers; the pod garbage collector's force deletes too (it reads nodes, below).
            rule(List.of(""), List.of("pods", "pods/status"), List.of("*")),
            rule(List.of("apps"), List.of("replicasets", "replicasets/status", "replicasets/scale", "deployments",
                "deployments/status", "deployments/scale", "daemonsets", "daemonsets/status", "statefulsets",
                "statefulsets/status"), List.of("*")),
            rule(List.of("batch"), List.of("jobs", "jobs/status", "cronjobs", "cronjobs/status"), List.of("*")),
            rule(List.of(""), List.of("nodes", "namespaces", "configmaps"), READ),
            // the root CA publisher's kube-root-ca.crt in every namespace
            rule(List.of(""), List.of("configmaps"), List.of("create", "update")),
            rule(List.of(""), List.of("services"), READ),
            rule(List.of(""), List.of("endpoints"), List.of("*")),
            rule(List.of(""), List.of("events"), WRITE_EVENTS),
            // the ServiceAccount controller, and the quota controller, which counts objects of every kind
            rule(List.of(""), List.of("serviceaccounts"), List.of("get", "list", "watch", "create")),
            rule(List.of(""), List.of("resourcequotas", "resourcequotas/status"), List.of("get", "list", "watch",
                "update")),
            rule(List.of("*"), List.of("*"), List.of("list", "watch")),
            rule(List.of("coordination.k8s.io"), List.of("leases"), List.of("*")),
            // The node lifecycle controller: conditions Unknown (status), taints (spec).
            rule(List.of(""), List.of("nodes", "nodes/status"), List.of("update", "patch"))),
        role(NODE,
            rule(List.of(""), List.of("nodes"), List.of("get", "list", "watch", "create", "update", "patch", "delete")),
            rule(List.of(""), List.of("nodes/status"), List.of("update", "patch")),
            rule(List.of(""), List.of("pods"), List.of("get", "list", "watch", "delete")),
            rule(List.of(""), List.of("pods/status"), List.of("update", "patch")),
            rule(List.of(""), List.of("configmaps", "secrets"), READ),
            // Tokens for pods' projected volumes; NodeRestriction allows only those of its own pods.
            rule(List.of(""), List.of("serviceaccounts/token"), List.of("create")),
            rule(List.of(""), List.of("events"), WRITE_EVENTS),
            rule(List.of("coordination.k8s.io"), List.of("leases"),
                List.of("get", "list", "watch", "create", "update", "patch", "delete"))),
        // Node certificates (CertificateSigningService), in roles of their own so that clusters
        // made before they existed get them on the next start.
        role(NODE_BOOTSTRAPPER, rule(List.of(CERTIFICATES_GROUP), List.of("certificatesigningrequests"),
            List.of("create"))),
        role(NODE_SELF_CLIENT, rule(List.of(CERTIFICATES_GROUP), List.of("certificatesigningrequests"),
            List.of("create"))));
  }

  /**
   * Kubernetes' {@code view}: read most objects of a namespace, not Secrets (reading them would
   * show the credentials of ServiceAccounts, and so their rights) and not RBAC objects.
   */
  static List<PolicyRule> viewRules() {
    return List.of(
        rule(List.of(""), List.of("pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
            "configmaps"), READ),
        rule(List.of(""), List.of("limitranges", "resourcequotas", "bindings", "events", "pods/status",
            "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"), READ),
        // At the namespace scope: reading the namespace the role is bound in.
        rule(List.of(""), List.of("namespaces"), READ),
        rule(List.of("discovery.k8s.io"), List.of("endpointslices"), READ),
        rule(List.of("apps"), List.of("controllerrevisions", "statefulsets", "statefulsets/scale",
            "statefulsets/status", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
            "deployments/status", "replicasets", "replicasets/scale", "replicasets/status"), READ),
        rule(List.of("autoscaling"), List.of("horizontalpodautoscalers", "horizontalpodautoscalers/status"), READ),
        rule(List.of("batch"), List.of("jobs", "cronjobs", "cronjobs/status", "jobs/status"), READ),
        rule(List.of("policy"), List.of("poddisruptionbudgets", "poddisruptionbudgets/status"), READ),
        rule(List.of("networking.k8s.io"), List.of("networkpolicies", "ingresses", "ingresses/status"), READ));
  }

  /** Kubernetes' {@code edit}: {@code view}, Secrets, and writing the objects of a namespace, not RBAC objects. */
  static List<PolicyRule> editRules() {
    List<PolicyRule> rules = new ArrayList<>(viewRules());
    rules.addAll(List.of(
        rule(List.of(""), List.of("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
            "services/proxy"), READ),
        rule(List.of(""), List.of("serviceaccounts"), List.of("impersonate")),
        rule(List.of(""), List.of("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"), WRITE),
        rule(List.of(""), List.of("pods/eviction"), List.of("create")),
        rule(List.of(""), List.of("replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"), WRITE),
        rule(List.of(""), List.of("serviceaccounts/token"), List.of("create")),
        rule(List.of("apps"), List.of("statefulsets", "statefulsets/scale", "daemonsets", "deployments",
            "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"), WRITE),
        rule(List.of("autoscaling"), List.of("horizontalpodautoscalers"), WRITE),
        rule(List.of("batch"), List.of("jobs", "cronjobs"), WRITE),
        rule(List.of("policy"), List.of("poddisruptionbudgets"), WRITE),
        rule(List.of("networking.k8s.io"), List.of("networkpolicies", "ingresses"), WRITE)));
    return List.copyOf(rules);
  }

  /**
   * Kubernetes' {@code admin}: {@code edit} and the Roles and RoleBindings of a namespace. It holds
   * neither {@code bind} nor {@code escalate}: a namespace admin can grant, with Roles and
   * RoleBindings, only what it holds itself (escalation prevention).
   */
  static List<PolicyRule> adminRules() {
    List<PolicyRule> rules = new ArrayList<>(editRules());
    rules.add(rule(List.of("authorization.k8s.io"), List.of("localsubjectaccessreviews"), List.of("create")));
    rules.add(rule(List.of(RBAC_GROUP), List.of("roles", "rolebindings"), READ_WRITE));
    return List.copyOf(rules);
  }

  public static List<ClusterRoleBinding> clusterRoleBindings() {
    return List.of(
        binding(CLUSTER_ADMIN, CLUSTER_ADMIN, subject("Group", UserInfo.SYSTEM_MASTERS)),
        binding(SCHEDULER, SCHEDULER, subject("User", SCHEDULER)),
        binding(CONTROLLER_MANAGER, CONTROLLER_MANAGER, subject("User", CONTROLLER_MANAGER)),
        binding(NODE, NODE, subject("Group", UserInfo.SYSTEM_NODES)),
        binding(NODE_BOOTSTRAPPER, NODE_BOOTSTRAPPER, subject("Group", BOOTSTRAPPERS)),
        binding(NODE_SELF_CLIENT, NODE_SELF_CLIENT, subject("Group", UserInfo.SYSTEM_NODES)));
  }

  private static ObjectMeta meta(String name) {
    return ObjectMeta.newBuilder().setName(name).putLabels("kubernetes.io/bootstrapping", "rbac-defaults").build();
  }

  private static ClusterRole role(String name, PolicyRule... rules) {
    return ClusterRole.newBuilder().setMetadata(meta(name)).addAllRules(List.of(rules)).build();
  }

  private static PolicyRule rule(List<String> groups, List<String> resources, List<String> verbs) {
    return PolicyRule.newBuilder().addAllApiGroups(groups).addAllResources(resources).addAllVerbs(verbs).build();
  }

  private static Subject subject(String kind, String name) {
    return Subject.newBuilder().setKind(kind).setApiGroup(RBAC_GROUP).setName(name).build();
  }

  private static ClusterRoleBinding binding(String name, String role, Subject subject) {
    return ClusterRoleBinding.newBuilder().setMetadata(meta(name)).addSubjects(subject)
        .setRoleRef(RoleRef.newBuilder().setApiGroup(RBAC_GROUP).setKind("ClusterRole").setName(role)).build();
  }
}
