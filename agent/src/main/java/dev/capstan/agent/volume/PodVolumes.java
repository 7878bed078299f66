package dev.capstan.agent.volume;

import dev.capstan.agent.pod.ContainerConfigException;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.DownwardAPIVolumeFile;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.HostPathVolumeSource;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.client.quantity.Quantity;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pod's volumes on this node (kubelet's volume manager, for the in-tree kinds Capstan has).
 * Each volume but hostPath gets a directory {@code <root>/<podUid>/<volumeName>}:
 *
 * <ul>
 *   <li>emptyDir: an empty directory that lives as long as the pod; medium Memory mounts a tmpfs
 *       there (sizeLimit becomes its size), which needs the agent to run as root.
 *   <li>configMap and secret: the object's keys projected as files ({@link ProjectedFiles}), all
 *       keys or only {@code items} (key → path, with an optional mode), files at
 *       {@code defaultMode} (0644 when unset). A missing object or key is an error unless
 *       {@code optional}. Every {@link #setUp} re-projects, so a changed object reaches running
 *       containers, as in Kubernetes, except a volume some container mounts with a subPath: that
 *       bind mount holds one version's file, which a new version would delete from under it, so
 *       such a volume keeps its first projection (Kubernetes' subPath mounts get no updates
 *       either). Always mounted read-only.
 *   <li>downwardAPI: files holding the pod's own fields ({@link DownwardApiFields}).
 *   <li>projected: several sources in one directory: secret and configMap keys as above,
 *       downwardAPI files, and a serviceAccountToken: a token for the pod's ServiceAccount bound to
 *       the pod, kept and refreshed by the {@link ServiceAccountTokenManager} (the file is
 *       rewritten when a new token comes, at a sync). All written atomically, read-only.
 *   <li>hostPath: the node's path itself, checked against {@code type} (Directory, File, Socket,
 *       CharDevice, BlockDevice must exist as that; DirectoryOrCreate and FileOrCreate create it).
 * </ul>
 *
 * Errors name the field and the missing object ({@code spec.volumes[1].configMap: configmap
 * "web" not found}); the pod syncer reports them as CreateContainerConfigError and starts no
 * container until they are resolved. {@link #tearDown} unmounts and removes everything of a pod.
 */
public final class PodVolumes {
  private static final Logger log = LoggerFactory.getLogger(PodVolumes.class);
  static final int DEFAULT_MODE = 0644;
  /** A projected token's lifetime when the volume names none (Kubernetes' default). */
  static final long DEFAULT_TOKEN_SECONDS = 3607;

  /** Reads an object of the pod's namespace; empty when it does not exist. */
  @FunctionalInterface
  public interface Source<T> {
    Optional<T> get(String namespace, String name);
  }

  /** The outcome of {@link #setUp}: the host path of every ready volume, and why the others are not. */
  public record Prepared(Map<String, Path> paths, Map<String, String> errors) {
    public Optional<String> firstError() {
      return errors.values().stream().findFirst();
    }
  }

  private final Path root;
  private final Source<ConfigMap> configMaps;
  private final Source<Secret> secrets;
  private final ServiceAccountTokenManager tokens;
  private final boolean canMount;

  /** Volumes without ServiceAccount tokens: a serviceAccountToken source is an error. */
  public PodVolumes(Path root, Source<ConfigMap> configMaps, Source<Secret> secrets, boolean canMount) {
    this(root, configMaps, secrets, new ServiceAccountTokenManager((pod, audience, seconds) -> {
      throw new ContainerConfigException("this agent has no API credentials to ask for ServiceAccount tokens with");
    }, java.time.Clock.systemUTC()), canMount);
  }

  /**
   * @param root where pods' volume directories live
   * @param tokens the tokens of projected serviceAccountToken sources
   * @param canMount whether tmpfs may be mounted (the agent runs as root)
   */
  public PodVolumes(Path root, Source<ConfigMap> configMaps, Source<Secret> secrets, ServiceAccountTokenManager tokens,
      boolean canMount) {
    this.root = root.toAbsolutePath();
    this.configMaps = configMaps;
    this.secrets = secrets;
    this.tokens = tokens;
    this.canMount = canMount;
  }

  /** Whether this process runs as root (uid 0), and so may mount tmpfs. */
  public static boolean runningAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The directory of a pod's volume. */
  public Path directory(String podUid, String volumeName) {
    return root.resolve(podUid).resolve(volumeName);
  }

  /** Creates, checks or refreshes every volume of the pod; never throws for a bad volume. */
  public Prepared setUp(Pod pod) {
    Map<String, Path> paths = new LinkedHashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    List<Volume> volumes = pod.getSpec().getVolumesList();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      String field = "spec.volumes[" + i + "]";
      try {
        paths.put(v.getName(), setUp(pod, v, field));
      } catch (ContainerConfigException e) {
        errors.put(v.getName(), e.getMessage());
      } catch (IOException | UncheckedIOException e) {
        errors.put(v.getName(), field + ": cannot set up volume \"" + v.getName() + "\": " + e.getMessage());
      } catch (StatusRuntimeException e) {
        errors.put(v.getName(), field + ": cannot read the volume's source: " + e.getStatus());
      }
    }
    return new Prepared(paths, errors);
  }

  private Path setUp(Pod pod, Volume v, String field) throws IOException {
    String uid = pod.getMetadata().getUid();
    String namespace = pod.getMetadata().getNamespace();
    if (v.hasHostPath()) {
      return hostPath(v.getHostPath(), field + ".hostPath");
    }
    Path dir = directory(uid, v.getName());
    if (v.hasEmptyDir()) {
      Files.createDirectories(dir);
      if (v.getEmptyDir().getMedium().equals("Memory")) {
        tmpfs(dir, v.getEmptyDir(), field + ".emptyDir");
      } else if (!v.getEmptyDir().getMedium().isEmpty()) {
        throw new ContainerConfigException(field + ".emptyDir.medium: unsupported value \""
            + v.getEmptyDir().getMedium() + "\": supported values: \"\", \"Memory\"");
      }
      return dir;
    }
    if (projectsFiles(v) && Files.isSymbolicLink(dir.resolve(ProjectedFiles.DATA_LINK))
        && mountedWithSubPath(pod, v.getName())) {
      return dir;
    }
    if (v.hasConfigMap()) {
      var src = v.getConfigMap();
      String at = field + ".configMap";
      boolean optional = src.hasOptional() && src.getOptional();
      Optional<Map<String, byte[]>> data = configMapData(namespace, src.getName(), optional, at);
      ProjectedFiles.write(dir, project(data.orElse(Map.of()), src.getItemsList(), src.hasDefaultMode()
          ? src.getDefaultMode() : DEFAULT_MODE, optional || data.isEmpty(), at, "configmap \"" + src.getName() + "\""));
      return dir;
    }
    if (v.hasSecret()) {
      var src = v.getSecret();
      String at = field + ".secret";
      boolean optional = src.hasOptional() && src.getOptional();
      Optional<Map<String, byte[]>> data = secretData(namespace, src.getSecretName(), optional, at);
      ProjectedFiles.write(dir, project(data.orElse(Map.of()), src.getItemsList(), src.hasDefaultMode()
          ? src.getDefaultMode() : DEFAULT_MODE, optional || data.isEmpty(), at, "secret \"" + src.getSecretName() + "\""));
      return dir;
    }
    if (v.hasDownwardApi()) {
      var src = v.getDownwardApi();
      Map<String, ProjectedFiles.File> files = new LinkedHashMap<>();
      downwardFiles(pod, src.getItemsList(), src.hasDefaultMode() ? src.getDefaultMode() : DEFAULT_MODE,
          field + ".downwardAPI.items", files);
      ProjectedFiles.write(dir, files);
      return dir;
    }
    if (v.hasProjected()) {
      ProjectedFiles.write(dir, projected(pod, v.getProjected(), field + ".projected"));
      return dir;
    }
    throw new ContainerConfigException(field + ": must specify a volume type (emptyDir, configMap, secret, hostPath,"
        + " downwardAPI, projected)");
  }

  /** A configMap's keys as bytes; empty when it does not exist and may not. */
  private Optional<Map<String, byte[]>> configMapData(String namespace, String name, boolean optional, String field) {
    Optional<ConfigMap> cm = configMaps.get(namespace, name);
    if (cm.isEmpty() && !optional) {
      throw new ContainerConfigException(field + ": configmap \"" + name + "\" not found");
    }
    return cm.map(c -> {
      Map<String, byte[]> data = new LinkedHashMap<>();
      c.getDataMap().forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
      c.getBinaryDataMap().forEach((k, val) -> data.put(k, val.toByteArray()));
      return data;
    });
  }

  /** A secret's keys; empty when it does not exist and may not. */
  private Optional<Map<String, byte[]>> secretData(String namespace, String name, boolean optional, String field) {
    Optional<Secret> secret = secrets.get(namespace, name);
    if (secret.isEmpty() && !optional) {
      throw new ContainerConfigException(field + ": secret \"" + name + "\" not found");
    }
    return secret.map(s -> {
      Map<String, byte[]> data = new LinkedHashMap<>();
      s.getDataMap().forEach((k, val) -> data.put(k, val.toByteArray()));
      return data;
    });
  }

  /** The files of a projected volume: every source's, in one directory. */
  private Map<String, ProjectedFiles.File> projected(Pod pod, ProjectedVolumeSource src, String field) {
    int defaultMode = src.hasDefaultMode() ? src.getDefaultMode() : DEFAULT_MODE;
    String namespace = pod.getMetadata().getNamespace();
    Map<String, ProjectedFiles.File> files = new LinkedHashMap<>();
    for (int i = 0; i < src.getSourcesCount(); i++) {
      VolumeProjection source = src.getSources(i);
      String at = field + ".sources[" + i + "]";
      if (source.hasSecret()) {
        var secret = source.getSecret();
        boolean optional = secret.hasOptional() && secret.getOptional();
        Optional<Map<String, byte[]>> data = secretData(namespace, secret.getName(), optional, at + ".secret");
        files.putAll(project(data.orElse(Map.of()), secret.getItemsList(), defaultMode, optional || data.isEmpty(),
            at + ".secret", "secret \"" + secret.getName() + "\""));
      } else if (source.hasConfigMap()) {
        var cm = source.getConfigMap();
        boolean optional = cm.hasOptional() && cm.getOptional();
        Optional<Map<String, byte[]>> data = configMapData(namespace, cm.getName(), optional, at + ".configMap");
        files.putAll(project(data.orElse(Map.of()), cm.getItemsList(), defaultMode, optional || data.isEmpty(),
            at + ".configMap", "configmap \"" + cm.getName() + "\""));
      } else if (source.hasDownwardApi()) {
        downwardFiles(pod, source.getDownwardApi().getItemsList(), defaultMode, at + ".downwardAPI.items", files);
      } else if (source.hasServiceAccountToken()) {
        var token = source.getServiceAccountToken();
        String path = checkedPath(token.getPath(), at + ".serviceAccountToken.path");
        long seconds = token.hasExpirationSeconds() ? token.getExpirationSeconds() : DEFAULT_TOKEN_SECONDS;
        try {
          String value = tokens.token(pod, token.getAudience(), seconds).value();
          files.put(path, new ProjectedFiles.File(value.getBytes(StandardCharsets.US_ASCII), defaultMode));
        } catch (StatusRuntimeException e) {
          throw new ContainerConfigException(at + ".serviceAccountToken: cannot get a token for serviceaccount \""
              + pod.getSpec().getServiceAccountName() + "\": " + e.getStatus().getCode() + ": "
              + e.getStatus().getDescription());
        }
      } else {
        throw new ContainerConfigException(at + ": must specify exactly 1 of secret, configMap, downwardAPI,"
            + " serviceAccountToken");
      }
    }
    return files;
  }

  private static void downwardFiles(Pod pod, List<DownwardAPIVolumeFile> items, int defaultMode, String field,
      Map<String, ProjectedFiles.File> into) {
    for (int i = 0; i < items.size(); i++) {
      DownwardAPIVolumeFile item = items.get(i);
      String at = field + "[" + i + "]";
      String path = checkedPath(item.getPath(), at + ".path");
      String value;
      try {
        value = DownwardApiFields.value(pod, item.getFieldRef().getFieldPath());
      } catch (IllegalArgumentException e) {
        throw new ContainerConfigException(at + ".fieldRef.fieldPath: " + e.getMessage());
      }
      into.put(path, new ProjectedFiles.File(value.getBytes(StandardCharsets.UTF_8),
          item.hasMode() ? item.getMode() : defaultMode));
    }
  }

  /** A file's path in a volume: relative, without '..' (the API validates it; an old object may predate that). */
  private static String checkedPath(String path, String field) {
    if (path.isEmpty() || path.startsWith("/") || path.startsWith("..") || List.of(path.split("/")).contains("..")) {
      throw new ContainerConfigException(field + ": invalid value \"" + path
          + "\": must be a relative path without '..' that does not start with '..'");
    }
    return path;
  }

  /** Volumes whose files the agent writes ({@link ProjectedFiles}): always read-only in containers. */
  private static boolean projectsFiles(Volume v) {
    return v.hasConfigMap() || v.hasSecret() || v.hasDownwardApi() || v.hasProjected();
  }

  private static boolean mountedWithSubPath(Pod pod, String volume) {
    return java.util.stream.Stream.concat(pod.getSpec().getContainersList().stream(),
            pod.getSpec().getInitContainersList().stream())
        .flatMap(c -> c.getVolumeMountsList().stream())
        .anyMatch(m -> m.getName().equals(volume) && !m.getSubPath().isEmpty());
  }

  /**
   * The files of a configMap or secret volume: every key at its own name, or only the items,
   * each at its path with its mode or the default mode.
   */
  static Map<String, ProjectedFiles.File> project(Map<String, byte[]> data, List<KeyToPath> items, int defaultMode,
      boolean optional, String field, String object) {
    Map<String, ProjectedFiles.File> files = new LinkedHashMap<>();
    if (items.isEmpty()) {
      data.forEach((k, v) -> files.put(k, new ProjectedFiles.File(v, defaultMode)));
      return files;
    }
    for (int i = 0; i < items.size(); i++) {
      KeyToPath item = items.get(i);
      String at = field + ".items[" + i + "]";
      byte[] content = data.get(item.getKey());
      if (content == null) {
        if (optional) {
          continue;
        }
        throw new ContainerConfigException(at + ".key: " + object + " has no key \"" + item.getKey() + "\"");
      }
      String path = checkedPath(item.getPath(), at + ".path");
      files.put(path, new ProjectedFiles.File(content, item.hasMode() ? item.getMode() : defaultMode));
    }
    return files;
  }

  private static Path hostPath(HostPathVolumeSource src, String field) throws IOException {
    Path path = Path.of(src.getPath());
    if (!path.isAbsolute()) {
      throw new ContainerConfigException(field + ".path: must be an absolute path, got \"" + src.getPath() + "\"");
    }
    String type = src.getType();
    switch (type) {
      case "":
        return path;
      case "DirectoryOrCreate":
        if (!Files.exists(path)) {
          Files.createDirectories(path);
          Files.setPosixFilePermissions(path, ProjectedFiles.permissions(0755));
        }
        return requireType(path, "Directory", field);
      case "FileOrCreate":
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
            throw new ContainerConfigException(field + ".path: cannot create file " + path + ": its directory "
                + path.getParent() + " does not exist");
          }
          Files.createFile(path);
          Files.setPosixFilePermissions(path, ProjectedFiles.permissions(0644));
        }
        return requireType(path, "File", field);
      case "Directory", "File", "Socket", "CharDevice", "BlockDevice":
        return requireType(path, type, field);
      default:
        throw new ContainerConfigException(field + ".type: unsupported value \"" + type + "\": supported values: \"\","
            + " \"DirectoryOrCreate\", \"Directory\", \"FileOrCreate\", \"File\", \"Socket\", \"CharDevice\","
            + " \"BlockDevice\"");
    }
  }

  private static Path requireType(Path path, String type, String field) throws IOException {
    if (!Files.exists(path)) {
      throw new ContainerConfigException(field + ".path: " + path + " does not exist (type " + type + ")");
    }
    int fileType = (Integer) Files.getAttribute(path, "unix:mode") & 0170000;
    int expected = switch (type) {
      case "Directory" -> 0040000;
      case "File" -> 0100000;
      case "Socket" -> 0140000;
      case "CharDevice" -> 0020000;
      default -> 0060000;
    };
    if (fileType != expected) {
      throw new ContainerConfigException(field + ".path: " + path + " is not a " + describe(type) + " (type " + type
          + ")");
    }
    return path;
  }

  private static String describe(String type) {
    return switch (type) {
      case "Directory" -> "directory";
      case "File" -> "regular file";
      case "Socket" -> "socket";
      case "CharDevice" -> "character device";
      default -> "block device";
    };
  }

  private void tmpfs(Path dir, EmptyDirVolumeSource src, String field) throws IOException {
    if (mountPoints().contains(dir)) {
      return;
    }
    if (!canMount) {
      throw new ContainerConfigException(field + ".medium: unsupported value \"Memory\": a tmpfs needs the agent to"
          + " run as root");
    }
    List<String> command = new ArrayList<>(List.of("mount", "-t", "tmpfs"));
    if (!src.getSizeLimit().isEmpty()) {
      long bytes;
      try {
        bytes = Quantity.parse(src.getSizeLimit()).value();
      } catch (IllegalArgumentException e) {
        throw new ContainerConfigException(field + ".sizeLimit: " + e.getMessage());
      }
      command.addAll(List.of("-o", "size=" + bytes));
    }
    command.addAll(List.of("tmpfs", dir.toString()));
    run(command, field + ".medium: cannot mount a tmpfs");
  }

  /** Unmounts and removes every volume directory of the pod. Host paths are left alone. */
  public void tearDown(String podUid) {
    tokens.forget(podUid);
    Path podDir = root.resolve(podUid);
    try {
      List<Path> mounted = mountPoints().stream().filter(p -> p.startsWith(podDir))
          .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
      for (Path p : mounted) {
        run(List.of("umount", p.toString()), "cannot unmount " + p);
      }
      if (Files.exists(podDir)) {
        ProjectedFiles.deleteRecursively(podDir);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("pod {}: cannot remove volumes under {}: {}", podUid, podDir, e.toString());
    }
  }

  /** The uids of the pods that have volume directories here. */
  public List<String> podUids() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (var dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      log.warn("cannot list pod volumes in {}: {}", root, e.toString());
      return List.of();
    }
  }

  /** Where the pod's volumes are bound in one of its containers. */
  public List<Mount> mounts(Pod pod, Container container, String fieldPath, Prepared prepared) {
    Map<String, Volume> byName = pod.getSpec().getVolumesList().stream()
        .collect(Collectors.toMap(Volume::getName, Function.identity(), (a, b) -> a));
    List<Mount> mounts = new ArrayList<>();
    for (int i = 0; i < container.getVolumeMountsCount(); i++) {
      VolumeMount vm = container.getVolumeMounts(i);
      String at = fieldPath + ".volumeMounts[" + i + "]";
      Volume volume = byName.get(vm.getName());
      if (volume == null) {
        throw new ContainerConfigException(at + ".name: volume \"" + vm.getName() + "\" not found in spec.volumes");
      }
      String error = prepared.errors().get(vm.getName());
      if (error != null) {
        throw new ContainerConfigException(error);
      }
      Path host = prepared.paths().get(vm.getName());
      if (!vm.getMountPath().startsWith("/")) {
        throw new ContainerConfigException(at + ".mountPath: must be an absolute path, got \"" + vm.getMountPath()
            + "\"");
      }
      boolean projected = projectsFiles(volume);
      if (!vm.getSubPath().isEmpty()) {
        String sub = vm.getSubPath();
        if (sub.startsWith("/") || List.of(sub.split("/")).contains("..")) {
          throw new ContainerConfigException(at + ".subPath: invalid value \"" + sub
              + "\": must be a relative path without '..'");
        }
        host = host.resolve(sub);
        if (!Files.exists(host)) {
          if (projected) {
            throw new ContainerConfigException(at + ".subPath: \"" + sub + "\" does not exist in volume \""
                + vm.getName() + "\"");
          }
          try {
            Files.createDirectories(host);
          } catch (IOException e) {
            throw new ContainerConfigException(at + ".subPath: cannot create " + host + ": " + e.getMessage());
          }
        }
      }
      if (!vm.getSubPath().isEmpty()) {
        host = insideVolume(host, prepared.paths().get(vm.getName()), at, vm.getName());
      }
      mounts.add(new Mount(host, vm.getMountPath(), vm.getReadOnly() || projected));
    }
    return mounts;
  }

  /**
   * The real path of a subPath, which must stay inside its volume: a container can write symlinks
   * into an emptyDir or hostPath, and a subPath through one of them must not bind-mount an
   * arbitrary node path (Kubernetes' CVE-2017-1002101). Symlinks inside the volume are fine, as
   * a projected key's link to {@code ..data/key} is.
   */
  private static Path insideVolume(Path path, Path volume, String field, String volumeName) {
    try {
      Path real = path.toRealPath();
      if (!real.startsWith(volume.toRealPath())) {
        throw new ContainerConfigException(field + ".subPath: resolves to " + real + ", outside volume \""
            + volumeName + "\"");
      }
      return real;
    } catch (IOException e) {
      throw new ContainerConfigException(field + ".subPath: cannot resolve " + path + ": " + e.getMessage());
    }
  }

  private static List<Path> mountPoints() throws IOException {
    Path mountinfo = Path.of("/proc/self/mountinfo");
    if (!Files.exists(mountinfo)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    for (String line : Files.readAllLines(mountinfo)) {
      String[] f = line.split(" ");
      if (f.length > 4) {
        out.add(Path.of(f[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")));
      }
    }
    return out;
  }

  private static void run(List<String> command, String what) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ContainerConfigException(what + ": " + String.join(" ", command) + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerConfigException(what + ": interrupted");
    }
    if (p.exitValue() != 0) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      throw new ContainerConfigException(what + ": " + String.join(" ", command) + " exited " + p.exitValue()
          + (out.isEmpty() ? "" : ": " + out));
    }
  }
}
