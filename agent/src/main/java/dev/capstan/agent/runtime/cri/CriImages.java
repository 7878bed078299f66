package dev.capstan.agent.runtime.cri;

import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.cri.v1.Cri;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The CRI ImageService as the agent uses it: image presence, pulls under a pull policy, listing
 * and removal. References may be short ("busybox:1.36"); the runtime normalizes them.
 *
 * <p>{@link #ensure} asks ImageStatus before it pulls, because containerd's PullImage always
 * contacts the registry, even for an image it already holds, and so fails offline.
 */
public final class CriImages {
  /** How long one pull may take; large images on slow links take minutes. */
  public static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

  private final CriClient client;

  public CriImages(CriClient client) {
    this.client = client;
  }

  /** The image if the runtime holds it. */
  public Optional<Cri.Image> status(String ref) {
    try {
      Cri.ImageStatusResponse r = client.images(CriClient.DEFAULT_TIMEOUT).imageStatus(
          Cri.ImageStatusRequest.newBuilder().setImage(spec(ref)).build());
      return r.hasImage() && !r.getImage().getId().isEmpty() ? Optional.of(r.getImage()) : Optional.empty();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("image \"" + ref + "\"", e);
    }
  }

  /** Pulls the image; returns its reference (the image id). */
  public String pull(String ref) {
    try {
      return client.images(PULL_TIMEOUT).pullImage(Cri.PullImageRequest.newBuilder().setImage(spec(ref)).build())
          .getImageRef();
    } catch (StatusRuntimeException e) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL,
          "failed to pull image \"" + ref + "\": " + CriErrors.describe(e), e);
    }
  }

  /**
   * Makes the image present as the policy says: Never only checks, IfNotPresent pulls when absent,
   * Always pulls.
   *
   * @throws ImagePullException when the image is absent and may not or cannot be pulled
   */
  public void ensure(String ref, ImagePullPolicy policy) {
    if (ref.isEmpty()) {
      throw new ContainerRuntimeException("image: required by the containerd runtime");
    }
    if (policy == ImagePullPolicy.ALWAYS) {
      pull(ref);
      return;
    }
    if (status(ref).isPresent()) {
      return;
    }
    if (policy == ImagePullPolicy.NEVER) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_NEVER_PULL,
          "container image \"" + ref + "\" is not present with pull policy of Never", null);
    }
    pull(ref);
  }

  public List<Cri.Image> list() {
    try {
      return client.images(CriClient.DEFAULT_TIMEOUT).listImages(Cri.ListImagesRequest.getDefaultInstance())
          .getImagesList();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("images", e);
    }
  }

  /** Removes the image; removing an absent one is not an error. */
  public void remove(String ref) {
    try {
      client.images(CriClient.DEFAULT_TIMEOUT).removeImage(Cri.RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
    } catch (StatusRuntimeException e) {
      if (!CriErrors.notFound(e)) {
        throw CriErrors.translate("image \"" + ref + "\"", e);
      }
    }
  }

  private static Cri.ImageSpec spec(String ref) {
    return Cri.ImageSpec.newBuilder().setImage(ref).build();
  }
}
