package dev.capstan.agent.runtime.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Imports docker-archive images into a containerd instance with its own CLI,
 * {@code ctr -n k8s.io -a SOCKET images import FILE}. The {@code k8s.io} namespace is the one
 * containerd's CRI plugin serves images from; ctr unpacks the image into the default snapshotter,
 * so a container can start from it at once.
 */
public final class CtrImageImporter {
  public static final Path DEFAULT_CTR = Path.of("/usr/bin/ctr");
  public static final String CRI_NAMESPACE = "k8s.io";

  private final Path ctr;
  private final Path socket;

  public CtrImageImporter(Path ctr, Path socket) {
    this.ctr = ctr;
    this.socket = socket;
  }

  public CtrImageImporter(Path socket) {
    this(DEFAULT_CTR, socket);
  }

  /**
   * Imports the archive; importing an image that is already there just re-tags it.
   *
   * @throws IOException naming the archive and ctr's output when the import fails
   */
  public void importArchive(Path archive) throws IOException {
    List<String> command = List.of(ctr.toString(), "-n", CRI_NAMESPACE, "-a", socket.toString(), "images", "import",
        archive.toString());
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run " + ctr + " (install containerd): " + e.getMessage(), e);
    }
    try {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("importing " + archive + " did not finish within 5 minutes");
      }
      if (p.exitValue() != 0) {
        throw new IOException("importing " + archive + " failed (exit " + p.exitValue() + "): " + output.strip());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted importing " + archive, e);
    }
  }
}
