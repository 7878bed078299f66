package dev.capstan.apiserver;

import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.authorization.v1.ResourceAttributes;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReview;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewSpec;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewsGrpc;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodsGrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.Binding;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The apiserver with authentication on, over gRPC on a real in-process store: bearer tokens,
 * RBAC from the RBAC objects (fed through the watch caches) and NodeRestriction.
 */
class AuthenticatedApiServerTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      alice-token,alice,1001,"dev"
      node-a-token,system:node:node-a,na,"system:nodes"
      node-b-token,system:node:node-b,nb,"system:nodes"
      """;
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient alice;
  private CapstanClient nodeA;
  private CapstanClient anonymous;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    String target = "127.0.0.1:" + server.port();
    admin = CapstanClient.connect(target, "admin-token");
    alice = CapstanClient.connect(target, "alice-token");
    nodeA = CapstanClient.connect(target, "node-a-token");
    anonymous = CapstanClient.connect(target);
  }

  @AfterEach
  void stop() {
    for (CapstanClient c : new CapstanClient[] {admin, alice, nodeA, anonymous}) {
      c.close();
    }
    server.close();
    store.close();
  }

  @Test
  void aRestartedServerBringsDefaultRolesUpToDateUnlessTheyOptOut() {
    ClusterRole full = admin.clusterRoles().get("", BootstrapPolicy.CONTROLLER_MANAGER);
    // As an older version left it: without its last rule; and a scheduler role an operator froze.
    admin.clusterRoles().update(full.toBuilder().removeRules(full.getRulesCount() - 1).build());
    ClusterRole scheduler = admin.clusterRoles().get("", BootstrapPolicy.SCHEDULER);
    ClusterRole frozen = admin.clusterRoles().update(scheduler.toBuilder().clearRules()
        .setMetadata(scheduler.getMetadata().toBuilder().putAnnotations("rbac.authorization.kubernetes.io/autoupdate",
            "false")).build());
    server.close();

    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    try (CapstanClient restarted = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token")) {
      assertThat(restarted.clusterRoles().get("", BootstrapPolicy.CONTROLLER_MANAGER).getRulesList())
          .containsExactlyInAnyOrderElementsOf(full.getRulesList());
      assertThat(restarted.clusterRoles().get("", BootstrapPolicy.SCHEDULER).getRulesList()).isEmpty();
      assertThat(restarted.clusterRoles().get("", BootstrapPolicy.SCHEDULER).getMetadata().getResourceVersion())
          .isEqualTo(frozen.getMetadata().getResourceVersion());
    }
  }

  private static StatusRuntimeException failure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static Pod pod(String namespace, String name) {
    return ApiServerTest.pod(name, "busybox").toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)).build();
  }

  @Test
  void callsWithoutOrWithAnUnknownTokenAreUnauthenticated() {
    StatusRuntimeException none = failure(() -> anonymous.pods().list("default"));
    assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(none.getStatus().getDescription()).contains("authorization: Bearer");

    try (CapstanClient wrong = CapstanClient.connect("127.0.0.1:" + server.port(), "guessed")) {
      StatusRuntimeException bad = failure(() -> wrong.pods().list("default"));
      assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(bad.getStatus().getDescription()).contains("invalid bearer token");
    }
  }

  private static SelfSubjectAccessReview canI(CapstanClient who, String verb, String resource, String subresource,
      String namespace) {
    return SelfSubjectAccessReviewsGrpc.newBlockingStub(who.channel()).create(SelfSubjectAccessReview.newBuilder()
        .setSpec(SelfSubjectAccessReviewSpec.newBuilder().setResourceAttributes(ResourceAttributes.newBuilder()
            .setVerb(verb).setResource(resource).setSubresource(subresource).setNamespace(namespace).setName("web")))
        .build());
  }

  @Test
  void selfSubjectAccessReviewsAnswerWithTheServersOwnDecision() {
    assertThat(canI(admin, "create", "pods", "exec", "default").getStatus().getAllowed()).isTrue();
    SelfSubjectAccessReview denied = canI(alice, "create", "pods", "exec", "default");
    assertThat(denied.getStatus().getAllowed()).isFalse();
    assertThat(denied.getStatus().getReason()).contains("alice").contains("pods/exec");
    assertThat(failure(() -> canI(anonymous, "get", "pods", "", "default")).getStatus().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    StatusRuntimeException unknown = failure(() -> canI(admin, "get", "widgets", "", "default"));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.getStatus().getDescription()).contains("spec.resourceAttributes.resource");
  }

  @Test
  void execNeedsCreateOnPodsExec() {
    StatusRuntimeException denied = failure(() -> PodsGrpc.newBlockingStub(alice.channel())
        .exec(PodExecRequest.newBuilder().setNamespace("default").setName("web").addCommand("true").build()));
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).contains("pods/exec");
  }

  @Test
  void healthStaysOpenWithoutAToken() {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(anonymous.channel())
        .check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void reflectionStaysOpenWithoutATokenSoClientsCanDiscoverTheApi() throws Exception {
    var services = new java.util.concurrent.CompletableFuture<java.util.List<String>>();
    var stream = ServerReflectionGrpc.newStub(anonymous.channel()).serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionResponse r) {
        services.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
      }

      @Override
      public void onError(Throwable t) {
        services.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    stream.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(services.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .contains("capstan.core.v1.Pods", "capstan.rbac.v1.RoleBindings");
    stream.onCompleted();
  }

  @Test
  void theAdminMayDoAnythingThroughTheBootstrapPolicy() {
    // As Kubernetes': every resource, and every non-resource URL.
    assertThat(admin.clusterRoles().get("", "cluster-admin").getRulesList()).containsExactly(
        PolicyRule.newBuilder().addApiGroups("*").addResources("*").addVerbs("*").build(),
        PolicyRule.newBuilder().addNonResourceUrls("*").addVerbs("*").build());
    assertThat(admin.clusterRoles().list("").items()).extracting(r -> r.getMetadata().getName())
        .contains("admin", "edit", "view");
    admin.pods().create(pod("default", "p1"));
    assertThat(admin.pods().list("").items()).hasSize(1);
    assertThat(admin.clusterRoleBindings().list("").items()).extracting(b -> b.getMetadata().getName())
        .contains("cluster-admin", "system:kube-scheduler", "system:kube-controller-manager", "system:node");
  }

  @Test
  void patchAndDeleteCollectionNeedTheirOwnVerbs() {
    admin.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team")).build());
    admin.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("cm"))
        .addRules(PolicyRule.newBuilder().addApiGroups("").addResources("configmaps")
            .addVerbs("create").addVerbs("get").addVerbs("list").addVerbs("update").addVerbs("delete")).build());
    admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("alice-cm"))
        .addSubjects(Subject.newBuilder().setKind("User").setApiGroup("rbac.authorization.k8s.io").setName("alice"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role").setName("cm"))
        .build());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(alice.configMaps().list("team").items()).isEmpty());
    alice.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("settings")).build());

    StatusRuntimeException patch = failure(() -> alice.configMaps().patch("team", "settings",
        "{\"data\": {\"k\": \"v\"}}"));
    assertThat(patch.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(patch.getStatus().getDescription()).isEqualTo("configmaps \"settings\" is forbidden: User \"alice\""
        + " cannot patch resource \"configmaps\" in API group \"\" in the namespace \"team\"");
    StatusRuntimeException collection = failure(() -> alice.configMaps().deleteCollection(
        DeleteCollectionRequest.newBuilder().setNamespace("team").build()));
    assertThat(collection.getStatus().getDescription()).isEqualTo("configmaps is forbidden: User \"alice\""
        + " cannot deletecollection resource \"configmaps\" in API group \"\" in the namespace \"team\"");
    assertThat(admin.configMaps().get("team", "settings").getDataMap()).isEmpty();

    admin.roles().update(admin.roles().get("team", "cm").toBuilder().addRules(PolicyRule.newBuilder()
        .addApiGroups("").addResources("configmaps").addVerbs("patch").addVerbs("deletecollection")).build());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(alice.configMaps().patch("team", "settings", "{\"data\": {\"k\": \"v\"}}").getDataMap())
            .containsEntry("k", "v"));
    assertThat(alice.configMaps().deleteCollection(DeleteCollectionRequest.newBuilder().setNamespace("team").build()))
        .hasSize(1);
    assertThat(admin.configMaps().list("team").items()).isEmpty();
  }

  @Test
  void aNodeMayNotPatchPodSpecsNorDeleteCollectionsOfPods() {
    admin.pods().create(pod("default", "web").toBuilder().setSpec(pod("default", "web").getSpec().toBuilder()
        .setNodeName("node-a")).build());
    StatusRuntimeException patch = failure(() -> nodeA.pods().patch("default", "web",
        "{\"metadata\": {\"labels\": {\"x\": \"y\"}}}"));
    assertThat(patch.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    StatusRuntimeException collection = failure(() -> nodeA.pods().deleteCollection(
        DeleteCollectionRequest.newBuilder().setNamespace("default").build()));
    assertThat(collection.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(admin.pods().list("default").items()).hasSize(1);
  }

  @Test
  void aNamespaceRoleGrantsOnlyInItsNamespaceAndDenialsNameUserVerbResourceAndNamespace() {
    admin.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team")).build());
    StatusRuntimeException before = failure(() -> alice.pods().list("team"));
    assertThat(before.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

    admin.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("pods"))
        .addRules(PolicyRule.newBuilder().addApiGroups("").addResources("pods")
            .addVerbs("create").addVerbs("get").addVerbs("list").addVerbs("watch")).build());
    admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("alice-pods"))
        .addSubjects(Subject.newBuilder().setKind("User").setApiGroup("rbac.authorization.k8s.io").setName("alice"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role").setName("pods"))
        .build());

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(alice.pods().list("team").items()).isEmpty());
    alice.pods().create(pod("team", "mine"));
    assertThat(alice.pods().get("team", "mine").getMetadata().getName()).isEqualTo("mine");

    StatusRuntimeException elsewhere = failure(() -> alice.pods().list("default"));
    assertThat(elsewhere.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(elsewhere.getStatus().getDescription())
        .isEqualTo("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\""
            + " in the namespace \"default\"");
    assertThat(failure(() -> alice.pods().create(pod("default", "theirs"))).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    StatusRuntimeException allNamespaces = failure(() -> alice.pods().list(""));
    assertThat(allNamespaces.getStatus().getDescription()).contains("at the cluster scope");
    StatusRuntimeException delete = failure(() -> alice.pods().delete(DeleteRequest.newBuilder()
        .setNamespace("team").setName("mine").build()));
    assertThat(delete.getStatus().getDescription())
        .contains("pods \"mine\" is forbidden", "cannot delete resource \"pods\"", "\"team\"");
  }

  @Test
  void aNodeMayUpdateTheStatusOfItsOwnPodsOnlyAndItsOwnNodeAndLease() {
    admin.pods().create(pod("default", "on-a"));
    admin.pods().create(pod("default", "on-b"));
    bind("on-a", "node-a");
    bind("on-b", "node-b");

    Pod mine = nodeA.pods().get("default", "on-a");
    Pod updated = nodeA.pods().updateStatus(mine.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());
    assertThat(updated.getStatus().getPhase()).isEqualTo("Running");

    Pod theirs = nodeA.pods().get("default", "on-b");
    StatusRuntimeException denied = failure(() -> nodeA.pods().updateStatus(
        theirs.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Failed")).build()));
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).contains("node \"node-a\"", "bound to node \"node-b\"");
    assertThat(admin.pods().get("default", "on-b").getStatus().getPhase()).isEqualTo("Pending");

    assertThat(failure(() -> nodeA.pods().update(mine)).getStatus().getCode())
        .as("a node may not change a pod's spec").isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(failure(() -> nodeA.pods().delete(DeleteRequest.newBuilder().setNamespace("default")
        .setName("on-b").build())).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(failure(() -> nodeA.pods().create(pod("default", "sneaky"))).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);

    nodeA.nodes().create(node("node-a"));
    assertThat(failure(() -> nodeA.nodes().create(node("node-b"))).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    admin.nodes().create(node("node-b"));
    Node b = nodeA.nodes().get("", "node-b");
    assertThat(failure(() -> nodeA.nodes().updateStatus(b.toBuilder()
        .setStatus(NodeStatus.newBuilder()).build())).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

    nodeA.leases().create(lease("kube-node-lease", "node-a"));
    assertThat(failure(() -> nodeA.leases().create(lease("kube-node-lease", "node-b"))).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  private void bind(String pod, String node) {
    admin.pods().call("Bind", Binding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(pod))
        .setTarget(ObjectReference.newBuilder().setKind("Node").setName(node)).build());
  }

  private static Node node(String name) {
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build();
  }

  private static Lease lease(String ns, String name) {
    return Lease.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name)).build();
  }

  @Test
  void rbacObjectsAreValidatedNamingTheField() {
    assertThatThrownBy(() -> admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("bad"))
        .addSubjects(Subject.newBuilder().setKind("Robot").setName("r2"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role")).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("roleRef.name: required")
        .hasMessageContaining("subjects[0].kind: unsupported value \"Robot\"");
    assertThatThrownBy(() -> admin.roles().create(Role.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("bad"))
        .addRules(PolicyRule.newBuilder().addResources("pods")).build()))
        .hasMessageContaining("rules[0].verbs").hasMessageContaining("rules[0].apiGroups");
  }
}
