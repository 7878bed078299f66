package dev.capstan.agent.runtime.podman;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an agent-owned Podman API service is started with; {@link #command()},
 * {@link #containersConf()} and {@link #cniConflist()} render what it runs and reads. Everything
 * lives under {@code dataDir} (storage root, run root, temp dir, CNI config and IPAM data), so
 * several instances and the host's own Podman run side by side.
 *
 * <p>Debian's Podman 4.3.1 networks through CNI (netavark is not packaged there): the instance
 * gets its own network config dir holding one bridge network, named after its bridge, which is
 * its default network; so pods land on its own subnet instead of Podman's 10.88.0.0/16.
 *
 * <p>Podman 4.3.1 looks for conmon's OOM marker ({@code oom}) in the container's bundle dir, but
 * conmon 2.1 writes it into its working directory, which is the service's; so an OOM kill would
 * be reported as a plain exit 137. The instance therefore runs conmon through a two-line wrapper
 * ({@link #conmonWrapper()}) that changes into the bundle dir ({@code -b}) first.
 *
 * @param binary the podman executable (Debian: /usr/bin/podman)
 * @param dataDir the instance's own directory
 * @param socket the API socket; Unix socket paths are limited to 108 bytes
 * @param cniBinDir where the CNI plugins are (Debian: /usr/lib/cni)
 * @param bridge the Linux bridge pods attach to (at most 15 characters)
 * @param podSubnet the pods' IPv4 subnet, e.g. 10.243.0.0/24; must not overlap other networks
 */
public record PodmanServiceConfig(Path binary, Path dataDir, Path socket, Path cniBinDir, String bridge,
    String podSubnet) {

  public static final Path DEFAULT_BINARY = Path.of("/usr/bin/podman");
  public static final Path DEFAULT_CNI_BIN_DIR = Path.of("/usr/lib/cni");
  /** Where Debian's conmon package installs it. */
  public static final Path DEFAULT_CONMON = Path.of("/usr/bin/conmon");
  public static final String DEFAULT_BRIDGE = "cappod0";
  /** Beside containerd's 10.244.0.0/24 and outside Podman's own 10.88.0.0/16 and 10.89+ pools' start. */
  public static final String DEFAULT_POD_SUBNET = "10.243.0.0/24";
  /** Seconds an exited API exec session is kept before conmon's cleanup removes it. */
  static final int EXEC_CLEANUP_DELAY_SECONDS = 10;
  /** Podman cannot raise the default nofile limit on these hosts, so containers get explicit ones. */
  static final List<String> ULIMITS = List.of("nofile=20000:20000", "nproc=32768:32768");
  private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  private static final Pattern SUBNET = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
  private static final int MAX_SOCKET_PATH = 107;

  public PodmanServiceConfig {
    Objects.requireNonNull(binary, "binary");
    dataDir = dataDir.toAbsolutePath();
    socket = socket.toAbsolutePath();
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
      throw new IllegalArgumentException("socket: Unix socket paths are limited to 108 bytes (" + MAX_SOCKET_PATH
          + " and a NUL), got " + socket);
    }
    Objects.requireNonNull(cniBinDir, "cniBinDir");
    if (bridge == null || !BRIDGE.matcher(bridge).matches()) {
      throw new IllegalArgumentException("bridge: 1 to 15 letters, digits, '_', '.', '-', got \"" + bridge + "\"");
    }
    if (podSubnet == null || !SUBNET.matcher(podSubnet).matches()) {
      throw new IllegalArgumentException("podSubnet: an IPv4 CIDR like 10.243.0.0/24, got \"" + podSubnet + "\"");
    }
  }

  /** The defaults for an agent with its data under {@code dataDir} and its socket at {@code socket}. */
  private static final int MAX_RUN_ROOT = 50;

  public static PodmanServiceConfig of(Path dataDir, Path socket) {
    return new PodmanServiceConfig(DEFAULT_BINARY, dataDir, socket, DEFAULT_CNI_BIN_DIR, DEFAULT_BRIDGE,
        DEFAULT_POD_SUBNET);
  }

  public PodmanServiceConfig withNetwork(String bridge, String podSubnet) {
    return new PodmanServiceConfig(binary, dataDir, socket, cniBinDir, bridge, podSubnet);
  }

  public Path root() {
    return dataDir.resolve("root");
  }

  /**
   * Podman's run state: under the data dir, or under /run/capstan (named after a hash of the data
   * dir) when that path is longer than the 50 bytes Podman accepts for a runroot ("the specified
   * runroot is longer than 50 characters").
   */
  public Path runRoot() {
    Path inDataDir = dataDir.toAbsolutePath().resolve("run");
    if (inDataDir.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_RUN_ROOT) {
      return inDataDir;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          dataDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
      return Path.of("/run/capstan", "podman-" + HexFormat.of().formatHex(digest, 0, 6));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  public Path tmpDir() {
    return dataDir.resolve("tmp");
  }

  public Path cniConfDir() {
    return dataDir.resolve("cni").resolve("net.d");
  }

  public Path ipamDataDir() {
    return dataDir.resolve("cni").resolve("ipam");
  }

  public Path containersConfFile() {
    return dataDir.resolve("containers.conf");
  }

  /** The conmon wrapper named in {@code containers.conf}; see the class comment. */
  public Path conmonWrapper() {
    return dataDir.resolve("conmon");
  }

  /** The wrapper's script: cd into the bundle dir given with -b, then run the real conmon. */
  public String conmonWrapperScript() {
    return String.join("\n",
        "#!/bin/sh",
        "# Generated by the Capstan agent: conmon writes its oom marker into its working directory,",
        "# and podman 4.3.1 looks for it in the bundle dir; so start conmon there.",
        "prev=",
        "for arg in \"$@\"; do",
        "  if [ \"$prev\" = -b ] || [ \"$prev\" = --bundle ]; then cd \"$arg\" || exit 1; break; fi",
        "  prev=$arg",
        "done",
        "exec " + DEFAULT_CONMON + " \"$@\"",
        "");
  }

  public Path logFile() {
    return dataDir.resolve("podman.log");
  }

  /** The instance's default network, named after its bridge. */
  public String networkName() {
    return "capstan-" + bridge;
  }

  /**
   * {@code podman system service} with the instance's own storage, run root and temp dir, cgroupfs
   * (no systemd here), file events (no journald), and no idle exit ({@code --time=0}).
   */
  public List<String> command() {
    return List.of(binary.toString(),
        "--root", root().toString(),
        "--runroot", runRoot().toString(),
        "--tmpdir", tmpDir().toString(),
        "--cgroup-manager", "cgroupfs",
        "--events-backend", "file",
        "system", "service", "--time=0", "unix://" + socket);
  }

  /** The {@code containers.conf} the service reads through {@code CONTAINERS_CONF}. */
  public String containersConf() {
    StringBuilder ulimits = new StringBuilder();
    for (String u : ULIMITS) {
      ulimits.append(ulimits.length() == 0 ? "" : ", ").append(json(u));
    }
    return String.join("\n",
        "# Generated by the Capstan agent; rewritten on every start.",
        "[containers]",
        "default_ulimits = [" + ulimits + "]",
        "log_driver = \"k8s-file\"",
        "",
        "[network]",
        "network_backend = \"cni\"",
        "network_config_dir = " + json(cniConfDir().toString()),
        "default_network = " + json(networkName()),
        "cni_plugin_dirs = [" + json(cniBinDir.toString()) + "]",
        "",
        "[engine]",
        "conmon_path = [" + json(conmonWrapper().toString()) + "]",
        "cgroup_manager = \"cgroupfs\"",
        "events_logger = \"file\"",
        // An API exec session and its conmon linger this long after it exits (default 300 s, as
        // Docker); exec probes every second would pile up hundreds. The exit code is read at once.
        "exit_command_delay = " + EXEC_CLEANUP_DELAY_SECONDS,
        "",
        "");
  }

  /** The pod network: bridge with host-local IPAM in the instance's own data dir, and portmap for hostPorts. */
  public String cniConflist() {
    return String.join("\n",
        "{",
        "  \"cniVersion\": \"0.4.0\",",
        "  \"name\": " + json(networkName()) + ",",
        "  \"plugins\": [",
        "    {",
        "      \"type\": \"bridge\",",
        "      \"bridge\": " + json(bridge) + ",",
        "      \"isGateway\": true,",
        "      \"ipMasq\": true,",
        "      \"hairpinMode\": true,",
        "      \"ipam\": {",
        "        \"type\": \"host-local\",",
        "        \"ranges\": [[{\"subnet\": " + json(podSubnet) + "}]],",
        "        \"routes\": [{\"dst\": \"0.0.0.0/0\"}],",
        "        \"dataDir\": " + json(ipamDataDir().toString()),
        "      }",
        "    },",
        "    {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}",
        "  ]",
        "}",
        "");
  }

  /** A JSON string literal, which is also a valid TOML basic string. */
  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
