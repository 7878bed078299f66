package dev.capstan.apiserver.authn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ratelimit.ManualClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Where the authenticator looks a token's ServiceAccount up: the cache, and the store only when the
 * cache has no ServiceAccount of that name and uid. (ServiceAccountsAndQuotasTest does the same
 * through real apiservers on a real store.)
 */
class ServiceAccountAuthenticatorTest {
  private final ManualClock clock = new ManualClock();
  private final ServiceAccountTokens tokens = new ServiceAccountTokens(ServiceAccountKey.generate(), clock);
  private final Map<String, ServiceAccount> cache = new HashMap<>();
  private final Map<String, ServiceAccount> store = new HashMap<>();
  private final AtomicInteger storeReads = new AtomicInteger();
  private final Map<String, Pod> cachedPods = new HashMap<>();
  private final Map<String, Pod> storedPods = new HashMap<>();
  private final ServiceAccountAuthenticator authenticator = new ServiceAccountAuthenticator(tokens,
      (ns, name) -> Optional.ofNullable(cache.get(ns + "/" + name)),
      (ns, name) -> {
        storeReads.incrementAndGet();
        return Optional.ofNullable(store.get(ns + "/" + name));
      },
      (ns, name) -> Optional.ofNullable(cachedPods.get(ns + "/" + name)),
      (ns, name) -> Optional.ofNullable(storedPods.get(ns + "/" + name)), clock);

  private static ServiceAccount robot(String uid) {
    return ServiceAccount.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("robot")
        .setUid(uid)).build();
  }

  private String tokenFor(String uid) {
    return tokens.issue("team", "robot", uid, List.of(ServiceAccountTokens.API_AUDIENCE), Duration.ofHours(1));
  }

  @Test
  void aServiceAccountInTheCacheAuthenticatesWithoutAStoreRead() {
    cache.put("team/robot", robot("uid-1"));
    store.put("team/robot", robot("uid-1"));
    for (int i = 0; i < 3; i++) {
      assertThat(authenticator.authenticate(tokenFor("uid-1")).orElseThrow().name())
          .isEqualTo("system:serviceaccount:team:robot");
    }
    assertThat(storeReads).hasValue(0);
  }

  @Test
  void oneTheCacheHasNotSeenYetIsLookedUpInTheStore() {
    store.put("team/robot", robot("uid-2"));
    cache.put("team/robot", robot("uid-1"));  // the one deleted before uid-2 was made
    assertThat(authenticator.authenticate(tokenFor("uid-2"))).isPresent();
    cache.clear();
    assertThat(authenticator.authenticate(tokenFor("uid-2"))).isPresent();
    assertThat(storeReads).hasValue(2);
  }

  @Test
  void aDeletedOrReplacedServiceAccountsTokensAreRefused() {
    assertThat(authenticator.authenticate(tokenFor("uid-1"))).isEmpty();
    cache.put("team/robot", robot("uid-2"));
    store.put("team/robot", robot("uid-2"));
    assertThat(authenticator.authenticate(tokenFor("uid-1"))).isEmpty();
    assertThat(authenticator.authenticate("not-a-jwt")).isEmpty();
  }

  @Test
  void aRefusalByTheStoreIsRememberedForAFewSecondsThenAskedAgain() {
    String deleted = tokenFor("uid-1");
    for (int i = 0; i < 5; i++) {
      assertThat(authenticator.authenticate(deleted)).isEmpty();
    }
    assertThat(storeReads).hasValue(1);
    // Another token of the same deleted ServiceAccount is refused from memory too.
    clock.advance(Duration.ofSeconds(1));
    assertThat(authenticator.authenticate(tokenFor("uid-1"))).isEmpty();
    assertThat(storeReads).hasValue(1);

    clock.advance(ServiceAccountAuthenticator.REFUSAL_TTL);
    store.put("team/robot", robot("uid-1"));  // not a real sequence (uids are not reused): proves the store is asked
    assertThat(authenticator.authenticate(deleted)).isPresent();
    assertThat(storeReads).hasValue(2);
  }

  @Test
  void refusalsAreRememberedForABoundedNumberOfServiceAccounts() {
    for (int i = 0; i <= ServiceAccountAuthenticator.REFUSALS_REMEMBERED; i++) {
      assertThat(authenticator.authenticate(tokenFor("uid-" + i))).isEmpty();
    }
    int reads = storeReads.get();
    // uid-0's refusal was the oldest and made room for the last one; the last is still remembered.
    assertThat(authenticator.authenticate(tokenFor("uid-0"))).isEmpty();
    assertThat(authenticator.authenticate(tokenFor("uid-" + ServiceAccountAuthenticator.REFUSALS_REMEMBERED)))
        .isEmpty();
    assertThat(storeReads).hasValue(reads + 1);
  }

  private static Pod worker(String uid) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("worker").setUid(uid))
        .build();
  }

  private String boundTokenFor(String podUid) {
    return tokens.issue("team", "robot", "uid-1", List.of(ServiceAccountTokens.API_AUDIENCE), Duration.ofHours(1),
        Optional.of(new ServiceAccountClaims.BoundPod("worker", podUid)));
  }

  @Test
  void aTokenBoundToAPodAuthenticatesWhileThatPodExistsInTheCacheOrTheStore() {
    cache.put("team/robot", robot("uid-1"));
    assertThat(authenticator.authenticate(boundTokenFor("pod-1"))).isEmpty();  // no such pod anywhere

    storedPods.put("team/worker", worker("pod-1"));  // created a moment ago: not cached yet
    assertThat(authenticator.authenticate(boundTokenFor("pod-1")).orElseThrow().name())
        .isEqualTo("system:serviceaccount:team:robot");
    cachedPods.put("team/worker", worker("pod-1"));
    storedPods.clear();
    assertThat(authenticator.authenticate(boundTokenFor("pod-1"))).isPresent();

    // Deleted and made again under the same name: another uid, another pod.
    cachedPods.put("team/worker", worker("pod-2"));
    storedPods.put("team/worker", worker("pod-2"));
    assertThat(authenticator.authenticate(boundTokenFor("pod-1"))).isEmpty();
    assertThat(authenticator.authenticate(boundTokenFor("pod-2"))).isPresent();
  }
}
