package dev.capstan.apiserver.service;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.authz.AccessControl;
import dev.capstan.apiserver.authz.AccessRequest;
import dev.capstan.apiserver.registry.ObjectFilter;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.registry.Written;
import dev.capstan.apiserver.watch.CachedLister;
import dev.capstan.apiserver.watch.SharedEvent;
import dev.capstan.apiserver.watch.WatchCache;
import dev.capstan.apiserver.watch.WatchSink;
import dev.capstan.apiserver.watch.Watcher;
import dev.capstan.apiserver.watch.WireForm;
import dev.capstan.client.Kind;
import dev.capstan.client.ListResult;
import dev.capstan.client.WatchEvent;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds one kind's typed gRPC service (Create, Get, List, Watch, Update, UpdateStatus, Patch,
 * Delete, DeleteCollection)
 * to its generic {@link ResourceRegistry} and {@link WatchCache}, so every kind is served by the
 * same code. Subresource methods (pods/binding, deployments/scale, ...) are added by name, with
 * the verb and subresource they stand for. Every call passes {@link AccessControl} first, as
 * the verb, subresource, namespace and name the request targets.
 */
public final class ResourceService<T extends Message> {
  private static final Logger log = LoggerFactory.getLogger(ResourceService.class);

  /** How long a consistent List waits for the watch cache before reading the store (Kubernetes: 3 s). */
  private static final Duration CONSISTENT_LIST_WAIT = Duration.ofSeconds(3);
  /** The methods whose network replies may be {@link EncodedReply}s. */
  private static final Set<String> ENCODED_REPLIES = Set.of("Watch", "List", "Create", "Update", "UpdateStatus",
      "Patch");

  private final Kind<T> kind;
  private final ResourceRegistry<T> registry;
  private final WatchCache<T> cache;
  private final CachedLister<T> lister;
  private final AccessControl access;
  private final Map<String, ServerCallHandler<?, ?>> extra = new HashMap<>();

  public ResourceService(Kind<T> kind, ResourceRegistry<T> registry, WatchCache<T> cache, AccessControl access) {
    this.kind = kind;
    this.registry = registry;
    this.cache = cache;
    this.lister = new CachedLister<>(cache, registry, CONSISTENT_LIST_WAIT);
    this.access = access;
  }

  /**
   * Serves a further unary method of the service: a subresource, checked as {@code verb} on
   * {@code resource/subresource} of the object the request names (its metadata, or its
   * namespace and name fields).
   */
  public <Req extends Message, Resp> ResourceService<T> unary(String method, String verb, String subresource,
      Function<Req, Resp> handler) {
    extra.put(method, ServerCalls.<Req, Resp>asyncUnaryCall((req, out) -> respond(out, () -> {
      checkTarget(verb, subresource, req);
      return handler.apply(req);
    })));
    return this;
  }

  /** Serves a further server-streaming method of the service, checked like {@link #unary}. */
  public <Req extends Message, Resp> ResourceService<T> serverStreaming(String method, String verb, String subresource,
      ServerCalls.ServerStreamingMethod<Req, Resp> handler) {
    extra.put(method, ServerCalls.<Req, Resp>asyncServerStreamingCall((req, out) -> {
      try {
        checkTarget(verb, subresource, req);
      } catch (StatusRuntimeException e) {
        out.onError(e);
        return;
      }
      handler.invoke(req, out);
    }));
    return this;
  }

  private void checkTarget(String verb, String subresource, Message request) {
    RequestTarget t = RequestTarget.of(request);
    check(verb, subresource, t.namespace(), t.name());
  }

  private void check(String verb, String subresource, String namespace, String name) {
    check(verb, subresource, namespace, name, "");
  }

  /** {@code uid}: of the object the request carries, whose cached copy is then offered; "" for none. */
  private void check(String verb, String subresource, String namespace, String name, String uid) {
    String ns = kind.namespaced() ? namespace : "";
    access.check(new AccessRequest(kind, verb, subresource, ns, name, () -> registry.find(ns, name),
        () -> registry.findCachedWithUid(ns, name, uid)));
  }

  private void checkObject(String verb, String subresource, T object) {
    ObjectMeta meta = kind.metadata(object);
    check(verb, subresource, meta.getNamespace(), meta.getName(), meta.getUid());
  }

  /** The service for clients in the server's own process: replies are handed over as objects. */
  public ServerServiceDefinition definition() {
    return definition(false);
  }

  /**
   * The service for the network: as {@link #definition()}, but Watch writes each event as bytes
   * made once for all the watchers it goes to, a List served from the watch cache writes its
   * items' stored bytes, and Create, Update, UpdateStatus and Patch answer with the bytes they
   * stored (see {@link EncodedReplies}): none encodes the objects again.
   */
  public ServerServiceDefinition networkDefinition() {
    return definition(true);
  }

  private ServerServiceDefinition definition(boolean network) {
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    List<ServerCallHandler<?, ?>> handlers = new ArrayList<>();
    for (MethodDescriptor<?, ?> m : kind.service().getMethods()) {
      String name = m.getBareMethodName();
      ServerCallHandler<?, ?> handler = switch (name) {
        case "Create" -> ServerCalls.<T, Object>asyncUnaryCall((req, out) -> respond(out, () -> {
          checkObject(AccessRequest.CREATE, "", req);
          return reply(registry.create(req), network);
        }));
        case "Get" -> ServerCalls.<GetRequest, T>asyncUnaryCall((req, out) -> respond(out, () -> {
          check(AccessRequest.GET, "", req.getNamespace(), req.getName());
          return lister.get(req);
        }));
        case "List" -> ServerCalls.<ListRequest, Object>asyncUnaryCall((req, out) -> respond(out, () -> {
          check(AccessRequest.LIST, "", req.getNamespace(), "");
          CachedLister.CachedList<T> cached = lister.fromCache(req);
          if (cached == null) {
            return toListMessage(registry.list(req));
          }
          // The network gets the items' stored bytes; in-process clients get objects.
          return network ? new EncodedReply(cached.wireForm(), () -> toListMessage(cached.decoded()))
              : toListMessage(cached.decoded());
        }));
        case "Watch" -> ServerCalls.<WatchRequest, Object>asyncServerStreamingCall(
            (req, out) -> watch(req, out, network));
        case "Update" -> ServerCalls.<T, Object>asyncUnaryCall((req, out) -> respond(out, () -> {
          checkObject(AccessRequest.UPDATE, "", req);
          return reply(registry.update(req), network);
        }));
        case "UpdateStatus" -> ServerCalls.<T, Object>asyncUnaryCall((req, out) -> respond(out, () -> {
          checkObject(AccessRequest.UPDATE, "status", req);
          return reply(registry.updateStatus(req), network);
        }));
        case "Delete" -> ServerCalls.<DeleteRequest, T>asyncUnaryCall((req, out) -> respond(out, () -> {
          check(AccessRequest.DELETE, "", req.getNamespace(), req.getName());
          return registry.delete(req);
        }));
        case "Patch" -> ServerCalls.<PatchRequest, Object>asyncUnaryCall((req, out) -> respond(out, () -> {
          check(AccessRequest.PATCH, "", req.getNamespace(), req.getName());
          return reply(registry.patch(req), network);
        }));
        case "DeleteCollection" -> ServerCalls.<DeleteCollectionRequest, Message>asyncUnaryCall((req, out) ->
            respond(out, () -> {
              check(AccessRequest.DELETE_COLLECTION, "", req.getNamespace(), "");
              return toListMessage(new ListResult<>(registry.deleteCollection(req), "", ""));
            }));
        default -> extra.get(name);
      };
      if (handler == null) {
        handler = ServerCalls.asyncUnaryCall((Object req, StreamObserver<Object> out) -> out.onError(
            Status.UNIMPLEMENTED.withDescription(kind.kind() + "." + name + " is not implemented yet").asRuntimeException()));
      }
      methods.add(network && ENCODED_REPLIES.contains(name) ? EncodedReplies.of(m) : m);
      handlers.add(handler);
    }
    // gRPC binds a handler only to the very descriptor its service lists, so a service with a
    // changed method is a new descriptor (same name and schema, for reflection).
    ServiceDescriptor.Builder service = ServiceDescriptor.newBuilder(kind.service().getName())
        .setSchemaDescriptor(kind.service().getSchemaDescriptor());
    methods.forEach(service::addMethod);
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.build());
    for (int i = 0; i < methods.size(); i++) {
      addMethod(b, methods.get(i), handlers.get(i));
    }
    return b.build();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void addMethod(ServerServiceDefinition.Builder b, MethodDescriptor<?, ?> m, ServerCallHandler<?, ?> h) {
    b.addMethod((MethodDescriptor) m, (ServerCallHandler) h);
  }

  private Message toListMessage(ListResult<T> result) {
    Message.Builder b = kind.listDefault().newBuilderForType();
    FieldDescriptor items = b.getDescriptorForType().findFieldByName("items");
    FieldDescriptor meta = b.getDescriptorForType().findFieldByName("metadata");
    for (T item : result.items()) {
      b.addRepeatedField(items, item);
    }
    b.setField(meta, ListMeta.newBuilder().setResourceVersion(result.resourceVersion())
        .setContinue(result.continueToken()).build());
    return b.build();
  }

  /**
   * {@code encodeShared}: send shared events in their wire form, made once for every watcher from
   * the stored bytes; otherwise (in-process watchers) as decoded objects.
   */
  private void watch(WatchRequest req, StreamObserver<Object> out, boolean encodeShared) {
    ServerCallStreamObserver<Object> stream = (ServerCallStreamObserver<Object>) out;
    try {
      check(AccessRequest.WATCH, "", req.getNamespace(), "");
      ObjectFilter<T> filter = ObjectFilter.of(kind, req.getNamespace(), req.getLabelSelector(), req.getFieldSelector());
      String rv = req.getResourceVersion();
      long from = rv.isEmpty() || rv.equals("0") ? -1 : ResourceRegistry.parseResourceVersion(rv);
      FieldDescriptor typeField = kind.watchEventDefault().getDescriptorForType().findFieldByName("type");
      FieldDescriptor objectField = kind.watchEventDefault().getDescriptorForType().findFieldByName("object");
      WatchSink<T> sink = new WatchSink<>() {
        @Override
        public boolean isReady() {
          return stream.isReady();
        }

        @Override
        public void send(WatchEvent<T> event) {
          stream.onNext(message(event));
        }

        @Override
        public void send(SharedEvent<T> event) {
          stream.onNext(encodeShared ? new EncodedReply(event.wireForm(), () -> message(event.event()))
              : message(event.event()));
        }

        private Message message(WatchEvent<T> event) {
          return kind.watchEventDefault().newBuilderForType()
              .setField(typeField, event.type()).setField(objectField, event.object()).build();
        }

        @Override
        public void fail(Status status) {
          try {
            stream.onError(status.asRuntimeException());
          } catch (IllegalStateException alreadyClosed) {
            // the client went away first
          }
        }
      };
      Watcher<T> watcher = cache.watch(from, filter, req.getAllowWatchBookmarks(), sink);
      stream.setOnReadyHandler(watcher::flush);
      stream.setOnCancelHandler(watcher::close);
    } catch (StatusRuntimeException e) {
      stream.onError(e);
    }
  }

  /**
   * A write's answer: to the network, the bytes it stored with the revision added as
   * resourceVersion (no second encoding of the object); to in-process clients, the object.
   */
  private Object reply(Written<T> written, boolean network) {
    if (network && written.isStored()) {
      return new EncodedReply(WireForm.object(kind, written.stored(), written.revision()), written::object);
    }
    return written.object();
  }

  private static <R> void respond(StreamObserver<R> out, java.util.function.Supplier<R> call) {
    R result;
    try {
      result = call.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (RuntimeException e) {
      log.error("request failed", e);
      out.onError(Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e).asRuntimeException());
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
