package dev.capstan.agent.runtime;

/** When a runtime with images pulls a container's image (Kubernetes' imagePullPolicy). */
public enum ImagePullPolicy {
  /** Pull on every container start, even when the image is present. */
  ALWAYS,
  /** Pull only when the image is not present. */
  IF_NOT_PRESENT,
  /** Never pull: a missing image is an error. */
  NEVER;

  /**
   * The policy of a pod spec's {@code imagePullPolicy}; an empty value gets Kubernetes' default:
   * Always for an untagged or {@code :latest} image, IfNotPresent otherwise.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static ImagePullPolicy of(String specValue, String image) {
    switch (specValue == null ? "" : specValue) {
      case "Always":
        return ALWAYS;
      case "IfNotPresent":
        return IF_NOT_PRESENT;
      case "Never":
        return NEVER;
      case "":
        return tagOf(image).equals("latest") ? ALWAYS : IF_NOT_PRESENT;
      default:
        throw new IllegalArgumentException("imagePullPolicy: must be Always, IfNotPresent or Never, got \""
            + specValue + "\"");
    }
  }

  /** The image's tag, "latest" when it has none; digest references count as tagged. */
  private static String tagOf(String image) {
    if (image == null || image.contains("@")) {
      return "digest";
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(colon + 1) : "latest";
  }
}
