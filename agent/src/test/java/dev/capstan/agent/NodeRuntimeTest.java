package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRuntimeTest {
  @TempDir Path dir;

  @Test
  void parsesRuntimeNames() {
    assertThat(NodeRuntime.Kind.parse("containerd")).isEqualTo(NodeRuntime.Kind.CONTAINERD);
    assertThat(NodeRuntime.Kind.parse("Process")).isEqualTo(NodeRuntime.Kind.PROCESS);
    assertThat(NodeRuntime.Kind.CONTAINERD).hasToString("containerd");
    assertThat(NodeRuntime.Kind.parse("podman")).isEqualTo(NodeRuntime.Kind.PODMAN);
    assertThat(NodeRuntime.Kind.PODMAN).hasToString("podman");
    assertThatThrownBy(() -> NodeRuntime.Kind.parse("docker"))
        .hasMessageContaining("--runtime: must be containerd, podman or process, got \"docker\"");
  }

  @Test
  void podmanIsUsableOnlyWithItsBinaryRootConmonRuncAndTheCniPlugins() throws java.io.IOException {
    Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
    Path podman = executable(bin.resolve("podman"));
    Path conmon = executable(bin.resolve("conmon"));
    Path runc = executable(bin.resolve("runc"));
    Path cni = java.nio.file.Files.createDirectories(dir.resolve("cni"));
    executable(cni.resolve("bridge"));
    assertThat(NodeRuntime.podmanUnusableBecause(podman, true, conmon, List.of(runc), cni)).isEmpty();
    assertThat(NodeRuntime.podmanUnusableBecause(bin.resolve("nopodman"), true, conmon, List.of(runc), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("nopodman is not installed"));
    assertThat(NodeRuntime.podmanUnusableBecause(podman, false, conmon, List.of(runc), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("not running as root"));
    assertThat(NodeRuntime.podmanUnusableBecause(podman, true, bin.resolve("noconmon"), List.of(runc), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("conmon is not installed"));
    assertThat(NodeRuntime.podmanUnusableBecause(podman, true, conmon, List.of(bin.resolve("none")), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("runc is not installed"));
    assertThat(NodeRuntime.podmanUnusableBecause(podman, true, conmon, List.of(runc), bin))
        .hasValueSatisfying(why -> assertThat(why).contains("CNI plugins"));
  }

  @Test
  void aRuntimeSocketOnlyGoesWithItsOwnRuntime() {
    Path socket = dir.resolve("some.sock");
    assertThatThrownBy(() -> NodeRuntime.open(Optional.of(NodeRuntime.Kind.CONTAINERD), dir, "127.0.0.1",
        Optional.empty(), Optional.of(socket), Clock.systemUTC(), n -> { }))
        .hasMessageContaining("--podman-socket: only with --runtime podman, got --runtime containerd");
    assertThatThrownBy(() -> NodeRuntime.open(Optional.of(NodeRuntime.Kind.PODMAN), dir, "127.0.0.1",
        Optional.of(socket), Optional.empty(), Clock.systemUTC(), n -> { }))
        .hasMessageContaining("--containerd-socket: only with --runtime containerd, got --runtime podman");
    assertThatThrownBy(() -> NodeRuntime.open(Optional.empty(), dir, "127.0.0.1",
        Optional.of(socket), Optional.of(socket), Clock.systemUTC(), n -> { }))
        .hasMessageContaining("give at most one");
  }

  @Test
  void containerdIsUsableOnlyWithItsBinaryRootRuncAndTheCniPlugins() throws java.io.IOException {
    Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
    Path containerd = executable(bin.resolve("containerd"));
    Path runc = executable(bin.resolve("runc"));
    Path cni = java.nio.file.Files.createDirectories(dir.resolve("cni"));
    executable(cni.resolve("bridge"));
    assertThat(NodeRuntime.containerdUnusableBecause(containerd, true, List.of(runc), cni)).isEmpty();
    assertThat(NodeRuntime.containerdUnusableBecause(bin.resolve("missing"), true, List.of(runc), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("missing is not installed"));
    assertThat(NodeRuntime.containerdUnusableBecause(containerd, false, List.of(runc), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("not running as root"));
    assertThat(NodeRuntime.containerdUnusableBecause(containerd, true, List.of(bin.resolve("none")), cni))
        .hasValueSatisfying(why -> assertThat(why).contains("runc is not installed"));
    assertThat(NodeRuntime.containerdUnusableBecause(containerd, true, List.of(runc), bin))
        .hasValueSatisfying(why -> assertThat(why).contains("CNI plugins"));
  }

  private static Path executable(Path file) throws java.io.IOException {
    java.nio.file.Files.writeString(file, "#!/bin/sh\n");
    file.toFile().setExecutable(true);
    return file;
  }

  @Test
  void theProcessRuntimeIsOpenedWhenNamed() {
    List<String> notices = new ArrayList<>();
    try (NodeRuntime runtime = NodeRuntime.open(Optional.of(NodeRuntime.Kind.PROCESS), dir, "127.0.0.1",
        Optional.empty(), Clock.systemUTC(), notices::add)) {
      assertThat(runtime.runtime().version().runtimeName()).isEqualTo("process");
      assertThat(runtime.containerd()).isEmpty();
      assertThat(runtime.description()).isEqualTo("process");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertThat(notices).singleElement().asString().contains("process runtime");
  }

  @Test
  void theSocketStaysUnderTheDataDirUnlessThatPathIsTooLongForAUnixSocket() {
    assertThat(NodeRuntime.socketFor(Path.of("/var/lib/capstan/agent/containerd")))
        .isEqualTo(Path.of("/var/lib/capstan/agent/containerd/containerd.sock"));
    Path deep = Path.of("/tmp/" + "d".repeat(100) + "/containerd");
    Path socket = NodeRuntime.socketFor(deep);
    assertThat(socket.getParent()).isEqualTo(Path.of("/run/capstan"));
    assertThat(socket.toString()).endsWith(".sock").hasSizeLessThan(40);
    assertThat(NodeRuntime.socketFor(deep)).as("stable per data dir").isEqualTo(socket);
    // 100 bytes fit a socket, but not containerd's ".ttrpc" socket beside it (104 at most).
    Path almost = Path.of("/w/" + "e".repeat(100 - "/w//containerd/containerd.sock".length()) + "/containerd");
    assertThat(almost.resolve("containerd.sock").toString()).hasSize(100);
    assertThat(NodeRuntime.socketFor(almost).getParent()).isEqualTo(Path.of("/run/capstan"));
    assertThat(NodeRuntime.socketFor(Path.of("/var/lib/capstan/agent/podman"), "podman.sock"))
        .isEqualTo(Path.of("/var/lib/capstan/agent/podman/podman.sock"));
  }
}
