package dev.capstan.apiserver.audit;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The stages of a request at which Kubernetes writes an audit event. Capstan writes
 * {@code ResponseStarted} (long-running calls only: watches, pods/log, pods/exec) and
 * {@code ResponseComplete}; {@code RequestReceived} and {@code Panic} are accepted in a policy's
 * {@code omitStages} but never written (a request is audited once its target is known, and a
 * failing handler ends as ResponseComplete with its gRPC code).
 */
public enum AuditStage {
  REQUEST_RECEIVED("RequestReceived"),
  RESPONSE_STARTED("ResponseStarted"),
  RESPONSE_COMPLETE("ResponseComplete"),
  PANIC("Panic");

  static final String NAMES = Arrays.stream(values()).map(AuditStage::wireName).collect(Collectors.joining(", "));

  private final String wireName;

  AuditStage(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** This stage as one bit of a set of stages (see {@link AuditPolicy.Decision#omits}). */
  int bit() {
    return 1 << ordinal();
  }

  static Optional<AuditStage> parse(String name) {
    return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
  }
}
