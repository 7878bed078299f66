package dev.capstan.agent.volume;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes the files of a configMap or secret volume so that a container never sees a half-written
 * set, the way kubelet's atomic writer lays them out:
 *
 * <pre>
 *   dir/..data         -> ..4711          (symlink, swapped by rename(2))
 *   dir/..4711/key     (the files of one version, with their modes)
 *   dir/key            -> ..data/key      (one symlink per top-level name)
 * </pre>
 *
 * A new version is written into a fresh hidden directory, then {@code ..data} is replaced by a
 * rename, which is atomic; links for names that went away and the old version are removed after.
 * The links are relative, so they resolve inside a container that has {@code dir} bind-mounted.
 * Paths are relative, without {@code ..} segments, and do not start with {@code ..} (the caller
 * checks them, naming the field).
 */
public final class ProjectedFiles {
  public static final String DATA_LINK = "..data";
  private static final String TMP_LINK = "..data_tmp";

  /** One projected file: its content and its permission bits (e.g. 0644). */
  public record File(byte[] content, int mode) {
    public File {
      content = content.clone();
      if (mode < 0 || mode > 0777) {
        throw new IllegalArgumentException("mode: must be 0..0777, got " + Integer.toOctalString(mode));
      }
    }
  }

  private ProjectedFiles() {}

  /**
   * Makes {@code dir} show exactly {@code files} (path relative to dir → file).
   *
   * @return whether anything changed (false when the current version already holds the same files)
   */
  public static boolean write(Path dir, Map<String, File> files) throws IOException {
    Files.createDirectories(dir);
    Path dataLink = dir.resolve(DATA_LINK);
    if (Files.isSymbolicLink(dataLink) && holds(dir.resolve(Files.readSymbolicLink(dataLink)), files)) {
      return false;
    }
    Path version = Files.createTempDirectory(dir, "..");
    Files.setPosixFilePermissions(version, permissions(0755));
    for (Map.Entry<String, File> e : files.entrySet()) {
      Path target = version.resolve(e.getKey());
      for (Path d = target.getParent(); !d.equals(version) && !Files.exists(d); d = d.getParent()) {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, permissions(0755));
      }
      Files.write(target, e.getValue().content());
      Files.setPosixFilePermissions(target, permissions(e.getValue().mode()));
    }
    Path tmpLink = dir.resolve(TMP_LINK);
    Files.deleteIfExists(tmpLink);
    Files.createSymbolicLink(tmpLink, version.getFileName());
    Files.move(tmpLink, dataLink, StandardCopyOption.ATOMIC_MOVE);

    Set<String> topLevel = new HashSet<>();
    for (String path : files.keySet()) {
      String first = path.split("/", 2)[0];
      topLevel.add(first);
      Path link = dir.resolve(first);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of(DATA_LINK, first));
      }
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith("..")) {
          if (!name.equals(DATA_LINK) && !entry.equals(version)) {
            deleteRecursively(entry);
          }
        } else if (!topLevel.contains(name)) {
          deleteRecursively(entry);
        }
      }
    }
    return true;
  }

  /** Whether a version directory holds exactly these files with these contents and modes. */
  private static boolean holds(Path version, Map<String, File> files) throws IOException {
    if (!Files.isDirectory(version)) {
      return false;
    }
    Set<String> present = new HashSet<>();
    try (Stream<Path> walk = Files.walk(version)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        present.add(version.relativize(p).toString());
      }
    }
    if (!present.equals(files.keySet())) {
      return false;
    }
    for (Map.Entry<String, File> e : files.entrySet()) {
      Path p = version.resolve(e.getKey());
      if (!Files.getPosixFilePermissions(p).equals(permissions(e.getValue().mode()))
          || !Arrays.equals(Files.readAllBytes(p), e.getValue().content())) {
        return false;
      }
    }
    return true;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  static void deleteRecursively(Path path) throws IOException {
    if (Files.isSymbolicLink(path) || !Files.isDirectory(path)) {
      Files.deleteIfExists(path);
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
