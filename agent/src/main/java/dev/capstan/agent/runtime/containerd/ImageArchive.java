package dev.capstan.agent.runtime.containerd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A single-layer container image built in memory and written as a docker-archive tar (what
 * {@code docker save} writes and {@code ctr images import} reads): {@code manifest.json}, the
 * image config as {@code <sha256>.json}, and the layer as {@code <sha256>/layer.tar}. The image id
 * is the config's digest.
 *
 * <p>Add the layer's entries in order, parents before children; the result is reproducible.
 */
public final class ImageArchive {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String reference;
  private final List<String> entrypoint;
  private final List<String> cmd;
  private final List<String> env;
  private final ByteArrayOutputStream layerBytes = new ByteArrayOutputStream();
  private final TarWriter layer = new TarWriter(layerBytes);

  /**
   * @param reference the name and tag the image is imported as, e.g. docker.io/library/busybox:1.36
   * @param entrypoint the image's entrypoint (may be empty)
   * @param cmd the image's default command (may be empty)
   * @param env the image's environment, "NAME=value"
   */
  public ImageArchive(String reference, List<String> entrypoint, List<String> cmd, List<String> env) {
    this.reference = reference;
    this.entrypoint = List.copyOf(entrypoint);
    this.cmd = List.copyOf(cmd);
    this.env = List.copyOf(env);
  }

  public ImageArchive directory(String path, int mode) throws IOException {
    layer.directory(path, mode);
    return this;
  }

  public ImageArchive file(String path, int mode, byte[] content) throws IOException {
    layer.file(path, mode, content);
    return this;
  }

  public ImageArchive symlink(String path, String target) throws IOException {
    layer.symlink(path, target);
    return this;
  }

  /** Writes the archive to {@code target} (atomically, through a temporary file beside it). */
  public void writeTo(Path target) throws IOException {
    layer.close();
    byte[] layerTar = layerBytes.toByteArray();
    String layerDigest = sha256(layerTar);

    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", goArch());
    config.put("os", "linux");
    config.put("created", "2000-01-01T00:00:00Z");
    ObjectNode runConfig = config.putObject("config");
    strings(runConfig.putArray("Env"), env);
    if (!entrypoint.isEmpty()) {
      strings(runConfig.putArray("Entrypoint"), entrypoint);
    }
    if (!cmd.isEmpty()) {
      strings(runConfig.putArray("Cmd"), cmd);
    }
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add("sha256:" + layerDigest);
    byte[] configJson = JSON.writeValueAsBytes(config);
    String configName = sha256(configJson) + ".json";
    String layerName = layerDigest + "/layer.tar";

    ArrayNode manifest = JSON.createArrayNode();
    ObjectNode entry = manifest.addObject();
    entry.put("Config", configName);
    entry.putArray("RepoTags").add(reference);
    entry.putArray("Layers").add(layerName);

    Files.createDirectories(target.toAbsolutePath().getParent());
    Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".image-", ".tar");
    try (OutputStream file = Files.newOutputStream(tmp); TarWriter archive = new TarWriter(file)) {
      archive.file(configName, 0644, configJson);
      archive.directory(layerDigest, 0755);
      archive.file(layerName, 0644, layerTar);
      archive.file("manifest.json", 0644, JSON.writeValueAsBytes(manifest));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The image's reference. */
  public String reference() {
    return reference;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /** Go's GOARCH for this JVM's architecture, as image configs name it. */
  static String goArch() {
    String arch = System.getProperty("os.arch");
    switch (arch) {
      case "amd64":
      case "x86_64":
        return "amd64";
      case "aarch64":
        return "arm64";
      default:
        return arch;
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
