package dev.capstan.agent.runtime;

/** Quoting for the config files the agent generates for its runtimes (JSON, TOML). */
public final class ConfigQuoting {
  private ConfigQuoting() {}

  /** A JSON string literal, which is also a valid TOML basic string. */
  public static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
