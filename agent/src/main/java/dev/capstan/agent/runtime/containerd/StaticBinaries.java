package dev.capstan.agent.runtime.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles a C file into a static executable with the host's gcc, for images that need no libc. */
final class StaticBinaries {
  private StaticBinaries() {}

  static void compile(Path source, Path binary) throws IOException {
    List<String> command = List.of("gcc", "-static", "-Os", "-s", "-o", binary.toString(), source.toString());
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run gcc to build " + binary.getFileName()
          + " (install gcc and libc6-dev, e.g. scripts/install-runtime-deps): " + e.getMessage(), e);
    }
    try {
      byte[] output = p.getInputStream().readAllBytes();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("gcc did not finish building " + binary.getFileName() + " within 2 minutes");
      }
      if (p.exitValue() != 0) {
        throw new IOException("gcc -static failed (exit " + p.exitValue() + ", is libc6-dev installed?): "
            + new String(output, StandardCharsets.UTF_8).strip());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while building " + binary.getFileName(), e);
    }
  }
}
