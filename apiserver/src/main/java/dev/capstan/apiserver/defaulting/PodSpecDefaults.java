package dev.capstan.apiserver.defaulting;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.Volume;

/**
 * Kubernetes' defaults for a pod spec, wherever it appears (a Pod, a ReplicaSet's or a
 * Deployment's template): restartPolicy Always, terminationGracePeriodSeconds 30, dnsPolicy
 * ClusterFirst, schedulerName default-scheduler; per container an imagePullPolicy that follows the
 * image tag, terminationMessagePath /dev/termination-log, protocol TCP on ports, probe timings
 * (timeout 1s, period 10s, success 1, failure 3) and httpGet path "/" and scheme HTTP where a probe
 * is set; mode 0644 on configMap and secret volumes. Only unset fields are filled.
 */
final class PodSpecDefaults {
  static final String DEFAULT_SCHEDULER = "default-scheduler";
  static final long TERMINATION_GRACE_PERIOD_SECONDS = 30;
  static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";
  static final int VOLUME_DEFAULT_MODE = 0644;

  private PodSpecDefaults() {}

  static PodSpec apply(PodSpec spec) {
    PodSpec.Builder b = spec.toBuilder();
    if (b.getRestartPolicy().isEmpty()) {
      b.setRestartPolicy("Always");
    }
    if (!b.hasTerminationGracePeriodSeconds()) {
      b.setTerminationGracePeriodSeconds(TERMINATION_GRACE_PERIOD_SECONDS);
    }
    if (b.getDnsPolicy().isEmpty()) {
      b.setDnsPolicy("ClusterFirst");
    }
    if (b.getSchedulerName().isEmpty()) {
      b.setSchedulerName(DEFAULT_SCHEDULER);
    }
    for (int i = 0; i < b.getContainersCount(); i++) {
      b.setContainers(i, container(b.getContainers(i)));
    }
    for (int i = 0; i < b.getInitContainersCount(); i++) {
      b.setInitContainers(i, container(b.getInitContainers(i)));
    }
    for (int i = 0; i < b.getVolumesCount(); i++) {
      b.setVolumes(i, volume(b.getVolumes(i)));
    }
    return b.build();
  }

  private static Container container(Container container) {
    Container.Builder c = container.toBuilder();
    if (c.getImagePullPolicy().isEmpty()) {
      c.setImagePullPolicy(pullPolicyFor(c.getImage()));
    }
    if (c.getTerminationMessagePath().isEmpty()) {
      c.setTerminationMessagePath(TERMINATION_MESSAGE_PATH);
    }
    for (int i = 0; i < c.getPortsCount(); i++) {
      ContainerPort port = c.getPorts(i);
      if (port.getProtocol().isEmpty()) {
        c.setPorts(i, port.toBuilder().setProtocol("TCP"));
      }
    }
    if (c.hasLivenessProbe()) {
      c.setLivenessProbe(probe(c.getLivenessProbe()));
    }
    if (c.hasReadinessProbe()) {
      c.setReadinessProbe(probe(c.getReadinessProbe()));
    }
    if (c.hasStartupProbe()) {
      c.setStartupProbe(probe(c.getStartupProbe()));
    }
    return c.build();
  }

  /**
   * Always for an image without a tag or with the tag "latest" (it may change under the same
   * name); IfNotPresent for any other tag or a digest.
   */
  static String pullPolicyFor(String image) {
    if (image.contains("@")) {
      return "IfNotPresent";
    }
    int lastSlash = image.lastIndexOf('/');
    int colon = image.indexOf(':', lastSlash + 1);  // a colon before the last '/' is a registry port
    String tag = colon < 0 ? "" : image.substring(colon + 1);
    return tag.isEmpty() || tag.equals("latest") ? "Always" : "IfNotPresent";
  }

  private static Probe probe(Probe probe) {
    Probe.Builder p = probe.toBuilder();
    if (p.getTimeoutSeconds() == 0) {
      p.setTimeoutSeconds(1);
    }
    if (p.getPeriodSeconds() == 0) {
      p.setPeriodSeconds(10);
    }
    if (p.getSuccessThreshold() == 0) {
      p.setSuccessThreshold(1);
    }
    if (p.getFailureThreshold() == 0) {
      p.setFailureThreshold(3);
    }
    if (p.hasHttpGet()) {
      HTTPGetAction.Builder get = p.getHttpGet().toBuilder();
      if (get.getPath().isEmpty()) {
        get.setPath("/");
      }
      if (get.getScheme().isEmpty()) {
        get.setScheme("HTTP");
      }
      p.setHttpGet(get);
    }
    return p.build();
  }

  private static Volume volume(Volume volume) {
    if (volume.hasConfigMap() && !volume.getConfigMap().hasDefaultMode()) {
      return volume.toBuilder()
          .setConfigMap(volume.getConfigMap().toBuilder().setDefaultMode(VOLUME_DEFAULT_MODE)).build();
    }
    if (volume.hasSecret() && !volume.getSecret().hasDefaultMode()) {
      return volume.toBuilder()
          .setSecret(volume.getSecret().toBuilder().setDefaultMode(VOLUME_DEFAULT_MODE)).build();
    }
    return volume;
  }
}
