package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.BoundObjectReference;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.core.v1.ResourceQuotaSpec;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.TokenRequest;
import dev.capstan.api.core.v1.TokenRequestSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.ServiceAccountKey;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ClusterCa;
import dev.capstan.apiserver.pki.ClusterSecretTest;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.authn.ServiceAccountTokens;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.ratelimit.ManualClock;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ServiceAccounts, their tokens and ResourceQuotas through two apiservers sharing one real Ratis
 * store, as two {@code capstan server}s of a cluster do: ServiceAccount admission, tokens signed by
 * the one cluster key and accepted by both servers, RBAC bindings to ServiceAccounts, and quota
 * charges that the two servers cannot both admit past a limit; and updates that start from a
 * server's cached copy of the object. Each test works in its own namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAccountsAndQuotasTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir
  static Path dir;

  private final ManualClock clock = new ManualClock();
  private RaftStorePeer peer;
  private RatisKeyValueStore store;
  /** Server one's view of the store: which keys it read. */
  private ReadRecordingStore readsOfOne;
  private ApiServer one;
  private ApiServer two;
  private CapstanClient adminOne;
  private CapstanClient adminTwo;

  @BeforeAll
  void start() throws IOException {
    peer = RaftStorePeer.startSingle(dir.resolve("store"), freePort());
    store = new RatisKeyValueStore(peer);
    var config = ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1").withClock(clock)
        .withAuthentication(new TokenAuthenticator(TokenFile.parse("admin-token,admin,0,\"system:masters\"\n"
            + "node-token,system:node:n1,1,\"system:nodes\"\n")));
    readsOfOne = new ReadRecordingStore(store);
    one = ApiServer.start(readsOfOne, config);
    two = ApiServer.start(store, config);
    adminOne = CapstanClient.connect("127.0.0.1:" + one.port(), "admin-token");
    adminTwo = CapstanClient.connect("127.0.0.1:" + two.port(), "admin-token");
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {adminOne, adminTwo, one, two, store, peer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
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

  /**
   * Returns once {@code via}'s server holds an object that {@code matches} in its watch cache: a
   * watch is served from that cache, first listing its objects, then sending its changes.
   */
  private static <T extends Message> void awaitCached(ResourceClient<T> via, String namespace, Predicate<T> matches)
      throws Exception {
    AtomicBoolean seen = new AtomicBoolean();
    try (AutoCloseable w = via.watch(WatchRequest.newBuilder().setNamespace(namespace).build(), new WatchHandler<>() {
      @Override
      public void onEvent(WatchEvent<T> event) {
        if (!event.type().equals(WatchEvent.DELETED) && matches.test(event.object())) {
          seen.set(true);
        }
      }

      @Override
      public void onClose(Throwable error) {}
    })) {
      await().atMost(TIMEOUT).untilTrue(seen);
    }
  }

  private void namespace(String name) {
    adminOne.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
  }

  private static Pod pod(String namespace, String name) {
    return ApiServerTest.pod(name, "busybox").toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)).build();
  }

  private static ServiceAccount serviceAccount(String namespace, String name) {
    return ServiceAccount.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
        .build();
  }

  private static String token(CapstanClient client, String namespace, String name, long seconds) {
    return client.serviceAccounts().<TokenRequest, TokenRequest>call("CreateToken", TokenRequest.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
        .setSpec(TokenRequestSpec.newBuilder().setExpirationSeconds(seconds)).build()).getStatus().getToken();
  }

  @Test
  void serversLoadingTheClusterSecretsAtOnceEndWithOneCaAndOneServiceAccountKey() throws Exception {
    ExecutorService servers = Executors.newFixedThreadPool(2);
    try {
      ClusterSecretTest.race(store, servers, "/capstan/pki/raced");
      SecureRandom random = new SecureRandom();
      List<Future<CertificateAuthority>> cas = List.of(
          servers.submit(() -> ClusterCa.loadOrCreate(store, clock, random)),
          servers.submit(() -> ClusterCa.loadOrCreate(store, clock, random)));
      String ca = cas.get(0).get(10, TimeUnit.SECONDS).toPem();
      assertThat(cas.get(1).get(10, TimeUnit.SECONDS).toPem()).isEqualTo(ca);
      assertThat(ClusterSecretTest.stored(store, ClusterCa.KEY)).isEqualTo(ca);
      assertThat(ClusterCa.loadOrCreate(store, clock, random).toPem()).isEqualTo(ca);  // a restart loads it
    } finally {
      servers.shutdownNow();
    }
    // Both apiservers loaded the key at start; a restart loads the same one.
    String key = ClusterSecretTest.stored(store, ServiceAccountKey.STORE_KEY);
    assertThat(ServiceAccountKey.loadOrCreate(store).getPublic().getEncoded())
        .isEqualTo(Pem.publicKeyOf(key).getEncoded());
  }

  @Test
  void podsRunAsDefaultUnlessTheyNameAServiceAccountThatExists() {
    namespace("sa-admission");
    Pod plain = adminOne.pods().create(pod("sa-admission", "plain"));
    assertThat(plain.getSpec().getServiceAccountName()).isEqualTo("default");

    Pod robotPod = pod("sa-admission", "robot-pod");
    robotPod = robotPod.toBuilder().setSpec(robotPod.getSpec().toBuilder().setServiceAccountName("robot")).build();
    Pod refused = robotPod;
    StatusRuntimeException e = failure(() -> adminOne.pods().create(refused));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("spec.serviceAccountName").contains("\"robot\" not found");

    adminTwo.serviceAccounts().create(serviceAccount("sa-admission", "robot"));
    assertThat(adminOne.pods().create(robotPod).getSpec().getServiceAccountName()).isEqualTo("robot");
  }

  @Test
  void aTokenFromCreateTokenIsTheServiceAccountOnEveryServerAndRbacBindsIt() throws Exception {
    namespace("sa-team");
    adminOne.serviceAccounts().create(serviceAccount("sa-team", "robot"));
    adminOne.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("sa-team")
        .setName("pod-reader")).addRules(PolicyRule.newBuilder().addApiGroups("").addResources("pods")
            .addVerbs("get").addVerbs("list")).build());
    adminOne.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("sa-team").setName("robot-reads-pods"))
        .addSubjects(Subject.newBuilder().setKind("ServiceAccount").setName("robot").setNamespace("sa-team"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role").setName("pod-reader"))
        .build());

    String token = token(adminOne, "sa-team", "robot", 3600);
    try (CapstanClient robotOnOne = CapstanClient.connect("127.0.0.1:" + one.port(), token);
        CapstanClient robotOnTwo = CapstanClient.connect("127.0.0.1:" + two.port(), token)) {
      await().atMost(TIMEOUT).untilAsserted(() -> {  // the binding reaches each server's RBAC through its watch
        assertThat(robotOnOne.pods().list("sa-team").items()).isEmpty();
        assertThat(robotOnTwo.pods().list("sa-team").items()).isEmpty();
      });
      StatusRuntimeException elsewhere = failure(() -> robotOnTwo.pods().list("default"));
      assertThat(elsewhere.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(elsewhere.getStatus().getDescription()).contains("system:serviceaccount:sa-team:robot");
      StatusRuntimeException noCreate = failure(() -> robotOnOne.pods().create(pod("sa-team", "p")));
      assertThat(noCreate.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

      // Deleting the ServiceAccount through server two revokes its tokens on server one as soon as
      // one's watch cache has the deletion (seen by a marker created after it), without a retry.
      adminTwo.serviceAccounts().delete("sa-team", "robot");
      adminTwo.serviceAccounts().create(serviceAccount("sa-team", "after-delete"));
      awaitCached(adminOne.serviceAccounts(), "sa-team", sa -> sa.getMetadata().getName().equals("after-delete"));
      assertThat(failure(() -> robotOnOne.pods().list("sa-team")).getStatus().getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);

      // One of the same name comes back: the old tokens stay revoked, and a token for the new one
      // works on server one at once, even before one's cache has it (then the store is asked).
      ServiceAccount again = adminTwo.serviceAccounts().create(serviceAccount("sa-team", "robot"));
      try (CapstanClient newRobotOnOne = CapstanClient.connect("127.0.0.1:" + one.port(),
          token(adminTwo, "sa-team", "robot", 3600))) {
        assertThat(newRobotOnOne.pods().list("sa-team").items()).isEmpty();
      }
      assertThat(failure(() -> robotOnOne.pods().list("sa-team")).getStatus().getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      awaitCached(adminOne.serviceAccounts(), "sa-team",
          sa -> sa.getMetadata().getUid().equals(again.getMetadata().getUid()));
      assertThat(failure(() -> robotOnOne.pods().list("sa-team")).getStatus().getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }

  private static TokenRequest boundTokenRequest(String namespace, String serviceAccount, String pod) {
    return TokenRequest.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(serviceAccount))
        .setSpec(TokenRequestSpec.newBuilder().setBoundObjectRef(BoundObjectReference.newBuilder().setKind("Pod")
            .setName(pod))).build();
  }

  private static TokenRequest createToken(CapstanClient client, TokenRequest request) {
    return client.serviceAccounts().call("CreateToken", request);
  }

  @Test
  void aTokenBoundToAPodStopsAuthenticatingOnceThePodIsGone() throws Exception {
    namespace("sa-bound");
    adminOne.serviceAccounts().create(serviceAccount("sa-bound", "robot"));
    adminOne.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("sa-bound").setName("robot-admin"))
        .addSubjects(Subject.newBuilder().setKind("ServiceAccount").setName("robot"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("ClusterRole")
            .setName("cluster-admin")).build());
    Pod spec = pod("sa-bound", "worker");
    spec = spec.toBuilder().setSpec(spec.getSpec().toBuilder().setServiceAccountName("robot")).build();
    Pod worker = adminOne.pods().create(spec);
    adminOne.pods().create(pod("sa-bound", "other"));  // runs as "default"

    TokenRequest reply = createToken(adminOne, boundTokenRequest("sa-bound", "robot", "worker"));
    assertThat(reply.getSpec().getBoundObjectRef().getUid()).isEqualTo(worker.getMetadata().getUid());
    StatusRuntimeException otherAccount = failure(() -> createToken(adminOne,
        boundTokenRequest("sa-bound", "robot", "other")));
    assertThat(otherAccount.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(otherAccount.getStatus().getDescription()).contains("spec.boundObjectRef").contains("\"default\"");
    assertThat(failure(() -> createToken(adminOne, boundTokenRequest("sa-bound", "robot", "missing")))
        .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

    try (CapstanClient robot = CapstanClient.connect("127.0.0.1:" + one.port(), reply.getStatus().getToken())) {
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(robot.pods().list("sa-bound").items()).hasSize(2));
      adminTwo.pods().delete("sa-bound", "worker");
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(failure(() -> robot.pods().list("sa-bound"))
          .getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      // A new pod of the same name is another pod: the token stays refused.
      adminTwo.pods().create(spec);
      assertThat(failure(() -> robot.pods().list("sa-bound")).getStatus().getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }

  @Test
  void aNodeGetsTokensOnlyBoundToItsOwnPods() {
    namespace("sa-node");
    Pod mine = pod("sa-node", "mine");
    adminOne.pods().create(mine.toBuilder().setSpec(mine.getSpec().toBuilder().setNodeName("n1")).build());
    Pod theirs = pod("sa-node", "theirs");
    adminOne.pods().create(theirs.toBuilder().setSpec(theirs.getSpec().toBuilder().setNodeName("n2")).build());
    adminOne.serviceAccounts().create(serviceAccount("sa-node", "default"));
    try (CapstanClient node = CapstanClient.connect("127.0.0.1:" + one.port(), "node-token")) {
      assertThat(createToken(node, boundTokenRequest("sa-node", "default", "mine")).getStatus().getToken())
          .isNotEmpty();
      StatusRuntimeException other = failure(() -> createToken(node, boundTokenRequest("sa-node", "default",
          "theirs")));
      assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(other.getStatus().getDescription()).contains("bound to node \"n2\"");
      StatusRuntimeException unbound = failure(() -> token(node, "sa-node", "default", 3600));
      assertThat(unbound.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(unbound.getStatus().getDescription()).contains("spec.boundObjectRef");
    }
  }

  @Test
  void expiredAndForgedTokensAreUnauthenticated() {
    namespace("sa-expiry");
    ServiceAccount sa = adminOne.serviceAccounts().create(serviceAccount("sa-expiry", "robot"));
    adminOne.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("sa-expiry").setName("robot-admin"))
        .addSubjects(Subject.newBuilder().setKind("ServiceAccount").setName("robot"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("ClusterRole")
            .setName("cluster-admin")).build());
    String shortLived = token(adminTwo, "sa-expiry", "robot", 600);
    String forged = new ServiceAccountTokens(ServiceAccountKey.generate(), clock).issue("sa-expiry", "robot",
        sa.getMetadata().getUid(), List.of(ServiceAccountTokens.API_AUDIENCE), Duration.ofHours(1));
    try (CapstanClient robot = CapstanClient.connect("127.0.0.1:" + one.port(), shortLived);
        CapstanClient forger = CapstanClient.connect("127.0.0.1:" + one.port(), forged)) {
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(robot.pods().list("sa-expiry").items()).isEmpty());
      StatusRuntimeException bad = failure(() -> forger.pods().list("sa-expiry"));
      assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

      clock.advance(Duration.ofSeconds(600));
      StatusRuntimeException expired = failure(() -> robot.pods().list("sa-expiry"));
      assertThat(expired.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(expired.getStatus().getDescription()).contains("invalid bearer token");
    }
    StatusRuntimeException tooShort = failure(() -> token(adminOne, "sa-expiry", "robot", 60));
    assertThat(tooShort.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(tooShort.getStatus().getDescription()).contains("spec.expirationSeconds");
    assertThat(failure(() -> token(adminOne, "sa-expiry", "nobody", 600)).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aServiceAccountTokenIsAuthenticatedWithoutAStoreRead() throws Exception {
    namespace("sa-no-reads");
    adminOne.serviceAccounts().create(serviceAccount("sa-no-reads", "robot"));
    adminOne.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("sa-no-reads").setName("robot-admin"))
        .addSubjects(Subject.newBuilder().setKind("ServiceAccount").setName("robot"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("ClusterRole")
            .setName("cluster-admin")).build());
    awaitCached(adminOne.serviceAccounts(), "sa-no-reads", sa -> sa.getMetadata().getName().equals("robot"));
    ByteString serviceAccountKeys = StoreKeys.prefix(Kinds.SERVICE_ACCOUNT, "");
    try (CapstanClient robot = CapstanClient.connect("127.0.0.1:" + one.port(),
        token(adminOne, "sa-no-reads", "robot", 3600))) {
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(robot.pods().list("sa-no-reads").items()).isEmpty());
      readsOfOne.readsUnder(serviceAccountKeys);
      robot.pods().create(pod("sa-no-reads", "a"));
      assertThat(robot.pods().list("sa-no-reads").items()).hasSize(1);
      assertThat(robot.configMaps().list("sa-no-reads").items()).isEmpty();
      // (Admission may read the pod's ServiceAccount "default"; authentication never reads "robot".)
      assertThat(readsOfOne.readsUnder(serviceAccountKeys))
          .doesNotContain("/registry/serviceaccounts/sa-no-reads/robot");
    }
  }

  @Test
  void aNamespaceWithoutQuotasCostsNoStoreReadAndACachedQuotaIsChargedWithoutOne() throws Exception {
    namespace("no-reads");
    ByteString quotaKeys = StoreKeys.prefix(Kinds.RESOURCE_QUOTA, "");
    readsOfOne.readsUnder(quotaKeys);  // forgets the watch cache's list at start
    adminOne.pods().create(pod("no-reads", "a"));
    adminOne.pods().create(pod("no-reads", "b"));
    adminOne.pods().create(pod("no-reads", "c"));
    assertThat(readsOfOne.readsUnder(quotaKeys)).isEmpty();

    // With a quota its cached copy is charged: one conditional write, no read of the quota.
    adminOne.resourceQuotas().create(ResourceQuota.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("no-reads").setName("pods"))
        .setSpec(ResourceQuotaSpec.newBuilder().putHard("pods", "5")).build());
    awaitCached(adminOne.resourceQuotas(), "no-reads", q -> q.getMetadata().getName().equals("pods"));
    adminOne.pods().create(pod("no-reads", "d"));
    awaitCached(adminOne.resourceQuotas(), "no-reads", q -> "4".equals(q.getStatus().getUsedMap().get("pods")));
    readsOfOne.readsUnder(quotaKeys);
    adminOne.pods().create(pod("no-reads", "e"));
    assertThat(readsOfOne.readsUnder(quotaKeys)).isEmpty();
    assertThat(adminTwo.resourceQuotas().get("no-reads", "pods").getStatus().getUsedMap()).containsEntry("pods", "5");
  }

  @Test
  void aQuotaRefusesTheCreateThatWouldExceedItEvenWhenTwoServersAdmitAtOnce() throws Exception {
    namespace("quota");
    adminOne.resourceQuotas().create(ResourceQuota.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("quota").setName("q1"))
        .setSpec(ResourceQuotaSpec.newBuilder().putHard("pods", "2")).build());
    // A quota applies on a server once its watch cache has it.
    awaitCached(adminOne.resourceQuotas(), "quota", q -> q.getMetadata().getName().equals("q1"));
    awaitCached(adminTwo.resourceQuotas(), "quota", q -> q.getMetadata().getName().equals("q1"));
    adminOne.pods().create(pod("quota", "a"));
    adminTwo.pods().create(pod("quota", "b"));
    StatusRuntimeException e = failure(() -> adminOne.pods().create(pod("quota", "c")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).isEqualTo("pods \"c\" is forbidden: exceeded quota: q1,"
        + " requested: pods=1, used: pods=2, limited: pods=2");
    assertThat(adminTwo.resourceQuotas().get("quota", "q1").getStatus().getUsedMap()).containsEntry("pods", "2");

    // Twenty creates at once, half through each server, against a limit of 10 (2 used): exactly 8 pass.
    adminOne.resourceQuotas().patch("quota", "q1", "{\"spec\":{\"hard\":{\"pods\":\"10\"}}}");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        CapstanClient via = i % 2 == 0 ? adminOne : adminTwo;
        String name = "p" + i;
        results.add(pool.submit((Callable<Boolean>) () -> {
          try {
            via.pods().create(pod("quota", name));
            return true;
          } catch (StatusRuntimeException refused) {
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            return false;
          }
        }));
      }
      int admitted = 0;
      for (Future<Boolean> f : results) {
        admitted += f.get() ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(8);
    } finally {
      pool.shutdownNow();
    }
    assertThat(adminOne.pods().list("quota").items()).hasSize(10);
  }

  /**
   * A new ConfigMap "settings" in a new namespace, once server one's cache has it; server one's
   * store reads are counted from here on.
   */
  private ConfigMap settingsCachedOnServerOne(String namespace) throws Exception {
    namespace(namespace);
    ConfigMap created = adminOne.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName("settings")).build());
    awaitCached(adminOne.configMaps(), namespace,
        c -> c.getMetadata().getResourceVersion().equals(created.getMetadata().getResourceVersion()));
    readsOfOne.readsUnder(StoreKeys.objectKey(Kinds.CONFIG_MAP, namespace, "settings"));
    return created;
  }

  @Test
  void anUpdateAtTheCachedVersionCostsNoStoreReadAndOneThroughTheOtherServerIsNotLost() throws Exception {
    ConfigMap created = settingsCachedOnServerOne("cached-updates");
    ByteString key = StoreKeys.objectKey(Kinds.CONFIG_MAP, "cached-updates", "settings");

    ConfigMap first = adminOne.configMaps().update(created.toBuilder().putData("a", "1").build());
    assertThat(readsOfOne.readsUnder(key)).isEmpty();

    // Through server two, then at once through server one, whose cache may not have that yet.
    ConfigMap second = adminTwo.configMaps().update(first.toBuilder().putData("a", "2").build());
    ConfigMap third = adminOne.configMaps().update(second.toBuilder().putData("a", "3").build());
    assertThat(third.getDataMap()).containsEntry("a", "3");
    assertThat(failure(() -> adminOne.configMaps().update(first.toBuilder().putData("a", "4").build()))
        .getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(adminTwo.configMaps().get("cached-updates", "settings")).isEqualTo(third);
  }

  @Test
  void aPatchOfTheCachedObjectCostsNoStoreReadAndOneThroughTheOtherServerIsNotLost() throws Exception {
    ConfigMap created = settingsCachedOnServerOne("cached-patches");
    ByteString key = StoreKeys.objectKey(Kinds.CONFIG_MAP, "cached-patches", "settings");

    ConfigMap first = adminOne.configMaps().patch("cached-patches", "settings", "{\"data\":{\"a\":\"1\"}}");
    assertThat(readsOfOne.readsUnder(key)).isEmpty();
    assertThat(first.getDataMap()).containsEntry("a", "1");

    // Through server two, then at once through server one, whose cache may not have that yet.
    adminTwo.configMaps().patch("cached-patches", "settings", "{\"data\":{\"b\":\"2\"}}");
    ConfigMap third = adminOne.configMaps().patch("cached-patches", "settings", "{\"data\":{\"c\":\"3\"}}");
    assertThat(third.getDataMap()).containsEntry("a", "1").containsEntry("b", "2").containsEntry("c", "3");
    assertThat(failure(() -> adminOne.configMaps().patch("cached-patches", "settings",
        "{\"metadata\":{\"resourceVersion\":\"" + first.getMetadata().getResourceVersion()
            + "\"},\"data\":{\"d\":\"4\"}}")).getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(adminTwo.configMaps().get("cached-patches", "settings")).isEqualTo(third);
  }

  private static Pod boundTo(Pod pod, String node) {
    return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build();
  }

  @Test
  void aNodesStatusUpdateOfItsCachedPodReadsNoStoreAndAnOldUidNeverReachesTheNewPod() throws Exception {
    namespace("node-status");
    Pod mine = adminOne.pods().create(boundTo(pod("node-status", "p"), "n1"));
    awaitCached(adminOne.pods(), "node-status", p -> p.getMetadata().getUid().equals(mine.getMetadata().getUid()));
    ByteString key = StoreKeys.objectKey(Kinds.POD, "node-status", "p");
    readsOfOne.readsUnder(key);
    try (CapstanClient node = CapstanClient.connect("127.0.0.1:" + one.port(), "node-token")) {
      Pod running = node.pods().updateStatus(mine.toBuilder()
          .setStatus(PodStatus.newBuilder().setPhase("Running")).build());
      assertThat(readsOfOne.readsUnder(key)).isEmpty();
      assertThat(running.getStatus().getPhase()).isEqualTo("Running");

      // Through server two the pod is replaced by one bound to another node; at once node n1 writes
      // the old pod's status (its uid, no resourceVersion) through server one, whose cache may still
      // hold the old pod bound to n1. Refused either way: by NodeRestriction or by the uid.
      adminTwo.pods().delete(DeleteRequest.newBuilder().setNamespace("node-status").setName("p")
          .setGracePeriodSeconds(0).build());
      Pod theirs = adminTwo.pods().create(boundTo(pod("node-status", "p"), "n2"));
      Pod stale = running.toBuilder().setMetadata(running.getMetadata().toBuilder().clearResourceVersion())
          .setStatus(PodStatus.newBuilder().setPhase("Failed")).build();
      assertThat(failure(() -> node.pods().updateStatus(stale)).getStatus().getCode())
          .isIn(Status.Code.ABORTED, Status.Code.PERMISSION_DENIED);
      // Without a uid the cached copy is no evidence at all: the store's pod decides.
      Pod anonymous = stale.toBuilder().setMetadata(stale.getMetadata().toBuilder().clearUid()).build();
      assertThat(failure(() -> node.pods().updateStatus(anonymous)).getStatus().getCode())
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(adminTwo.pods().get("node-status", "p")).isEqualTo(theirs);
    }
  }
}
