package dev.capstan.client.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {
  @TempDir
  Path dir;

  @Test
  void aContextsTokenIsSavedReadableByItsOwnerOnlyAndReadBack() throws Exception {
    Path file = dir.resolve("config");
    ClientConfig.single("capstan", List.of("127.0.0.1:6443"), "tok-123").save(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).contains("token: tok-123");
    ClientConfig loaded = ClientConfig.load(file);
    assertThat(loaded.current().token()).isEqualTo("tok-123");
    assertThat(loaded.servers()).containsExactly("127.0.0.1:6443");
    assertThat(loaded.current().toString()).doesNotContain("tok-123");
  }

  @Test
  void aContextWithoutATokenHasNone() throws Exception {
    Path file = dir.resolve("config");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        current-context: c
        contexts:
        - name: c
          context: {cluster: c, namespace: team}
        clusters:
        - name: c
          cluster: {servers: ["127.0.0.1:1"]}
        """);
    ClientConfig loaded = ClientConfig.load(file);
    assertThat(loaded.current().token()).isNull();
    assertThat(loaded.current().namespace()).isEqualTo("team");
    loaded.save(file);
    assertThat(Files.readString(file)).doesNotContain("token");
  }

  @Test
  void theClusterCaAndTheClientCertificateAreKeptAsBase64PemAndReadBack() throws Exception {
    Path file = dir.resolve("config");
    String ca = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
    String cert = "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n";
    String key = "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";
    ClientConfig.single("capstan", List.of("127.0.0.1:6443"), "tok", new dev.capstan.client.ClientTls(ca, cert, key))
        .save(file);
    assertThat(Files.readString(file)).contains("certificate-authority-data: ", "client-certificate-data: ",
        "client-key-data: ").doesNotContain("BEGIN");
    ClientConfig loaded = ClientConfig.load(file);
    assertThat(loaded.tls()).isEqualTo(new dev.capstan.client.ClientTls(ca, cert, key));
    assertThat(loaded.current().token()).isEqualTo("tok");
    assertThat(loaded.current().toString()).doesNotContain("a2V5");

    ClientConfig.single("capstan", List.of("127.0.0.1:6443"), "tok").save(file);
    assertThat(ClientConfig.load(file).tls()).as("no CA: plaintext").isNull();

    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        current-context: c
        contexts:
        - name: c
          context: {cluster: c}
        clusters:
        - name: c
          cluster: {servers: ["127.0.0.1:1"], certificate-authority-data: "bm90IHBlbQ=="}
        """);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientConfig.load(file))
        .hasMessageContaining("clusters[c].cluster.certificate-authority-data");
  }
}
