package dev.capstan.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.api.meta.v1.WatchRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A typed client for one kind's service. Every call blocks up to the client's deadline and throws
 * {@link io.grpc.StatusRuntimeException} with the server's status (NOT_FOUND, ABORTED for a stale
 * resourceVersion, INVALID_ARGUMENT naming the field, ...).
 */
public final class ResourceClient<T extends Message> {
  /**
   * How many watch events a watch asks for ahead of the handler: the client holds at most this
   * many received but unhandled, so a slow handler still holds the server back.
   */
  public static final int WATCH_WINDOW = 64;

  private final Kind<T> kind;
  private final Channel channel;
  private final long deadlineMillis;

  ResourceClient(Kind<T> kind, Channel channel, long deadlineMillis) {
    this.kind = kind;
    this.channel = channel;
    this.deadlineMillis = deadlineMillis;
  }

  public Kind<T> kind() {
    return kind;
  }

  public T create(T object) {
    return unary("Create", object);
  }

  public T get(String namespace, String name) {
    return unary("Get", GetRequest.newBuilder().setNamespace(nz(namespace)).setName(name).build());
  }

  /**
   * Get with Kubernetes' resourceVersion semantics: "0" takes the server's cached copy (cheap, may
   * be a moment old), a resourceVersion N a state at least as new as N, "" the latest state.
   */
  public T get(String namespace, String name, String resourceVersion) {
    return unary("Get", GetRequest.newBuilder().setNamespace(nz(namespace)).setName(name)
        .setResourceVersion(resourceVersion).build());
  }

  public T update(T object) {
    return unary("Update", object);
  }

  public T updateStatus(T object) {
    return unary("UpdateStatus", object);
  }

  public T delete(String namespace, String name) {
    return delete(DeleteRequest.newBuilder().setNamespace(nz(namespace)).setName(name).build());
  }

  public T delete(DeleteRequest request) {
    return unary("Delete", request);
  }

  /**
   * Applies a JSON merge patch (RFC 7386) to the named object, e.g.
   * {@code {"metadata":{"labels":{"tier":null}},"spec":{"replicas":3}}}: null removes a field,
   * objects merge, lists are replaced. A metadata.resourceVersion in the patch makes it apply only
   * to that version (ABORTED otherwise); without one the server retries on concurrent writes.
   */
  public T patch(String namespace, String name, String mergePatchJson) {
    return patch(PatchRequest.newBuilder().setNamespace(nz(namespace)).setName(name).setType("merge")
        .setPatch(ByteString.copyFromUtf8(mergePatchJson)).build());
  }

  public T patch(PatchRequest request) {
    return unary("Patch", request);
  }

  /** Deletes every object the request's selectors match; returns them as the deletes left them. */
  public List<T> deleteCollection(DeleteCollectionRequest request) {
    Message list = unary("DeleteCollection", request);
    @SuppressWarnings("unchecked")
    List<T> items = (List<T>) list.getField(list.getDescriptorForType().findFieldByName("items"));
    return List.copyOf(items);
  }

  /** Lists every page; use {@link #listPage} for one page. */
  public ListResult<T> list(ListRequest request) {
    ListResult<T> page = listPage(request);
    if (page.continueToken().isEmpty()) {
      return page;
    }
    List<T> all = new java.util.ArrayList<>(page.items());
    String rv = page.resourceVersion();
    while (!page.continueToken().isEmpty()) {
      page = listPage(request.toBuilder().setContinue(page.continueToken()).build());
      all.addAll(page.items());
    }
    return new ListResult<>(all, rv, "");
  }

  public ListResult<T> list(String namespace) {
    return list(ListRequest.newBuilder().setNamespace(nz(namespace)).build());
  }

  public ListResult<T> listPage(ListRequest request) {
    Message list = unary("List", request);
    FieldDescriptor itemsField = list.getDescriptorForType().findFieldByName("items");
    FieldDescriptor metaField = list.getDescriptorForType().findFieldByName("metadata");
    @SuppressWarnings("unchecked")
    List<T> items = (List<T>) list.getField(itemsField);
    ListMeta meta = (ListMeta) list.getField(metaField);
    return new ListResult<>(List.copyOf(items), meta.getResourceVersion(), meta.getContinue());
  }

  /** Starts a watch; close the returned handle to cancel it. */
  public AutoCloseable watch(WatchRequest request, WatchHandler<T> handler) {
    @SuppressWarnings("unchecked")
    MethodDescriptor<WatchRequest, Message> method =
        (MethodDescriptor<WatchRequest, Message>) kind.method("Watch");
    ClientCall<WatchRequest, Message> call = channel.newCall(method, CallOptions.DEFAULT);
    FieldDescriptor typeField = kind.watchEventDefault().getDescriptorForType().findFieldByName("type");
    FieldDescriptor objectField = kind.watchEventDefault().getDescriptorForType().findFieldByName("object");
    ClientCalls.asyncServerStreamingCall(call, request, new ClientResponseObserver<WatchRequest, Message>() {
      private ClientCallStreamObserver<WatchRequest> stream;
      private int handledSinceRequest;  // gRPC calls onNext serially

      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
        stream = requestStream;
        requestStream.disableAutoRequestWithInitial(WATCH_WINDOW);
      }

      @Override
      public void onNext(Message value) {
        String type = (String) value.getField(typeField);
        @SuppressWarnings("unchecked")
        T object = (T) value.getField(objectField);
        handler.onEvent(new WatchEvent<>(type, object));
        // Asking for events half a window at a time, instead of one after each, keeps the
        // server's stream ready throughout: on the in-process transport every "ready again"
        // is a task handed to another thread.
        if (++handledSinceRequest == WATCH_WINDOW / 2) {
          handledSinceRequest = 0;
          stream.request(WATCH_WINDOW / 2);
        }
      }

      @Override
      public void onError(Throwable t) {
        handler.onClose(t);
      }

      @Override
      public void onCompleted() {
        handler.onClose(null);
      }
    });
    return () -> call.cancel("watch closed by client", null);
  }

  /** Calls any unary method of this kind's service by its simple name. */
  public <Req extends Message, Resp extends Message> Resp call(String methodName, Req request) {
    return unary(methodName, request);
  }

  private <Req extends Message, Resp extends Message> Resp unary(String methodName, Req request) {
    @SuppressWarnings("unchecked")
    MethodDescriptor<Req, Resp> method = (MethodDescriptor<Req, Resp>) kind.method(methodName);
    return ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS), request);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
