package dev.capstan.cli.commands;

import dev.capstan.agent.NodeRuntime;
import dev.capstan.agent.runtime.ImageArchiveIndex;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.containerd.CtrImageImporter;
import dev.capstan.agent.runtime.podman.PodmanClient;
import dev.capstan.agent.runtime.podman.PodmanImages;
import dev.capstan.client.config.UserHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code capstan image ...}: the container images of this node's runtime. */
@Command(name = "image", description = "Manage the container images of this node's runtime.",
    subcommands = {ImageCommand.Import.class})
public final class ImageCommand {

  /**
   * {@code capstan image import FILE...}: loads image archives into the runtime of the agent on
   * this machine (its own containerd or Podman, found through the agent's data dir, or the one at
   * {@code --containerd-socket} or {@code --podman-socket}), where pods are served from (for
   * containerd, the CRI's namespace), so pods with
   * {@code imagePullPolicy: IfNotPresent} or {@code Never} run them without a registry, as
   * {@code k3s ctr images import} does. Every archive is checked before any is imported.
   */
  @Command(name = "import", description = "Load images from tar archives (docker-archive, as docker save writes,"
      + " or an OCI image layout) into this node's runtime, so pods can use them without a registry.")
  public static final class Import implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "image archives (.tar)")
    List<Path> files;

    @Option(names = "--data-dir", description = "data dir of the agent whose own containerd or Podman receives the images"
        + " (default: whichever runs of capstan up's, ~/.capstan/data/agent, and capstan agent's, ~/.capstan/agent)")
    Path dataDir;

    @Option(names = "--containerd-socket", description = "import into the containerd at this socket instead")
    Path containerdSocket;

    @Option(names = "--podman-socket", description = "import into the Podman API service at this socket instead")
    Path podmanSocket;

    /** Where the images go: a containerd socket or a Podman one. */
    private record Target(Path socket, boolean podman) {}

    @Override
    public Integer call() throws IOException {
      if ((dataDir != null ? 1 : 0) + (containerdSocket != null ? 1 : 0) + (podmanSocket != null ? 1 : 0) > 1) {
        throw new CliException("--data-dir, --containerd-socket and --podman-socket: give at most one of them");
      }
      List<ImageArchiveIndex> indexes = new ArrayList<>();
      for (Path file : files) {
        try {
          indexes.add(ImageArchiveIndex.read(file));
        } catch (IOException e) {
          throw new CliException(e.getMessage());
        }
      }
      Target target = target();
      try (PodmanClient podman = target.podman() ? new PodmanClient(target.socket()) : null) {
        for (int i = 0; i < files.size(); i++) {
          Path archive = files.get(i).toAbsolutePath();
          try {
            if (podman != null) {
              new PodmanImages(podman).load(archive);
            } else {
              new CtrImageImporter(target.socket()).importArchive(archive);
            }
          } catch (IOException | ContainerRuntimeException e) {
            throw new CliException(e.getMessage());
          }
          ImageArchiveIndex index = indexes.get(i);
          String names = index.references().isEmpty() ? "an untagged image" : String.join(", ", index.references());
          System.out.println("imported " + names + " from " + files.get(i) + " (" + index.format() + ")");
        }
      }
      return 0;
    }

    private Target target() {
      if (containerdSocket != null || podmanSocket != null) {
        Path socket = containerdSocket != null ? containerdSocket : podmanSocket;
        if (!Files.exists(socket)) {
          throw new CliException((containerdSocket != null ? "--containerd-socket: " : "--podman-socket: ") + socket
              + " does not exist");
        }
        return new Target(socket, podmanSocket != null);
      }
      List<Path> dirs = dataDir != null ? List.of(dataDir)
          : List.of(UserHome.capstan("data").resolve("agent"), UserHome.capstan("agent"));
      List<Target> running = new ArrayList<>();
      for (Path dir : dirs) {
        if (Files.exists(NodeRuntime.ownContainerdSocket(dir))) {
          running.add(new Target(NodeRuntime.ownContainerdSocket(dir), false));
        }
        if (Files.exists(NodeRuntime.ownPodmanSocket(dir))) {
          running.add(new Target(NodeRuntime.ownPodmanSocket(dir), true));
        }
      }
      if (running.isEmpty()) {
        throw new CliException(dataDir != null
            ? "--data-dir: no containerd or Podman of an agent runs for " + dataDir + "; is the agent running with"
                + " --runtime containerd or podman?"
            : "no agent's own containerd or Podman runs under " + dirs.get(0) + " or " + dirs.get(1)
                + ": start capstan up or capstan agent with a container runtime, or give --data-dir,"
                + " --containerd-socket or --podman-socket");
      }
      if (running.size() > 1) {
        throw new CliException("more than one runtime runs (" + running.stream().map(t -> t.socket().toString())
            .reduce((a, b) -> a + ", " + b).orElse("") + "): choose one with --data-dir or a socket flag");
      }
      return running.get(0);
    }
  }
}
