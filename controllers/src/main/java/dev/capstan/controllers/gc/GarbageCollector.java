package dev.capstan.controllers.gc;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import dev.capstan.controllers.framework.SharedInformerFactory;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes objects whose owners are gone: Kubernetes' garbage collector with background propagation.
 * Deleting a Deployment so removes its ReplicaSets, and they their pods.
 *
 * <p>It watches the kinds it is given (through shared informers). An object is checked when it
 * appears or its owner references change, and again when an object it references is deleted. For
 * each owner reference it asks its caches first; an owner the cache does not show (or a kind it does
 * not watch) is confirmed with a live GET before anything is deleted, since a lagging cache must
 * never cost a live object. The object is then handled by {@link DependentVerdict}: deleted (with
 * its uid and resourceVersion as preconditions) when no owner remains, stripped of dangling references when some do.
 * Owners of kinds it does not watch are looked up live, but their deletion is noticed only on the
 * dependent's next event or resync. Orphan propagation needs nothing here: the apiserver strips
 * the owner references before the owner goes (docs/api.md). Foreground propagation is not
 * implemented.
 */
public final class GarbageCollector implements Controller {
  public static final String NAME = "garbage-collector";
  private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

  private final CapstanClient client;
  private final Map<Kind<?>, Monitor<?>> monitors = new LinkedHashMap<>();
  private final Map<String, Monitor<?>> monitorsByResource = new LinkedHashMap<>();
  private final DependentIndex dependents = new DependentIndex();
  private final ControllerLoop loop;

  /** @param kinds the kinds to collect and to look owners up in, e.g. Deployment, ReplicaSet, Pod */
  public GarbageCollector(CapstanClient client, SharedInformerFactory informers, List<Kind<?>> kinds, Clock clock,
      ControllerMetrics metrics) {
    this.client = Objects.requireNonNull(client, "client");
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    for (Kind<?> kind : kinds) {
      addMonitor(kind, informers);
    }
  }

  private <T extends Message> void addMonitor(Kind<T> kind, SharedInformerFactory informers) {
    var informer = informers.informerFor(kind);
    Monitor<T> monitor = new Monitor<>(kind, informer.lister(), client.resource(kind));
    monitors.put(kind, monitor);
    monitorsByResource.put(kind.resource(), monitor);
    informer.addEventHandler(monitor);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(int workers) {
    loop.start(workers);
  }

  @Override
  public void close() {
    loop.close();
  }

  /** A watched kind: its cache, its client, and the events that put its objects on the queue. */
  private final class Monitor<T extends Message> implements ResourceEventHandler<T> {
    final Kind<T> kind;
    final Lister<T> lister;
    final ResourceClient<T> resource;

    Monitor(Kind<T> kind, Lister<T> lister, ResourceClient<T> resource) {
      this.kind = kind;
      this.lister = lister;
      this.resource = resource;
    }

    String itemKey(ObjectMeta meta) {
      return kind.resource() + ":" + (kind.namespaced() ? meta.getNamespace() + "/" : "") + meta.getName();
    }

    @Override
    public void onAdd(T obj) {
      ObjectMeta meta = kind.metadata(obj);
      dependents.add(itemKey(meta), meta);
      if (meta.getOwnerReferencesCount() > 0) {
        loop.enqueue(itemKey(meta));
      }
    }

    @Override
    public void onUpdate(T old, T obj) {
      ObjectMeta oldMeta = kind.metadata(old);
      ObjectMeta meta = kind.metadata(obj);
      if (oldMeta.getResourceVersion().equals(meta.getResourceVersion())) {
        // A resync: check owned objects now and then, in case an owner's deletion was missed.
        if (meta.getOwnerReferencesCount() > 0) {
          loop.enqueue(itemKey(meta));
        }
        return;
      }
      if (!oldMeta.getOwnerReferencesList().equals(meta.getOwnerReferencesList())) {
        dependents.update(itemKey(meta), oldMeta.getOwnerReferencesList(), meta.getOwnerReferencesList());
        if (meta.getOwnerReferencesCount() > 0) {
          loop.enqueue(itemKey(meta));
        }
      }
    }

    @Override
    public void onDelete(T obj) {
      ObjectMeta meta = kind.metadata(obj);
      dependents.remove(itemKey(meta), meta);
      for (String dependent : dependents.dependents(meta.getUid())) {
        loop.enqueue(dependent);
      }
    }

    /** Whether the cache shows an object with this name and uid. */
    boolean cached(String namespace, String name, String uid) {
      return lister.get(namespace, name).map(o -> kind.metadata(o).getUid().equals(uid)).orElse(false);
    }
  }

  // ---------------------------------------------------------------- sync

  private void sync(String item) {
    int colon = item.indexOf(':');
    Monitor<?> m = colon < 0 ? null : monitorsByResource.get(item.substring(0, colon));
    if (m == null) {
      throw new IllegalArgumentException("item: \"" + item + "\" names no watched resource");
    }
    process(m, ObjectKey.parse(item.substring(colon + 1)));
  }

  private <T extends Message> void process(Monitor<T> m, ObjectKey key) {
    Optional<T> cached = m.lister.get(key.namespace(), key.name());
    if (cached.isEmpty()) {
      return;
    }
    T obj = cached.get();
    ObjectMeta meta = m.kind.metadata(obj);
    if (meta.hasDeletionTimestamp() || meta.getOwnerReferencesCount() == 0) {
      return;
    }
    Map<OwnerReference, OwnerState> owners = new LinkedHashMap<>();
    for (OwnerReference ref : meta.getOwnerReferencesList()) {
      owners.put(ref, ownerState(ref, meta.getNamespace()));
    }
    DependentVerdict verdict = DependentVerdict.of(owners);
    switch (verdict.action()) {
      case KEEP -> { }
      case DELETE -> delete(m, meta);
      case REMOVE_DANGLING_REFERENCES -> removeDangling(m, obj, verdict.dangling());
    }
  }

  private OwnerState ownerState(OwnerReference ref, String dependentNamespace) {
    Optional<Kind<? extends Message>> kind = Kinds.byTypeMeta(ref.getApiVersion(), ref.getKind());
    if (kind.isEmpty()) {
      return OwnerState.UNKNOWN;
    }
    String namespace = kind.get().namespaced() ? dependentNamespace : "";
    Monitor<?> monitor = monitors.get(kind.get());
    if (monitor != null && monitor.cached(namespace, ref.getName(), ref.getUid())) {
      return OwnerState.PRESENT;
    }
    // The cache may lag (an owner just created): only the apiserver can say it is gone.
    try {
      Message live = client.resource(kind.get()).get(namespace, ref.getName());
      return kind.get().metadata(live).getUid().equals(ref.getUid()) ? OwnerState.PRESENT : OwnerState.ABSENT;
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return OwnerState.ABSENT;
      }
      throw e;
    }
  }

  private <T extends Message> void delete(Monitor<T> m, ObjectMeta meta) {
    try {
      m.resource.delete(DeleteRequest.newBuilder()
          .setNamespace(meta.getNamespace())
          .setName(meta.getName())
          // The resourceVersion too: the verdict was made on the cached object, and one whose owner
          // references changed since (an Orphan delete strips them before the owner goes) must be
          // looked at again, not deleted. A conflict puts it back on the queue.
          .setPreconditions(Preconditions.newBuilder().setUid(meta.getUid())
              .setResourceVersion(meta.getResourceVersion()))
          .setPropagationPolicy("Background")
          .build());
      log.info("{}: deleted {} {}/{}: its owners are gone", NAME, m.kind.kind(), meta.getNamespace(),
          meta.getName());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
    }
  }

  private <T extends Message> void removeDangling(Monitor<T> m, T obj, List<OwnerReference> dangling) {
    ObjectMeta meta = m.kind.metadata(obj);
    ObjectMeta.Builder b = meta.toBuilder().clearOwnerReferences();
    for (OwnerReference ref : meta.getOwnerReferencesList()) {
      if (!dangling.contains(ref)) {
        b.addOwnerReferences(ref);
      }
    }
    try {
      m.resource.update(m.kind.withMetadata(obj, b.build()));
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
    }
  }
}
