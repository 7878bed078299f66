package dev.capstan.apiserver.service;

import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.TokenRequest;
import dev.capstan.api.core.v1.TokenRequestStatus;
import dev.capstan.apiserver.authn.ServiceAccountTokens;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * The serviceaccounts/token subresource (ServiceAccounts.CreateToken, Kubernetes' TokenRequest):
 * a token for an existing ServiceAccount, for the audiences asked for (the API's by default), valid
 * for {@code spec.expirationSeconds} (3600 by default; at least 600 and at most 2^32, Kubernetes'
 * bounds). Nothing is stored: the token is verifiable by its signature alone.
 */
public final class ServiceAccountTokenRequests {
  public static final long DEFAULT_EXPIRATION_SECONDS = 3600;
  public static final long MIN_EXPIRATION_SECONDS = 600;
  public static final long MAX_EXPIRATION_SECONDS = 1L << 32;

  private final ResourceRegistry<ServiceAccount> serviceAccounts;
  private final Supplier<ServiceAccountTokens> tokens;
  private final Clock clock;

  /** @param tokens the issuer, available once the apiserver has loaded the cluster's key */
  public ServiceAccountTokenRequests(ResourceRegistry<ServiceAccount> serviceAccounts,
      Supplier<ServiceAccountTokens> tokens, Clock clock) {
    this.serviceAccounts = serviceAccounts;
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
    ServiceAccount sa = serviceAccounts.get(namespace, name);
    Instant expiry = clock.instant().plusSeconds(seconds);
    String token = tokens.get().issue(namespace, name, sa.getMetadata().getUid(), audiences,
        Duration.ofSeconds(seconds));
    TokenRequest.Builder reply = request.toBuilder().setApiVersion("authentication.k8s.io/v1").setKind("TokenRequest");
    reply.getSpecBuilder().clearAudiences().addAllAudiences(audiences).setExpirationSeconds(seconds);
    reply.setStatus(TokenRequestStatus.newBuilder().setToken(token)
        .setExpirationTimestamp(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond())));
    return reply.build();
  }
}
