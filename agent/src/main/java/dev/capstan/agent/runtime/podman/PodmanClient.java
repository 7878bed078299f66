package dev.capstan.agent.runtime.podman;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Podman's libpod REST API ({@code /v4.3.1/libpod/...}, the API of Debian's Podman 4.3.1) over its
 * Unix socket, as JSON trees.
 *
 * <p>Failures become {@link ContainerRuntimeException}s whose message names the object (the
 * {@code what} every call takes) and carries Podman's own message from its error body
 * ({@code {"cause", "message", "response"}}); a 404 becomes a {@link ContainerNotFoundException}.
 * An unreachable socket is a {@link ContainerRuntimeException} that says so.
 */
public final class PodmanClient implements AutoCloseable {
  /** The API version prefix; libpod serves every 4.x version under its own number. */
  public static final String API = "/v4.3.1/libpod";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();

  private final UnixHttpClient http;

  public PodmanClient(Path socket) {
    this.http = new UnixHttpClient(socket);
  }

  public Path socket() {
    return http.socket();
  }

  /** GET; the parsed body. */
  public JsonNode get(String what, String path) {
    return call(what, "GET", path, null, DEFAULT_TIMEOUT);
  }

  /** POST with a JSON body (null: none); the parsed body, or a missing node when it is empty. */
  public JsonNode post(String what, String path, Object body, Duration timeout) {
    return call(what, "POST", path, body == null ? null : UnixHttpClient.Body.json(toJson(body)), timeout);
  }

  /** DELETE; the parsed body, or a missing node when it is empty. */
  public JsonNode delete(String what, String path, Duration timeout) {
    return call(what, "DELETE", path, null, timeout);
  }

  /** Any method with any body; the parsed body, or a missing node when it is empty. */
  public JsonNode call(String what, String method, String path, UnixHttpClient.Body body, Duration timeout) {
    return parse(what, callForBytes(what, method, path, body, timeout));
  }

  /** Any method with any body; the raw body (empty for 304 "not modified": already in that state). */
  public byte[] callForBytes(String what, String method, String path, UnixHttpClient.Body body, Duration timeout) {
    UnixHttpClient.Response r;
    try {
      r = http.send(method, API + path, body, timeout);
    } catch (IOException e) {
      throw unreachable(what, e);
    }
    if (r.status() == 304) {
      return new byte[0];
    }
    if (!r.ok()) {
      throw error(what, r.status(), r.body());
    }
    return r.body();
  }

  /** Whether a HEAD-like existence check ({@code .../exists}) answers 204 rather than 404. */
  public boolean exists(String what, String path) {
    UnixHttpClient.Response r;
    try {
      r = http.send("GET", API + path, null, DEFAULT_TIMEOUT);
    } catch (IOException e) {
      throw unreachable(what, e);
    }
    if (r.status() == 404) {
      return false;
    }
    if (!r.ok()) {
      throw error(what, r.status(), r.body());
    }
    return true;
  }

  /**
   * Sends a request and returns the response with its body unread (exec output, events); an error
   * status is thrown as from {@link #call}. The caller closes the response.
   */
  public UnixHttpClient.StreamingResponse stream(String what, String method, String path, Object body,
      Duration timeout) {
    UnixHttpClient.StreamingResponse r;
    try {
      r = http.open(method, API + path, body == null ? null : UnixHttpClient.Body.json(toJson(body)), timeout);
    } catch (IOException e) {
      throw unreachable(what, e);
    }
    if (r.status() >= 200 && r.status() < 300) {
      return r;
    }
    try (r) {
      throw error(what, r.status(), r.body().readAllBytes());
    } catch (IOException e) {
      throw new ContainerRuntimeException(what + ": podman answered HTTP " + r.status() + " and then failed: " + e, e);
    }
  }

  /** A query parameter value, URL-encoded. */
  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static byte[] toJson(Object body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode request as JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode parse(String what, byte[] body) {
    if (body.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ContainerRuntimeException(what + ": podman's answer is not JSON: "
          + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8), e);
    }
  }

  /** The exception for an error response, with Podman's message. */
  static ContainerRuntimeException error(String what, int status, byte[] body) {
    String message = podmanMessage(body);
    if (status == 404) {
      return new ContainerNotFoundException(what + ": not found: " + message);
    }
    return new ContainerRuntimeException(what + ": " + message + " (podman HTTP " + status + ")");
  }

  /** The {@code message} of a libpod error body, else the body's text. */
  static String podmanMessage(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.hasNonNull("message")) {
        return n.get("message").asText();
      }
    } catch (IOException e) {
      // Not JSON: fall through to the raw text.
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.isEmpty() ? "(no message)" : text;
  }

  private ContainerRuntimeException unreachable(String what, IOException e) {
    return new ContainerRuntimeException(what + ": podman at " + http.socket() + " did not answer: " + e.getMessage(),
        e);
  }

  @Override
  public void close() {
    http.close();
  }
}
