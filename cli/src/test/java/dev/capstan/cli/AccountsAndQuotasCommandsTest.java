package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.client.CapstanClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubernetes manifests of ServiceAccounts and ResourceQuotas, their tables, and {@code create token}. */
class AccountsAndQuotasCommandsTest {
  private static final String MANIFEST = """
      apiVersion: v1
      kind: ServiceAccount
      metadata:
        name: robot
        namespace: default
      automountServiceAccountToken: false
      ---
      apiVersion: v1
      kind: ResourceQuota
      metadata:
        name: compute
        namespace: default
      spec:
        hard:
          pods: "10"
          requests.cpu: "1"
          limits.memory: 1Gi
      """;
  @TempDir
  Path dir;

  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeEach
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }

  @Test
  void manifestsApplyAndListAndATokenIsPrinted() throws Exception {
    Path file = dir.resolve("accounts.yaml");
    Files.writeString(file, MANIFEST);
    CliRun applied = capstan("apply", "-f", file.toString());
    assertThat(applied.exitCode()).as(applied.err()).isZero();
    assertThat(applied.out()).contains("serviceaccount/robot").contains("resourcequota/compute");
    assertThat(client.serviceAccounts().get("default", "robot").getAutomountServiceAccountToken()).isFalse();

    CliRun sa = capstan("get", "sa", "robot");
    assertThat(sa.out()).startsWith("NAME").contains("SECRETS").contains("robot");
    CliRun quota = capstan("get", "quota");
    assertThat(quota.out()).contains("REQUEST").contains("LIMIT")
        .contains("pods: 0/10, requests.cpu: 0/1").contains("limits.memory: 0/1Gi");

    CliRun token = capstan("create", "token", "robot", "--duration", "20m");
    assertThat(token.exitCode()).as(token.err()).isZero();
    String[] parts = token.out().strip().split("\\.");
    assertThat(parts).hasSize(3);
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(claims).contains("\"sub\":\"system:serviceaccount:default:robot\"");

    CliRun badDuration = capstan("create", "token", "robot", "--duration", "20 minutes");
    assertThat(badDuration.exitCode()).isEqualTo(1);
    assertThat(badDuration.err()).contains("--duration: invalid duration \"20 minutes\"");
    CliRun tooShort = capstan("create", "token", "robot", "--duration", "1m");
    assertThat(tooShort.exitCode()).isEqualTo(1);
    assertThat(tooShort.err()).contains("spec.expirationSeconds");
    CliRun missing = capstan("create", "token", "nobody");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("serviceaccounts \"nobody\" not found");
  }
}
