package dev.capstan.apiserver.service;

import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.BoundObjectReference;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.TokenRequest;
import dev.capstan.api.core.v1.TokenRequestStatus;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.ServiceAccountClaims;
import dev.capstan.apiserver.authn.ServiceAccountTokens;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.NodeRestriction;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The serviceaccounts/token subresource (ServiceAccounts.CreateToken, Kubernetes' TokenRequest):
 * a token for an existing ServiceAccount, for the audiences asked for (the API's by default), valid
 * for {@code spec.expirationSeconds} (3600 by default; at least 600 and at most 2^32, Kubernetes'
 * bounds). Nothing is stored: the token is verifiable by its signature alone.
 *
 * <p>With {@code spec.boundObjectRef} (kind Pod, a name, optionally the uid) the token is bound to
 * that pod of the namespace, which must run as this ServiceAccount: it carries the pod's name and
 * uid, and stops authenticating once the pod is gone. A node agent may only ask for tokens bound to
 * pods on its own node ({@link NodeRestriction#tokenRequestDenial}).
 */
public final class ServiceAccountTokenRequests {
  public static final long DEFAULT_EXPIRATION_SECONDS = 3600;
  public static final long MIN_EXPIRATION_SECONDS = 600;
  public static final long MAX_EXPIRATION_SECONDS = 1L << 32;

  private final ResourceRegistry<ServiceAccount> serviceAccounts;
  private final ResourceRegistry<Pod> pods;
  private final Supplier<ServiceAccountTokens> tokens;
  private final Clock clock;
  private final NodeRestriction nodeRestriction = new NodeRestriction();

  /** @param tokens the issuer, available once the apiserver has loaded the cluster's key */
  public ServiceAccountTokenRequests(ResourceRegistry<ServiceAccount> serviceAccounts, ResourceRegistry<Pod> pods,
      Supplier<ServiceAccountTokens> tokens, Clock clock) {
    this.serviceAccounts = serviceAccounts;
    this.pods = pods;
    this.tokens = tokens;
    this.clock = clock;
  }

  public TokenRequest create(TokenRequest request) {
    String namespace = request.getMetadata().getNamespace();
    String name = request.getMetadata().getName();
    if (namespace.isEmpty()) {
      throw ApiErrors.badRequest("metadata.namespace: Required value: the ServiceAccount's namespace");
    }
    if (name.isEmpty()) {
      throw ApiErrors.badRequest("metadata.name: Required value: the ServiceAccount's name");
    }
    long seconds = request.getSpec().hasExpirationSeconds() ? request.getSpec().getExpirationSeconds()
        : DEFAULT_EXPIRATION_SECONDS;
    if (seconds < MIN_EXPIRATION_SECONDS) {
      throw ApiErrors.badRequest("spec.expirationSeconds: Invalid value: " + seconds
          + ": may not specify a duration less than 10 minutes");
    }
    if (seconds > MAX_EXPIRATION_SECONDS) {
      throw ApiErrors.badRequest("spec.expirationSeconds: Invalid value: " + seconds
          + ": may not specify a duration larger than 2^32 seconds");
    }
    List<String> audiences = request.getSpec().getAudiencesCount() == 0 ? List.of(ServiceAccountTokens.API_AUDIENCE)
        : request.getSpec().getAudiencesList();
    for (int i = 0; i < audiences.size(); i++) {
      if (audiences.get(i).isBlank()) {
        throw ApiErrors.badRequest("spec.audiences[" + i + "]: Required value: an audience may not be empty");
      }
    }
    Optional<Pod> pod = request.getSpec().hasBoundObjectRef()
        ? Optional.of(boundPod(namespace, name, request.getSpec().getBoundObjectRef())) : Optional.empty();
    Optional<UserInfo> user = AuthenticationInterceptor.currentUser();
    if (user.isPresent()) {
      Optional<String> denial = nodeRestriction.tokenRequestDenial(user.get(), namespace, name, pod);
      if (denial.isPresent()) {
        throw Status.PERMISSION_DENIED.withDescription("serviceaccounts \"" + name + "\" is forbidden: "
            + denial.get()).asRuntimeException();
      }
    }
    ServiceAccount sa = serviceAccounts.get(namespace, name);
    Instant expiry = clock.instant().plusSeconds(seconds);
    String token = tokens.get().issue(namespace, name, sa.getMetadata().getUid(), audiences,
        Duration.ofSeconds(seconds), pod.map(p -> new ServiceAccountClaims.BoundPod(p.getMetadata().getName(),
            p.getMetadata().getUid())));
    TokenRequest.Builder reply = request.toBuilder().setApiVersion("authentication.k8s.io/v1").setKind("TokenRequest");
    reply.getSpecBuilder().clearAudiences().addAllAudiences(audiences).setExpirationSeconds(seconds);
    pod.ifPresent(p -> reply.getSpecBuilder().getBoundObjectRefBuilder().setApiVersion("v1")
        .setUid(p.getMetadata().getUid()));
    reply.setStatus(TokenRequestStatus.newBuilder().setToken(token)
        .setExpirationTimestamp(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond())));
    return reply.build();
  }

  /** The pod a token is to be bound to: it must exist (with the uid, if given) and run as this ServiceAccount. */
  private Pod boundPod(String namespace, String serviceAccount, BoundObjectReference ref) {
    if (!ref.getKind().equals("Pod")) {
      throw ApiErrors.badRequest("spec.boundObjectRef.kind: unsupported value \"" + ref.getKind()
          + "\": supported values: \"Pod\"");
    }
    if (ref.getName().isEmpty()) {
      throw ApiErrors.badRequest("spec.boundObjectRef.name: required");
    }
    Pod pod = pods.find(namespace, ref.getName()).orElseThrow(() -> Status.NOT_FOUND.withDescription(
        "spec.boundObjectRef: pods \"" + ref.getName() + "\" not found in namespace \"" + namespace + "\"")
        .asRuntimeException());
    if (!ref.getUid().isEmpty() && !ref.getUid().equals(pod.getMetadata().getUid())) {
      throw Status.FAILED_PRECONDITION.withDescription("spec.boundObjectRef.uid: the uid " + ref.getUid()
          + " is not that of pod \"" + ref.getName() + "\" (" + pod.getMetadata().getUid() + ")").asRuntimeException();
    }
    if (!pod.getSpec().getServiceAccountName().equals(serviceAccount)) {
      throw ApiErrors.badRequest("spec.boundObjectRef: cannot bind a token for serviceaccount \"" + serviceAccount
          + "\" to pod \"" + ref.getName() + "\", which runs as serviceaccount \""
          + pod.getSpec().getServiceAccountName() + "\"");
    }
    return pod;
  }
}
