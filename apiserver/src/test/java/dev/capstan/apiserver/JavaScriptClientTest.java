package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API from another language: a Node.js client built only from our .proto files with
 * {@code @grpc/grpc-js} and {@code @grpc/proto-loader} (src/test/js, versions pinned by its
 * package-lock.json) runs against a real apiserver with token authentication. It creates, lists
 * and watches a Pod with a token bound to a namespace Role, and checks UNAUTHENTICATED and
 * PERMISSION_DENIED. Skipped only where Node.js is missing and cannot be installed (not root);
 * {@code scripts/install-js-deps} installs it.
 */
class JavaScriptClientTest {
  private static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();
  private static final Path PROTO_DIR = Path.of("../proto/src/main/proto").toAbsolutePath().normalize();
  private static final String NAMESPACE = "js-team";

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse("""
            js-admin-token,admin,0,"system:masters"
            js-dev-token,jsdev,1001
            """))));
    admin = CapstanClient.connect("127.0.0.1:" + server.port(), "js-admin-token");
  }

  @AfterEach
  void stop() {
    admin.close();
    server.close();
    store.close();
  }

  @Test
  void aNodeJsClientAuthenticatesCreatesListsWatchesAndIsDeniedOutsideItsNamespace() throws Exception {
    Optional<Path> node = onPath("node");
    assumeTrue(node.isPresent() || isRoot(), "Node.js is not installed and this user cannot install it");
    assertThat(node).as("node is missing: run scripts/install-js-deps (as root)").isPresent();
    if (!Files.isDirectory(JS_DIR.resolve("node_modules/@grpc/grpc-js"))) {
      Path npm = onPath("npm").orElseThrow(() -> new AssertionError("npm is missing: run scripts/install-js-deps"));
      Result ci = run(List.of(npm.toString(), "ci", "--no-audit", "--no-fund"), Map.of(), 300);
      assertThat(ci.exitCode()).as("npm ci:\n" + ci.output()).isZero();
    }
    grantPodsInNamespace("jsdev");
    try (CapstanClient dev = CapstanClient.connect("127.0.0.1:" + server.port(), "js-dev-token")) {
      // RBAC reaches the authorizer through the watch caches, a moment after the write.
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .untilAsserted(() -> assertThat(dev.pods().list(NAMESPACE).items()).isEmpty());
    }

    Result r = run(List.of(node.get().toString(), "client-scenario.js"), Map.of(
        "CAPSTAN_SERVER", "127.0.0.1:" + server.port(),
        "CAPSTAN_TOKEN", "js-dev-token",
        "CAPSTAN_NAMESPACE", NAMESPACE,
        "CAPSTAN_PROTO_DIR", PROTO_DIR.toString()), 120);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(
        "ok list without a token: UNAUTHENTICATED",
        "ok create pod " + NAMESPACE + "/js-pod-",
        "ok list pods in " + NAMESPACE,
        "ok watch event ADDED js-pod-",
        "ok list pods in another namespace: PERMISSION_DENIED: pods is forbidden: User \"jsdev\" cannot list"
            + " resource \"pods\" in API group \"\" in the namespace \"default\"",
        "all checks passed");
    assertThat(admin.pods().list(NAMESPACE).items()).hasSize(1);
  }

  private void grantPodsInNamespace(String user) {
    admin.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(NAMESPACE)).build());
    admin.roles().create(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(NAMESPACE).setName("pods"))
        .addRules(PolicyRule.newBuilder().addApiGroups("").addResources("pods")
            .addAllVerbs(List.of("create", "get", "list", "watch"))).build());
    admin.roleBindings().create(RoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(NAMESPACE).setName(user + "-pods"))
        .addSubjects(Subject.newBuilder().setKind("User").setApiGroup("rbac.authorization.k8s.io").setName(user))
        .setRoleRef(RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind("Role").setName("pods"))
        .build());
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> command, Map<String, String> env, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("capstan-js-", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(JS_DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
