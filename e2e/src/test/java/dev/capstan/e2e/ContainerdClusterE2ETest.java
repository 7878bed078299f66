package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.config.ClientConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code capstan up} on its default runtime where containerd is usable: its own containerd with
 * runc and a CNI bridge, the offline busybox image it imports at start. The CLI, run as processes,
 * applies manifests; the host reaches pods at their own IPs. Steps share one cluster and run in
 * order; the last one stops {@code up} and checks that nothing it ran is left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("containerdUsable")
class ContainerdClusterE2ETest {
  private static final Pattern TICK = Pattern.compile("tick (\\d+)");

  private Path tmp;
  /** A host directory the probed pod mounts: the test removes its files to fail the probes. */
  private Path probeDir;
  private CapstanBinary capstan;
  private ClusterProcess cluster;
  private CapstanClient client;

  static boolean containerdUsable() {
    return dev.capstan.agent.NodeRuntime.containerdUnusableBecause().isEmpty();
  }

  @BeforeAll
  void startCluster() throws Exception {
    tmp = Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath();
    tmp = Files.createTempDirectory(tmp, "containerd-");
    probeDir = Files.createDirectories(tmp.resolve("probe"));
    capstan = new CapstanBinary(tmp.resolve("config"));
    // No --runtime: containerd is up's default where it is usable.
    cluster = new ClusterProcess(capstan, tmp.resolve("data"));
    cluster.start();
    String token = ClientConfig.load(tmp.resolve("config")).current().token();
    client = CapstanClient.connect("127.0.0.1:" + cluster.apiPort, token,
        ClientConfig.load(tmp.resolve("config")).tls());
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      String out = cluster.output();
      cluster.close();
      System.out.println("---- capstan up output ----\n" + out);
    }
  }

  @Test
  @Order(1)
  void upChoosesContainerdAndImportsBusybox() throws IOException {
    // The summary lines follow "Capstan is up", which is all the start waited for.
    String output = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(cluster::output, out -> out.contains("runtime:        "));
    assertThat(output).contains("runtime:        containerd (own,")
        .contains("imported /bin/busybox as the image docker.io/library/busybox:1.36")
        .doesNotContain("process runtime");
  }

  @Test
  @Order(2)
  void aDeploymentServesItsConfigMapFromTwoReadyPodsAtTheirOwnIps() throws Exception {
    Path manifest = tmp.resolve("web.yaml");
    try (var in = getClass().getResourceAsStream("/containerd-web.yaml")) {
      Files.write(manifest, in.readAllBytes());
    }
    CapstanBinary.Result applied = capstan.run("apply", "-f", manifest.toString());
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.stdout()).contains("configmap/web-content created", "deployment.apps/web created");

    List<Pod> pods = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> pods("web"), ps -> ps.size() == 2 && ps.stream().allMatch(ContainerdClusterE2ETest::ready));
    List<String> ips = pods.stream().map(p -> p.getStatus().getPodIp()).toList();
    assertThat(ips).doesNotHaveDuplicates().allMatch(ip -> ip.startsWith("10.244.0."), "on the capstan0 bridge");
    assertThat(pods).allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Running"));

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (String ip : ips) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("<h1>served from a ConfigMap by busybox httpd on containerd</h1>\n");
    }
    CapstanBinary.Result wide = capstan.run("get", "pods", "-o", "wide");
    assertThat(wide.stdout()).contains(ips.get(0), ips.get(1));

    // capstan exec runs inside the container (its own filesystem: the ConfigMap at /www) and
    // exits with the command's exit code.
    String pod = pods.get(0).getMetadata().getName();
    CapstanBinary.Result exec = capstan.run("exec", pod, "--", "sh", "-c", "cat /www/index.html; echo oops >&2; exit 3");
    assertThat(exec.exitCode()).as(exec.toString()).isEqualTo(3);
    assertThat(exec.stdout()).isEqualTo("<h1>served from a ConfigMap by busybox httpd on containerd</h1>\n");
    assertThat(exec.stderr()).isEqualTo("oops\n");
  }

  @Test
  @Order(3)
  void logsFollowStreamsLinesWrittenAfterItStarted() throws Exception {
    Files.writeString(probeDir.resolve("ready"), "");
    Files.writeString(probeDir.resolve("alive"), "");
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: ticker
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
            readinessProbe:
              exec: {command: ["test", "-f", "/probe/ready"]}
              periodSeconds: 1
              failureThreshold: 1
            livenessProbe:
              exec: {command: ["test", "-f", "/probe/alive"]}
              periodSeconds: 1
              failureThreshold: 1
            volumeMounts:
            - {name: probe, mountPath: /probe}
          volumes:
          - name: probe
            hostPath: {path: %s, type: Directory}
        """.formatted(probeDir);
    Path file = tmp.resolve("ticker.yaml");
    Files.writeString(file, pod);
    CapstanBinary.Result applied = capstan.run("apply", "-f", file.toString());
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "ticker"), ContainerdClusterE2ETest::ready);

    // Every tick a plain `logs` shows was written before `logs -f` starts: -f must show later ones.
    int before = await().atMost(Duration.ofSeconds(20)).until(() -> lastTick(capstan.run("logs", "ticker").stdout()),
        OptionalInt::isPresent).getAsInt();
    Process follow = capstan.command(List.of("logs", "-f", "ticker")).redirectErrorStream(true).start();
    try {
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process was stopped
        }
      }, "logs-follow-reader");
      reader.setDaemon(true);
      reader.start();
      int newer = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (newer < 2) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(line).as("`capstan logs -f` printed two ticks after %d within 30 s", before).isNotNull();
        OptionalInt tick = lastTick(line);
        if (tick.isPresent() && tick.getAsInt() > before) {
          newer++;
        }
      }
      assertThat(follow.isAlive()).as("logs -f keeps following").isTrue();
    } finally {
      follow.destroy();
      follow.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(4)
  void aFailingReadinessProbeMarksThePodNotReadyWithoutRestartingIt() throws Exception {
    ContainerStatus running = client.pods().get("default", "ticker").getStatus().getContainerStatuses(0);
    assertThat(running.getRestartCount()).isZero();
    Files.delete(probeDir.resolve("ready"));
    Pod notReady = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "ticker"), p -> !ready(p));
    ContainerStatus after = notReady.getStatus().getContainerStatuses(0);
    assertThat(after.getReady()).isFalse();
    assertThat(after.getRestartCount()).isZero();
    assertThat(after.getContainerId()).isEqualTo(running.getContainerId());
    assertThat(after.getState().hasRunning()).isTrue();

    Files.writeString(probeDir.resolve("ready"), "");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "ticker"), ContainerdClusterE2ETest::ready);
    assertThat(client.pods().get("default", "ticker").getStatus().getContainerStatuses(0).getRestartCount()).isZero();
  }

  @Test
  @Order(5)
  void aFailingLivenessProbeRestartsTheContainer() throws Exception {
    String first = client.pods().get("default", "ticker").getStatus().getContainerStatuses(0).getContainerId();
    Files.delete(probeDir.resolve("alive"));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "ticker").getStatus().getContainerStatuses(0),
            c -> c.getRestartCount() >= 1 && !c.getContainerId().equals(first));
    // Alive again, the restarted container stays up and becomes Ready.
    Files.writeString(probeDir.resolve("alive"), "");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "ticker"), ContainerdClusterE2ETest::ready);
  }

  @Test
  @Order(6)
  void aContainerOverItsMemoryLimitIsReportedOomKilled() throws Exception {
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: hog
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "x=$(head -c 200m /dev/zero | tr '\\\\0' a); echo survived"]
            resources:
              limits: {memory: 32Mi}
        """;
    CapstanBinary.Result applied = capstan.runWithInput(pod, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    Pod failed = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "hog"), p -> p.getStatus().getPhase().equals("Failed"));
    ContainerStatus c = failed.getStatus().getContainerStatuses(0);
    assertThat(c.getState().getTerminated().getReason()).isEqualTo("OOMKilled");
    assertThat(c.getState().getTerminated().getExitCode()).isEqualTo(137);
    CapstanBinary.Result get = capstan.run("get", "pods", "hog");
    assertThat(get.stdout()).contains("OOMKilled");
  }

  @Test
  @Order(7)
  void topShowsWhatTheNodeAndEachPodUse() throws Exception {
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: burner
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - name: spin
            image: busybox:1.36
            command: ["sh", "-c", "while :; do :; done"]
            resources:
              limits: {cpu: 200m, memory: 64Mi}
        """;
    CapstanBinary.Result applied = capstan.runWithInput(pod, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "burner").getStatus().getPhase(), "Running"::equals);

    // Once the agent has two samples a second apart, the spinning container shows its CPU,
    // held near its 200m limit by the cgroup.
    Pattern spin = Pattern.compile("(?m)^burner\\s+spin\\s+(\\d+)m\\s+(\\d+)Mi$");
    Matcher m = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> spin.matcher(capstan.run("top", "pods", "--containers").stdout()), Matcher::find);
    assertThat(Integer.parseInt(m.group(1))).as(m.group()).isBetween(20, 260);
    CapstanBinary.Result pods = capstan.run("top", "pods");
    assertThat(pods.stdout()).startsWith("NAME").containsPattern("(?m)^web-\\S+\\s+\\d+m\\s+\\d+Mi$");

    CapstanBinary.Result nodes = capstan.run("top", "nodes");
    assertThat(nodes.exitCode()).as(nodes.toString()).isZero();
    assertThat(nodes.stdout()).containsPattern("(?m)^NAME\\s+CPU\\(cores\\)\\s+CPU%\\s+MEMORY\\(bytes\\)\\s+MEMORY%$")
        .containsPattern("(?m)^\\S+\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%$");
    client.pods().delete("default", "burner");
  }

  @Test
  @Order(8)
  void anImportedImageRunsWithoutARegistry() throws Exception {
    // An image no registry has: busybox under another name, with its own default command.
    Path archive = tmp.resolve("hello.tar");
    new dev.capstan.agent.runtime.containerd.ImageArchive("example.local/hello:1", List.of(),
        List.of("/bin/busybox", "echo", "hello from an imported image"), List.of("PATH=/bin"))
        .directory("bin", 0755)
        .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")))
        .writeTo(archive);
    CapstanBinary.Result bad = capstan.run("image", "import", "--data-dir", tmp.resolve("data/agent").toString(),
        tmp.resolve("config").toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.stderr()).contains(tmp.resolve("config") + ": not a tar archive");

    CapstanBinary.Result imported = capstan.run("image", "import", "--data-dir", tmp.resolve("data/agent").toString(),
        archive.toString());
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    assertThat(imported.stdout()).contains("imported example.local/hello:1 from " + archive + " (docker-archive)");
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: imported
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: example.local/hello:1
            imagePullPolicy: Never
        """;
    CapstanBinary.Result applied = capstan.runWithInput(pod, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "imported").getStatus().getPhase(), "Succeeded"::equals);
    CapstanBinary.Result logs = capstan.run("logs", "imported");
    assertThat(logs.stdout()).isEqualTo("hello from an imported image\n");
  }

  @Test
  @Order(8)
  void aPodReadsItsServiceAccountTokenAndTheClusterCaAndTheTokenIsItsServiceAccount() throws Exception {
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: whoami
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "d=/var/run/secrets/kubernetes.io/serviceaccount; cat $d/token; echo; cat $d/ca.crt"]
        """;
    CapstanBinary.Result applied = capstan.runWithInput(pod, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "whoami").getStatus().getPhase(), "Succeeded"::equals);
    String out = capstan.run("logs", "whoami").stdout();
    String token = out.lines().findFirst().orElseThrow();
    // The root CA publisher's copy of the CA the server wrote at start.
    assertThat(out.substring(token.length() + 1)).isEqualTo(Files.readString(tmp.resolve("data/pki/ca.crt")));

    // The default ServiceAccount is bound to nothing: RBAC refuses it by its name.
    CapstanBinary.Result asPod = capstan.run("get", "pods", "--token", token);
    assertThat(asPod.exitCode()).as(asPod.toString()).isNotZero();
    assertThat(asPod.stderr()).contains("system:serviceaccount:default:default");
    client.pods().delete("default", "whoami");
  }

  @Test
  @Order(9)
  void stoppingUpStopsEveryContainerItRan() throws Exception {
    Matcher socket = Pattern.compile("runtime: +containerd \\(own, (\\S+)\\)").matcher(cluster.output());
    assertThat(socket.find()).as(cluster.output()).isTrue();
    Path dataDir = tmp.resolve("data").toAbsolutePath();
    // containerd runs with its config under the data dir; each pod's shim names the socket.
    assertThat(processesMentioning(dataDir.toString())).as("up's containerd runs").isNotEmpty();
    assertThat(processesMentioning(socket.group(1))).as("shims of up's pods run").hasSizeGreaterThan(1);
    cluster.stop();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      assertThat(processesMentioning(dataDir.toString())).isEmpty();
      assertThat(processesMentioning(socket.group(1))).isEmpty();
    });
    // No container process of ours survives either: httpd on 8080 and the ticker loop.
    assertThat(ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains("httpd -f -p 8080 -h /www") || c.contains("echo tick")).toList()).isEmpty();
  }

  private List<Pod> pods(String app) {
    return client.pods().list("default").items().stream()
        .filter(p -> !p.getMetadata().hasDeletionTimestamp())
        .filter(p -> app.equals(p.getMetadata().getLabelsMap().get("app")))
        .toList();
  }

  private static boolean ready(Pod p) {
    return p.getStatus().getConditionsList().stream()
        .anyMatch((PodCondition c) -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static OptionalInt lastTick(String text) {
    Matcher m = TICK.matcher(text);
    OptionalInt last = OptionalInt.empty();
    while (m.find()) {
      last = OptionalInt.of(Integer.parseInt(m.group(1)));
    }
    return last;
  }

  private static List<String> processesMentioning(String text) {
    return ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains(text) && !c.contains("surefire")).toList();
  }
}
