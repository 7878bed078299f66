package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.local.LocalKeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A cluster secret is made once per cluster: a server that finds one stored makes none, and two
 * that both found none end with the one stored first. (ServiceAccountsAndQuotasTest races the CA
 * and the ServiceAccount key on a real Ratis store.)
 */
public class ClusterSecretTest {

  /** Makes "value-1", "value-2", ... and counts how often it was asked. */
  private static final class CountingSupplier implements Supplier<String> {
    final AtomicInteger made = new AtomicInteger();

    @Override
    public String get() {
      return "value-" + made.incrementAndGet();
    }
  }

  public static String stored(KeyValueStore store, String key) throws Exception {
    var kvs = store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()).get().getKvsList();
    return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.US_ASCII);
  }

  @Test
  void theFirstStartMakesTheSecretAndARestartLoadsItWithoutMakingAnother() throws Exception {
    try (LocalKeyValueStore store = new LocalKeyValueStore()) {
      CountingSupplier maker = new CountingSupplier();
      assertThat(ClusterSecret.loadOrCreate(store, "/capstan/pki/test", maker)).isEqualTo("value-1");
      assertThat(ClusterSecret.loadOrCreate(store, "/capstan/pki/test", maker)).isEqualTo("value-1");
      assertThat(maker.made).hasValue(1);
      assertThat(stored(store, "/capstan/pki/test")).isEqualTo("value-1");
    }
  }

  @Test
  void twoServersThatBothFindNoSecretEndWithTheOneStoredFirst() throws Exception {
    ExecutorService servers = Executors.newFixedThreadPool(2);
    try (LocalKeyValueStore store = new LocalKeyValueStore()) {
      String winner = race(store, servers, "/capstan/pki/raced");
      assertThat(winner).isIn("value-1", "value-2");
    } finally {
      servers.shutdownNow();
    }
  }

  /**
   * Two servers load {@code key} at once, both reading "absent" before either writes (a barrier
   * in the supplier): each makes a value, one write wins, and both answer the winner, which is
   * what the store holds.
   */
  public static String race(KeyValueStore store, ExecutorService servers, String key) throws Exception {
    CyclicBarrier bothMaking = new CyclicBarrier(2);
    AtomicInteger made = new AtomicInteger();
    Supplier<String> maker = () -> {
      String value = "value-" + made.incrementAndGet();
      try {
        bothMaking.await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return value;
    };
    Future<String> one = servers.submit(() -> ClusterSecret.loadOrCreate(store, key, maker));
    Future<String> two = servers.submit(() -> ClusterSecret.loadOrCreate(store, key, maker));
    String first = one.get(10, TimeUnit.SECONDS);
    String second = two.get(10, TimeUnit.SECONDS);
    String winner = stored(store, key);
    assertThat(made).hasValue(2);
    assertThat(first).isEqualTo(winner);
    assertThat(second).isEqualTo(winner);
    return winner;
  }
}
