package dev.capstan.agent.runtime.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A busybox image built offline from the host's static busybox (Debian {@code busybox-static}):
 * {@code /bin/busybox}, a symlink for each of its applets where {@code busybox --list-full} puts it,
 * a minimal {@code /etc/passwd} and {@code /etc/group}, and the usual empty directories. Tagged
 * {@link #REFERENCE} by default, so manifests that say {@code image: busybox:1.36} run without a
 * registry.
 */
public final class BusyboxImage {
  public static final String REFERENCE = "docker.io/library/busybox:1.36";
  public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> DIRECTORIES = List.of("bin", "dev", "etc", "home", "proc", "root", "sbin",
      "sys", "usr", "usr/bin", "usr/sbin", "var", "var/www");

  private BusyboxImage() {}

  /** Writes the image as a docker-archive to {@code target}, tagged {@code reference}. */
  public static void write(Path busybox, String reference, Path target) throws IOException {
    if (!Files.isExecutable(busybox)) {
      throw new IOException(busybox + " is missing: install busybox-static");
    }
    TreeSet<String> applets = new TreeSet<>(applets(busybox));
    applets.remove("bin/busybox");
    TreeSet<String> dirs = new TreeSet<>(DIRECTORIES);
    for (String applet : applets) {
      for (Path p = Path.of(applet).getParent(); p != null; p = p.getParent()) {
        dirs.add(p.toString());
      }
    }
    ImageArchive image = new ImageArchive(reference, List.of(), List.of("sh"),
        List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    for (String dir : dirs) {
      image.directory(dir, 0755);
    }
    image.directory("tmp", 01777);
    image.file("bin/busybox", 0755, Files.readAllBytes(busybox));
    image.file("etc/passwd", 0644, ("root:x:0:0:root:/root:/bin/sh\n"
        + "nobody:x:65534:65534:nobody:/home:/bin/false\n").getBytes(StandardCharsets.US_ASCII));
    image.file("etc/group", 0644, "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.US_ASCII));
    for (String applet : applets) {
      image.symlink(applet, "/bin/busybox");
    }
    image.writeTo(target);
  }

  /** "bin/sh", "usr/bin/head", ...: where busybox says each applet belongs. */
  private static List<String> applets(Path busybox) throws IOException {
    Process p = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(busybox + " --list-full failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted listing busybox applets", e);
    }
    List<String> applets = new ArrayList<>();
    for (String line : out.split("\n")) {
      String applet = line.strip();
      // Only plain relative paths: anything odd would escape the layer's directories.
      if (!applet.isEmpty() && !applet.startsWith("/") && !applet.contains("..")) {
        applets.add(applet);
      }
    }
    return applets;
  }
}
