package dev.capstan.client.config;

import java.nio.file.Path;

/**
 * The user's home directory as the shell knows it: {@code $HOME} when set, else the JVM's
 * {@code user.home}. The JVM reads the password database and ignores {@code $HOME}, which would
 * put data and config somewhere other than where users (and kubectl habits) expect.
 */
public final class UserHome {
  private UserHome() {}

  /** The home directory. */
  public static Path directory() {
    String home = System.getenv("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /** {@code ~/.capstan/<name>}. */
  public static Path capstan(String name) {
    return directory().resolve(".capstan").resolve(name);
  }
}
