package dev.capstan.client.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FieldQueryTest {
  private static final Map<String, String> POD = Map.of(
      "metadata.name", "web-1", "metadata.namespace", "default", "spec.nodeName", "n2", "status.phase", "Running");
  private static final Function<String, String> FIELDS = f -> POD.getOrDefault(f, "");

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                                                   | true",
      "metadata.name=web-1                                  | true",
      "metadata.name==web-1                                 | true",
      "metadata.name=web-2                                  | false",
      "spec.nodeName!=n1                                    | true",
      "spec.nodeName!=n2                                    | false",
      "metadata.name=web-1,spec.nodeName!=n1,status.phase=Running | true",
      "metadata.name=web-1,status.phase=Pending             | false",
      "spec.hostname=                                       | true",
      "spec.nodeName=                                       | false",
  })
  void matchesEachTerm(String selector, boolean expected) {
    assertThat(FieldQuery.parse(selector).matches(FIELDS)).as(selector).isEqualTo(expected);
  }

  @Test
  void unsetFieldCountsAsEmpty() {
    assertThat(FieldQuery.parse("spec.nodeName=").matches(f -> null)).isTrue();
  }

  @Test
  void reportsFieldsAndExactValues() {
    FieldQuery query = FieldQuery.parse("status.phase!=Failed,spec.nodeName=n1");
    assertThat(query.fields()).containsExactlyInAnyOrder("status.phase", "spec.nodeName");
    assertThat(query.exactValue("spec.nodeName")).contains("n1");
    assertThat(query.exactValue("status.phase")).isEmpty();
    assertThat(query.exactValue("metadata.name")).isEmpty();
    assertThat(query.isEmpty()).isFalse();
    assertThat(FieldQuery.parse("").isEmpty()).isTrue();
  }

  @Test
  void escapedSeparatorsBelongToTheValue() {
    FieldQuery query = FieldQuery.parse("metadata.annotation=a\\,b\\=c\\\\d,metadata.name=x");
    assertThat(query.exactValue("metadata.annotation")).contains("a,b=c\\d");
    assertThat(query.toString()).isEqualTo("metadata.annotation=a\\,b\\=c\\\\d,metadata.name=x");
    assertThat(FieldQuery.parse(query.toString())).isEqualTo(query);
  }

  @Test
  void canonicalFormSortsTermsAndWritesSingleEquals() {
    assertThat(FieldQuery.parse("status.phase!=Failed, metadata.name==x").toString())
        .isEqualTo("metadata.name=x,status.phase!=Failed");
  }

  @Test
  void andCombinesTerms() {
    FieldQuery query = FieldQuery.equalTo("metadata.name", "web-1").and(FieldQuery.parse("spec.nodeName=n1"));
    assertThat(query.matches(FIELDS)).isFalse();
    assertThat(query.fields()).containsExactly("metadata.name", "spec.nodeName");
  }

  @ParameterizedTest
  @ValueSource(strings = {"metadata.name", "=x", "metadata.name=a=b", "metadata.name=a\\x", "a=b,,c=d", "a=b\\"})
  void rejectsBadSyntaxNamingTheSelector(String selector) {
    assertThatThrownBy(() -> FieldQuery.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid field selector \"" + selector + "\": ");
  }
}
