package dev.capstan.bench.store;

import java.util.List;

/**
 * One store under test: a name for the report, its etcd v3 client endpoints, and the server
 * process ids whose resident memory the memory scenario reads (may be empty).
 */
record Target(String name, List<String> endpoints, List<Long> pids) {
  /** Parses {@code name=http://h:p,http://h:p[@pid,pid]}. */
  static Target parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("--target: expected name=endpoint[,endpoint...][@pid,...], got " + spec);
    }
    String name = spec.substring(0, eq);
    String rest = spec.substring(eq + 1);
    List<Long> pids = List.of();
    int at = rest.indexOf('@');
    if (at >= 0) {
      pids = java.util.Arrays.stream(rest.substring(at + 1).split(",")).filter(s -> !s.isBlank()).map(Long::parseLong).toList();
      rest = rest.substring(0, at);
    }
    List<String> endpoints = List.of(rest.split(","));
    if (endpoints.isEmpty() || endpoints.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("--target " + name + ": no endpoints");
    }
    return new Target(name, endpoints, pids);
  }
}
