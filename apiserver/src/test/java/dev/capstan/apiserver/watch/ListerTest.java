package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lister follows the cache's changes, hands out decoded objects with their resourceVersion, and
 * keeps nothing for a namespace whose objects are all gone.
 */
class ListerTest {
  private final Lister<ServiceAccount> lister = new Lister<>(Kinds.SERVICE_ACCOUNT);

  private final SelectorFieldReader reader = new SelectorFieldReader(Kinds.SERVICE_ACCOUNT);

  /** As the cache holds it: stored without a resourceVersion, at revision 7. */
  private CachedObject<ServiceAccount> sa(String namespace, String name) {
    ServiceAccount stored = ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)).build();
    return CachedObject.of(Kinds.SERVICE_ACCOUNT, reader, stored.toByteString(), 7);
  }

  /** As a reader gets it back: decoded, with its resourceVersion. */
  private static ServiceAccount read(String namespace, String name) {
    return ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name).setResourceVersion("7")).build();
  }

  @Test
  void aNamespaceWhoseLastObjectIsDeletedIsDropped() {
    lister.reset(List.of(sa("a", "one"), sa("a", "two")));
    lister.changed(null, sa("b", "one"));
    assertThat(lister.namespaceCount()).isEqualTo(2);

    lister.changed(sa("a", "one"), null);
    assertThat(lister.get("a", "one")).isEmpty();
    assertThat(lister.list("a")).containsExactly(read("a", "two"));
    lister.changed(sa("a", "two"), null);
    lister.changed(sa("b", "one"), null);
    assertThat(lister.namespaceCount()).isZero();
    assertThat(lister.list("a")).isEmpty();

    lister.changed(null, sa("a", "three"));
    assertThat(lister.get("a", "three")).contains(read("a", "three"));
  }

  @Test
  void aListerOfAKindReadOnEveryRequestDecodesEachVersionOnceOthersOnEveryRead() {
    Lister<ServiceAccount> kept = new Lister<>(Kinds.SERVICE_ACCOUNT, true);
    kept.reset(List.of(sa("a", "one")));
    assertThat(kept.get("a", "one").orElseThrow()).isSameAs(kept.get("a", "one").orElseThrow())
        .isEqualTo(read("a", "one"));
    lister.reset(List.of(sa("a", "one")));
    assertThat(lister.get("a", "one").orElseThrow()).isNotSameAs(lister.get("a", "one").orElseThrow())
        .isEqualTo(read("a", "one"));
    // a new version is decoded anew, not answered from the old one's kept copy
    ServiceAccount stored = ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("a").setName("one")).build();
    kept.changed(null, CachedObject.of(Kinds.SERVICE_ACCOUNT, reader, stored.toByteString(), 8));
    assertThat(kept.get("a", "one").orElseThrow().getMetadata().getResourceVersion()).isEqualTo("8");
  }
}
