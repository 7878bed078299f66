package dev.capstan.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The client configuration file ({@code ~/.capstan/config}, or {@code $CAPSTAN_CONFIG}): like a
 * kubeconfig, contexts that name a cluster (its server addresses, tried in order for failover),
 * a default namespace and the bearer token to authenticate with (optional; sent in plaintext
 * until the API has TLS). The file is written readable by its owner only.
 *
 * <pre>
 * apiVersion: v1
 * kind: Config
 * current-context: capstan
 * contexts:
 * - name: capstan
 *   context: {cluster: capstan, namespace: default, token: 3q2-...}
 * clusters:
 * - name: capstan
 *   cluster: {servers: ["127.0.0.1:6443"]}
 * </pre>
 */
public record ClientConfig(String currentContext, Map<String, Context> contexts, Map<String, List<String>> clusters) {

  /**
   * A context: which cluster, the namespace commands use when none is given, and the bearer
   * token to send (null for none).
   */
  public record Context(String cluster, String namespace, String token) {
    public Context(String cluster, String namespace) {
      this(cluster, namespace, null);
    }

    @Override
    public String toString() {
      return "Context[cluster=" + cluster + ", namespace=" + namespace + ", token=" + (token == null ? "none" : "***") + "]";
    }
  }

  public static final String ENV = "CAPSTAN_CONFIG";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /** The file commands read: {@code $CAPSTAN_CONFIG}, else {@code ~/.capstan/config}. */
  public static Path defaultPath() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return UserHome.capstan("config");
  }

  /** A config with one context named {@code name} for a cluster at {@code servers}. */
  public static ClientConfig single(String name, List<String> servers) {
    return single(name, servers, null);
  }

  /** A config with one context named {@code name} for a cluster at {@code servers}, authenticating with {@code token}. */
  public static ClientConfig single(String name, List<String> servers, String token) {
    return new ClientConfig(name, Map.of(name, new Context(name, "default", token)),
        Map.of(name, List.copyOf(servers)));
  }

  public Context current() {
    Context c = contexts.get(currentContext);
    if (c == null) {
      throw new IllegalStateException("current-context \"" + currentContext + "\" is not defined in the config");
    }
    return c;
  }

  /** The current context's server addresses. */
  public List<String> servers() {
    List<String> s = clusters.get(current().cluster());
    if (s == null || s.isEmpty()) {
      throw new IllegalStateException("cluster \"" + current().cluster() + "\" has no servers in the config");
    }
    return s;
  }

  public static ClientConfig load(Path path) {
    JsonNode root;
    try {
      root = YAML.readTree(path.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read client config " + path + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(path + ": not a client config (expected a YAML mapping)");
    }
    String current = root.path("current-context").asText("");
    Map<String, Context> contexts = new java.util.LinkedHashMap<>();
    for (JsonNode c : root.path("contexts")) {
      JsonNode ctx = c.path("context");
      String token = ctx.path("token").asText("");
      contexts.put(c.path("name").asText(), new Context(ctx.path("cluster").asText(),
          ctx.path("namespace").asText("default"), token.isEmpty() ? null : token));
    }
    Map<String, List<String>> clusters = new java.util.LinkedHashMap<>();
    for (JsonNode c : root.path("clusters")) {
      List<String> servers = new ArrayList<>();
      c.path("cluster").path("servers").forEach(s -> servers.add(s.asText()));
      clusters.put(c.path("name").asText(), servers);
    }
    if (current.isEmpty()) {
      throw new IllegalArgumentException(path + ": current-context: Required value");
    }
    return new ClientConfig(current, contexts, clusters);
  }

  /** Writes the config readable by its owner only (it will hold credentials). */
  public void save(Path path) {
    ObjectNode root = YAML.createObjectNode();
    root.put("apiVersion", "v1");
    root.put("kind", "Config");
    root.put("current-context", currentContext);
    ArrayNode ctxs = root.putArray("contexts");
    contexts.forEach((name, c) -> {
      ObjectNode n = ctxs.addObject();
      n.put("name", name);
      ObjectNode ctx = n.putObject("context").put("cluster", c.cluster()).put("namespace", c.namespace());
      if (c.token() != null) {
        ctx.put("token", c.token());
      }
    });
    ArrayNode cls = root.putArray("clusters");
    clusters.forEach((name, servers) -> {
      ObjectNode n = cls.addObject();
      n.put("name", name);
      ArrayNode s = n.putObject("cluster").putArray("servers");
      servers.forEach(s::add);
    });
    try {
      Files.createDirectories(path.toAbsolutePath().getParent());
      Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
      Files.writeString(tmp, YAML.writeValueAsString(root));
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write client config " + path, e);
    }
  }
}
