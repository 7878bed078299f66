package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.store.local.LocalKeyValueStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client given several servers uses the first that answers and moves on when it goes away. */
class ServerFailoverTest {
  private final SecureRandom random = new SecureRandom();
  private LocalKeyValueStore store;
  private ApiServer first;
  private ApiServer second;
  private CapstanClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
    store.close();
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static ConfigMap configMap(String name) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name)).build();
  }

  @Test
  void theClientSkipsADeadServerAndFailsOverWhenItsServerStops(@TempDir Path dir) throws IOException {
    store = new LocalKeyValueStore();
    CertificateAuthority ca = CertificateAuthority.create("test-ca", Clock.systemUTC(), random);
    ServerTls tls = new ServerTls(ca, ServingCertificate.ensure(dir, ca, ServingCertificate.names(List.of()),
        Clock.systemUTC(), random));
    ApiServer.Config config = ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1").withTls(tls);
    first = ApiServer.start(store, config);
    second = ApiServer.start(store, config);
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    TlsIdentity admin = TlsIdentity.of(ca.issueClient(new Subject("admin", List.of("system:masters")),
        keys.getPublic()), keys);
    ClientTls clientTls = new ClientTls(ca.certificatePem(), admin.certificatePem(), admin.privateKeyPem());

    // Listed first, nobody listens there; then "localhost" and an IP, each verified under its own name.
    client = CapstanClient.connect(List.of("127.0.0.1:" + unusedPort(), "localhost:" + first.port(),
        "127.0.0.1:" + second.port()), null, clientTls);
    client.configMaps().create(configMap("before"));

    first.close();
    first = null;
    // Calls already on the closing connection may fail; a new one goes to the next server.
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> client.configMaps().get("default", "before") != null);
    client.configMaps().create(configMap("after"));
    assertThat(client.configMaps().list("default").items()).hasSize(2);
  }

  @Test
  void aMalformedAddressIsRefusedNamingIt() {
    store = new LocalKeyValueStore();
    assertThatThrownBy(() -> CapstanClient.connect("127.0.0.1:6443,nonsense", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("server address \"nonsense\": expected host:port");
    assertThatThrownBy(() -> CapstanClient.connect("127.0.0.1:99999", null, null))
        .hasMessage("server address \"127.0.0.1:99999\": port must be 1 to 65535");
  }
}
