package dev.capstan.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTokensTest {
  @TempDir
  Path dir;

  @Test
  void createsPrivateRandomTokensOnceAndKeepsThem() throws Exception {
    Path file = dir.resolve("data/tokens.csv");
    ClusterTokens first = ClusterTokens.ensure(file, "n1", new SecureRandom());

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(first.entries()).extracting(e -> e.user().name()).containsExactly("admin", "system:kube-scheduler",
        "system:kube-controller-manager", "system:bootstrap:capstan", "system:node:n1");
    assertThat(first.entries()).extracting(TokenFile.Entry::token).doesNotHaveDuplicates()
        .allSatisfy(t -> assertThat(t).hasSize(43));
    var admin = new TokenAuthenticator(TokenFile.read(file)).authenticate(first.tokenOf(ClusterTokens.ADMIN));
    assertThat(admin.orElseThrow().groups()).contains("system:masters");

    ClusterTokens again = ClusterTokens.ensure(file, "n1", new SecureRandom());
    assertThat(again.entries()).isEqualTo(first.entries());
  }

  @Test
  void aNewNodeNameAddsItsUserWithoutChangingTheOthers() {
    Path file = dir.resolve("tokens.csv");
    ClusterTokens first = ClusterTokens.ensure(file, "n1", new SecureRandom());
    ClusterTokens second = ClusterTokens.ensure(file, "n2", new SecureRandom());

    assertThat(second.tokenOf(ClusterTokens.ADMIN)).isEqualTo(first.tokenOf(ClusterTokens.ADMIN));
    assertThat(second.nodeToken("n1")).isEqualTo(first.nodeToken("n1"));
    assertThat(second.nodeToken("n2")).isNotEqualTo(first.nodeToken("n1"));
    assertThat(second.entries().get(5).user().groups()).containsExactly("system:nodes");
  }

  @Test
  void aBootstrapTokenGoesIntoANewFileOnly() throws Exception {
    Path file = dir.resolve("tokens.csv");
    Files.writeString(file, "a-token,admin,admin,\"system:masters\"\n");
    ClusterTokens existing = ClusterTokens.ensure(file, null, new SecureRandom());
    assertThat(existing.entries()).extracting(e -> e.user().name()).doesNotContain(ClusterTokens.BOOTSTRAP);
    ClusterTokens fresh = ClusterTokens.ensure(dir.resolve("new.csv"), null, new SecureRandom());
    assertThat(fresh.entries()).filteredOn(e -> e.user().name().equals(ClusterTokens.BOOTSTRAP))
        .singleElement().satisfies(e -> assertThat(e.user().groups()).containsExactly("system:bootstrappers"));
  }
}
