package dev.capstan.apiserver.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.google.protobuf.Message;
import java.time.Instant;
import java.util.List;

/**
 * One audit log line, shaped like Kubernetes' {@code audit.k8s.io/v1} Event: who did what to
 * which object and how it ended; at level Request also the request's body ({@code requestObject}),
 * at RequestResponse also the response's ({@code responseObject}), both in their Kubernetes JSON
 * form. The bodies are kept as messages and turned into JSON by the log's writer thread, not by
 * the request. {@code responseStatus.code} is the gRPC status code name, not an HTTP code.
 */
@JsonPropertyOrder({"apiVersion", "kind", "level", "auditID", "stage", "requestReceivedTimestamp", "stageTimestamp",
    "verb", "user", "sourceIPs", "objectRef", "responseStatus", "requestObject", "responseObject", "latencySeconds"})
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AuditEvent(String apiVersion, String kind, String level, String auditID, String stage,
    String requestReceivedTimestamp, String stageTimestamp, String verb, User user, List<String> sourceIPs,
    ObjectRef objectRef, ResponseStatus responseStatus,
    @JsonSerialize(using = ObjectBodySerializer.class) Message requestObject,
    @JsonSerialize(using = ObjectBodySerializer.class) Message responseObject,
    double latencySeconds) {

  /**
   * An event at {@code stage} of a request at {@code level}; the constant fields are filled in.
   * {@code responseStatus} is null before the request ends, the bodies null where the level leaves them out.
   */
  public static AuditEvent of(AuditLevel level, AuditStage stage, String auditID, Instant received, Instant at,
      String verb, User user, List<String> sourceIPs, ObjectRef objectRef, ResponseStatus responseStatus,
      Message requestObject, Message responseObject, double latencySeconds) {
    return new AuditEvent("audit.k8s.io/v1", "Event", level.wireName(), auditID, stage.wireName(), received.toString(),
        at.toString(), verb, user, sourceIPs, objectRef, responseStatus, requestObject, responseObject,
        latencySeconds);
  }

  /** The authenticated user. */
  public record User(String username, String uid, List<String> groups) {}

  /**
   * The object acted on; {@code name} is empty for list, watch and deletecollection, {@code apiGroup}
   * for the core group, {@code subresource} for the object itself.
   */
  @JsonPropertyOrder({"resource", "namespace", "name", "apiGroup", "apiVersion", "subresource"})
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record ObjectRef(String resource, String namespace, String name, String apiGroup, String apiVersion,
      String subresource) {}

  /** How the request ended: the gRPC code's name (OK, PERMISSION_DENIED, ABORTED) and its message. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record ResponseStatus(String code, String message) {}
}
