package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.agent.testing.NoTokenVolumes;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapVolumeSource;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.ContainerStateWaiting;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.EnvVar;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretKeySelector;
import dev.capstan.api.core.v1.SecretVolumeSource;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pod volumes on a real containerd, set up as {@link AgentOnContainerdTest}: a real apiserver
 * (in-memory store), a real agent, runc containers from the offline busybox image. ConfigMaps and
 * Secrets are projected into containers, emptyDir is shared by a pod's containers, and a missing
 * ConfigMap holds the pod back with a reason naming it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentVolumesOnContainerdTest {
  private static final String NODE = "cri-node";

  private ContainerdFixture containerd;
  private ApiServer apiServer;
  private CapstanClient client;
  private Agent agent;
  private AgentConfig config;
  private ManagedChannel agentChannel;

  @BeforeAll
  void startCluster() throws Exception {
    containerd = ContainerdFixture.start();
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    NoTokenVolumes.in(client, "default");
    config = AgentConfig.of(NODE, containerd.dir().resolve("agent"), "127.0.0.1", 0, containerd.runtime())
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withNodeStatusInterval(Duration.ofSeconds(1))
        .withLeaseRenewInterval(Duration.ofSeconds(1))
        .withShutdownGracePeriod(Duration.ZERO);
    agent = new Agent(config, client, Clock.systemUTC());
    agent.start();
    agentChannel = Grpc.newChannelBuilder("127.0.0.1:" + agent.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (agentChannel != null) {
      agentChannel.shutdownNow();
    }
    if (agent != null) {
      agent.close();
    }
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
    if (containerd != null) {
      containerd.close();
    }
  }

  @Test
  void aConfigMapIsHttpdsDocumentRootAndItsUpdateReachesTheRunningPod() throws Exception {
    client.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("site").setNamespace("default"))
        .putData("index.html", "<h1>from a ConfigMap</h1>\n").build());
    Container web = Container.newBuilder().setName("web").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("httpd", "-f", "-p", "80", "-h", "/www"))
        .addPorts(ContainerPort.newBuilder().setContainerPort(80))
        .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/www"))
        .build();
    Pod created = client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("site").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always").setTerminationGracePeriodSeconds(1)
            .addContainers(web)
            .addVolumes(Volume.newBuilder().setName("www")
                .setConfigMap(ConfigMapVolumeSource.newBuilder().setName("site"))))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("site").getStatus().getPhase().equals("Running"));
    String ip = get("site").getStatus().getPodIp();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ip + ":80/index.html"))
        .timeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> response = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> http.send(request, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
    assertThat(response.body()).isEqualTo("<h1>from a ConfigMap</h1>\n");

    ConfigMap site = client.configMaps().get("default", "site");
    client.configMaps().update(site.toBuilder().putData("index.html", "<h1>updated</h1>\n").build());
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> http.send(request, HttpResponse.BodyHandlers.ofString()).body(), "<h1>updated</h1>\n"::equals);

    String uid = created.getMetadata().getUid();
    Path volumes = config.podVolumeRoot().resolve(uid);
    assertThat(volumes.resolve("www")).isDirectory();
    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("site").build());
    await().atMost(Duration.ofSeconds(30)).until(() ->
        containerd.runtime().listPodSandboxes(Map.of(RuntimeLabels.POD_UID, uid)).isEmpty()
            && client.pods().list("default").items().stream().noneMatch(p -> p.getMetadata().getName().equals("site")));
    await().atMost(Duration.ofSeconds(10)).until(() -> !volumes.toFile().exists());
  }

  @Test
  void aSecretIsReadFromAReadOnlyVolumeASubPathAndTheEnvironment() {
    client.secrets().create(Secret.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("creds").setNamespace("default"))
        .putStringData("password", "s3cret").putData("user", ByteString.copyFromUtf8("admin")).build());
    Container reader = Container.newBuilder().setName("reader").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "cat /etc/creds/password; echo; cat /etc/creds/user; echo;"
            + " stat -L -c %a /etc/creds/password; echo env=$DB_PASSWORD;"
            + " touch /etc/creds/new 2>/dev/null && echo writable || echo read-only; cat /run/password-file"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("creds").setMountPath("/etc/creds"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("creds").setMountPath("/run/password-file")
            .setSubPath("password"))
        .addEnv(EnvVar.newBuilder().setName("DB_PASSWORD").setValueFrom(EnvVarSource.newBuilder()
            .setSecretKeyRef(SecretKeySelector.newBuilder().setName("creds").setKey("password"))))
        .build();
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("secret-reader").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never").addContainers(reader)
            .addVolumes(Volume.newBuilder().setName("creds")
                .setSecret(SecretVolumeSource.newBuilder().setSecretName("creds"))))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("secret-reader").getStatus().getPhase().equals("Succeeded"));
    assertThat(logs("secret-reader", "reader")).isEqualTo("s3cret\nadmin\n644\nenv=s3cret\nread-only\ns3cret");
  }

  @Test
  void twoContainersOfAPodShareAnEmptyDir() {
    Container writer = Container.newBuilder().setName("writer").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "echo written by the writer > /out/message"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("shared").setMountPath("/out"))
        .build();
    Container reader = Container.newBuilder().setName("reader").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "until [ -s /in/message ]; do usleep 50000; done; cat /in/message"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("shared").setMountPath("/in"))
        .build();
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("shared").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never").addContainers(writer)
            .addContainers(reader)
            .addVolumes(Volume.newBuilder().setName("shared").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance())))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("shared").getStatus().getPhase().equals("Succeeded"));
    assertThat(logs("shared", "reader")).isEqualTo("written by the writer\n");
  }

  @Test
  void aMemoryEmptyDirIsASizedTmpfsAndIsUnmountedWhenThePodIsDeleted() throws Exception {
    Container app = Container.newBuilder().setName("app").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "grep ' /scratch ' /proc/mounts | cut -d' ' -f1,3; df -k /scratch | tail -1"
            + " | awk '{print $2}'"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/scratch"))
        .build();
    Pod created = client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("ram").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never").addContainers(app)
            .addVolumes(Volume.newBuilder().setName("scratch").setEmptyDir(EmptyDirVolumeSource.newBuilder()
                .setMedium("Memory").setSizeLimit("8Mi"))))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("ram").getStatus().getPhase().equals("Succeeded"));
    assertThat(logs("ram", "app")).isEqualTo("tmpfs tmpfs\n8192\n");
    Path dir = config.podVolumeRoot().resolve(created.getMetadata().getUid()).resolve("scratch");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(" " + dir + " ");

    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("ram").build());
    await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(dir)
        && !Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + dir + " "));
  }

  @Test
  void aPodWhoseConfigMapIsMissingWaitsWithAReasonNamingItAndStartsOnceItExists() {
    Container app = Container.newBuilder().setName("app").setImage(ContainerdFixture.BUSYBOX)
        .addAllCommand(List.of("cat", "/config/greeting"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("config").setMountPath("/config"))
        .build();
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("waits").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never").addContainers(app)
            .addVolumes(Volume.newBuilder().setName("config")
                .setConfigMap(ConfigMapVolumeSource.newBuilder().setName("later"))))
        .build());

    ContainerStateWaiting waiting = await().atMost(Duration.ofSeconds(30))
        .until(() -> get("waits").getStatus().getContainerStatusesList().stream()
            .map(cs -> cs.getState().getWaiting()).filter(w -> !w.getReason().isEmpty()).findFirst().orElse(null),
            w -> w != null && w.getReason().equals("CreateContainerConfigError"));
    assertThat(waiting.getMessage()).isEqualTo("spec.volumes[0].configMap: configmap \"later\" not found");
    assertThat(get("waits").getStatus().getPhase()).isEqualTo("Pending");

    client.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("later").setNamespace("default"))
        .putData("greeting", "hello").build());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("waits").getStatus().getPhase().equals("Succeeded"));
    assertThat(logs("waits", "app")).isEqualTo("hello");
  }

  private Pod get(String name) {
    return client.pods().get("default", name);
  }

  private String logs(String pod, String container) {
    Iterator<PodLogChunk> it = AgentGrpc.newBlockingStub(agentChannel)
        .log(PodLogRequest.newBuilder().setNamespace("default").setName(pod).setContainer(container).build());
    StringBuilder sb = new StringBuilder();
    it.forEachRemaining(c -> sb.append(c.getData().toStringUtf8()));
    return sb.toString();
  }
}
