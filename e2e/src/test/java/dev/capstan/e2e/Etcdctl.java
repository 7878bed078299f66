package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real etcdctl (Debian's etcd-client, installed by scripts/install-test-deps), v3 API. */
final class Etcdctl {
  private Etcdctl() {}

  /** Runs etcdctl against {@code endpoint} with {@code tls} flags (may be empty) and {@code args}. */
  static CapstanBinary.Result run(String endpoint, List<String> tls, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints", endpoint,
        "--dial-timeout", "2s", "--command-timeout", "10s"));
    command.addAll(tls);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new CapstanBinary.Result(p.exitValue(), out, err);
  }
}
