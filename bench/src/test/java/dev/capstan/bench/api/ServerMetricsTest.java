package dev.capstan.bench.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

  private static String exposition(double entries, double writes, double youngPauses, double youngSeconds) {
    return "# HELP capstan_store_write_batch_size Writes per log entry\n"
        + "# TYPE capstan_store_write_batch_size summary\n"
        + "capstan_store_write_batch_size_count " + entries + "\n"
        + "capstan_store_write_batch_size_sum " + writes + "\n"
        + "capstan_store_write_batch_size_sum_other 99.0\n"
        + "# TYPE jvm_gc_collection_seconds summary\n"
        + "jvm_gc_collection_seconds_count{gc=\"G1 Young Generation\"} " + youngPauses + "\n"
        + "jvm_gc_collection_seconds_sum{gc=\"G1 Young Generation\"} " + youngSeconds + "\n"
        + "jvm_gc_collection_seconds_count{gc=\"G1 Old Generation\"} 1\n"
        + "jvm_gc_collection_seconds_sum{gc=\"G1 Old Generation\"} 0.5\n";
  }

  @Test
  void readsASampleWithOrWithoutLabelsAndNotOneWhoseNameItPrefixes() {
    String text = exposition(12, 30, 4, 0.2);
    assertThat(ServerMetrics.value(text, "capstan_store_write_batch_size_sum")).isEqualTo(30.0);
    assertThat(ServerMetrics.value(text, "capstan_store_write_batch_size_count")).isEqualTo(12.0);
    // a labelled family's series are summed: the young collector's 4 pauses and the old one's 1
    assertThat(ServerMetrics.value(text, "jvm_gc_collection_seconds_count")).isEqualTo(5.0);
    assertThat(ServerMetrics.value(text, "jvm_gc_collection_seconds_sum")).isEqualTo(0.7);
    assertThat(ServerMetrics.value(text, "absent_metric")).isZero();
    assertThat(ServerMetrics.value("broken{gc=\"x\"\n", "broken")).isZero();
  }

  @Test
  void writesPerEntryAreTheServersSummedGrowthAndPausesEachServersOwn() throws Exception {
    AtomicReference<String> first = new AtomicReference<>(exposition(10, 10, 3, 0.1));
    AtomicReference<String> second = new AtomicReference<>(exposition(10, 10, 7, 0.3));
    HttpServer one = serving(first);
    HttpServer two = serving(second);
    try {
      ServerMetrics metrics = new ServerMetrics(List.of(endpoint(one), endpoint(two)));
      ServerMetrics.Sample before = metrics.sample();
      first.set(exposition(14, 22, 3, 0.1));
      second.set(exposition(14, 22, 9, 0.36));
      ServerMetrics.Sample after = metrics.sample();
      // two servers, each 4 more entries carrying 12 more writes
      assertThat(ServerMetrics.writesPerEntry(before, after)).isEqualTo(3.0);
      assertThat(ServerMetrics.writesPerEntry(before, before)).isNaN();
      // the first did not pause; the second paused twice, 60 ms in all
      assertThat(ServerMetrics.gcPauses(before, after)).isEqualTo("0 / 2 × 30");
    } finally {
      one.stop(0);
      two.stop(0);
    }
  }

  @Test
  void withoutEndpointsThereAreNoFigures() {
    ServerMetrics none = new ServerMetrics(List.of());
    assertThat(ServerMetrics.writesPerEntry(none.sample(), none.sample())).isNaN();
    assertThat(ServerMetrics.gcPauses(none.sample(), none.sample())).isEqualTo("-");
  }

  private static HttpServer serving(AtomicReference<String> exposition) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", exchange -> {
      byte[] body = exposition.get().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  private static String endpoint(HttpServer server) {
    return "127.0.0.1:" + server.getAddress().getPort();
  }
}
