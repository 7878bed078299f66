package dev.capstan.apiserver.audit;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How much of a request the audit log records, Kubernetes' {@code audit.k8s.io/v1} levels in
 * increasing order: nothing, who did what to which object, also the request's body, also the
 * response's body.
 */
public enum AuditLevel {
  NONE("None"),
  METADATA("Metadata"),
  REQUEST("Request"),
  REQUEST_RESPONSE("RequestResponse");

  /** "None, Metadata, Request, RequestResponse", for error messages. */
  static final String NAMES = Arrays.stream(values()).map(AuditLevel::wireName).collect(Collectors.joining(", "));

  private final String wireName;

  AuditLevel(String wireName) {
    this.wireName = wireName;
  }

  /** The name in policies and events: "Metadata". */
  public String wireName() {
    return wireName;
  }

  public boolean atLeast(AuditLevel other) {
    return compareTo(other) >= 0;
  }

  static Optional<AuditLevel> parse(String name) {
    return Arrays.stream(values()).filter(l -> l.wireName.equals(name)).findFirst();
  }
}
