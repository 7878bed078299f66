package dev.capstan.store.remote;

import java.net.URI;

/**
 * One etcd client endpoint as given on a command line: {@code host:port}, {@code [v6]:port},
 * {@code http://host:port} or {@code https://host:port}; {@link #tls} says which scheme it was
 * given with (a bare {@code host:port} is plaintext, as etcdctl takes it).
 */
public record EtcdEndpoint(String host, int port, boolean tls) {

  public EtcdEndpoint {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("etcd endpoint: host is required");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("etcd endpoint: port must be 1..65535, got " + port);
    }
  }

  /** A plaintext endpoint. */
  public EtcdEndpoint(String host, int port) {
    this(host, port, false);
  }

  public static EtcdEndpoint parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("etcd endpoint: expected host:port, got nothing");
    }
    String trimmed = text.trim();
    URI uri;
    try {
      uri = URI.create(trimmed.contains("://") ? trimmed : "http://" + trimmed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("etcd endpoint: expected host:port, got '" + text + "'", e);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("etcd endpoint '" + text + "': the scheme must be http or https");
    }
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException("etcd endpoint: expected host:port, got '" + text + "'");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new EtcdEndpoint(host, uri.getPort(), "https".equals(uri.getScheme()));
  }

  /** {@code host:port} ({@code [v6]:port}), the form gRPC dials; the scheme is {@link #tls}. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
