package dev.capstan.apiserver.registry;

import java.util.random.RandomGenerator;

/**
 * The random suffixes Kubernetes puts on generated names (generateName, a pod's token volume):
 * five characters from an alphabet without vowels (no words) or look-alikes (0/o, 1/l). A suffix
 * takes one draw from the generator, not one per character: the apiserver's generator is a
 * {@code SecureRandom}, whose every draw takes a lock.
 */
public final class NameSuffix {
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  public static final int LENGTH = 5;
  /** 27^5, well inside an int: every suffix is equally likely. */
  private static final int SUFFIXES = (int) Math.pow(ALPHABET.length(), LENGTH);

  private NameSuffix() {}

  public static String next(RandomGenerator random) {
    int n = random.nextInt(SUFFIXES);
    char[] suffix = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      suffix[i] = ALPHABET.charAt(n % ALPHABET.length());
      n /= ALPHABET.length();
    }
    return new String(suffix);
  }
}
