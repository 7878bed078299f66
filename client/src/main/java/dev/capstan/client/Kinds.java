package dev.capstan.client;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentList;
import dev.capstan.api.apps.v1.DeploymentWatchEvent;
import dev.capstan.api.apps.v1.DeploymentsGrpc;
import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetList;
import dev.capstan.api.apps.v1.DaemonSetWatchEvent;
import dev.capstan.api.apps.v1.DaemonSetsGrpc;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetList;
import dev.capstan.api.apps.v1.ReplicaSetWatchEvent;
import dev.capstan.api.apps.v1.ReplicaSetsGrpc;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetList;
import dev.capstan.api.apps.v1.StatefulSetWatchEvent;
import dev.capstan.api.apps.v1.StatefulSetsGrpc;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseList;
import dev.capstan.api.coordination.v1.LeaseWatchEvent;
import dev.capstan.api.coordination.v1.LeasesGrpc;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapList;
import dev.capstan.api.core.v1.ConfigMapWatchEvent;
import dev.capstan.api.core.v1.ConfigMapsGrpc;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.EventList;
import dev.capstan.api.core.v1.EventWatchEvent;
import dev.capstan.api.core.v1.EventsGrpc;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.NamespaceList;
import dev.capstan.api.core.v1.NamespaceWatchEvent;
import dev.capstan.api.core.v1.NamespacesGrpc;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeList;
import dev.capstan.api.core.v1.NodeWatchEvent;
import dev.capstan.api.core.v1.NodesGrpc;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodList;
import dev.capstan.api.core.v1.PodWatchEvent;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretList;
import dev.capstan.api.core.v1.SecretWatchEvent;
import dev.capstan.api.core.v1.SecretsGrpc;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.EndpointsList;
import dev.capstan.api.core.v1.EndpointsServiceGrpc;
import dev.capstan.api.core.v1.EndpointsWatchEvent;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServiceList;
import dev.capstan.api.core.v1.ServiceWatchEvent;
import dev.capstan.api.core.v1.ServicesGrpc;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.ClusterRoleBindingList;
import dev.capstan.api.rbac.v1.ClusterRoleBindingWatchEvent;
import dev.capstan.api.rbac.v1.ClusterRoleBindingsGrpc;
import dev.capstan.api.rbac.v1.ClusterRoleList;
import dev.capstan.api.rbac.v1.ClusterRoleWatchEvent;
import dev.capstan.api.rbac.v1.ClusterRolesGrpc;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleBindingList;
import dev.capstan.api.rbac.v1.RoleBindingWatchEvent;
import dev.capstan.api.rbac.v1.RoleBindingsGrpc;
import dev.capstan.api.rbac.v1.RoleList;
import dev.capstan.api.rbac.v1.RoleWatchEvent;
import dev.capstan.api.rbac.v1.RolesGrpc;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The registry of every kind the API serves. */
public final class Kinds {
  private Kinds() {}

  public static final Kind<Namespace> NAMESPACE = new Kind<>("v1", "Namespace", "namespaces", false,
      Namespace.getDefaultInstance(), NamespaceList.getDefaultInstance(),
      NamespaceWatchEvent.getDefaultInstance(), NamespacesGrpc.getServiceDescriptor(), List.of("ns"));
  public static final Kind<Node> NODE = new Kind<>("v1", "Node", "nodes", false,
      Node.getDefaultInstance(), NodeList.getDefaultInstance(), NodeWatchEvent.getDefaultInstance(),
      NodesGrpc.getServiceDescriptor(), List.of("no"));
  public static final Kind<Pod> POD = new Kind<>("v1", "Pod", "pods", true,
      Pod.getDefaultInstance(), PodList.getDefaultInstance(), PodWatchEvent.getDefaultInstance(),
      PodsGrpc.getServiceDescriptor(), List.of("po"));
  public static final Kind<ConfigMap> CONFIG_MAP = new Kind<>("v1", "ConfigMap", "configmaps", true,
      ConfigMap.getDefaultInstance(), ConfigMapList.getDefaultInstance(),
      ConfigMapWatchEvent.getDefaultInstance(), ConfigMapsGrpc.getServiceDescriptor(), List.of("cm"));
  public static final Kind<Secret> SECRET = new Kind<>("v1", "Secret", "secrets", true,
      Secret.getDefaultInstance(), SecretList.getDefaultInstance(),
      SecretWatchEvent.getDefaultInstance(), SecretsGrpc.getServiceDescriptor(), List.of());
  public static final Kind<Event> EVENT = new Kind<>("v1", "Event", "events", true,
      Event.getDefaultInstance(), EventList.getDefaultInstance(), EventWatchEvent.getDefaultInstance(),
      EventsGrpc.getServiceDescriptor(), List.of("ev"));
  public static final Kind<Lease> LEASE = new Kind<>("coordination.k8s.io/v1", "Lease", "leases", true,
      Lease.getDefaultInstance(), LeaseList.getDefaultInstance(), LeaseWatchEvent.getDefaultInstance(),
      LeasesGrpc.getServiceDescriptor(), List.of());
  public static final Kind<ReplicaSet> REPLICA_SET = new Kind<>("apps/v1", "ReplicaSet", "replicasets", true,
      ReplicaSet.getDefaultInstance(), ReplicaSetList.getDefaultInstance(),
      ReplicaSetWatchEvent.getDefaultInstance(), ReplicaSetsGrpc.getServiceDescriptor(), List.of("rs"));
  public static final Kind<Deployment> DEPLOYMENT = new Kind<>("apps/v1", "Deployment", "deployments", true,
      Deployment.getDefaultInstance(), DeploymentList.getDefaultInstance(),
      DeploymentWatchEvent.getDefaultInstance(), DeploymentsGrpc.getServiceDescriptor(), List.of("deploy"));
  public static final Kind<DaemonSet> DAEMON_SET = new Kind<>("apps/v1", "DaemonSet", "daemonsets", true,
      DaemonSet.getDefaultInstance(), DaemonSetList.getDefaultInstance(),
      DaemonSetWatchEvent.getDefaultInstance(), DaemonSetsGrpc.getServiceDescriptor(), List.of("ds"));
  public static final Kind<StatefulSet> STATEFUL_SET = new Kind<>("apps/v1", "StatefulSet", "statefulsets", true,
      StatefulSet.getDefaultInstance(), StatefulSetList.getDefaultInstance(),
      StatefulSetWatchEvent.getDefaultInstance(), StatefulSetsGrpc.getServiceDescriptor(), List.of("sts"));

  // Service and Endpoints: a virtual IP in front of the pods a selector picks, and those pods' addresses.
  public static final Kind<Service> SERVICE = new Kind<>("v1", "Service", "services", true,
      Service.getDefaultInstance(), ServiceList.getDefaultInstance(), ServiceWatchEvent.getDefaultInstance(),
      ServicesGrpc.getServiceDescriptor(), List.of("svc"));
  public static final Kind<Endpoints> ENDPOINTS = new Kind<>("v1", "Endpoints", "endpoints", true,
      Endpoints.getDefaultInstance(), EndpointsList.getDefaultInstance(), EndpointsWatchEvent.getDefaultInstance(),
      EndpointsServiceGrpc.getServiceDescriptor(), List.of("ep"));

  public static final String RBAC_V1 = "rbac.authorization.k8s.io/v1";
  public static final Kind<Role> ROLE = new Kind<>(RBAC_V1, "Role", "roles", true,
      Role.getDefaultInstance(), RoleList.getDefaultInstance(), RoleWatchEvent.getDefaultInstance(),
      RolesGrpc.getServiceDescriptor(), List.of());
  public static final Kind<ClusterRole> CLUSTER_ROLE = new Kind<>(RBAC_V1, "ClusterRole", "clusterroles", false,
      ClusterRole.getDefaultInstance(), ClusterRoleList.getDefaultInstance(),
      ClusterRoleWatchEvent.getDefaultInstance(), ClusterRolesGrpc.getServiceDescriptor(), List.of());
  public static final Kind<RoleBinding> ROLE_BINDING = new Kind<>(RBAC_V1, "RoleBinding", "rolebindings", true,
      RoleBinding.getDefaultInstance(), RoleBindingList.getDefaultInstance(),
      RoleBindingWatchEvent.getDefaultInstance(), RoleBindingsGrpc.getServiceDescriptor(), List.of());
  public static final Kind<ClusterRoleBinding> CLUSTER_ROLE_BINDING = new Kind<>(RBAC_V1, "ClusterRoleBinding",
      "clusterrolebindings", false, ClusterRoleBinding.getDefaultInstance(),
      ClusterRoleBindingList.getDefaultInstance(), ClusterRoleBindingWatchEvent.getDefaultInstance(),
      ClusterRoleBindingsGrpc.getServiceDescriptor(), List.of());

  private static final List<Kind<? extends Message>> ALL = List.of(NAMESPACE, NODE, POD, CONFIG_MAP, SECRET, EVENT, LEASE,
      REPLICA_SET, DEPLOYMENT, DAEMON_SET, STATEFUL_SET, ROLE, CLUSTER_ROLE, ROLE_BINDING, CLUSTER_ROLE_BINDING,
      SERVICE, ENDPOINTS);

  public static List<Kind<? extends Message>> all() {
    return ALL;
  }

  /** The kind a manifest names with apiVersion and kind. */
  public static Optional<Kind<? extends Message>> byTypeMeta(String apiVersion, String kind) {
    return ALL.stream().filter(k -> k.apiVersion().equals(apiVersion) && k.kind().equals(kind)).findFirst();
  }

  /** The kind a user names on the command line: "pods", "pod", "po", "Pod", "deployment.apps". */
  public static Optional<Kind<? extends Message>> byUserName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    int dot = n.indexOf('.');
    String group = dot < 0 ? null : n.substring(dot + 1);
    String base = dot < 0 ? n : n.substring(0, dot);
    return ALL.stream()
        .filter(k -> group == null || k.group().equals(group))
        .filter(k -> k.resource().equals(base) || k.kind().toLowerCase(Locale.ROOT).equals(base)
            || k.shortNames().contains(base))
        .findFirst();
  }

  /** The kind whose message type this is. */
  public static <T extends Message> Kind<T> of(Class<T> type) {
    for (Kind<? extends Message> k : ALL) {
      if (k.type().equals(type)) {
        @SuppressWarnings("unchecked")
        Kind<T> t = (Kind<T>) k;
        return t;
      }
    }
    throw new IllegalArgumentException("not a resource kind: " + type.getName());
  }
}
