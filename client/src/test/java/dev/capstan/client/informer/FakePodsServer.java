package dev.capstan.client.informer;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodList;
import dev.capstan.api.core.v1.PodWatchEvent;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A tiny in-memory Pods service on a loopback port: List and Watch with resourceVersions, plus
 * knobs to fail lists, end or break watches and lose events. Every method is synchronized, so
 * watch streams get their events in revision order.
 */
final class FakePodsServer implements AutoCloseable {
  private final Map<String, Pod> pods = new TreeMap<>();
  private final List<PodWatchEvent> history = new ArrayList<>();
  private final List<ServerCallStreamObserver<PodWatchEvent>> watchers = new ArrayList<>();
  private final Map<ServerCallStreamObserver<PodWatchEvent>, String> watcherNamespaces = new HashMap<>();
  private final List<ListRequest> listRequests = new ArrayList<>();
  private final List<WatchRequest> watchRequests = new ArrayList<>();
  private long revision = 100;
  private int listFailures;
  private final Server server;
  private final ManagedChannel channel;
  private final CapstanClient client;

  FakePodsServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new Service())
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    client = new CapstanClient(channel, 10_000);
  }

  ResourceClient<Pod> pods() {
    return client.pods();
  }

  synchronized String revision() {
    return Long.toString(revision);
  }

  synchronized Pod create(String namespace, String name) {
    Pod pod = Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)
            .setResourceVersion(Long.toString(++revision)))
        .build();
    pods.put(Kinds.POD.key(pod), pod);
    emit("ADDED", pod);
    return pod;
  }

  synchronized Pod relabel(String namespace, String name, String app) {
    Pod old = pods.get(namespace + "/" + name);
    Pod pod = old.toBuilder()
        .setMetadata(old.getMetadata().toBuilder().putLabels("app", app).setResourceVersion(Long.toString(++revision)))
        .build();
    pods.put(Kinds.POD.key(pod), pod);
    emit("MODIFIED", pod);
    return pod;
  }

  /** Deletes the pod; watchers get a DELETED event with its last state at the deletion's revision. */
  synchronized Pod delete(String namespace, String name) {
    Pod pod = pods.remove(namespace + "/" + name);
    Pod last = pod.toBuilder()
        .setMetadata(pod.getMetadata().toBuilder().setResourceVersion(Long.toString(++revision)))
        .build();
    emit("DELETED", last);
    return pod;
  }

  /** Deletes the pod and loses the event, as if it fell out of the server's watch window. */
  synchronized void deleteAndLoseEvent(String namespace, String name) {
    pods.remove(namespace + "/" + name);
    revision++;
  }

  synchronized void bookmark() {
    Pod marker = Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setResourceVersion(Long.toString(++revision)))
        .build();
    send(PodWatchEvent.newBuilder().setType("BOOKMARK").setObject(marker).build());
  }

  synchronized void failNextLists(int count) {
    listFailures = count;
  }

  /** Ends every open watch with this status. */
  synchronized void breakWatches(Status status) {
    watchers.forEach(w -> w.onError(status.asRuntimeException()));
    watchers.clear();
  }

  /** Ends every open watch cleanly, as a server does when a watch times out. */
  synchronized void endWatches() {
    watchers.forEach(StreamObserver::onCompleted);
    watchers.clear();
  }

  synchronized int openWatches() {
    return watchers.size();
  }

  synchronized List<ListRequest> listRequests() {
    return List.copyOf(listRequests);
  }

  synchronized List<WatchRequest> watchRequests() {
    return List.copyOf(watchRequests);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void emit(String type, Pod pod) {
    PodWatchEvent event = PodWatchEvent.newBuilder().setType(type).setObject(pod).build();
    history.add(event);
    send(event);
  }

  private void send(PodWatchEvent event) {
    for (ServerCallStreamObserver<PodWatchEvent> w : watchers) {
      if (matches(w, event)) {
        w.onNext(event);
      }
    }
  }

  private boolean matches(ServerCallStreamObserver<PodWatchEvent> w, PodWatchEvent event) {
    String ns = watcherNamespaces.get(w);
    return event.getType().equals("BOOKMARK") || ns.isEmpty()
        || event.getObject().getMetadata().getNamespace().equals(ns);
  }

  private final class Service extends PodsGrpc.PodsImplBase {
    @Override
    public void list(ListRequest request, StreamObserver<PodList> response) {
      synchronized (FakePodsServer.this) {
        listRequests.add(request);
        if (listFailures > 0) {
          listFailures--;
          response.onError(Status.UNAVAILABLE.withDescription("no leader").asRuntimeException());
          return;
        }
        PodList.Builder list = PodList.newBuilder().setMetadata(ListMeta.newBuilder().setResourceVersion(revision()));
        pods.values().stream()
            .filter(p -> request.getNamespace().isEmpty() || p.getMetadata().getNamespace().equals(request.getNamespace()))
            .forEach(list::addItems);
        response.onNext(list.build());
        response.onCompleted();
      }
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<PodWatchEvent> response) {
      ServerCallStreamObserver<PodWatchEvent> stream = (ServerCallStreamObserver<PodWatchEvent>) response;
      synchronized (FakePodsServer.this) {
        watchRequests.add(request);
        stream.setOnCancelHandler(() -> {
          synchronized (FakePodsServer.this) {
            watchers.remove(stream);
          }
        });
        watchers.add(stream);
        watcherNamespaces.put(stream, request.getNamespace());
        long from = Long.parseLong(request.getResourceVersion());
        for (PodWatchEvent event : history) {
          if (Long.parseLong(event.getObject().getMetadata().getResourceVersion()) > from && matches(stream, event)) {
            stream.onNext(event);
          }
        }
      }
    }
  }
}
