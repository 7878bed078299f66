package dev.capstan.apiserver.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenFileTest {
  @Test
  void readsKubernetesCsvWithQuotedGroups() {
    List<TokenFile.Entry> entries = TokenFile.parse("""
        # a comment
        t1,alice,1001,"dev,ops"
        t2, bob ,1002

        t3,carol,1003,admins
        """);
    assertThat(entries).extracting(TokenFile.Entry::token).containsExactly("t1", "t2", "t3");
    assertThat(entries.get(0).user()).isEqualTo(new UserInfo("alice", "1001", List.of("dev", "ops")));
    assertThat(entries.get(1).user()).isEqualTo(new UserInfo("bob", "1002", List.of()));
    assertThat(entries.get(2).user().groups()).containsExactly("admins");
  }

  @Test
  void formatIsReadBack() {
    List<TokenFile.Entry> entries = List.of(
        new TokenFile.Entry("abc", new UserInfo("admin", "a", List.of("system:masters", "x"))),
        new TokenFile.Entry("def", new UserInfo("system:node:n1", "n", List.of())));
    assertThat(TokenFile.parse(TokenFile.format(entries))).isEqualTo(entries);
  }

  @Test
  void rejectsShortLinesAndOpenQuotesNamingTheLine() {
    assertThatThrownBy(() -> TokenFile.parse("t1,alice\n")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> TokenFile.parse("ok,u,1\nt1,alice,1,\"dev")).hasMessageContaining("line 2")
        .hasMessageContaining("quote");
    assertThatThrownBy(() -> TokenFile.parse(",alice,1")).hasMessageContaining("required");
  }

  @Test
  void entriesNeverPrintTheirToken() {
    assertThat(new TokenFile.Entry("sekrit", new UserInfo("u", "1", List.of())).toString()).doesNotContain("sekrit");
  }
}
