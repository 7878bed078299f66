package dev.capstan.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.agent.pod.ContainerConfigException;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapVolumeSource;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.HostPathVolumeSource;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretVolumeSource;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodVolumesTest {
  @TempDir
  Path root;
  @TempDir
  Path host;

  private final Map<String, ConfigMap> configMaps = new HashMap<>();
  private final Map<String, Secret> secrets = new HashMap<>();

  private PodVolumes volumes() {
    return new PodVolumes(root, (ns, n) -> ns.equals("prod") ? Optional.ofNullable(configMaps.get(n)) : Optional.empty(),
        (ns, n) -> ns.equals("prod") ? Optional.ofNullable(secrets.get(n)) : Optional.empty(), false);
  }

  private static Pod pod(Volume... volumes) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("prod").setUid("u1"))
        .setSpec(PodSpec.newBuilder().addAllVolumes(List.of(volumes))).build();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aConfigMapVolumeProjectsEveryKeyAtTheDefaultMode() throws Exception {
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "<h1>hi</h1>")
        .putBinaryData("logo.png", ByteString.copyFrom(new byte[] {1, 2})).build());
    Pod pod = pod(Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))
        .build());

    PodVolumes.Prepared prepared = volumes().setUp(pod);

    assertThat(prepared.errors()).isEmpty();
    Path dir = root.resolve("u1/www");
    assertThat(prepared.paths()).containsExactly(Map.entry("www", dir));
    assertThat(Files.readString(dir.resolve("index.html"))).isEqualTo("<h1>hi</h1>");
    assertThat(Files.readAllBytes(dir.resolve("logo.png"))).containsExactly(1, 2);
    assertThat(mode(dir.resolve("index.html"))).isEqualTo("rw-r--r--");
  }

  @Test
  void secretItemsChooseKeysPathsAndModesAndDefaultModeAppliesToTheRest() throws Exception {
    secrets.put("db", Secret.newBuilder().putData("user", ByteString.copyFromUtf8("admin"))
        .putData("password", ByteString.copyFromUtf8("s3cret")).putData("unused", ByteString.copyFromUtf8("x")).build());
    Pod pod = pod(Volume.newBuilder().setName("creds").setSecret(SecretVolumeSource.newBuilder().setSecretName("db")
        .setDefaultMode(0440)
        .addItems(KeyToPath.newBuilder().setKey("user").setPath("db/user"))
        .addItems(KeyToPath.newBuilder().setKey("password").setPath("db/password").setMode(0400))).build());

    PodVolumes.Prepared prepared = volumes().setUp(pod);

    Path dir = prepared.paths().get("creds");
    assertThat(Files.readString(dir.resolve("db/user"))).isEqualTo("admin");
    assertThat(Files.readString(dir.resolve("db/password"))).isEqualTo("s3cret");
    assertThat(mode(dir.resolve("db/user"))).isEqualTo("r--r-----");
    assertThat(mode(dir.resolve("db/password"))).isEqualTo("r--------");
    assertThat(dir.resolve("unused")).doesNotExist();
  }

  @Test
  void aChangedConfigMapIsProjectedAgainOnTheNextSetUp() throws Exception {
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "v1").build());
    Pod pod = pod(Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))
        .build());
    PodVolumes volumes = volumes();
    Path dir = volumes.setUp(pod).paths().get("www");
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "v2").build());

    volumes.setUp(pod);

    assertThat(Files.readString(dir.resolve("index.html"))).isEqualTo("v2");
  }

  @Test
  void aVolumeMountedWithASubPathIsNotProjectedAgainSoItsMountedFileNeverVanishes() throws Exception {
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "v1").build());
    Pod pod = pod(Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))
        .build());
    pod = pod.toBuilder().setSpec(pod.getSpec().toBuilder().addContainers(Container.newBuilder().setName("web")
        .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/etc/index.html")
            .setSubPath("index.html")))).build();
    PodVolumes volumes = volumes();
    Path dir = volumes.setUp(pod).paths().get("www");
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "v2").build());

    volumes.setUp(pod);

    assertThat(Files.readString(dir.resolve("index.html"))).as("as in Kubernetes: no updates through subPath")
        .isEqualTo("v1");
  }

  @Test
  void missingObjectsAndKeysAreErrorsNamingTheFieldUnlessOptional() throws Exception {
    secrets.put("db", Secret.newBuilder().putData("user", ByteString.copyFromUtf8("admin")).build());
    Pod pod = pod(
        Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site")).build(),
        Volume.newBuilder().setName("creds").setSecret(SecretVolumeSource.newBuilder().setSecretName("db")
            .addItems(KeyToPath.newBuilder().setKey("password").setPath("p"))).build(),
        Volume.newBuilder().setName("maybe").setSecret(SecretVolumeSource.newBuilder().setSecretName("absent")
            .setOptional(true)).build());

    PodVolumes.Prepared prepared = volumes().setUp(pod);

    assertThat(prepared.errors()).containsExactly(
        Map.entry("www", "spec.volumes[0].configMap: configmap \"site\" not found"),
        Map.entry("creds", "spec.volumes[1].secret.items[0].key: secret \"db\" has no key \"password\""));
    assertThat(prepared.firstError()).contains("spec.volumes[0].configMap: configmap \"site\" not found");
    assertThat(prepared.paths()).containsOnlyKeys("maybe");
    try (var entries = Files.list(prepared.paths().get("maybe"))) {
      assertThat(entries.map(p -> p.getFileName().toString())).as("no visible files")
          .allMatch(name -> name.startsWith(".."));
    }
  }

  @Test
  void hostPathTypesAreCheckedAndTheOrCreateTypesCreate() throws Exception {
    Path file = Files.writeString(host.resolve("f.txt"), "x");
    Pod pod = pod(
        Volume.newBuilder().setName("a").setHostPath(HostPathVolumeSource.newBuilder().setPath(host.toString())
            .setType("Directory")).build(),
        Volume.newBuilder().setName("b").setHostPath(HostPathVolumeSource.newBuilder().setPath(file.toString())
            .setType("Directory")).build(),
        Volume.newBuilder().setName("c").setHostPath(HostPathVolumeSource.newBuilder()
            .setPath(host.resolve("new/dir").toString()).setType("DirectoryOrCreate")).build(),
        Volume.newBuilder().setName("d").setHostPath(HostPathVolumeSource.newBuilder()
            .setPath(host.resolve("new.log").toString()).setType("FileOrCreate")).build(),
        Volume.newBuilder().setName("e").setHostPath(HostPathVolumeSource.newBuilder()
            .setPath(host.resolve("absent").toString()).setType("File")).build(),
        Volume.newBuilder().setName("f").setHostPath(HostPathVolumeSource.newBuilder()
            .setPath(host.resolve("anything").toString())).build());

    PodVolumes.Prepared prepared = volumes().setUp(pod);

    assertThat(prepared.paths()).containsOnlyKeys("a", "c", "d", "f");
    assertThat(host.resolve("new/dir")).isDirectory();
    assertThat(host.resolve("new.log")).isRegularFile();
    assertThat(prepared.errors()).containsExactly(
        Map.entry("b", "spec.volumes[1].hostPath.path: " + file + " is not a directory (type Directory)"),
        Map.entry("e", "spec.volumes[4].hostPath.path: " + host.resolve("absent") + " does not exist (type File)"));
  }

  @Test
  void emptyDirIsADirectoryOfThePodAndMemoryNeedsRoot() {
    Pod pod = pod(Volume.newBuilder().setName("scratch").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()).build(),
        Volume.newBuilder().setName("ram").setEmptyDir(EmptyDirVolumeSource.newBuilder().setMedium("Memory")).build());

    PodVolumes.Prepared prepared = volumes().setUp(pod);

    assertThat(prepared.paths().get("scratch")).isEqualTo(root.resolve("u1/scratch")).isEmptyDirectory();
    assertThat(prepared.errors()).containsExactly(Map.entry("ram",
        "spec.volumes[1].emptyDir.medium: unsupported value \"Memory\": a tmpfs needs the agent to run as root"));
  }

  @Test
  void mountsFollowVolumeMountsWithSubPathsAndProjectedVolumesReadOnly() throws Exception {
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "hi").build());
    Pod pod = pod(Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))
            .build(),
        Volume.newBuilder().setName("scratch").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()).build());
    Container c = Container.newBuilder().setName("web")
        .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/www"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/etc/index.html")
            .setSubPath("index.html"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/cache").setSubPath("web/cache")
            .setReadOnly(true))
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/tmp/x"))
        .build();
    PodVolumes volumes = volumes();
    PodVolumes.Prepared prepared = volumes.setUp(pod);

    List<Mount> mounts = volumes.mounts(pod, c, "spec.containers[0]", prepared);

    Path www = root.resolve("u1/www");
    Path scratch = root.resolve("u1/scratch");
    assertThat(mounts).containsExactly(new Mount(www, "/www", true),
        new Mount(www.resolve("index.html").toRealPath(), "/etc/index.html", true),
        new Mount(scratch.resolve("web/cache"), "/cache", true),
        new Mount(scratch, "/tmp/x", false));
    assertThat(scratch.resolve("web/cache")).isDirectory();

    Container badSub = Container.newBuilder().setName("web")
        .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/x").setSubPath("nope")).build();
    assertThatThrownBy(() -> volumes.mounts(pod, badSub, "spec.containers[1]", prepared))
        .isInstanceOf(ContainerConfigException.class)
        .hasMessage("spec.containers[1].volumeMounts[0].subPath: \"nope\" does not exist in volume \"www\"");
  }

  @Test
  void aSubPathThroughASymlinkOutOfTheVolumeIsRefused() throws Exception {
    Pod pod = pod(Volume.newBuilder().setName("scratch").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()).build());
    PodVolumes volumes = volumes();
    PodVolumes.Prepared prepared = volumes.setUp(pod);
    // What a container could do in its emptyDir: link to a path of the node.
    Files.createSymbolicLink(prepared.paths().get("scratch").resolve("escape"), host);
    Files.createDirectories(prepared.paths().get("scratch").resolve("real"));
    Files.createSymbolicLink(prepared.paths().get("scratch").resolve("alias"), Path.of("real"));
    Container c = Container.newBuilder().setName("web")
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/x").setSubPath("escape")).build();

    assertThatThrownBy(() -> volumes.mounts(pod, c, "spec.containers[0]", prepared))
        .isInstanceOf(ContainerConfigException.class)
        .hasMessage("spec.containers[0].volumeMounts[0].subPath: resolves to " + host.toRealPath()
            + ", outside volume \"scratch\"");
    Container inside = Container.newBuilder().setName("web")
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/x").setSubPath("alias")).build();
    assertThat(volumes.mounts(pod, inside, "spec.containers[0]", prepared)).extracting(Mount::hostPath)
        .containsExactly(root.resolve("u1/scratch/real").toRealPath());
  }

  @Test
  void tearDownRemovesEveryVolumeOfThePodButNotHostPaths() throws Exception {
    configMaps.put("site", ConfigMap.newBuilder().putData("index.html", "hi").build());
    Pod pod = pod(Volume.newBuilder().setName("www").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))
            .build(),
        Volume.newBuilder().setName("data").setHostPath(HostPathVolumeSource.newBuilder().setPath(host.toString()))
            .build());
    PodVolumes volumes = volumes();
    volumes.setUp(pod);

    volumes.tearDown("u1");

    assertThat(root.resolve("u1")).doesNotExist();
    assertThat(host).isDirectory();
  }
}
