package dev.capstan.apiserver.defaulting;

import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.client.scheduling.Tolerations;

/**
 * Kubernetes' DefaultTolerationSeconds admission: a pod that tolerates neither the
 * {@code node.kubernetes.io/not-ready} nor the {@code node.kubernetes.io/unreachable} NoExecute
 * taint gets a toleration of it for 300 s, so that it is evicted 5 minutes after its node fails,
 * not at once. A pod sets its own tolerations (other seconds, or none for ever) to choose otherwise.
 * Pods only, not pod templates, as in Kubernetes.
 */
final class DefaultTolerationSeconds {
  static final String NOT_READY = "node.kubernetes.io/not-ready";
  static final String UNREACHABLE = "node.kubernetes.io/unreachable";
  static final long SECONDS = 300;

  private DefaultTolerationSeconds() {}

  static PodSpec apply(PodSpec spec) {
    PodSpec.Builder b = spec.toBuilder();
    for (String key : new String[] {NOT_READY, UNREACHABLE}) {
      Taint taint = Taint.newBuilder().setKey(key).setEffect(Tolerations.NO_EXECUTE).build();
      if (!Tolerations.anyTolerates(spec.getTolerationsList(), taint)) {
        b.addTolerations(Toleration.newBuilder().setKey(key).setOperator("Exists").setEffect(Tolerations.NO_EXECUTE)
            .setTolerationSeconds(SECONDS));
      }
    }
    return b.build();
  }
}
