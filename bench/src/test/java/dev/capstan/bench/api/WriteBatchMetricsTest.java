package dev.capstan.bench.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WriteBatchMetricsTest {

  private static String exposition(double entries, double writes) {
    return "# HELP capstan_store_write_batch_size Writes per log entry\n"
        + "# TYPE capstan_store_write_batch_size summary\n"
        + "capstan_store_write_batch_size_count " + entries + "\n"
        + "capstan_store_write_batch_size_sum " + writes + "\n"
        + "capstan_store_write_batch_size_sum_other 99.0\n";
  }

  @Test
  void readsAnUnlabelledSampleAndNotOneWhoseNameItPrefixes() {
    String text = exposition(12, 30);
    assertThat(WriteBatchMetrics.value(text, "capstan_store_write_batch_size_sum")).isEqualTo(30.0);
    assertThat(WriteBatchMetrics.value(text, "capstan_store_write_batch_size_count")).isEqualTo(12.0);
    assertThat(WriteBatchMetrics.value(text, "absent_metric")).isZero();
  }

  @Test
  void writesPerEntryAreTheServersSummedGrowthBetweenTwoSamples() throws Exception {
    AtomicReference<String> served = new AtomicReference<>(exposition(10, 10));
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", exchange -> {
      byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      String endpoint = "127.0.0.1:" + server.getAddress().getPort();
      WriteBatchMetrics metrics = new WriteBatchMetrics(List.of(endpoint, endpoint));
      WriteBatchMetrics.Sample before = metrics.sample();
      served.set(exposition(14, 22));
      // two servers, each 4 more entries carrying 12 more writes
      assertThat(WriteBatchMetrics.writesPerEntry(before, metrics.sample())).isEqualTo(3.0);
      assertThat(WriteBatchMetrics.writesPerEntry(before, before)).isNaN();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void withoutEndpointsThereIsNoFigure() {
    WriteBatchMetrics none = new WriteBatchMetrics(List.of());
    assertThat(WriteBatchMetrics.writesPerEntry(none.sample(), none.sample())).isNaN();
  }
}
