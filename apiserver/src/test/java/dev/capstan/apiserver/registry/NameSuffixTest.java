package dev.capstan.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class NameSuffixTest {
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  @Test
  void aSuffixIsFiveCharactersOfKubernetesAlphabetFromOneDraw() {
    int[] draws = {0};
    RandomGenerator counting = new RandomGenerator() {
      private final SplittableRandom random = new SplittableRandom(11);

      @Override
      public long nextLong() {
        draws[0]++;
        return random.nextLong();
      }
    };
    for (int i = 0; i < 1000; i++) {
      String suffix = NameSuffix.next(counting);
      assertThat(suffix).hasSize(NameSuffix.LENGTH);
      assertThat(suffix.chars()).allMatch(c -> ALPHABET.indexOf(c) >= 0);
    }
    // nextInt(bound) draws again to stay uniform in under 1 % of cases; one draw per character would be 5,000
    assertThat(draws[0]).isBetween(1000, 1030);
  }

  @Test
  void everyCharacterTurnsUpInEveryPosition() {
    SplittableRandom random = new SplittableRandom(5);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 5000; i++) {
      String suffix = NameSuffix.next(random);
      for (int p = 0; p < suffix.length(); p++) {
        seen.add(p + ":" + suffix.charAt(p));
      }
    }
    assertThat(seen).hasSize(NameSuffix.LENGTH * ALPHABET.length());
  }
}
