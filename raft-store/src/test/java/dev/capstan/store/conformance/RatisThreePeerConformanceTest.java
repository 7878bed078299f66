package dev.capstan.store.conformance;

import dev.capstan.store.KeyValueStore;
import dev.capstan.store.ratis.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite against a three-peer Ratis group, through a follower's store: writes go
 * to the leader, reads are read-index queries on the follower, and watches are served from the
 * follower's applied copy.
 */
class RatisThreePeerConformanceTest extends KeyValueStoreConformance {

  @TempDir
  static Path dir;

  private TestCluster cluster;
  private String follower;

  @BeforeAll
  void startPeers() {
    cluster = new TestCluster(dir.resolve("shared"), 3, TestCluster.FAST).startAll();
    follower = cluster.aFollower();
  }

  @AfterAll
  void stopPeers() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected KeyValueStore openStore() {
    return cluster.store(follower);
  }

  @Override
  protected KeyValueStore openEmptyStore() throws Exception {
    TestCluster empty = new TestCluster(Files.createTempDirectory(dir, "empty"), 3, TestCluster.FAST).startAll();
    closeAfterTest(empty);
    return empty.store(empty.aFollower());
  }
}
