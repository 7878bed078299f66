package dev.capstan.store.remote;

import java.net.URI;

/**
 * One etcd client endpoint as given on a command line: {@code host:port}, {@code [v6]:port} or
 * {@code http://host:port}. Only plaintext is supported so far, so {@code https://} is refused
 * rather than silently spoken to in the clear.
 */
public record EtcdEndpoint(String host, int port) {

  public EtcdEndpoint {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("etcd endpoint: host is required");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("etcd endpoint: port must be 1..65535, got " + port);
    }
  }

  public static EtcdEndpoint parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("etcd endpoint: expected host:port, got nothing");
    }
    String trimmed = text.trim();
    if (trimmed.startsWith("https://")) {
      throw new IllegalArgumentException("etcd endpoint '" + text + "': TLS is not supported yet, use http://");
    }
    URI uri = URI.create(trimmed.contains("://") ? trimmed : "http://" + trimmed);
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException("etcd endpoint: expected host:port, got '" + text + "'");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new EtcdEndpoint(host, uri.getPort());
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
