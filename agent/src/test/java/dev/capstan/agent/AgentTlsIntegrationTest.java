package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.agent.server.AgentServer;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.DaemonEndpoint;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.api.core.v1.NodeDaemonEndpoints;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.NodesGrpc;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.pki.AgentClientCertificate;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's port with TLS, as every agent of the {@code capstan} binary serves it: a real
 * apiserver with TLS, authentication and RBAC, a real agent on the process runtime whose port
 * serves mutual TLS to the apiserver alone. Callers reach exec and logs through the apiserver,
 * which authorizes them, whether they authenticate by token or by certificate only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentTlsIntegrationTest {
  private static final String NODE = "tls-node";
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      dave-token,dave,1,"devs"
      bob-token,bob,2
      """;

  @TempDir static Path dir;
  private final SecureRandom random = new SecureRandom();
  private final CertificateAuthority ca = CertificateAuthority.create("agent-tls-test-ca", Clock.systemUTC(), random);
  private LocalKeyValueStore store;
  private ApiServer apiServer;
  private String target;
  private CapstanClient admin;
  private ProcessRuntime runtime;
  private Agent agent;

  @BeforeAll
  void start() {
    store = new LocalKeyValueStore();
    apiServer = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withTls(new ServerTls(ca, ServingCertificate.ensure(dir.resolve("server"), ca,
            ServingCertificate.names(List.of()), Clock.systemUTC(), random)))
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    target = "127.0.0.1:" + apiServer.port();
    admin = CapstanClient.connect(target, "admin-token", ClientTls.serverOnly(ca.certificatePem()));
    runtime = new ProcessRuntime(dir.resolve("runtime"), "127.0.0.1", Clock.systemUTC());
    CapstanClient asNode = CapstanClient.connect(target, null, clientCertificate(
        new Subject("system:node:" + NODE, List.of("system:nodes"))));
    agent = new Agent(AgentConfig.of(NODE, dir.resolve("agent"), "127.0.0.1", 0, runtime)
        .withResyncInterval(Duration.ofSeconds(1)).withTls(agentTls(NODE, List.of("127.0.0.1", "localhost"))),
        asNode, Clock.systemUTC());
    agent.start();
    // Group "devs" (dave by token, carol by certificate) may exec and read logs; bob only get pods.
    role("exec", "pods", "pods/exec", "pods/log");
    bind("exec", "Group", "devs");
    role("view", "pods");
    bind("view", "User", "bob");
    admin.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always").addContainers(Container.newBuilder()
            .setName("app").setImage("busybox").addAllCommand(List.of("sh", "-c", "echo hello; exec sleep 3600"))))
        .build());
    await().atMost(Duration.ofSeconds(20))
        .until(() -> admin.pods().get("default", "web").getStatus().getPhase().equals("Running"));
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {agent, runtime, admin, apiServer, store}) {
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
  void aTokenUserAndACertificateOnlyUserExecAndReadLogsThroughTheApiserver() {
    try (CapstanClient dave = CapstanClient.connect(target, "dave-token", ClientTls.serverOnly(ca.certificatePem()));
        CapstanClient carol = CapstanClient.connect(target, null, clientCertificate(new Subject("carol",
            List.of("devs"))))) {
      for (CapstanClient user : List.of(dave, carol)) {
        PodExecResponse r = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
            PodsGrpc.newBlockingStub(user.channel()).exec(PodExecRequest.newBuilder().setNamespace("default")
                .setName("web").addAllCommand(List.of("sh", "-c", "echo out; exit 4")).build()), x -> true);
        assertThat(r.getExitCode()).isEqualTo(4);
        assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log(user)).isEqualTo("hello\n"));
      }
    }
  }

  @Test
  void aUserWithoutPodsExecIsDeniedByTheApiserver() {
    try (CapstanClient bob = CapstanClient.connect(target, "bob-token", ClientTls.serverOnly(ca.certificatePem()))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !bob.pods().list("default").items().isEmpty());
      StatusRuntimeException denied = thrown(() -> PodsGrpc.newBlockingStub(bob.channel()).exec(
          PodExecRequest.newBuilder().setNamespace("default").setName("web").addCommand("true").build()));
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getStatus().getDescription()).contains("User \"bob\"").contains("\"pods/exec\"");
      StatusRuntimeException noLog = thrown(() -> log(bob));
      assertThat(noLog.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
  }

  @Test
  void theAgentPortServesOnlyTheApiserversCertificate() {
    String agentTarget = "127.0.0.1:" + agent.port();
    // The apiserver's own kind of certificate is served.
    assertThat(stats(agentTarget, tls(AgentClientCertificate.issue(ca), ca).credentials()).getNodeName())
        .isEqualTo(NODE);
    // Plaintext, TLS without a client certificate, a certificate from another CA: no handshake.
    expect(agentTarget, InsecureChannelCredentials.create(), Status.Code.UNAVAILABLE, d -> { });
    expect(agentTarget, ClientTls.serverOnly(ca.certificatePem()).credentials(), Status.Code.UNAVAILABLE, d -> { });
    CertificateAuthority other = CertificateAuthority.create("other-ca", Clock.systemUTC(), random);
    expect(agentTarget, tls(issueClient(other, new Subject(AgentClientCertificate.USER, List.of())), ca)
        .credentials(), Status.Code.UNAVAILABLE, d -> { });
    // The cluster CA's certificates for anyone else: refused, naming who.
    expect(agentTarget, clientCertificate(new Subject("system:node:" + NODE, List.of("system:nodes"))).credentials(),
        Status.Code.PERMISSION_DENIED, d -> assertThat(d).contains("User \"system:node:" + NODE + "\"")
            .contains("[system:nodes]").contains(AgentClientCertificate.USER));
    expect(agentTarget, clientCertificate(new Subject("admin", List.of("system:masters"))).credentials(),
        Status.Code.PERMISSION_DENIED, d -> assertThat(d).contains("User \"admin\""));
  }

  @Test
  void theApiserverTrustsOnlyTheNodesOwnCertificateForItsAddress() {
    // Through the apiserver, the real agent answers nodes/stats.
    assertThat(NodesGrpc.newBlockingStub(admin.channel()).stats(NodeStatsRequest.newBuilder().setName(NODE).build())
        .getNodeName()).isEqualTo(NODE);
    // An agent presenting another node's certificate, or one without the address dialed, is not believed.
    NodeStats fake = NodeStats.newBuilder().setNodeName("fake").build();
    try (AgentServer impostor = AgentServer.start("127.0.0.1", 0, (ns, pod, c, prev) -> {
          throw Status.NOT_FOUND.asRuntimeException();
        }, null, () -> fake, agentTls("someone-else", List.of("127.0.0.1")));
        AgentServer wrongAddress = AgentServer.start("127.0.0.1", 0, (ns, pod, c, prev) -> {
          throw Status.NOT_FOUND.asRuntimeException();
        }, null, () -> fake, agentTls("wrong-address", List.of("localhost", "10.9.9.9")))) {
      registerNode("impostor", impostor.port());
      registerNode("wrong-address", wrongAddress.port());
      StatusRuntimeException e = thrown(() -> NodesGrpc.newBlockingStub(admin.channel())
          .stats(NodeStatsRequest.newBuilder().setName("impostor").build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("node \"impostor\" does not answer")
          .contains("the agent's certificate is for \"system:node:someone-else\", not \"system:node:impostor\"");
      e = thrown(() -> NodesGrpc.newBlockingStub(admin.channel())
          .stats(NodeStatsRequest.newBuilder().setName("wrong-address").build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("node \"wrong-address\" does not answer")
          .contains("127.0.0.1");
    }
  }

  private void registerNode(String name, int port) {
    Node node = admin.nodes().create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
    admin.nodes().updateStatus(node.toBuilder().setStatus(NodeStatus.newBuilder()
        .addAddresses(NodeAddress.newBuilder().setType("InternalIP").setAddress("127.0.0.1"))
        .setDaemonEndpoints(NodeDaemonEndpoints.newBuilder().setKubeletEndpoint(DaemonEndpoint.newBuilder()
            .setPort(port)))).build());
  }

  private String log(CapstanClient user) {
    StringBuilder text = new StringBuilder();
    Iterator<PodLogChunk> it = PodsGrpc.newBlockingStub(user.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
        .log(PodLogRequest.newBuilder().setNamespace("default").setName("web").build());
    it.forEachRemaining(c -> text.append(c.getData().toStringUtf8()));
    return text.toString();
  }

  private static NodeStats stats(String agentTarget, ChannelCredentials credentials) {
    ManagedChannel channel = Grpc.newChannelBuilder(agentTarget, credentials).build();
    try {
      return AgentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .stats(NodeStatsRequest.newBuilder().setName(NODE).build());
    } finally {
      channel.shutdownNow();
    }
  }

  private static void expect(String agentTarget, ChannelCredentials credentials, Status.Code code,
      Consumer<String> description) {
    StatusRuntimeException e = thrown(() -> stats(agentTarget, credentials));
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    description.accept(e.getStatus().getDescription());
  }

  private static StatusRuntimeException thrown(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected the call to fail");
  }

  private AgentTls agentTls(String node, List<String> names) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    TlsIdentity id = TlsIdentity.of(ca.issueServer(new Subject("system:node:" + node, List.of("system:nodes")),
        keys.getPublic(), names), keys);
    return new AgentTls(id.certificatePem(), id.privateKeyPem(), ca.certificatePem(), AgentClientCertificate.USER);
  }

  private ClientTls clientCertificate(Subject subject) {
    return tls(issueClient(ca, subject), ca);
  }

  private ClientTls tls(TlsIdentity id, CertificateAuthority trusted) {
    return new ClientTls(trusted.certificatePem(), id.certificatePem(), id.privateKeyPem());
  }

  private TlsIdentity issueClient(CertificateAuthority issuer, Subject subject) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    return TlsIdentity.of(issuer.issueClient(subject, keys.getPublic()), keys);
  }

  private void role(String name, String... resources) {
    admin.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .addRules(PolicyRule.newBuilder().addApiGroups("").addAllResources(List.of(resources))
            .addAllVerbs(List.of("get", "list", "create"))).build());
  }

  private void bind(String role, String kind, String name) {
    admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(role + "-" + name))
        .addSubjects(dev.capstan.api.rbac.v1.Subject.newBuilder().setKind(kind)
            .setApiGroup("rbac.authorization.k8s.io").setName(name))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role").setName(role))
        .build());
  }
}
