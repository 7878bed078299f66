package dev.capstan.client.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Serves a registry in the Prometheus text format at {@code http://ADDRESS:PORT/metrics} over
 * plain HTTP (as the kubelet's and etcd's metrics ports do; put it on a trusted network or
 * loopback). Port 0 picks a free port.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private final HTTPServer server;

  private MetricsEndpoint(HTTPServer server) {
    this.server = server;
  }

  public static MetricsEndpoint start(String bindAddress, int port, PrometheusRegistry registry) {
    try {
      return new MetricsEndpoint(HTTPServer.builder().hostname(bindAddress).port(port).registry(registry)
          .buildAndStart());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
