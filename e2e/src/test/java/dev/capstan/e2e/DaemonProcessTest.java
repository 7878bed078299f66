package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The e2e harness itself: daemons that die at start, and the ports handed to daemons. */
class DaemonProcessTest {

  @TempDir
  Path tmp;

  @Test
  void aDaemonThatExitsBeforeItsReadyLineFailsAtOnceWithItsOutput() throws Exception {
    CapstanBinary capstan = new CapstanBinary(tmp.resolve("config"));
    DaemonProcess daemon = DaemonProcess.start(capstan, "server", tmp.resolve("server.log"), "capstan server \"",
        List.of("server", "--no-such-option"));
    long start = System.nanoTime();
    assertThatThrownBy(daemon::awaitReady)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("server exited before it was up")
        .hasMessageContaining("--no-such-option");
    // Not the 90 s wait for a ready line that can no longer come.
    assertThat(System.nanoTime() - start).isLessThan(60_000_000_000L);
    assertThat(Files.readString(tmp.resolve("server.log"))).contains("--no-such-option");
  }

  @Test
  void freePortsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = CapstanBinary.freePort();
      assertThat(port).isGreaterThanOrEqualTo(10_000).isLessThan(CapstanBinary.EPHEMERAL_RANGE_START);
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(port));
      }
    }
    assertThat(CapstanBinary.EPHEMERAL_RANGE_START)
        .isEqualTo(Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
            .trim().split("\\s+")[0]));
  }
}
