package dev.capstan.client.selector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelSyntaxTest {
  @Test
  void acceptsQualifiedNames() {
    assertThat(LabelSyntax.keyErrors("app")).isEmpty();
    assertThat(LabelSyntax.keyErrors("My_Name.1")).isEmpty();
    assertThat(LabelSyntax.keyErrors("app.kubernetes.io/name")).isEmpty();
    assertThat(LabelSyntax.keyErrors("x".repeat(63))).isEmpty();
  }

  @Test
  void rejectsBadKeysWithTheReason() {
    assertThat(LabelSyntax.keyErrors("")).containsExactly("name part must be non-empty");
    assertThat(LabelSyntax.keyErrors("x".repeat(64))).containsExactly("name part must be no more than 63 characters");
    assertThat(LabelSyntax.keyErrors("/app")).containsExactly("prefix part must be non-empty");
    assertThat(LabelSyntax.keyErrors("Example.com/app")).singleElement().asString().startsWith("prefix part must be");
    assertThat(LabelSyntax.keyErrors("example.com/")).containsExactly("name part must be non-empty");
    assertThat(LabelSyntax.keyErrors("app-")).singleElement().asString().startsWith("name part must consist");
    assertThat(LabelSyntax.keyErrors("a/b/c")).singleElement().asString().startsWith("a qualified name");
  }

  @Test
  void valuesMayBeEmptyButNotMalformed() {
    assertThat(LabelSyntax.valueErrors("")).isEmpty();
    assertThat(LabelSyntax.valueErrors("v1.2_3-x")).isEmpty();
    assertThat(LabelSyntax.valueErrors("x".repeat(64))).containsExactly("must be no more than 63 characters");
    assertThat(LabelSyntax.valueErrors("a b")).singleElement().asString().startsWith("a valid label must be");
    assertThat(LabelSyntax.valueErrors("_x")).isNotEmpty();
  }
}
