package dev.capstan.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The client configuration file ({@code ~/.capstan/config}, or {@code $CAPSTAN_CONFIG}): like a
 * kubeconfig, contexts that name a cluster (its server addresses, tried in order for failover,
 * and the CA certificate that verifies them), a default namespace and the credentials to
 * authenticate with: a bearer token, a client certificate with its key, or both (the token is
 * sent then, the certificate is presented too). Certificates and keys are PEM, base64-encoded
 * as in a kubeconfig. Without {@code certificate-authority-data} the client speaks plaintext
 * (apiservers embedded in tests). The file is written readable by its owner only.
 *
 * <pre>
 * apiVersion: v1
 * kind: Config
 * current-context: capstan
 * contexts:
 * - name: capstan
 *   context: {cluster: capstan, namespace: default, token: 3q2-..., client-certificate-data: LS0t...,
 *             client-key-data: LS0t...}
 * clusters:
 * - name: capstan
 *   cluster: {servers: ["127.0.0.1:6443"], certificate-authority-data: LS0t...}
 * </pre>
 */
public record ClientConfig(String currentContext, Map<String, Context> contexts, Map<String, Cluster> clusters) {

  /**
   * A context: which cluster, the namespace commands use when none is given, the bearer token to
   * send (null for none) and the client certificate and key (PEM; null for none).
   */
  public record Context(String cluster, String namespace, String token, String clientCertificate, String clientKey) {
    public Context(String cluster, String namespace) {
      this(cluster, namespace, null);
    }

    public Context(String cluster, String namespace, String token) {
      this(cluster, namespace, token, null, null);
    }

    @Override
    public String toString() {
      return "Context[cluster=" + cluster + ", namespace=" + namespace + ", token=" + (token == null ? "none" : "***")
          + ", clientCertificate=" + (clientCertificate != null) + "]";
    }
  }

  /** A cluster: its server addresses and the CA certificate (PEM) that verifies them, null for plaintext. */
  public record Cluster(List<String> servers, String certificateAuthority) {
    public Cluster {
      servers = List.copyOf(servers);
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
    return single(name, servers, token, null);
  }

  /**
   * A config with one context named {@code name} for a cluster at {@code servers}: over TLS when
   * {@code tls} is given (with its client certificate, if any), and with {@code token} when not null.
   */
  public static ClientConfig single(String name, List<String> servers, String token, dev.capstan.client.ClientTls tls) {
    Context context = new Context(name, "default", token, tls == null ? null : tls.clientCertificatePem(),
        tls == null ? null : tls.clientKeyPem());
    return new ClientConfig(name, Map.of(name, context),
        Map.of(name, new Cluster(servers, tls == null ? null : tls.certificateAuthorityPem())));
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
    Cluster c = clusters.get(current().cluster());
    if (c == null || c.servers().isEmpty()) {
      throw new IllegalStateException("cluster \"" + current().cluster() + "\" has no servers in the config");
    }
    return c.servers();
  }

  /** TLS for the current context: null when its cluster has no CA certificate (plaintext). */
  public dev.capstan.client.ClientTls tls() {
    Cluster c = clusters.get(current().cluster());
    String ca = c == null ? null : c.certificateAuthority();
    Context ctx = current();
    if (ca == null) {
      if (ctx.clientCertificate() != null) {
        throw new IllegalArgumentException("context \"" + currentContext + "\" has client-certificate-data but cluster \""
            + ctx.cluster() + "\" has no certificate-authority-data to verify the server with");
      }
      return null;
    }
    return new dev.capstan.client.ClientTls(ca, ctx.clientCertificate(), ctx.clientKey());
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
      String name = c.path("name").asText();
      contexts.put(name, new Context(ctx.path("cluster").asText(),
          ctx.path("namespace").asText("default"), token.isEmpty() ? null : token,
          pemData(path, ctx, "contexts[" + name + "].context.", "client-certificate-data"),
          pemData(path, ctx, "contexts[" + name + "].context.", "client-key-data")));
    }
    Map<String, Cluster> clusters = new java.util.LinkedHashMap<>();
    for (JsonNode c : root.path("clusters")) {
      List<String> servers = new ArrayList<>();
      c.path("cluster").path("servers").forEach(s -> servers.add(s.asText()));
      String name = c.path("name").asText();
      clusters.put(name, new Cluster(servers, pemData(path, c.path("cluster"), "clusters[" + name + "].cluster.",
          "certificate-authority-data")));
    }
    if (current.isEmpty()) {
      throw new IllegalArgumentException(path + ": current-context: Required value");
    }
    return new ClientConfig(current, contexts, clusters);
  }

  /** A base64-encoded PEM field, decoded; null when absent. */
  private static String pemData(Path path, JsonNode node, String where, String field) {
    String value = node.path(field).asText("");
    if (value.isEmpty()) {
      return null;
    }
    try {
      String pem = new String(Base64.getMimeDecoder().decode(value), StandardCharsets.US_ASCII);
      if (!pem.contains("-----BEGIN ")) {
        throw new IllegalArgumentException("not base64 of PEM text");
      }
      return pem;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + where + field + ": " + e.getMessage(), e);
    }
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
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
      if (c.clientCertificate() != null) {
        ctx.put("client-certificate-data", base64(c.clientCertificate()));
        ctx.put("client-key-data", base64(c.clientKey()));
      }
    });
    ArrayNode cls = root.putArray("clusters");
    clusters.forEach((name, cluster) -> {
      ObjectNode n = cls.addObject();
      n.put("name", name);
      ObjectNode body = n.putObject("cluster");
      ArrayNode s = body.putArray("servers");
      cluster.servers().forEach(s::add);
      if (cluster.certificateAuthority() != null) {
        body.put("certificate-authority-data", base64(cluster.certificateAuthority()));
      }
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
