package dev.capstan.agent.runtime;

/**
 * A runtime's identity (CRI VersionResponse).
 *
 * @param runtimeName e.g. "containerd", "process"; also the scheme of container ids in pod status
 * @param runtimeVersion the runtime's own version
 * @param runtimeApiVersion the runtime API it speaks, e.g. "v1"
 */
public record RuntimeVersion(String runtimeName, String runtimeVersion, String runtimeApiVersion) {

  /** "process://1.0": the form of NodeSystemInfo.containerRuntimeVersion. */
  public String nodeInfoVersion() {
    return runtimeName + "://" + runtimeVersion;
  }

  /** "process://&lt;id&gt;": the form of ContainerStatus.containerID. */
  public String containerUri(String containerId) {
    return runtimeName + "://" + containerId;
  }
}
