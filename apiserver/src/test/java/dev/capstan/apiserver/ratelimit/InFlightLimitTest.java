package dev.capstan.apiserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.rpc.RetryInfo;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapsGrpc;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.client.CapstanClient;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real apiserver with ceilings of one read-only and one mutating request at once, over a store
 * that holds back reads of one ConfigMap until told, so a request stays in flight for as long
 * as the test wants.
 */
class InFlightLimitTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      alice-token,alice,1001
      """;
  private static final String HELD_KEY = "/registry/configmaps/default/held";

  private final LocalKeyValueStore local = new LocalKeyValueStore();
  /** Reads of HELD_KEY wait for this, once armed. */
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  private final List<CompletableFuture<?>> heldReads = new CopyOnWriteArrayList<>();
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient alice;

  @BeforeEach
  void start() {
    server = ApiServer.start(gatedStore(), ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS)))
        .withServing(ServingOptions.NONE.withInFlightLimit(new InFlightLimit(1, 1)).withMetricsPort(0)));
    admin = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token");
    alice = CapstanClient.connect("127.0.0.1:" + server.port(), "alice-token");
    String rbac = "rbac.authorization.k8s.io";
    admin.clusterRoleBindings().create(ClusterRoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("alice-cluster-admin"))
        .addSubjects(Subject.newBuilder().setKind("User").setApiGroup(rbac).setName("alice"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup(rbac).setKind("ClusterRole").setName(BootstrapPolicy.CLUSTER_ADMIN))
        .build());
    admin.configMaps().create(configMap("held"));
    admin.configMaps().create(configMap("free"));
    // The apiserver authorizes from its caches: wait until the binding is in effect.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> alice.configMaps().get("default", "free") != null);
  }

  @AfterEach
  void stop() {
    gate.complete(null);
    admin.close();
    alice.close();
    server.close();
    local.close();
  }

  @Test
  void overTheCeilingARequestIsRefusedNamingItsFlagWhileOthersGoOn() throws Exception {
    gate = new CompletableFuture<>();
    CompletableFuture<ConfigMap> held = CompletableFuture.supplyAsync(() -> alice.configMaps().get("default", "held"));
    await().atMost(Duration.ofSeconds(10)).until(() -> heldReads.size() == 1);

    StatusRuntimeException refused = catchThrowableOfType(() -> alice.configMaps().get("default", "free"),
        StatusRuntimeException.class);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).isEqualTo("too many requests: this apiserver is serving its"
        + " limit of 1 read-only requests at once (--max-requests-inflight); retry later");
    RetryInfo retry = StatusProto.fromThrowable(refused).getDetails(0).unpack(RetryInfo.class);
    assertThat(retry.getRetryDelay().getSeconds()).isEqualTo(1);

    // mutating requests have their own ceiling; watches do not count; system:masters is never refused
    assertThat(alice.configMaps().create(configMap("c")).getMetadata().getName()).isEqualTo("c");
    FirstEvent<ConfigMap> watching = new FirstEvent<>();
    try (AutoCloseable watch = alice.configMaps().watch(WatchRequest.newBuilder().setNamespace("default").build(),
        watching)) {
      watching.await();
    }
    assertThat(admin.configMaps().get("default", "free").getMetadata().getName()).isEqualTo("free");

    gate.complete(null);
    assertThat(held.get(10, TimeUnit.SECONDS).getMetadata().getName()).isEqualTo("held");
    // its slot is back
    assertThat(alice.configMaps().get("default", "free").getMetadata().getName()).isEqualTo("free");

    String metrics = MetricsPage.of(server);
    assertThat(metrics).contains("capstan_apiserver_inflight_refused_requests_total 1.0")
        .contains("capstan_apiserver_current_inflight_requests{request_kind=\"readOnly\"} 0.0");
  }

  @Test
  void aRequestTheClientGivesUpOnFreesItsSlotAtOnce() throws Exception {
    gate = new CompletableFuture<>();
    var giveUp = ConfigMapsGrpc.newFutureStub(alice.channel()).withDeadlineAfter(3, TimeUnit.SECONDS)
        .get(GetRequest.newBuilder().setNamespace("default").setName("held").build());
    await().atMost(Duration.ofSeconds(10)).until(() -> heldReads.size() == 1);
    assertThat(catchThrowableOfType(() -> alice.configMaps().get("default", "free"), StatusRuntimeException.class)
        .getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    Throwable timedOut = catchThrowableOfType(() -> giveUp.get(10, TimeUnit.SECONDS), ExecutionException.class)
        .getCause();
    assertThat(Status.fromThrowable(timedOut).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    // The handler still waits for the store (the gate is shut), but the call is over: its slot is free.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> alice.configMaps().get("default", "free") != null);
  }

  private static ConfigMap configMap(String name) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("k", "v").build();
  }

  /** The local store, with reads of {@link #HELD_KEY} made to wait for {@link #gate}. */
  private KeyValueStore gatedStore() {
    return (KeyValueStore) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
        new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(local, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("range") && args[0] instanceof RangeRequest r
              && r.getKey().toStringUtf8().equals(HELD_KEY) && !gate.isDone()) {
            @SuppressWarnings("unchecked")
            CompletableFuture<RangeResponse> read = (CompletableFuture<RangeResponse>) result;
            CompletableFuture<Void> waitFor = gate;
            heldReads.add(read);
            return waitFor.thenCompose(ignored -> read);
          }
          return result;
        });
  }
}
