package dev.capstan.agent.runtime.podman;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Podman's images as the agent uses them: presence, pulls under a pull policy, and loading
 * docker-archive tars ({@code images/load}), which is how the pause and busybox images get in
 * offline. Short references ("busybox:1.36") match local images by Podman's own rules.
 */
public final class PodmanImages {
  /** How long one pull or load may take; large images on slow links take minutes. */
  public static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

  private final PodmanClient client;

  public PodmanImages(PodmanClient client) {
    this.client = client;
  }

  /** Whether Podman holds the image. */
  public boolean present(String ref) {
    return client.exists("image \"" + ref + "\"", "/images/" + PodmanClient.encode(ref) + "/exists");
  }

  /**
   * Loads a docker-archive (or OCI archive) tar; returns the names Podman gave the loaded images.
   *
   * @throws ContainerRuntimeException naming the archive and Podman's reason
   */
  public JsonNode load(Path archive) {
    // Without the tar content type, Podman does not recognize the payload as an archive.
    return client.call("image archive " + archive, "POST", "/images/load",
        UnixHttpClient.Body.file("application/x-tar", archive), PULL_TIMEOUT).path("Names");
  }

  /** Pulls the image; returns its id. */
  public String pull(String ref) {
    byte[] body;
    try {
      body = client.callForBytes("image \"" + ref + "\"", "POST", "/images/pull?policy=always&quiet=true&reference="
          + PodmanClient.encode(ref), null, PULL_TIMEOUT);
    } catch (ContainerRuntimeException e) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL, "failed to pull image \"" + ref + "\": "
          + e.getMessage(), e);
    }
    // The answer is a stream of JSON objects; a failure shows as one with "error", after HTTP 200.
    String id = "";
    try (MappingIterator<JsonNode> it = PodmanClient.JSON.readerFor(JsonNode.class)
        .readValues(body)) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n.hasNonNull("error") && !n.get("error").asText().isEmpty()) {
          throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL, "failed to pull image \"" + ref + "\": "
              + n.get("error").asText(), null);
        }
        if (n.hasNonNull("id")) {
          id = n.get("id").asText();
        }
      }
    } catch (IOException e) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL, "failed to pull image \"" + ref
          + "\": unreadable answer: " + e.getMessage(), e);
    }
    return id;
  }

  /**
   * Makes the image present as the policy says: Never only checks, IfNotPresent pulls when absent,
   * Always pulls.
   *
   * @throws ImagePullException when the image is absent and may not or cannot be pulled
   */
  public void ensure(String ref, ImagePullPolicy policy) {
    if (ref.isEmpty()) {
      throw new ContainerRuntimeException("image: required by the podman runtime");
    }
    if (policy == ImagePullPolicy.ALWAYS) {
      pull(ref);
      return;
    }
    if (present(ref)) {
      return;
    }
    if (policy == ImagePullPolicy.NEVER) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_NEVER_PULL,
          "container image \"" + ref + "\" is not present with pull policy of Never", null);
    }
    pull(ref);
  }
}
