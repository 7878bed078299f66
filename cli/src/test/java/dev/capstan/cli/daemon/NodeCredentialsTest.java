package dev.capstan.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.apiserver.pki.AgentClientCertificate;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.client.CapstanClient;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.client.ClientTls;
import dev.capstan.client.metrics.MetricSamples;
import dev.capstan.client.tls.CertificateExpiryGauge;
import dev.capstan.client.tls.CertificateRotations;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.security.KeyPair;
import java.time.Duration;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's join against a real in-process apiserver over TLS: bootstrap token once, its certificate after. */
class NodeCredentialsTest {
  @TempDir
  Path dir;
  private LocalKeyValueStore store;
  private ApiServer server;
  private CertificateAuthority ca;
  private String target;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    SecureRandom random = new SecureRandom();
    ca = CertificateAuthority.create("test-ca", Clock.systemUTC(), random);
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withTls(new ServerTls(ca, ServingCertificate.ensure(dir.resolve("server"), ca,
            ServingCertificate.names(List.of()), Clock.systemUTC(), random)))
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(
            "boot,system:bootstrap:t,b,\"system:bootstrappers\"\n"))));
    target = "127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  @Test
  void theBootstrapTokenGetsTheNodeACertificateItKeepsAndUsesAlone() throws Exception {
    Path pki = dir.resolve("agent/pki");
    assertThatThrownBy(() -> NodeCredentials.ensure(pki, "n1", target, null, "boot", Clock.systemUTC()))
        .hasMessageContaining("--certificate-authority");
    ClientTls tls = NodeCredentials.ensure(pki, "n1", target, ca.certificatePem(), "boot", Clock.systemUTC());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve("node.key"))))
        .isEqualTo("rw-------");
    try (CapstanClient node = CapstanClient.connect(target, null, tls)) {
      assertThat(node.nodes().list("").items()).isEmpty();  // the node role may list nodes
      StatusRuntimeException denied = assertThatThrownByStatus(() -> node.clusterRoles().list(""));
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getStatus().getDescription()).contains("User \"system:node:n1\"");
    }
    // Later starts need neither the CA nor the token, and keep the same certificate.
    assertThat(NodeCredentials.ensure(pki, "n1", target, null, null, Clock.systemUTC())).isEqualTo(tls);
    // Another node name in the same dir needs a token again.
    assertThatThrownBy(() -> NodeCredentials.ensure(pki, "n2", target, null, null, Clock.systemUTC()))
        .hasMessageContaining("--token");
  }

  @Test
  void theNodeGetsAServingCertificateForItsNamesKeepsItAndAsksAgainForANewName() throws Exception {
    Path pki = dir.resolve("agent/pki");
    ClientTls tls = NodeCredentials.ensure(pki, "n1", target, ca.certificatePem(), "boot", Clock.systemUTC());
    List<String> names = List.of("localhost", "127.0.0.1", "10.0.0.9", "n1");
    AgentTls serving = NodeCredentials.serving(pki, "n1", names, target, tls, Clock.systemUTC());
    X509Certificate cert = serving.serving().current().certificate();
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=system:node:n1,O=system:nodes");
    assertThat(ServingCertificate.fits(cert, ca.certificate(), names, Clock.systemUTC())).isTrue();
    assertThat(serving.apiserverUser()).isEqualTo(AgentClientCertificate.USER);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve("serving.key"))))
        .isEqualTo("rw-------");
    // Kept while it names everything asked for; a new address gets a new certificate.
    assertThat(NodeCredentials.serving(pki, "n1", names, target, tls, Clock.systemUTC()).serving().current()
        .certificate()).isEqualTo(cert);
    AgentTls moved = NodeCredentials.serving(pki, "n1", List.of("localhost", "127.0.0.1", "10.0.0.10", "n1"), target,
        tls, Clock.systemUTC());
    assertThat(moved.serving().current().certificate()).isNotEqualTo(cert);
    assertThat(moved.serving().current().certificate().getSubjectAlternativeNames())
        .extracting(san -> (Object) san.get(1)).contains("10.0.0.10").doesNotContain("10.0.0.9");
  }

  private static StatusRuntimeException assertThatThrownByStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void whileTheAgentRunsBothItsCertificatesAreRenewedWithItsCurrentOneAndKept() throws Exception {
    // Certificates 340 of their 365 days old, past any rotation point: renewed at once.
    CertificateAuthority backdated = CertificateAuthority.fromPem(ca.toPem(),
        Clock.offset(Clock.systemUTC(), Duration.ofDays(-340)), new SecureRandom());
    Subject node = new Subject("system:node:n1", List.of("system:nodes"));
    List<String> names = List.of("localhost", "127.0.0.1", "n1");
    KeyPair clientKeys = CertificateAuthority.newKeyPair(new SecureRandom());
    TlsIdentity oldClient = TlsIdentity.of(backdated.issueClient(node, clientKeys.getPublic()), clientKeys);
    KeyPair servingKeys = CertificateAuthority.newKeyPair(new SecureRandom());
    TlsIdentity oldServing = TlsIdentity.of(backdated.issueServer(node, servingKeys.getPublic(), names), servingKeys);
    AgentTls serving = new AgentTls(oldServing.certificatePem(), oldServing.privateKeyPem(), ca.certificatePem(),
        AgentClientCertificate.USER);
    Path pki = dir.resolve("agent/pki");
    PrometheusRegistry registry = new PrometheusRegistry();

    try (CertificateRotations rotations = new CertificateRotations(Clock.systemUTC(),
        CertificateExpiryGauge.register(registry))) {
      ClientTls live = NodeCredentials.rotate(rotations, pki, "n1", names, target,
          new ClientTls(ca.certificatePem(), oldClient.certificatePem(), oldClient.privateKeyPem()), serving);
      await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pki.resolve("node.crt"))
          && Files.exists(pki.resolve("serving.crt")));
      await().atMost(Duration.ofSeconds(20)).until(() ->
          !serving.serving().current().certificate().equals(oldServing.certificate()));

      X509Certificate client = live.rotatingClientCertificate().current().certificate();
      assertThat(client.getSerialNumber()).isNotEqualTo(oldClient.certificate().getSerialNumber());
      assertThat(client.getNotAfter()).isAfter(oldClient.certificate().getNotAfter());
      assertThat(Pem.certificateOf(Files.readString(pki.resolve("node.crt")))).isEqualTo(client);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve("node.key"))))
          .isEqualTo("rw-------");
      X509Certificate newServing = serving.serving().current().certificate();
      assertThat(Pem.certificateOf(Files.readString(pki.resolve("serving.crt")))).isEqualTo(newServing);
      assertThat(ServingCertificate.fits(newServing, ca.certificate(), names, Clock.systemUTC())).isTrue();
      // The renewed client certificate is the node's identity on the API.
      try (CapstanClient api = CapstanClient.connect(target, null, live)) {
        assertThat(api.nodes().list("").items()).isEmpty();
      }
      assertThat(MetricSamples.scrape(registry).value(CertificateExpiryGauge.NAME, "certificate", "node-client"))
          .hasValue(client.getNotAfter().toInstant().getEpochSecond());
      assertThat(MetricSamples.scrape(registry).value(CertificateExpiryGauge.NAME, "certificate", "node-serving"))
          .hasValue(newServing.getNotAfter().toInstant().getEpochSecond());
    }
  }
}
