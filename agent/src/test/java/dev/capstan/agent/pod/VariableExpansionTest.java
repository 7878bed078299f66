package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VariableExpansionTest {
  private final Map<String, String> vars = Map.of("NAME", "web", "PORT", "8080");

  private String expand(String s) {
    return VariableExpansion.expand(s, vars::get);
  }

  @Test
  void replacesDefinedVariables() {
    assertThat(expand("$(NAME):$(PORT)")).isEqualTo("web:8080");
    assertThat(expand("--name=$(NAME)")).isEqualTo("--name=web");
  }

  @Test
  void leavesUndefinedAndMalformedReferencesAsWritten() {
    assertThat(expand("$(MISSING)")).isEqualTo("$(MISSING)");
    assertThat(expand("$(NAME")).isEqualTo("$(NAME");
    assertThat(expand("$()")).isEqualTo("$()");
    assertThat(expand("cost $5")).isEqualTo("cost $5");
    assertThat(expand("ends with $")).isEqualTo("ends with $");
  }

  @Test
  void doubleDollarEscapes() {
    assertThat(expand("$$(NAME)")).isEqualTo("$(NAME)");
    assertThat(expand("$$$(NAME)")).isEqualTo("$web");
  }
}
