package dev.capstan.agent.runtime;

/** The stream a container log line came from. */
public enum LogStream {
  STDOUT("stdout"),
  STDERR("stderr");

  private final String criName;

  LogStream(String criName) {
    this.criName = criName;
  }

  /** "stdout" or "stderr", as written in CRI log files. */
  public String criName() {
    return criName;
  }

  public static LogStream fromCriName(String name) {
    for (LogStream s : values()) {
      if (s.criName.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("log stream: expected stdout or stderr, got \"" + name + "\"");
  }
}
