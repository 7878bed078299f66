package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftStorePeerConfigTest {

  private static final Path DIR = Path.of("/tmp/capstan-unused");

  @Test
  void parsesPeersAsIdEqualsHostPort() {
    PeerAddress peer = PeerAddress.parse("s1=10.0.0.1:2380", "peers[0]");
    assertThat(peer).isEqualTo(new PeerAddress("s1", "10.0.0.1", 2380));
    assertThat(peer.address()).isEqualTo("10.0.0.1:2380");
    assertThat(PeerAddress.parse("s2=[::1]:2380", "peers[1]").address()).isEqualTo("[::1]:2380");
  }

  @Test
  void badPeerSpecsNameTheArgument() {
    assertThatThrownBy(() -> PeerAddress.parse("s1:2380", "peers[0]"))
        .hasMessage("peers[0]: expected id=host:port, got 's1:2380'");
    assertThatThrownBy(() -> PeerAddress.parse("s1=host", "peers[1]"))
        .hasMessage("peers[1]: expected host:port, got 'host'");
    assertThatThrownBy(() -> PeerAddress.parse("s1=host:99999", "peers[2]"))
        .hasMessage("peers[2]: port must be 1..65535, got 99999");
    assertThatThrownBy(() -> PeerAddress.parse("bad id=host:1", "peers[3]"))
        .hasMessageStartingWith("peers[3]: peer id must be");
  }

  @Test
  void aConfigMustListItselfOnceWithItsOwnPort() {
    assertThat(RaftStorePeer.Config.of("s1", DIR, "127.0.0.1:2380", List.of("s1=127.0.0.1:2380", "s2=h:2380"))
        .peerAddresses()).hasSize(2);
    assertThatThrownBy(() -> RaftStorePeer.Config.of("s3", DIR, "127.0.0.1:2380", List.of("s1=127.0.0.1:2380")))
        .hasMessage("peers: must include this peer's id 's3'");
    assertThatThrownBy(() -> RaftStorePeer.Config.of("s1", DIR, "127.0.0.1:2381", List.of("s1=127.0.0.1:2380")))
        .hasMessageStartingWith("address: port 2381 differs");
    assertThatThrownBy(() -> RaftStorePeer.Config.of("s1", DIR, "127.0.0.1:2380",
        List.of("s1=127.0.0.1:2380", "s1=h:1"))).hasMessage("peers[1]: duplicate peer id 's1'");
    assertThatThrownBy(() -> RaftStorePeer.Config.of("s1", DIR, "127.0.0.1:2380", List.of()))
        .hasMessageStartingWith("peers: at least this peer");
  }

  @Test
  void tuningRejectsNonsense() {
    assertThatThrownBy(() -> RaftStorePeer.Tuning.defaults()
        .withElectionTimeouts(Duration.ofMillis(500), Duration.ofMillis(400)))
        .hasMessageStartingWith("election timeouts must satisfy");
    assertThatThrownBy(() -> RaftStorePeer.Tuning.defaults().withSnapshotThreshold(0))
        .hasMessage("snapshotThreshold must be >= 1, got 0");
  }
}
