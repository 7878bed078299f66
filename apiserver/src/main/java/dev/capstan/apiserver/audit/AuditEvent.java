package dev.capstan.apiserver.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * One audit log line, shaped like Kubernetes' {@code audit.k8s.io/v1} Event at level Metadata:
 * who did what to which object and how it ended, never the object's body (it may be a Secret).
 * {@code responseStatus.code} is the gRPC status code name, not an HTTP code.
 */
@JsonPropertyOrder({"apiVersion", "kind", "level", "auditID", "stage", "requestReceivedTimestamp", "stageTimestamp",
    "verb", "user", "sourceIPs", "objectRef", "responseStatus", "latencySeconds"})
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AuditEvent(String apiVersion, String kind, String level, String auditID, String stage,
    String requestReceivedTimestamp, String stageTimestamp, String verb, User user, List<String> sourceIPs,
    ObjectRef objectRef, ResponseStatus responseStatus, double latencySeconds) {

  /** An event of a completed request; the constant fields are filled in. */
  public static AuditEvent completed(String auditID, Instant received, Instant completed, String verb, User user,
      List<String> sourceIPs, ObjectRef objectRef, ResponseStatus responseStatus, double latencySeconds) {
    return new AuditEvent("audit.k8s.io/v1", "Event", "Metadata", auditID, "ResponseComplete", received.toString(),
        completed.toString(), verb, user, sourceIPs, objectRef, responseStatus, latencySeconds);
  }

  /** The authenticated user. */
  public record User(String username, String uid, List<String> groups) {}

  /** The object acted on; {@code name} is empty for deletecollection. */
  @JsonPropertyOrder({"resource", "namespace", "name"})
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record ObjectRef(String resource, String namespace, String name) {}

  /** How the request ended: the gRPC code's name, e.g. OK, PERMISSION_DENIED, ABORTED. */
  public record ResponseStatus(String code) {}
}
