package dev.capstan.cli.commands;

import java.time.Duration;

/** Reads a duration flag as kubectl writes them: 500ms, 30s, 2m, or a bare number of seconds. */
final class DurationFlag {
  private DurationFlag() {}

  /** @throws CliException naming {@code flag} if {@code text} is not such a duration */
  static Duration parse(String flag, String text) {
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      if (text.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
      }
      if (text.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(text));
    } catch (NumberFormatException e) {
      throw new CliException(flag + ": invalid duration \"" + text + "\" (e.g. 30s, 2m)");
    }
  }
}
