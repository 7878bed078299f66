package dev.capstan.apiserver.ratelimit;

import dev.capstan.apiserver.ApiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The text an apiserver's Prometheus endpoint serves now. */
final class MetricsPage {
  private MetricsPage() {}

  static String of(ApiServer server) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
