package dev.capstan.client.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.LabelSelectorRequirement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelQueryTest {
  private static final Map<String, String> WEB = Map.of("app", "web", "env", "prod", "tier", "frontend");

  @Test
  void emptyTextSelectsEverything() {
    assertThat(LabelQuery.parse("").isEmpty()).isTrue();
    assertThat(LabelQuery.parse("   ").matches(Map.of())).isTrue();
    assertThat(LabelQuery.parse("").matches(WEB)).isTrue();
    assertThat(LabelQuery.everything().matches(null)).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "app=web                         | true",
      "app==web                        | true",
      "app=db                          | false",
      "app!=db                         | true",
      "app!=web                        | false",
      "missing!=x                      | true",
      "env in (prod,staging)           | true",
      "env in (staging)                | false",
      "missing in (a)                  | false",
      "env notin (staging, dev)        | true",
      "env notin (prod)                | false",
      "missing notin (prod)            | true",
      "tier                            | true",
      "missing                         | false",
      "!missing                        | true",
      "!tier                           | false",
      "app=web,env in (prod),!legacy   | true",
      "app=web,env in (dev)            | false",
      " app = web , tier ,  ! legacy   | true",
  })
  void matchesLikeKubernetes(String selector, boolean expected) {
    assertThat(LabelQuery.parse(selector).matches(WEB)).as(selector).isEqualTo(expected);
  }

  @Test
  void equalsWithNoValueMeansTheEmptyValue() {
    LabelQuery query = LabelQuery.parse("app=");
    assertThat(query.matches(Map.of("app", ""))).isTrue();
    assertThat(query.matches(Map.of("app", "web"))).isFalse();
    assertThat(query.matches(Map.of())).isFalse();
  }

  @Test
  void prefixedKeysAndDottedValues() {
    LabelQuery query = LabelQuery.parse("app.kubernetes.io/name=my-app.v1_2");
    assertThat(query.matches(Map.of("app.kubernetes.io/name", "my-app.v1_2"))).isTrue();
  }

  @Test
  void canonicalFormIsSortedAndParsesBack() {
    LabelQuery query = LabelQuery.parse("tier, env notin (b,a), app==web, !legacy, zone in (z2, z1)");
    assertThat(query.toString()).isEqualTo("app=web,env notin (a,b),!legacy,tier,zone in (z1,z2)");
    assertThat(LabelQuery.parse(query.toString())).isEqualTo(query);
    assertThat(query.requirements()).extracting(LabelQuery.Requirement::operator).containsExactly(
        LabelQuery.Operator.EQUALS, LabelQuery.Operator.NOT_IN, LabelQuery.Operator.DOES_NOT_EXIST,
        LabelQuery.Operator.EXISTS, LabelQuery.Operator.IN);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "app=web,",            // trailing comma
      ",app=web",            // leading comma
      "app=web tier=db",     // missing comma
      "env in a,b",          // set without parentheses
      "env in (a,b",         // unclosed set
      "env in ()",           // empty set
      "env notin ()",
      "app=(web)",           // value that is not an identifier
      "=web",                // no key
      "!",                   // no key after !
      "!app=web",            // ! takes no operator
      "app>1",               // unsupported operator
      "-app=web",            // key must start alphanumeric
      "app=web-",            // value must end alphanumeric
      "a/b/c=x",             // two slashes
      "Example.com/app=x",   // prefix must be lower case
      "in=x",                // keyword as key
  })
  void rejectsBadSyntaxNamingTheSelector(String selector) {
    assertThatThrownBy(() -> LabelQuery.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid label selector \"" + selector + "\": ");
  }

  @Test
  void errorSaysWhatIsWrong() {
    assertThatThrownBy(() -> LabelQuery.parse("env in ()"))
        .hasMessage("invalid label selector \"env in ()\": values set for key \"env\" can't be empty");
    assertThatThrownBy(() -> LabelQuery.parse("app=" + "x".repeat(64)))
        .hasMessageContaining("must be no more than 63 characters");
    assertThatThrownBy(() -> LabelQuery.parse("app web"))
        .hasMessageContaining("expected an operator");
  }

  @Test
  void fromProtoCombinesMatchLabelsAndExpressions() {
    LabelSelector selector = LabelSelector.newBuilder()
        .putMatchLabels("app", "web")
        .addMatchExpressions(expression("env", "In", "prod", "staging"))
        .addMatchExpressions(expression("tier", "NotIn", "db"))
        .addMatchExpressions(expression("tier", "Exists"))
        .addMatchExpressions(expression("legacy", "DoesNotExist"))
        .build();
    LabelQuery query = LabelQuery.fromProto(selector);
    assertThat(query.matches(WEB)).isTrue();
    assertThat(query.matches(Map.of("app", "web", "env", "prod"))).as("tier must exist").isFalse();
    assertThat(query.matches(Map.of("app", "web", "env", "prod", "tier", "db"))).isFalse();
    assertThat(query.matches(Map.of("app", "web", "env", "prod", "tier", "x", "legacy", "1"))).isFalse();
    assertThat(query.toString()).isEqualTo("app=web,env in (prod,staging),!legacy,tier notin (db),tier");
  }

  @Test
  void emptyProtoSelectorMatchesEverythingAndNullMatchesNothing() {
    assertThat(LabelQuery.fromProto(LabelSelector.getDefaultInstance()).matches(WEB)).isTrue();
    assertThat(LabelQuery.fromProto(LabelSelector.getDefaultInstance()).isEmpty()).isTrue();
    assertThat(LabelQuery.fromProto(null).matches(WEB)).isFalse();
    assertThat(LabelQuery.fromProto(null).matches(Map.of())).isFalse();
    assertThat(LabelQuery.fromProto(null).isEmpty()).isFalse();
  }

  @Test
  void fromProtoRejectsBadExpressions() {
    assertThatThrownBy(() -> LabelQuery.fromProto(LabelSelector.newBuilder()
        .addMatchExpressions(expression("env", "Equals", "x")).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("matchExpressions[0].operator: \"Equals\" is not a valid");
    assertThatThrownBy(() -> LabelQuery.fromProto(LabelSelector.newBuilder()
        .addMatchExpressions(expression("env", "In")).build()))
        .hasMessage("matchExpressions[0].values: must be specified when operator is In");
    assertThatThrownBy(() -> LabelQuery.fromProto(LabelSelector.newBuilder()
        .addMatchExpressions(expression("env", "Exists", "x")).build()))
        .hasMessage("matchExpressions[0].values: may not be specified when operator is Exists");
    assertThatThrownBy(() -> LabelQuery.fromProto(LabelSelector.newBuilder()
        .putMatchLabels("bad key", "x").build()))
        .hasMessageStartingWith("matchLabels: invalid label key \"bad key\"");
  }

  @Test
  void fromLabelsRequiresEveryLabel() {
    LabelQuery query = LabelQuery.fromLabels(Map.of("app", "web", "env", "prod"));
    assertThat(query.matches(WEB)).isTrue();
    assertThat(query.matches(Map.of("app", "web"))).isFalse();
    assertThat(query.toString()).isEqualTo("app=web,env=prod");
  }

  private static LabelSelectorRequirement expression(String key, String operator, String... values) {
    return LabelSelectorRequirement.newBuilder().setKey(key).setOperator(operator)
        .addAllValues(java.util.List.of(values)).build();
  }
}
