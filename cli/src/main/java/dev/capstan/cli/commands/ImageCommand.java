package dev.capstan.cli.commands;

import dev.capstan.agent.NodeRuntime;
import dev.capstan.agent.runtime.ImageArchiveIndex;
import dev.capstan.agent.runtime.containerd.CtrImageImporter;
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
   * {@code capstan image import FILE...}: loads image archives into the containerd of the agent on
   * this machine (its own, found through the agent's data dir, or the one at
   * {@code --containerd-socket}), in the namespace the CRI serves pods from, so pods with
   * {@code imagePullPolicy: IfNotPresent} or {@code Never} run them without a registry, as
   * {@code k3s ctr images import} does. Every archive is checked before any is imported.
   */
  @Command(name = "import", description = "Load images from tar archives (docker-archive, as docker save writes,"
      + " or an OCI image layout) into this node's runtime, so pods can use them without a registry.")
  public static final class Import implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "image archives (.tar)")
    List<Path> files;

    @Option(names = "--data-dir", description = "data dir of the agent whose own containerd receives the images"
        + " (default: whichever runs of capstan up's, ~/.capstan/data/agent, and capstan agent's, ~/.capstan/agent)")
    Path dataDir;

    @Option(names = "--containerd-socket", description = "import into the containerd at this socket instead")
    Path containerdSocket;

    @Override
    public Integer call() throws IOException {
      if (dataDir != null && containerdSocket != null) {
        throw new CliException("--data-dir and --containerd-socket: give one of them, not both");
      }
      List<ImageArchiveIndex> indexes = new ArrayList<>();
      for (Path file : files) {
        try {
          indexes.add(ImageArchiveIndex.read(file));
        } catch (IOException e) {
          throw new CliException(e.getMessage());
        }
      }
      Path socket = socket();
      CtrImageImporter importer = new CtrImageImporter(socket);
      for (int i = 0; i < files.size(); i++) {
        try {
          importer.importArchive(files.get(i).toAbsolutePath());
        } catch (IOException e) {
          throw new CliException(e.getMessage());
        }
        ImageArchiveIndex index = indexes.get(i);
        String names = index.references().isEmpty() ? "an untagged image" : String.join(", ", index.references());
        System.out.println("imported " + names + " from " + files.get(i) + " (" + index.format() + ")");
      }
      return 0;
    }

    private Path socket() {
      if (containerdSocket != null) {
        if (!Files.exists(containerdSocket)) {
          throw new CliException("--containerd-socket: " + containerdSocket + " does not exist");
        }
        return containerdSocket;
      }
      if (dataDir != null) {
        Path socket = NodeRuntime.ownContainerdSocket(dataDir);
        if (!Files.exists(socket)) {
          throw new CliException("--data-dir: no containerd of an agent runs for " + dataDir + " (no socket " + socket
              + "); is the agent running with --runtime containerd?");
        }
        return socket;
      }
      List<Path> candidates = List.of(UserHome.capstan("data").resolve("agent"), UserHome.capstan("agent"));
      List<Path> running = candidates.stream().filter(d -> Files.exists(NodeRuntime.ownContainerdSocket(d))).toList();
      if (running.isEmpty()) {
        throw new CliException("no agent's own containerd runs under " + candidates.get(0) + " or " + candidates.get(1)
            + ": start capstan up or capstan agent with containerd, or give --data-dir or --containerd-socket");
      }
      if (running.size() > 1) {
        throw new CliException("both " + running.get(0) + " and " + running.get(1)
            + " have a running containerd: choose one with --data-dir");
      }
      return NodeRuntime.ownContainerdSocket(running.get(0));
    }
  }
}
