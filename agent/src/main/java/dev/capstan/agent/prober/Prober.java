package dev.capstan.agent.prober;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.HTTPHeader;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.TCPSocketAction;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Runs one attempt of a container probe, the way the kubelet's prober does: an exec action
 * passes when the command exits 0 within the timeout; an HTTP GET when the answer's status is
 * 200-399; a TCP socket when a connection opens. The host of HTTP and TCP probes defaults to the
 * pod's IP; a port may be a number or the name of one of the container's ports. Only plain HTTP
 * is probed: an HTTPS probe fails with a message saying so.
 */
public final class Prober {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_MESSAGE = 256;

  private final ContainerRuntime runtime;
  private final HttpClient http;

  public Prober(ContainerRuntime runtime) {
    this.runtime = runtime;
    // No redirects followed: a 3xx already counts as success, as in Kubernetes.
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * @param podIp the pod's IP, the default host of network probes (the host's for host-network pods)
   */
  public ProbeOutcome probe(Probe probe, Container container, String containerId, String podIp) {
    Duration timeout = probe.getTimeoutSeconds() > 0 ? Duration.ofSeconds(probe.getTimeoutSeconds()) : DEFAULT_TIMEOUT;
    try {
      if (probe.hasExec()) {
        return exec(probe, containerId, timeout);
      }
      if (probe.hasHttpGet()) {
        return httpGet(probe.getHttpGet(), container, podIp, timeout);
      }
      if (probe.hasTcpSocket()) {
        return tcpSocket(probe.getTcpSocket(), container, podIp, timeout);
      }
      return ProbeOutcome.failed("probe has no handler (exec, httpGet or tcpSocket)");
    } catch (IllegalArgumentException e) {
      return ProbeOutcome.failed(e.getMessage());
    }
  }

  private ProbeOutcome exec(Probe probe, String containerId, Duration timeout) {
    ExecResult r;
    try {
      r = runtime.execSync(containerId, probe.getExec().getCommandList(), timeout);
    } catch (ContainerRuntimeException e) {
      return ProbeOutcome.failed("exec failed: " + e.getMessage());
    }
    if (r.exitCode() == 0) {
      return ProbeOutcome.passed();
    }
    if (r.exitCode() == ExecResult.TIMED_OUT) {
      return ProbeOutcome.failed("command timed out after " + timeout.toSeconds() + "s");
    }
    String output = new String(r.stdout(), StandardCharsets.UTF_8) + new String(r.stderr(), StandardCharsets.UTF_8);
    return ProbeOutcome.failed("command exited with " + r.exitCode() + (output.isBlank() ? "" : ": " + shorten(output.strip())));
  }

  private ProbeOutcome httpGet(HTTPGetAction get, Container container, String podIp, Duration timeout) {
    String scheme = get.getScheme().isEmpty() ? "HTTP" : get.getScheme();
    if (!scheme.equalsIgnoreCase("HTTP")) {
      return ProbeOutcome.failed("httpGet scheme " + scheme + " is not supported; only HTTP is");
    }
    String host = get.getHost().isEmpty() ? podIp : get.getHost();
    int port = port(get.getPort(), container, "httpGet.port");
    String path = get.getPath().isEmpty() ? "/" : get.getPath().startsWith("/") ? get.getPath() : "/" + get.getPath();
    URI uri = URI.create("http://" + hostForUri(host) + ":" + port + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
        .header("User-Agent", "capstan-probe/1");
    for (HTTPHeader h : get.getHttpHeadersList()) {
      request.setHeader(h.getName(), h.getValue());
    }
    try {
      HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
      int code = response.statusCode();
      return code >= 200 && code < 400 ? ProbeOutcome.passed()
          : ProbeOutcome.failed("HTTP probe failed with statuscode: " + code);
    } catch (IOException e) {
      return ProbeOutcome.failed("Get \"" + uri + "\": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeOutcome.failed("probe interrupted");
    }
  }

  private static ProbeOutcome tcpSocket(TCPSocketAction tcp, Container container, String podIp, Duration timeout) {
    String host = tcp.getHost().isEmpty() ? podIp : tcp.getHost();
    int port = port(tcp.getPort(), container, "tcpSocket.port");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return ProbeOutcome.passed();
    } catch (IOException e) {
      return ProbeOutcome.failed("dial tcp " + host + ":" + port + ": " + describe(e));
    }
  }

  /** A port given as a number or as the name of one of the container's ports. */
  static int port(String port, Container container, String field) {
    if (port.isEmpty()) {
      throw new IllegalArgumentException(field + " is required");
    }
    if (port.chars().allMatch(Character::isDigit)) {
      int number = Integer.parseInt(port);
      if (number < 1 || number > 65535) {
        throw new IllegalArgumentException(field + ": " + number + " is not a valid port");
      }
      return number;
    }
    return container.getPortsList().stream().filter(p -> p.getName().equals(port)).findFirst()
        .map(ContainerPort::getContainerPort)
        .orElseThrow(() -> new IllegalArgumentException(field + ": container \"" + container.getName()
            + "\" has no port named \"" + port + "\""));
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String describe(IOException e) {
    String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException
        ? "timeout: " + what : what;
  }

  private static String shorten(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }
}
