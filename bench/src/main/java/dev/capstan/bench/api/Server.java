package dev.capstan.bench.api;

/** One apiserver under test: its gRPC address and the pid of its process (0 when unknown). */
record Server(String address, long pid) {
  /** Parses {@code host:port[@pid]}. */
  static Server parse(String spec) {
    int at = spec.indexOf('@');
    if (at < 0) {
      return new Server(spec, 0);
    }
    return new Server(spec.substring(0, at), Long.parseLong(spec.substring(at + 1)));
  }
}
