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
 * the owner references before the owner goes (docs/api.md). Foreground propagation: an owner the
 * apiserver marked with the {@value #FOREGROUND_DELETION} finalizer has its dependents deleted
 * first, then loses the finalizer ({@link #deleteDependentsFirst}).
 */
public final class GarbageCollector implements Controller {
  public static final String NAME = "garbage-collector";
  /** The finalizer of an object deleted with propagationPolicy Foreground (the apiserver adds it). */
  public static final String FOREGROUND_DELETION = "foregroundDeletion";
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
      if (meta.getOwnerReferencesCount() > 0 || deletingInForeground(meta)) {
        loop.enqueue(itemKey(meta));
      }
    }

    @Override
    public void onUpdate(T old, T obj) {
      ObjectMeta oldMeta = kind.metadata(old);
      ObjectMeta meta = kind.metadata(obj);
      if (oldMeta.getResourceVersion().equals(meta.getResourceVersion())) {
        // A resync: check owned objects now and then, in case an owner's deletion was missed.
        if (meta.getOwnerReferencesCount() > 0 || deletingInForeground(meta)) {
          loop.enqueue(itemKey(meta));
        }
        return;
      }
      if (deletingInForeground(meta)) {
        loop.enqueue(itemKey(meta));
      }
      if (!oldMeta.hasDeletionTimestamp() && meta.hasDeletionTimestamp()) {
        // A dependent going away may be what an owner deleted in foreground waits for.
        enqueueOwners(meta);
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
      enqueueOwners(meta);
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
    if (deletingInForeground(meta)) {
      deleteDependentsFirst(m, obj);
      return;
    }
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

  private static boolean deletingInForeground(ObjectMeta meta) {
    return meta.hasDeletionTimestamp() && meta.getFinalizersList().contains(FOREGROUND_DELETION);
  }

  /** Puts the watched owners of {@code meta} on the queue, for those deleted in foreground. */
  private void enqueueOwners(ObjectMeta meta) {
    for (OwnerReference ref : meta.getOwnerReferencesList()) {
      Kinds.byTypeMeta(ref.getApiVersion(), ref.getKind()).map(monitors::get).ifPresent(owner ->
          loop.enqueue(owner.kind.resource() + ":" + (owner.kind.namespaced() ? meta.getNamespace() + "/" : "")
              + ref.getName()));
    }
  }

  /**
   * Foreground propagation, as Kubernetes does it: every dependent not yet being deleted is
   * deleted (in foreground itself when it has dependents of its own, so a tree goes bottom-up);
   * once no dependent that blocks its owner's deletion ({@code blockOwnerDeletion}) is left, the
   * owner's {@value #FOREGROUND_DELETION} finalizer is removed and the apiserver deletes it.
   * Dependents are found in the watched kinds' caches only.
   */
  private <T extends Message> void deleteDependentsFirst(Monitor<T> m, T owner) {
    ObjectMeta meta = m.kind.metadata(owner);
    boolean blocked = false;
    for (String item : dependents.dependents(meta.getUid())) {
      int colon = item.indexOf(':');
      Monitor<?> dm = monitorsByResource.get(item.substring(0, colon));
      ObjectKey key = ObjectKey.parse(item.substring(colon + 1));
      Optional<ObjectMeta> dependent = dm.lister.get(key.namespace(), key.name()).map(o -> metadataOf(dm, o));
      if (dependent.isEmpty()) {
        continue;
      }
      ObjectMeta d = dependent.get();
      Optional<OwnerReference> ref = d.getOwnerReferencesList().stream()
          .filter(r -> r.getUid().equals(meta.getUid())).findFirst();
      if (ref.isEmpty()) {
        continue;
      }
      blocked |= ref.get().getBlockOwnerDeletion();
      if (!d.hasDeletionTimestamp()) {
        String policy = dependents.dependents(d.getUid()).isEmpty() ? "Background" : "Foreground";
        deleteDependent(dm, d, policy, meta);
      }
    }
    if (!blocked) {
      removeForegroundFinalizer(m, owner);
    }
  }

  @SuppressWarnings("unchecked")
  private static <D extends Message> ObjectMeta metadataOf(Monitor<D> monitor, Object obj) {
    return monitor.kind.metadata((D) obj);
  }

  private void deleteDependent(Monitor<?> m, ObjectMeta d, String policy, ObjectMeta owner) {
    try {
      m.resource.delete(DeleteRequest.newBuilder()
          .setNamespace(d.getNamespace())
          .setName(d.getName())
          .setPreconditions(Preconditions.newBuilder().setUid(d.getUid()))
          .setPropagationPolicy(policy)
          .build());
      log.info("{}: deleted {} {}/{} before its owner {} (foreground)", NAME, m.kind.kind(), d.getNamespace(),
          d.getName(), owner.getName());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
    }
  }

  private <T extends Message> void removeForegroundFinalizer(Monitor<T> m, T owner) {
    ObjectMeta meta = m.kind.metadata(owner);
    ObjectMeta.Builder b = meta.toBuilder().clearFinalizers();
    meta.getFinalizersList().stream().filter(f -> !f.equals(FOREGROUND_DELETION)).forEach(b::addFinalizers);
    try {
      // With its resourceVersion: a conflict (the owner changed) puts it back on the queue.
      m.resource.update(m.kind.withMetadata(owner, b.build()));
      log.info("{}: {} {}/{} has no blocking dependents left; finishing its foreground deletion", NAME,
          m.kind.kind(), meta.getNamespace(), meta.getName());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
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
