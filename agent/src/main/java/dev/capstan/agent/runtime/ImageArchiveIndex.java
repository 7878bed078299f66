package dev.capstan.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What an image archive holds, read before it is handed to a runtime: its format — a
 * docker-archive ({@code docker save}: a top-level {@code manifest.json}) or an OCI image layout
 * ({@code oci-layout} and {@code index.json}) — and the image references it names (docker-archive
 * {@code RepoTags}; OCI {@code io.containerd.image.name} or {@code org.opencontainers.image.ref.name}
 * annotations). Reads the tar headers and only those small JSON files, so a large archive costs
 * one pass of skipping.
 *
 * @param format the archive's format
 * @param references the image names it carries; may be empty (an untagged image)
 */
public record ImageArchiveIndex(Format format, List<String> references) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BLOCK = 512;
  /** manifest.json and index.json are small; a larger one is not what we are looking for. */
  private static final long MAX_JSON = 16L << 20;

  /** The two archive layouts runtimes import. */
  public enum Format {
    DOCKER_ARCHIVE("docker-archive"),
    OCI("OCI image layout");

    private final String description;

    Format(String description) {
      this.description = description;
    }

    @Override
    public String toString() {
      return description;
    }
  }

  public ImageArchiveIndex {
    references = List.copyOf(references);
  }

  /**
   * Reads the archive's index.
   *
   * @throws IOException naming the file when it is missing, not a tar, or holds neither layout
   */
  public static ImageArchiveIndex read(Path archive) throws IOException {
    if (!Files.isRegularFile(archive)) {
      throw new IOException(archive + ": no such file");
    }
    byte[] manifest = null;
    byte[] index = null;
    boolean ociLayout = false;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      boolean sawEntry = false;
      while (true) {
        if (!readBlock(in, header)) {
          break; // a tar may end without its two zero blocks
        }
        if (isZero(header)) {
          break;
        }
        if (!checksumMatches(header)) {
          throw new IOException(archive + ": not a tar archive"
              + (sawEntry ? " (corrupt header after the first entry)" : ""));
        }
        sawEntry = true;
        char type = (char) header[156];
        long size = octal(header, 124, 12);
        String name = longName != null ? longName : entryName(header);
        longName = null;
        if (type == 'L' || type == 'x') {
          byte[] data = readData(in, size, archive);
          String value = type == 'L' ? cString(data) : paxPath(data);
          if (value != null) {
            longName = value;
          }
          continue;
        }
        String path = normalize(name);
        if ((type == '0' || type == '\0') && (path.equals("manifest.json") || path.equals("index.json"))
            && size <= MAX_JSON) {
          byte[] data = readData(in, size, archive);
          if (path.equals("manifest.json")) {
            manifest = data;
          } else {
            index = data;
          }
          continue;
        }
        if (path.equals("oci-layout")) {
          ociLayout = true;
        }
        skip(in, padded(size), archive);
      }
      if (!sawEntry) {
        throw new IOException(archive + ": not a tar archive (empty)");
      }
    }
    if (manifest != null) {
      return new ImageArchiveIndex(Format.DOCKER_ARCHIVE, dockerTags(manifest, archive));
    }
    if (index != null && ociLayout) {
      return new ImageArchiveIndex(Format.OCI, ociNames(index, archive));
    }
    throw new IOException(archive + ": not an image archive: a docker-archive has a manifest.json and an OCI image"
        + " layout an oci-layout and index.json at its top level");
  }

  private static List<String> dockerTags(byte[] manifest, Path archive) throws IOException {
    JsonNode root = parse(manifest, archive, "manifest.json");
    if (!root.isArray()) {
      throw new IOException(archive + ": manifest.json is not a JSON array of images");
    }
    Set<String> tags = new LinkedHashSet<>();
    for (JsonNode image : root) {
      for (JsonNode tag : image.path("RepoTags")) {
        tags.add(tag.asText());
      }
    }
    return new ArrayList<>(tags);
  }

  private static List<String> ociNames(byte[] index, Path archive) throws IOException {
    JsonNode root = parse(index, archive, "index.json");
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode m : root.path("manifests")) {
      JsonNode annotations = m.path("annotations");
      String name = annotations.path("io.containerd.image.name").asText("");
      if (name.isEmpty()) {
        name = annotations.path("org.opencontainers.image.ref.name").asText("");
      }
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return new ArrayList<>(names);
  }

  private static JsonNode parse(byte[] json, Path archive, String file) throws IOException {
    try {
      return JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(archive + ": " + file + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static String entryName(byte[] header) {
    String name = cString(header, 0, 100);
    // ustar splits long paths into a prefix and a name.
    if ("ustar".equals(cString(header, 257, 6).trim())) {
      String prefix = cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    return name;
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  /** The {@code path} record of a pax extended header ("LEN path=VALUE\n" records). */
  private static String paxPath(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    for (String record : text.split("\n")) {
      int space = record.indexOf(' ');
      if (space > 0 && record.startsWith("path=", space + 1)) {
        return record.substring(space + 1 + "path=".length());
      }
    }
    return null;
  }

  private static boolean checksumMatches(byte[] header) {
    long stored;
    try {
      stored = octal(header, 148, 8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    return sum == stored;
  }

  private static long octal(byte[] b, int off, int len) {
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (b[i] == ' ' || b[i] == 0)) {
      i++;
    }
    for (; i < end && b[i] != 0 && b[i] != ' '; i++) {
      if (b[i] < '0' || b[i] > '7') {
        throw new IllegalArgumentException("not an octal number");
      }
      v = v * 8 + (b[i] - '0');
    }
    return v;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] b) {
    return cString(b, 0, b.length);
  }

  private static boolean isZero(byte[] block) {
    for (byte x : block) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    return n == BLOCK;
  }

  private static byte[] readData(InputStream in, long size, Path archive) throws IOException {
    if (size > MAX_JSON) {
      throw new IOException(archive + ": a tar header entry of " + size + " bytes is too large");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length != size) {
      throw new IOException(archive + ": truncated tar archive");
    }
    skip(in, padded(size) - size, archive);
    return data;
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  private static void skip(InputStream in, long n, Path archive) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException(archive + ": truncated tar archive");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }
}
