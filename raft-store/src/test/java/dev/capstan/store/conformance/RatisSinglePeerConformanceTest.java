package dev.capstan.store.conformance;

import dev.capstan.store.KeyValueStore;
import dev.capstan.store.ratis.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite against the in-process Ratis store on a one-peer group. */
class RatisSinglePeerConformanceTest extends KeyValueStoreConformance {

  @TempDir
  static Path dir;

  private TestCluster cluster;

  @BeforeAll
  void startPeer() {
    cluster = new TestCluster(dir.resolve("shared"), 1, TestCluster.FAST).startAll();
    cluster.awaitLeader();
  }

  @AfterAll
  void stopPeer() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected KeyValueStore openStore() {
    return cluster.store("s1");
  }

  @Override
  protected KeyValueStore openEmptyStore() throws Exception {
    TestCluster empty = new TestCluster(Files.createTempDirectory(dir, "empty"), 1, TestCluster.FAST).startAll();
    closeAfterTest(empty);
    empty.awaitLeader();
    return empty.store("s1");
  }
}
