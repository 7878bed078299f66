package dev.capstan.apiserver.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.apiserver.defaulting.Defaulter;
import dev.capstan.apiserver.defaulting.Defaulters;
import dev.capstan.apiserver.validation.FieldError;
import dev.capstan.apiserver.validation.Validator;
import dev.capstan.apiserver.validation.Validators;
import dev.capstan.client.Kind;
import dev.capstan.client.ListResult;
import dev.capstan.client.manifest.ManifestCodec;
import dev.capstan.client.manifest.ManifestException;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The generic storage of one kind: Create, Get, List, Update, UpdateStatus, Patch, Delete and
 * DeleteCollection with Kubernetes' semantics on a {@link KeyValueStore}. Every write is a store
 * transaction that compares the key's mod_revision with the revision it read, so concurrent
 * writers never lose an update: a stale resourceVersion is ABORTED (409 Conflict).
 *
 * <p>Per-kind differences come from {@link ResourceStrategy}; defaults and validation from the
 * kind's {@link Defaulter} and {@link Validator}.
 */
public final class ResourceRegistry<T extends Message> {
  private static final int MAX_GENERATE_ATTEMPTS = 8;
  /** How often a read-modify-write (Patch, Delete, modify) is tried against concurrent writers. */
  private static final int MAX_ATTEMPTS = 16;
  private static final ObjectMergePatch MERGE_PATCH = new ObjectMergePatch(new ManifestCodec());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Kind<T> kind;
  private final KeyValueStore store;
  private final Clock clock;
  private final RandomGenerator random;
  private final ResourceStrategy<T> strategy;
  private final Defaulter<T> defaulter;
  private final Validator<T> validator;
  private final NamespaceCheck namespaceCheck;
  private final Orphaner orphaner;
  private final Allocator<T> allocator;
  private final Admission admission;
  private volatile ObjectCache<T> objectCache = (namespace, name) -> Optional.empty();

  /** Tells whether a namespace accepts new objects (NamespaceLifecycle admission). */
  public interface NamespaceCheck {
    /** Throws NOT_FOUND or FORBIDDEN-like status when objects may not be created in it. */
    void checkCreate(String namespace);
  }

  /**
   * Removes the owner references to an owner being deleted from its dependents, so that the
   * garbage collector leaves them be (propagationPolicy Orphan).
   */
  public interface Orphaner {
    Orphaner UNSUPPORTED = (kind, owner) -> {
      throw Status.UNIMPLEMENTED.withDescription("propagationPolicy: Orphan is not available here")
          .asRuntimeException();
    };

    void orphanDependents(Kind<?> ownerKind, ObjectMeta owner);
  }

  public ResourceRegistry(Kind<T> kind, KeyValueStore store, Clock clock, RandomGenerator random,
      NamespaceCheck namespaceCheck) {
    this(kind, store, clock, random, namespaceCheck, Orphaner.UNSUPPORTED);
  }

  public ResourceRegistry(Kind<T> kind, KeyValueStore store, Clock clock, RandomGenerator random,
      NamespaceCheck namespaceCheck, Orphaner orphaner) {
    this(kind, store, clock, random, namespaceCheck, orphaner, Allocator.none(), Admission.NONE);
  }

  public ResourceRegistry(Kind<T> kind, KeyValueStore store, Clock clock, RandomGenerator random,
      NamespaceCheck namespaceCheck, Orphaner orphaner, Allocator<T> allocator, Admission admission) {
    this.allocator = allocator;
    this.kind = kind;
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.strategy = ResourceStrategy.forKind(kind);
    this.defaulter = Defaulters.forKind(kind);
    this.validator = Validators.forKind(kind);
    this.namespaceCheck = namespaceCheck;
    this.orphaner = orphaner;
    this.admission = admission;
  }

  public Kind<T> kind() {
    return kind;
  }

  /**
   * Lets Update, UpdateStatus and Patch start from {@code cache}'s copy of the object instead of a
   * linearizable store read, as Kubernetes' apiserver starts from its watch cache. The write stays
   * conditional on the copy's revision; where the copy was behind, the store is read and the
   * update done again, so the outcome is the one a fresh read would have given.
   */
  public void useObjectCache(ObjectCache<T> cache) {
    this.objectCache = cache;
  }

  // ------------------------------------------------------------------ read

  public T get(String namespace, String name) {
    requireName(name);
    return find(namespace, name).orElseThrow(() -> ApiErrors.notFound(kind, name));
  }

  /**
   * The object cache's copy of the object, without a store read, when it has {@code uid} (never
   * for an empty one). The copy may lag the store, so it answers only what never changes for one
   * uid: a write carrying that uid can reach no other object, since {@link #update} and
   * {@link #updateStatus} refuse a uid that is not the stored object's.
   */
  public Optional<T> findCachedWithUid(String namespace, String name, String uid) {
    if (uid.isEmpty()) {
      return Optional.empty();
    }
    return objectCache.get(ns(namespace), name).filter(copy -> kind.metadata(copy).getUid().equals(uid));
  }

  /** The object with its resourceVersion, or empty. */
  public Optional<T> find(String namespace, String name) {
    RangeResponse r = await(store.range(RangeRequest.newBuilder()
        .setKey(StoreKeys.objectKey(kind, ns(namespace), name)).build()));
    return r.getKvsCount() == 0 ? Optional.empty() : Optional.of(decode(r.getKvs(0)));
  }

  /**
   * The store's current revision, read linearizably: every write acknowledged before this call is
   * at or below it. A get of the kind's prefix key itself, which no object has: a range over the
   * prefix would count every object of the kind.
   */
  public long currentRevision() {
    return await(store.range(RangeRequest.newBuilder().setKey(StoreKeys.prefix(kind, "")).setKeysOnly(true)
        .build())).getHeader().getRevision();
  }

  /**
   * One page of a List, read at one store revision: the current one for a first page, the
   * token's for the following pages.
   */
  public ListResult<T> list(ListRequest request) {
    ObjectFilter<T> filter = ObjectFilter.of(kind, request.getNamespace(), request.getLabelSelector(),
        request.getFieldSelector());
    if (request.getLimit() < 0) {
      throw ApiErrors.badRequest("limit: must be greater than or equal to 0");
    }
    ByteString prefix = StoreKeys.prefix(kind, filter.namespace());
    ByteString end = StoreKeys.rangeEnd(prefix);
    long revision = 0;
    ByteString start = prefix;
    if (!request.getContinue().isEmpty()) {
      ContinueToken token = ContinueToken.decode(request.getContinue());
      revision = token.revision();
      start = token.startKey();
    } else if (!request.getResourceVersion().isEmpty() && !request.getResourceVersion().equals("0")) {
      revision = parseResourceVersion(request.getResourceVersion());
    }
    long limit = request.getLimit();
    List<T> items = new ArrayList<>();
    long readRevision = revision;
    // Read in batches until the page is full: selectors may drop items the store returned.
    while (true) {
      long batch = limit == 0 ? 0 : Math.max(limit - items.size(), 64);
      RangeResponse r = rangeAt(RangeRequest.newBuilder().setKey(start).setRangeEnd(end)
          .setRevision(readRevision).setLimit(batch).build(), request);
      readRevision = readRevision == 0 ? r.getHeader().getRevision() : readRevision;
      ByteString lastKey = null;
      for (KeyValue kv : r.getKvsList()) {
        lastKey = kv.getKey();
        T obj = decode(kv);
        if (filter.matches(obj)) {
          items.add(obj);
          if (limit > 0 && items.size() == limit) {
            boolean more = r.getMore() || kv != r.getKvs(r.getKvsCount() - 1);
            String token = more ? new ContinueToken(readRevision, next(kv.getKey())).encode() : "";
            return new ListResult<>(items, Long.toString(readRevision), token);
          }
        }
      }
      if (!r.getMore() || lastKey == null) {
        return new ListResult<>(items, Long.toString(readRevision), "");
      }
      start = next(lastKey);
    }
  }

  /**
   * A page's range read. A revision the store has compacted since, or one newer than any it has
   * made, is OUT_OF_RANGE, with a message that says which parameter is wrong and what to do instead
   * of the store's own text.
   */
  private RangeResponse rangeAt(RangeRequest range, ListRequest request) {
    try {
      return await(store.range(range));
    } catch (StatusRuntimeException e) {
      if (range.getRevision() != 0 && e.getCause() instanceof StoreException se
          && se.code() == StoreException.Code.FUTURE_REVISION) {
        if (!request.getContinue().isEmpty()) {  // no server makes such a token
          throw ApiErrors.badRequest("continue: the token lists " + kind.resource() + " as of resourceVersion "
              + range.getRevision() + ", which the store has not reached: start the list again without continue");
        }
        throw ApiErrors.resourceVersionTooNew(range.getRevision(), currentRevision(), "list");
      }
      if (e.getStatus().getCode() != Status.Code.OUT_OF_RANGE || range.getRevision() == 0) {
        throw e;
      }
      String message = !request.getContinue().isEmpty()
          ? "continue: the token lists " + kind.resource() + " as of resourceVersion " + range.getRevision()
              + ", which is no longer kept (the store compacts its history, every 5 minutes on a"
              + " control plane): start the list again without continue"
          : "resourceVersion: " + range.getRevision() + " is too old: it is no longer kept (the store compacts its"
              + " history): list without resourceVersion, or with \"0\" for any recent state";
      throw Status.OUT_OF_RANGE.withDescription(message).withCause(e).asRuntimeException();
    }
  }

  // ------------------------------------------------------------------ create

  public Written<T> create(T object) {
    ObjectMeta meta = kind.metadata(object);
    if (!kind.namespaced()) {
      meta = meta.toBuilder().clearNamespace().build();
    } else if (meta.getNamespace().isEmpty()) {
      throw invalid(meta.getName(), List.of(new FieldError("metadata.namespace", "Required value")));
    }
    if (meta.getName().isEmpty() && meta.getGenerateName().isEmpty()) {
      throw invalid("", List.of(new FieldError("metadata.name",
          "Required value: name or generateName is required")));
    }
    if (kind.namespaced()) {
      namespaceCheck.checkCreate(meta.getNamespace());
    }
    T base = admission.mutate(kind, strategy.prepareForCreate(defaulter.applyDefaults(kind.withTypeMeta(object))));
    boolean generated = meta.getName().isEmpty();
    int allocationAttempts = 0;
    boolean admitted = false;
    for (int attempt = 0; ; attempt++) {
      String name = generated ? meta.getGenerateName() + NameSuffix.next(random) : meta.getName();
      ObjectMeta.Builder m = meta.toBuilder()
          .setName(name)
          .setUid(newUid())
          .setCreationTimestamp(now())
          .clearResourceVersion()
          .clearDeletionTimestamp()
          .clearDeletionGracePeriodSeconds()
          .setGeneration(strategy.hasSpec() ? 1 : 0);
      T obj = strategy.completeCreate(kind.withMetadata(base, m.build()));
      List<FieldError> errors = validator.validate(obj, null);
      if (!errors.isEmpty()) {
        throw invalid(name, errors);
      }
      if (!admitted) {
        // Once: a quota is charged once however often a generated name or an allocated value collides.
        admission.admit(kind, obj);
        admitted = true;
      }
      Allocator.Claim<T> claim = allocator.claim(obj, null);
      obj = claim.object();
      ByteString key = StoreKeys.objectKey(kind, m.getNamespace(), name);
      ByteString value = storedForm(obj);
      TxnResponse r = await(store.txn(withClaim(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
              .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
          .addSuccess(put(key, value)), key, name, claim)));
      if (r.getSucceeded()) {
        return Written.stored(kind, obj, value, r.getHeader().getRevision());
      }
      if (claimLost(r, claim, name, 0)) {
        if (++allocationAttempts >= MAX_ATTEMPTS) {
          throw ApiErrors.modified(kind, name);
        }
        attempt--;  // another object took a value picked for this one: pick again, same name
        continue;
      }
      if (!generated || attempt + 1 >= MAX_GENERATE_ATTEMPTS) {
        throw ApiErrors.alreadyExists(kind, name);
      }
    }
  }

  // ------------------------------------------------------------------ update

  /** Update: spec and metadata; status is kept. A resourceVersion, if given, must be current. */
  public Written<T> update(T object) {
    return write(object, false);
  }

  /** UpdateStatus: only status changes. */
  public Written<T> updateStatus(T object) {
    if (!strategy.hasStatus()) {
      throw ApiErrors.badRequest(kind.kind() + " has no status subresource");
    }
    return write(object, true);
  }

  /**
   * Applies {@code change} to the current object and stores it, retrying on conflicts: the
   * server-side read-modify-write that subresources (binding, scale) use.
   */
  public T modify(String namespace, String name, UnaryOperator<T> change) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Optional<StoredObject<T>> current = read(namespace, name);
      if (current.isEmpty()) {
        throw ApiErrors.notFound(kind, name);
      }
      T changed = change.apply(current.get().object());
      Optional<Written<T>> stored = storeIfUnchanged(current.get(), changed);
      if (stored.isPresent()) {
        return stored.get().object();
      }
    }
    throw ApiErrors.modified(kind, name);
  }

  /**
   * Stores {@code changed} in place of {@code current}, an object as a cache held it, without
   * reading the store first: the write is conditional on {@code current}'s resourceVersion still
   * being the stored one. Empty when it no longer is (the cache was behind, or another write came
   * first), and for a change that changes nothing (only the store can tell whether the copy is
   * current); the caller then reads the stored object, with {@link #modify} say.
   */
  public Optional<T> replaceIfUnchanged(T current, T changed) {
    long revision = parseResourceVersion(kind.metadata(current).getResourceVersion());
    return storeIfUnchanged(new StoredObject<>(current, revision, false), changed).map(Written::object);
  }

  private Written<T> write(T object, boolean statusOnly) {
    ObjectMeta meta = kind.metadata(object);
    requireName(meta.getName());
    String namespace = kind.namespaced() ? meta.getNamespace() : "";
    return writeFromCacheFirst(namespace, meta.getName(), meta.getResourceVersion(), 1,
        current -> writeOver(current, object, statusOnly));
  }

  /**
   * The read-modify-write of Update, UpdateStatus and Patch: {@code writeOver} (a conditional write
   * over the object it is given, empty when that object turns out not to be the stored one) runs
   * first over the cache's copy, then over objects read from the store, up to {@code storeAttempts}
   * times. A refusal decided over the copy (a conflict, a validation error) stands only if the
   * store's object is that copy; otherwise it is redone over the store's.
   */
  private Written<T> writeFromCacheFirst(String namespace, String name, String resourceVersion, int storeAttempts,
      Function<StoredObject<T>, Optional<Written<T>>> writeOver) {
    Optional<StoredObject<T>> cached = cachedForWrite(namespace, name, resourceVersion);
    RuntimeException refusedOverCached = null;
    if (cached.isPresent()) {
      try {
        Optional<Written<T>> stored = writeOver.apply(cached.get());
        if (stored.isPresent()) {
          return stored.get();
        }
      } catch (StatusRuntimeException e) {
        refusedOverCached = e;
      }
    }
    for (int attempt = 0; attempt < storeAttempts; attempt++) {
      StoredObject<T> current = read(namespace, name).orElseThrow(() -> ApiErrors.notFound(kind, name));
      if (attempt == 0 && refusedOverCached != null && current.modRevision() == cached.get().modRevision()) {
        throw refusedOverCached;
      }
      Optional<Written<T>> stored = writeOver.apply(current);
      if (stored.isPresent()) {
        return stored.get();
      }
    }
    throw ApiErrors.modified(kind, name);
  }

  /**
   * The cache's copy of the object to update, when it is worth a conditional write: present, and
   * at the resourceVersion the caller sent (if one was sent; a copy at another one is either behind
   * the store or the caller is, and only the store tells which).
   */
  private Optional<StoredObject<T>> cachedForWrite(String namespace, String name, String resourceVersion) {
    Optional<T> copy = objectCache.get(namespace, name);
    if (copy.isEmpty()) {
      return Optional.empty();
    }
    String version = kind.metadata(copy.get()).getResourceVersion();
    if (version.isEmpty() || (!resourceVersion.isEmpty() && !resourceVersion.equals(version))) {
      return Optional.empty();
    }
    return Optional.of(new StoredObject<>(copy.get(), Long.parseLong(version), false));
  }

  /**
   * Update or UpdateStatus of {@code object} over the stored {@code current}: the preconditions
   * the object carries (resourceVersion, uid), the kind's strategy, generation, validation, then
   * a write conditional on {@code current}'s revision. Empty when another write came first, or,
   * for a cached {@code current}, when nothing would change.
   */
  private Optional<Written<T>> writeOver(StoredObject<T> current, T object, boolean statusOnly) {
    ObjectMeta meta = kind.metadata(object);
    if (!meta.getResourceVersion().isEmpty()
        && parseResourceVersion(meta.getResourceVersion()) != current.modRevision()) {
      throw ApiErrors.modified(kind, meta.getName());
    }
    if (!meta.getUid().isEmpty() && !meta.getUid().equals(kind.metadata(current.object()).getUid())) {
      throw ApiErrors.conflict(kind, meta.getName(), "the UID in the object does not match the stored object");
    }
    T old = current.object();
    T updated;
    if (statusOnly) {
      updated = strategy.prepareForStatusUpdate(object, old);
    } else {
      T incoming = strategy.prepareForUpdate(defaulter.applyDefaults(kind.withTypeMeta(object)), old);
      ObjectMeta oldMeta = kind.metadata(old);
      ObjectMeta.Builder m = kind.metadata(incoming).toBuilder()
          .setNamespace(oldMeta.getNamespace())
          .setUid(oldMeta.getUid())
          .setCreationTimestamp(oldMeta.getCreationTimestamp())
          .setGeneration(oldMeta.getGeneration())
          .clearDeletionTimestamp()
          .clearDeletionGracePeriodSeconds();
      if (oldMeta.hasDeletionTimestamp()) {
        m.setDeletionTimestamp(oldMeta.getDeletionTimestamp());
      }
      if (oldMeta.hasDeletionGracePeriodSeconds()) {
        m.setDeletionGracePeriodSeconds(oldMeta.getDeletionGracePeriodSeconds());
      }
      if (oldMeta.hasDeletionTimestamp() && m.getFinalizersCount() > oldMeta.getFinalizersCount()
          && !oldMeta.getFinalizersList().containsAll(m.getFinalizersList())) {
        throw invalid(meta.getName(), List.of(new FieldError("metadata.finalizers",
            "Forbidden: no new finalizers can be added if the object is being deleted")));
      }
      if (strategy.specChanged(incoming, old)) {
        m.setGeneration(oldMeta.getGeneration() + 1);
      }
      updated = kind.withMetadata(incoming, m.build());
    }
    List<FieldError> errors = validator.validate(updated, old);
    if (!errors.isEmpty()) {
      throw invalid(meta.getName(), errors);
    }
    if (!statusOnly) {
      admission.admitUpdate(kind, updated, old);
    }
    return storeIfUnchanged(current, updated);
  }

  // ------------------------------------------------------------------ patch

  /**
   * Patch: applies a JSON merge patch (RFC 7386) to the object's Kubernetes JSON form (converting
   * only the top-level fields the patch names: {@link ObjectMergePatch}) and stores
   * the result as {@link #update} would (status kept, validation, generation). A
   * metadata.resourceVersion in the patch is a precondition; without one a patch that lost a race
   * with another write is applied again to the new object, as Kubernetes does.
   *
   * <p>Like an update, the first attempt starts from the object cache's copy (at the pinned
   * resourceVersion, if the patch pins one): see {@link #writeFromCacheFirst}.
   */
  public Written<T> patch(PatchRequest request) {
    requireName(request.getName());
    String name = request.getName();
    String type = request.getType();
    if (!type.isEmpty() && !type.equals("merge") && !type.equals("application/merge-patch+json")) {
      throw ApiErrors.badRequest("type: Unsupported value: \"" + type + "\": supported values: \"merge\""
          + " (JSON merge patch, RFC 7386)");
    }
    JsonNode patch;
    try {
      patch = JSON.readTree(request.getPatch().toByteArray());
    } catch (JsonProcessingException e) {
      throw ApiErrors.badRequest("patch: not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiErrors.badRequest("patch: not valid JSON: " + e.getMessage());
    }
    if (!(patch instanceof ObjectNode object)) {
      throw ApiErrors.badRequest("patch: a merge patch must be a JSON object, got "
          + (patch == null || patch.isMissingNode() ? "nothing" : patch.getNodeType().toString().toLowerCase()));
    }
    JsonNode pinned = object.path("metadata").path("resourceVersion");
    boolean precondition = pinned.isTextual() && !pinned.textValue().isEmpty();
    String namespace = ns(request.getNamespace());
    // Without a pinned resourceVersion a patch that lost a race is applied again to the new object.
    return writeFromCacheFirst(namespace, name, precondition ? pinned.textValue() : "",
        precondition ? 1 : MAX_ATTEMPTS, current -> patchOver(current, object, namespace, name));
  }

  /** The merge patch applied to {@code current} and written over it as an update: see {@link #writeOver}. */
  private Optional<Written<T>> patchOver(StoredObject<T> current, ObjectNode patch, String namespace, String name) {
    T object;
    try {
      object = MERGE_PATCH.apply(current.object(), patch, kind);
    } catch (ManifestException e) {
      throw invalid(name, List.of(new FieldError(e.fieldPath(), e.detail())));
    }
    ObjectMeta meta = kind.metadata(object);
    if (!meta.getName().equals(name)) {
      throw invalid(name, List.of(new FieldError("metadata.name", "Invalid value: \"" + meta.getName()
          + "\": a patch may not change the name")));
    }
    if (!meta.getNamespace().equals(namespace)) {
      throw invalid(name, List.of(new FieldError("metadata.namespace", "Invalid value: \""
          + meta.getNamespace() + "\": a patch may not change the namespace")));
    }
    return writeOver(current, object, false);
  }

  // ------------------------------------------------------------------ delete

  /**
   * Deletes at once, or gracefully (sets deletionTimestamp and keeps the object) for pods an
   * agent must stop first and for objects with finalizers. Returns the object's last state.
   */
  public T delete(DeleteRequest request) {
    requireName(request.getName());
    String namespace = kind.namespaced() ? request.getNamespace() : "";
    admission.admitDelete(kind, namespace, request.getName());
    Propagation propagation = checkDeleteOptions(request.getPropagationPolicy(), request.hasGracePeriodSeconds(),
        request.getGracePeriodSeconds());
    boolean orphan = propagation == Propagation.ORPHAN;
    boolean orphaned = false;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      StoredObject<T> current = read(namespace, request.getName())
          .orElseThrow(() -> ApiErrors.notFound(kind, request.getName()));
      ObjectMeta meta = kind.metadata(current.object());
      checkPreconditions(request, meta, current.modRevision());
      if (orphan && !orphaned) {
        orphaner.orphanDependents(kind, meta);
        orphaned = true;
      }
      OptionalLong grace = strategy.gracePeriodSeconds(current.object(), request);
      // Foreground: the object stays, marked, until the garbage collector has deleted its
      // dependents and removed this finalizer (then the last-finalizer rule below removes it).
      boolean addForeground = propagation == Propagation.FOREGROUND
          && !meta.getFinalizersList().contains(FOREGROUND_DELETION);
      boolean finalizers = meta.getFinalizersCount() > 0 || addForeground;
      if (grace.isPresent() || finalizers) {
        ObjectMeta.Builder m = meta.toBuilder();
        long seconds = grace.orElse(0);
        Instant deadline = clock.instant().plusSeconds(seconds);
        boolean shorter = !meta.hasDeletionGracePeriodSeconds() || seconds < meta.getDeletionGracePeriodSeconds();
        if (meta.hasDeletionTimestamp() && !shorter && !addForeground) {
          return current.object();
        }
        if (addForeground) {
          m.addFinalizers(FOREGROUND_DELETION);
        }
        if (meta.hasDeletionTimestamp() && !shorter) {
          seconds = meta.getDeletionGracePeriodSeconds();
          deadline = Instant.ofEpochSecond(meta.getDeletionTimestamp().getSeconds(), meta.getDeletionTimestamp().getNanos());
        }
        m.setDeletionTimestamp(timestamp(deadline)).setDeletionGracePeriodSeconds(seconds);
        Optional<Written<T>> stored = storeIfUnchanged(current, kind.withMetadata(current.object(), m.build()));
        if (stored.isPresent()) {
          return stored.get().object();
        }
        continue;
      }
      ByteString key = StoreKeys.objectKey(kind, namespace, request.getName());
      TxnRequest.Builder txn = TxnRequest.newBuilder()
          .addCompare(modRevisionIs(key, current.modRevision()))
          .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)));
      for (ByteString held : allocator.held(current.object())) {  // freed with the object, never leaked
        txn.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(held)));
      }
      TxnResponse r = await(store.txn(txn.build()));
      if (r.getSucceeded()) {
        return current.object();
      }
    }
    throw ApiErrors.modified(kind, request.getName());
  }

  /** The finalizer a Foreground delete adds; the garbage collector removes it (Kubernetes' name). */
  public static final String FOREGROUND_DELETION = "foregroundDeletion";

  private enum Propagation { BACKGROUND, ORPHAN, FOREGROUND }

  /**
   * Checks a delete's options and says how dependents go. Background (the default) leaves them
   * to the garbage collector after the owner is gone; Orphan strips their owner references to the
   * deleted object first; Foreground keeps the owner (deletionTimestamp and the
   * {@value #FOREGROUND_DELETION} finalizer) until the garbage collector has deleted the dependents
   * that block it.
   */
  private static Propagation checkDeleteOptions(String policy, boolean hasGrace, long grace) {
    if (hasGrace && grace < 0) {
      throw ApiErrors.badRequest("gracePeriodSeconds: Invalid value: " + grace
          + ": must be greater than or equal to 0");
    }
    return switch (policy) {
      case "", "Background" -> Propagation.BACKGROUND;
      case "Orphan" -> Propagation.ORPHAN;
      case "Foreground" -> Propagation.FOREGROUND;
      default -> throw ApiErrors.badRequest("propagationPolicy: Unsupported value: \"" + policy
          + "\": supported values: \"Background\", \"Orphan\", \"Foreground\"");
    };
  }

  /**
   * DeleteCollection: deletes every object the selectors match, each as {@link #delete} would
   * (grace periods, finalizers and propagation as there), and returns them as their deletes left
   * them. Objects that are gone or replaced (another uid) by the time their turn comes are
   * skipped, as Kubernetes does.
   */
  public List<T> deleteCollection(DeleteCollectionRequest request) {
    checkDeleteOptions(request.getPropagationPolicy(), request.hasGracePeriodSeconds(),
        request.getGracePeriodSeconds());
    ListResult<T> matching = list(ListRequest.newBuilder().setNamespace(ns(request.getNamespace()))
        .setLabelSelector(request.getLabelSelector()).setFieldSelector(request.getFieldSelector()).build());
    List<T> deleted = new ArrayList<>();
    for (T object : matching.items()) {
      ObjectMeta meta = kind.metadata(object);
      DeleteRequest.Builder one = DeleteRequest.newBuilder().setNamespace(meta.getNamespace())
          .setName(meta.getName()).setPropagationPolicy(request.getPropagationPolicy())
          .setPreconditions(Preconditions.newBuilder().setUid(meta.getUid()));
      if (request.hasGracePeriodSeconds()) {
        one.setGracePeriodSeconds(request.getGracePeriodSeconds());
      }
      try {
        deleted.add(delete(one.build()));
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean replaced = code == Status.Code.ABORTED && find(meta.getNamespace(), meta.getName())
            .map(o -> !kind.metadata(o).getUid().equals(meta.getUid())).orElse(true);
        if (code != Status.Code.NOT_FOUND && !replaced) {
          throw e;
        }
      }
    }
    return deleted;
  }

  private void checkPreconditions(DeleteRequest request, ObjectMeta meta, long modRevision) {
    if (!request.hasPreconditions()) {
      return;
    }
    var p = request.getPreconditions();
    if (!p.getUid().isEmpty() && !p.getUid().equals(meta.getUid())) {
      throw ApiErrors.conflict(kind, meta.getName(), "Precondition failed: UID in precondition: "
          + p.getUid() + ", UID in object meta: " + meta.getUid());
    }
    if (!p.getResourceVersion().isEmpty() && parseResourceVersion(p.getResourceVersion()) != modRevision) {
      throw ApiErrors.conflict(kind, meta.getName(), "Precondition failed: ResourceVersion in precondition: "
          + p.getResourceVersion() + ", ResourceVersion in object meta: " + modRevision);
    }
  }

  // ------------------------------------------------------------------ store plumbing

  /**
   * An object with the revision a conditional write must compare against; {@code fromStore} when
   * it was just read from the store, not taken from a cache whose copy may be behind.
   */
  public record StoredObject<T>(T object, long modRevision, boolean fromStore) {}

  public Optional<StoredObject<T>> read(String namespace, String name) {
    RangeResponse r = await(store.range(RangeRequest.newBuilder()
        .setKey(StoreKeys.objectKey(kind, ns(namespace), name)).build()));
    if (r.getKvsCount() == 0) {
      return Optional.empty();
    }
    KeyValue kv = r.getKvs(0);
    return Optional.of(new StoredObject<>(decode(kv), kv.getModRevision(), true));
  }

  /**
   * Stores {@code updated} if the key still has the revision it was read at. An object being
   * deleted whose last finalizer is gone is removed instead. Empty on a lost race. A write that
   * changes nothing is answered with {@code current} unwritten only if {@code current} came from
   * the store; over a cached copy it is empty too, since the copy may be behind.
   */
  private Optional<Written<T>> storeIfUnchanged(StoredObject<T> current, T updated) {
    ObjectMeta meta = kind.metadata(updated);
    ByteString key = StoreKeys.objectKey(kind, kind.namespaced() ? meta.getNamespace() : "", meta.getName());
    // A pod still in its grace period stays when its last finalizer goes: its agent deletes it
    // (with grace 0) once the containers have stopped.
    boolean finished = meta.hasDeletionTimestamp() && meta.getFinalizersCount() == 0
        && kind.metadata(current.object()).getFinalizersCount() > 0 && meta.getDeletionGracePeriodSeconds() == 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Allocator.Claim<T> claim = finished
          ? new Allocator.Claim<>(updated, List.of(), allocator.held(current.object()))
          : allocator.claim(updated, current.object());
      T toStore = kind.withMetadata(claim.object(), meta.toBuilder().clearResourceVersion().build());
      if (!finished && toStore.equals(kind.withMetadata(current.object(),
          kind.metadata(current.object()).toBuilder().clearResourceVersion().build()))) {
        // no-op writes don't bump the revision, as in Kubernetes
        return current.fromStore() ? Optional.of(Written.unwritten(kind, current.object())) : Optional.empty();
      }
      ByteString value = finished ? null : storedForm(toStore);
      RequestOp op = finished
          ? RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build()
          : put(key, value);
      TxnResponse r = await(store.txn(withClaim(TxnRequest.newBuilder()
          .addCompare(modRevisionIs(key, current.modRevision()))
          .addSuccess(op), key, meta.getName(), claim)));
      if (r.getSucceeded()) {
        return Optional.of(finished ? Written.unwritten(kind, updated)
            : Written.stored(kind, toStore, value, r.getHeader().getRevision()));
      }
      if (!claimLost(r, claim, meta.getName(), current.modRevision())) {
        return Optional.empty();
      }
    }
    throw ApiErrors.modified(kind, meta.getName());
  }

  /**
   * Adds a claim to an object's write: each reserved record must be absent and is created with
   * the object, each released one is deleted with it. On failure the transaction reads the object
   * and the reserved records back, for {@link #claimLost} to tell which compare failed.
   */
  private TxnRequest withClaim(TxnRequest.Builder txn, ByteString objectKey, String name, Allocator.Claim<T> claim) {
    if (claim.reserve().isEmpty() && claim.release().isEmpty()) {
      return txn.build();
    }
    ByteString owner = ByteString.copyFromUtf8(kind.namespaced()
        ? kind.metadata(claim.object()).getNamespace() + "/" + name : name);
    txn.addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(objectKey)
        .setKeysOnly(true)));
    for (Allocator.Reservation reservation : claim.reserve()) {
      txn.addCompare(Compare.newBuilder().setKey(reservation.key()).setTarget(Compare.CompareTarget.CREATE)
          .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0));
      txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(reservation.key())
          .setValue(owner)));
      txn.addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(reservation.key())
          .setCountOnly(true)));
    }
    for (ByteString released : claim.release()) {
      txn.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(released)));
    }
    return txn.build();
  }

  /**
   * After a failed write with a claim: false when the object's own compare failed (it exists
   * on create, it changed on update: the caller's usual outcome); else true when a value picked
   * for the object was taken meanwhile (pick again), and INVALID_ARGUMENT naming the field when a
   * value the user requested is taken. {@code expectedModRevision} is 0 on create.
   */
  private boolean claimLost(TxnResponse r, Allocator.Claim<T> claim, String name, long expectedModRevision) {
    if (r.getResponsesCount() == 0) {
      return false;  // no claim was made: only the object's compare could fail
    }
    RangeResponse object = r.getResponses(0).getResponseRange();
    long modRevision = object.getKvsCount() == 0 ? 0 : object.getKvs(0).getModRevision();
    if (modRevision != expectedModRevision) {
      return false;
    }
    boolean picked = false;
    for (int i = 0; i < claim.reserve().size() && i + 1 < r.getResponsesCount(); i++) {
      if (r.getResponses(i + 1).getResponseRange().getCount() == 0) {
        continue;
      }
      Allocator.Reservation taken = claim.reserve().get(i);
      if (taken.requested()) {
        throw invalid(name, List.of(taken.field()));
      }
      picked = true;
    }
    return picked;
  }

  private static Compare modRevisionIs(ByteString key, long revision) {
    return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.MOD)
        .setResult(Compare.CompareResult.EQUAL).setModRevision(revision).build();
  }

  /** The bytes the store holds for {@code obj}: it without resourceVersion, which is the store's mod_revision. */
  private ByteString storedForm(T obj) {
    ObjectMeta meta = kind.metadata(obj);
    T clean = meta.getResourceVersion().isEmpty() ? obj
        : kind.withMetadata(obj, meta.toBuilder().clearResourceVersion().build());
    return clean.toByteString();
  }

  /** {@code value}: an object's {@link #storedForm}. */
  private static RequestOp put(ByteString key, ByteString value) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)).build();
  }

  /** Decodes a stored value and stamps it with its mod_revision as resourceVersion. */
  public T decode(KeyValue kv) {
    return kind.parseWithResourceVersion(kv.getValue(), Long.toString(kv.getModRevision()));
  }

  private static <R> R await(CompletableFuture<R> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (Exception e) {
      throw ApiErrors.fromStore(e);
    }
  }

  private io.grpc.StatusRuntimeException invalid(String name, List<FieldError> errors) {
    String details = errors.stream().map(FieldError::toString).collect(Collectors.joining(", "));
    if (errors.size() > 1) {
      details = "[" + details + "]";
    }
    return ApiErrors.invalid(kind, name, details);
  }

  private void requireName(String name) {
    if (name == null || name.isEmpty()) {
      throw ApiErrors.badRequest("metadata.name: Required value: name is required");
    }
  }

  private String ns(String namespace) {
    return kind.namespaced() ? (namespace == null ? "" : namespace) : "";
  }

  public static long parseResourceVersion(String rv) {
    try {
      long v = Long.parseLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiErrors.badRequest("resourceVersion: Invalid value: \"" + rv + "\": must be a decimal revision");
    }
  }

  private static ByteString next(ByteString key) {
    return key.concat(ByteString.copyFrom(new byte[] {0}));
  }

  /** A random (version 4) UUID, as Kubernetes gives objects; without hashing, unlike a name-based one. */
  private String newUid() {
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(high, low).toString();
  }

  private Timestamp now() {
    return timestamp(clock.instant());
  }

  static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
