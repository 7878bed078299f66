package dev.capstan.agent.runtime.containerd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Capstan's own pause image ({@link #REFERENCE}): one static binary, compiled from
 * {@code pause.c} (a resource beside this class) with {@code gcc -static} on first use, that sleeps
 * until SIGTERM and reaps children. Building it here keeps the agent offline-capable: no registry
 * is needed for the image every pod sandbox runs.
 */
public final class PauseImage {
  public static final String REFERENCE = "capstan.dev/pause:1.0";

  private PauseImage() {}

  /**
   * Returns a docker-archive of the pause image under {@code workDir}, compiling and packing it
   * unless an archive of the current source is already there.
   *
   * @throws IOException when gcc is missing or fails (it needs gcc and libc6-dev)
   */
  public static Path archive(Path workDir) throws IOException {
    byte[] source;
    try (InputStream in = PauseImage.class.getResourceAsStream("pause.c")) {
      if (in == null) {
        throw new IOException("pause.c is missing from the agent's resources");
      }
      source = in.readAllBytes();
    }
    String version = ImageArchive.sha256(source).substring(0, 12);
    Path archive = workDir.resolve("pause-" + version + ".tar");
    if (Files.isRegularFile(archive)) {
      return archive;
    }
    Files.createDirectories(workDir);
    Path src = workDir.resolve("pause-" + version + ".c");
    Path binary = workDir.resolve("pause-" + version);
    Files.write(src, source);
    StaticBinaries.compile(src, binary);
    new ImageArchive(REFERENCE, List.of("/pause"), List.of(), List.of())
        .file("pause", 0755, Files.readAllBytes(binary))
        .writeTo(archive);
    return archive;
  }
}
