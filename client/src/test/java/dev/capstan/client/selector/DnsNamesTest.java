package dev.capstan.client.selector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The character checks answer as Kubernetes' regular expressions for the same formats do: both
 * are run over the same strings, hand-picked edge cases and many random ones over the alphabet
 * that matters (lower and upper letters, digits, '-', '_', '.', '/', a space and a non-ASCII letter).
 */
class DnsNamesTest {
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  private static final List<String> EDGES = List.of("", "a", "A", "0", "-", ".", "_", "a-", "-a", "a.b", "a..b",
      ".a", "a.", "a-b.c-d", "a_b", "A_b", "a.B", "0a", "9-9", "é", "aé", "a b", "a/b", "ab-", "a--b", "a.-b", "a-.b",
      "my-app.example.com", "x", "x.y.z", "Z9", "_a", "a_");

  @Test
  void theChecksAgreeWithTheRegularExpressions() {
    List<String> corpus = new ArrayList<>(EDGES);
    Random random = new Random(20261204);
    String alphabet = "abz09AZ-_./ é";
    for (int i = 0; i < 50_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(9);
      for (int j = 0; j < length; j++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      corpus.add(s.toString());
    }
    agree(corpus, DNS1123_LABEL, DnsNames::isDns1123Label);
    agree(corpus, DNS1035_LABEL, DnsNames::isDns1035Label);
    agree(corpus, DNS1123_SUBDOMAIN, DnsNames::isDns1123Subdomain);
    agree(corpus, QUALIFIED_NAME_PART, DnsNames::isQualifiedNamePart);
  }

  private static void agree(List<String> corpus, Pattern regex, Predicate<String> check) {
    int valid = 0;
    for (String s : corpus) {
      boolean expected = regex.matcher(s).matches();
      assertThat(check.test(s)).as("%s on \"%s\"", regex, s).isEqualTo(expected);
      valid += expected ? 1 : 0;
    }
    // the corpus holds both answers in numbers, or the comparison would prove little
    assertThat(valid).as("valid strings for %s", regex).isGreaterThan(1_000).isLessThan(corpus.size() - 1_000);
  }
}
