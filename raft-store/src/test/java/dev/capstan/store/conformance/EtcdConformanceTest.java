package dev.capstan.store.conformance;

import dev.capstan.store.KeyValueStore;
import dev.capstan.store.remote.EtcdKeyValueStore;
import dev.capstan.store.remote.EtcdProcess;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against a real etcd 3.4 (Debian's etcd-server) through
 * {@link EtcdKeyValueStore}: the reference the other bindings are held to. Skipped only when etcd
 * is not installed and we are not root (see {@link EtcdProcess#requireBinary()}).
 */
class EtcdConformanceTest extends KeyValueStoreConformance {

  private EtcdProcess etcd;

  @BeforeAll
  void startEtcd() throws Exception {
    etcd = EtcdProcess.start();
  }

  @AfterAll
  void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected KeyValueStore openStore() {
    return new EtcdKeyValueStore(List.of(etcd.endpoint()));
  }

  @Override
  protected KeyValueStore openEmptyStore() throws Exception {
    EtcdProcess empty = EtcdProcess.start();
    closeAfterTest(empty);
    return new EtcdKeyValueStore(List.of(empty.endpoint()));
  }
}
