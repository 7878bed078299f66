package dev.capstan.apiserver.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {
  private final TokenAuthenticator auth = new TokenAuthenticator(TokenFile.parse("""
      secret-a,alice,1,"dev"
      secret-b,bob,2
      """));

  @Test
  void knownTokensResolveToTheirUserPlusTheAuthenticatedGroup() {
    UserInfo alice = auth.authenticate("secret-a").orElseThrow();
    assertThat(alice.name()).isEqualTo("alice");
    assertThat(alice.uid()).isEqualTo("1");
    assertThat(alice.groups()).containsExactly("dev", UserInfo.SYSTEM_AUTHENTICATED);
    assertThat(auth.authenticate("secret-b").orElseThrow().name()).isEqualTo("bob");
  }

  @Test
  void unknownEmptyAndPrefixTokensAreRejected() {
    assertThat(auth.authenticate("secret-c")).isEmpty();
    assertThat(auth.authenticate("secret-")).isEmpty();
    assertThat(auth.authenticate("secret-aa")).isEmpty();
    assertThat(auth.authenticate("")).isEmpty();
    assertThat(auth.authenticate(null)).isEmpty();
  }

  @Test
  void aTokenGivenTwiceIsAnError() {
    assertThatThrownBy(() -> new TokenAuthenticator(List.of(
        new TokenFile.Entry("dup-tok-9", new UserInfo("a", "1", List.of())),
        new TokenFile.Entry("dup-tok-9", new UserInfo("b", "2", List.of())))))
        .hasMessageContaining("twice").hasMessageNotContaining("dup-tok-9");
  }
}
