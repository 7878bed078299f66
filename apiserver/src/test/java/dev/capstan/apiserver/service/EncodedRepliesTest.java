package dev.capstan.apiserver.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodWatchEvent;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.watch.WatchCache;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The network services' reply marshaller: encoded replies go out byte for byte, messages as before. */
class EncodedRepliesTest {
  private final PodWatchEvent event = PodWatchEvent.newBuilder().setType("ADDED")
      .setObject(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("p").setResourceVersion("7"))).build();

  @SuppressWarnings("unchecked")
  private final MethodDescriptor<Object, Object> watch =
      (MethodDescriptor<Object, Object>) (MethodDescriptor<?, ?>) EncodedReplies.of(Kinds.POD.method("Watch"));

  @Test
  void anEncodedReplyIsWrittenAsItsBytesInOneDrainWithItsLengthKnown() throws Exception {
    InputStream stream = watch.streamResponse(new EncodedReply(event.toByteArray(), () -> event));
    assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    assertThat(stream.available()).isEqualTo(event.getSerializedSize());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(((Drainable) stream).drainTo(out)).isEqualTo(event.getSerializedSize());
    assertThat(out.toByteArray()).isEqualTo(event.toByteArray());
    // what a client's marshaller reads back is the event itself
    assertThat(watch.parseResponse(new java.io.ByteArrayInputStream(out.toByteArray()))).isEqualTo(event);
  }

  @Test
  void onlyTheNetworkServicesWatchListAndWritesTakeEncodedReplies() {
    try (LocalKeyValueStore store = new LocalKeyValueStore()) {
      ResourceRegistry<Pod> registry = new ResourceRegistry<>(Kinds.POD, store, Clock.systemUTC(), new Random(1), ns -> {});
      WatchCache<Pod> cache = new WatchCache<>(Kinds.POD, store, 100, 10);
      ResourceService<Pod> service = new ResourceService<>(Kinds.POD, registry, cache, request -> {});
      String watchName = Kinds.POD.method("Watch").getFullMethodName();
      String getName = Kinds.POD.method("Get").getFullMethodName();
      assertThat(service.networkDefinition().getMethod(watchName).getMethodDescriptor().getResponseMarshaller())
          .isInstanceOf(EncodedReplies.class);
      assertThat(service.networkDefinition().getMethod(getName).getMethodDescriptor())
          .isSameAs(Kinds.POD.method("Get"));
      for (String method : List.of("List", "Create", "Update", "UpdateStatus", "Patch")) {
        assertThat(service.networkDefinition().getMethod(Kinds.POD.method(method).getFullMethodName())
            .getMethodDescriptor().getResponseMarshaller()).as(method).isInstanceOf(EncodedReplies.class);
        assertThat(service.definition().getMethod(Kinds.POD.method(method).getFullMethodName())
            .getMethodDescriptor()).as(method).isSameAs(Kinds.POD.method(method));
      }
      assertThat(service.networkDefinition().getMethod(Kinds.POD.method("Delete").getFullMethodName())
          .getMethodDescriptor()).isSameAs(Kinds.POD.method("Delete"));
      assertThat(service.definition().getMethod(watchName).getMethodDescriptor()).isSameAs(Kinds.POD.method("Watch"));
    }
  }

  @Test
  void aMessageReplyIsStreamedByTheMethodsOwnMarshaller() throws Exception {
    InputStream stream = watch.streamResponse(event);
    assertThat(stream.readAllBytes()).isEqualTo(event.toByteArray());
  }
}
