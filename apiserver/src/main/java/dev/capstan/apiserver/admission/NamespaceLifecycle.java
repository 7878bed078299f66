package dev.capstan.apiserver.admission;

import dev.capstan.api.core.v1.Namespace;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * NamespaceLifecycle admission, as Kubernetes': nothing is created in a namespace that does not
 * exist (NOT_FOUND) or is being terminated (PERMISSION_DENIED).
 *
 * <p>The namespace is looked up in the namespaces' watch cache, and in the store only where the
 * cache cannot be trusted: on a miss (a namespace created a moment ago, through this server or
 * another, that the cache has not seen yet), and, for {@link #FORCE_LIVE_LOOKUP_TTL} after this
 * server was asked to delete a namespace, for that namespace while the cache still shows it active
 * (so a create right after the delete is refused). It remembers at most
 * {@link #FORCE_LIVE_LOOKUP_ENTRIES} recent deletes, the oldest going first.
 */
public final class NamespaceLifecycle implements Admission, ResourceRegistry.NamespaceCheck {
  /** Kubernetes' forceLiveLookupTTL. */
  public static final Duration FORCE_LIVE_LOOKUP_TTL = Duration.ofSeconds(30);
  static final int FORCE_LIVE_LOOKUP_ENTRIES = 1000;

  private final Function<String, Optional<Namespace>> cached;
  private final Function<String, Optional<Namespace>> live;
  private final Clock clock;
  /** Namespace name, then until when it is looked up in the store; in order of deletion. */
  private final Map<String, Instant> recentlyDeleted = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
      return size() > FORCE_LIVE_LOOKUP_ENTRIES;
    }
  };

  /**
   * @param cached finds a namespace by name in the watch cache
   * @param live finds a namespace by name in the store
   */
  public NamespaceLifecycle(Function<String, Optional<Namespace>> cached, Function<String, Optional<Namespace>> live,
      Clock clock) {
    this.cached = cached;
    this.live = live;
    this.clock = clock;
  }

  @Override
  public void checkCreate(String namespace) {
    Optional<Namespace> ns = cached.apply(namespace);
    if (ns.isEmpty() || (!terminating(ns.get()) && recentlyDeleted(namespace))) {
      ns = live.apply(namespace);
    }
    if (ns.isEmpty()) {
      throw Status.NOT_FOUND.withDescription("namespaces \"" + namespace + "\" not found").asRuntimeException();
    }
    if (terminating(ns.get())) {
      throw Status.PERMISSION_DENIED.withDescription("unable to create new content in namespace " + namespace
          + " because it is being terminated").asRuntimeException();
    }
  }

  @Override
  public void admitDelete(Kind<?> kind, String namespace, String name) {
    if (kind == Kinds.NAMESPACE) {
      synchronized (recentlyDeleted) {
        recentlyDeleted.remove(name);  // re-inserted: the order is that of the latest delete
        recentlyDeleted.put(name, clock.instant().plus(FORCE_LIVE_LOOKUP_TTL));
      }
    }
  }

  private boolean recentlyDeleted(String namespace) {
    synchronized (recentlyDeleted) {
      Instant until = recentlyDeleted.get(namespace);
      if (until == null) {
        return false;
      }
      if (clock.instant().isBefore(until)) {
        return true;
      }
      recentlyDeleted.remove(namespace);
      return false;
    }
  }

  private static boolean terminating(Namespace ns) {
    return ns.getMetadata().hasDeletionTimestamp() || ns.getStatus().getPhase().equals("Terminating");
  }
}
