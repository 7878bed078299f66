package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A pod's ServiceAccount token on a real containerd: an apiserver with authentication and RBAC (in-
 * memory store), a real agent signed in as its node, a runc container from the offline busybox
 * image. Admission gives the pod the kube-api-access volume, the agent asks for a token bound to the
 * pod with the node's credentials, and the container reads the token, the namespace and the CA at
 * Kubernetes' path; the token it printed then calls the API as
 * {@code system:serviceaccount:default:robot}, and no longer once the pod is deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAccountTokenOnContainerdTest {
  private static final String NODE = "token-node";
  private static final String SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      node-token,system:node:token-node,1,"system:nodes"
      """;

  private ContainerdFixture containerd;
  private LocalKeyValueStore store;
  private ApiServer apiServer;
  private CapstanClient admin;
  private CapstanClient asNode;
  private Agent agent;
  private ManagedChannel agentChannel;

  @BeforeAll
  void startCluster() throws Exception {
    containerd = ContainerdFixture.start();
    store = new LocalKeyValueStore();
    apiServer = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    String target = "127.0.0.1:" + apiServer.port();
    admin = CapstanClient.connect(target, "admin-token");
    asNode = CapstanClient.connect(target, "node-token");
    AgentConfig config = AgentConfig.of(NODE, containerd.dir().resolve("agent"), "127.0.0.1", 0, containerd.runtime())
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withShutdownGracePeriod(Duration.ZERO);
    agent = new Agent(config, asNode, Clock.systemUTC());
    agent.start();
    agentChannel = Grpc.newChannelBuilder("127.0.0.1:" + agent.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  void stopCluster() {
    if (agentChannel != null) {
      agentChannel.shutdownNow();
    }
    for (AutoCloseable c : new AutoCloseable[] {agent, asNode, admin, apiServer, store, containerd}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @Test
  void aContainerReadsItsTokenAndCallsTheApiAsItsServiceAccount() {
    // What the controllers would have made: the ServiceAccount's RBAC and the CA's ConfigMap.
    admin.serviceAccounts().create(ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("robot")).build());
    admin.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
        .setName("pod-reader")).addRules(PolicyRule.newBuilder().addApiGroups("").addResources("pods")
            .addVerbs("get").addVerbs("list")).build());
    admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("robot-reads-pods"))
        .addSubjects(Subject.newBuilder().setKind("ServiceAccount").setName("robot").setNamespace("default"))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role")
            .setName("pod-reader")).build());
    admin.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("kube-root-ca.crt"))
        .putData("ca.crt", "-----BEGIN CERTIFICATE-----test-----END CERTIFICATE-----").build());

    Pod created = admin.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("token-reader").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never").setServiceAccountName("robot")
            .addContainers(Container.newBuilder().setName("reader").setImage(ContainerdFixture.BUSYBOX)
                .addAllCommand(List.of("sh", "-c", "cat " + SA_DIR + "/token; echo; cat " + SA_DIR
                    + "/namespace; echo; cat " + SA_DIR + "/ca.crt; echo; touch " + SA_DIR
                    + "/x 2>/dev/null && echo writable || echo read-only"))))
        .build());
    assertThat(created.getSpec().getVolumesList()).extracting(Volume::getName)
        .singleElement().asString().startsWith("kube-api-access-");

    await().atMost(Duration.ofSeconds(60))
        .until(() -> admin.pods().get("default", "token-reader").getStatus().getPhase().equals("Succeeded"));
    List<String> lines = logs("token-reader", "reader").lines().toList();
    assertThat(lines.subList(1, lines.size())).containsExactly("default",
        "-----BEGIN CERTIFICATE-----test-----END CERTIFICATE-----", "read-only");
    String token = lines.get(0);
    assertThat(token).startsWith("eyJ");

    try (CapstanClient robot = CapstanClient.connect("127.0.0.1:" + apiServer.port(), token)) {
      assertThat(robot.pods().list("default").items()).extracting(p -> p.getMetadata().getName())
          .contains("token-reader");
      StatusRuntimeException denied = catchThrowableOfType(() -> robot.pods().delete("default", "token-reader"),
          StatusRuntimeException.class);
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getStatus().getDescription()).contains("system:serviceaccount:default:robot");

      // The token is bound to the pod: gone with it.
      admin.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("token-reader")
          .setGracePeriodSeconds(0).build());
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(catchThrowableOfType(
          () -> robot.pods().list("default"), StatusRuntimeException.class).getStatus().getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED));
    }
  }

  private String logs(String pod, String container) {
    StringBuilder sb = new StringBuilder();
    AgentGrpc.newBlockingStub(agentChannel).log(PodLogRequest.newBuilder().setNamespace("default").setName(pod)
        .setContainer(container).build()).forEachRemaining((PodLogChunk c) -> sb.append(c.getData().toStringUtf8()));
    return sb.toString();
  }
}
