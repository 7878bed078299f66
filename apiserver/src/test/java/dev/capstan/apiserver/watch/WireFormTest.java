package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodList;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodWatchEvent;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Objects, watch events and lists written from the stored bytes decode to exactly what decoding the
 * object, stamping its resourceVersion and encoding it would give.
 */
class WireFormTest {
  private static CachedObject<Pod> cached(Pod stored, long revision) {
    return CachedObject.of(Kinds.POD, new SelectorFieldReader(Kinds.POD), stored.toByteString(), revision);
  }

  /** The object as a watch event written from the stored bytes carries it. */
  @SuppressWarnings("unchecked")
  private static <T extends Message> T written(CachedObject<T> c) throws Exception {
    Message event = c.kind().watchEventDefault().getParserForType().parseFrom(WireForm.watchEvent("ADDED", c));
    return (T) event.getField(event.getDescriptorForType().findFieldByName("object"));
  }

  private static Pod pod() {
    return Pod.newBuilder().setApiVersion("v1").setKind("Pod")
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("web-1").setUid("u1").putLabels("app", "web")
            .addFinalizers("keep"))
        .setSpec(PodSpec.newBuilder().setNodeName("node-a").addContainers(Container.newBuilder().setName("c")
            .setImage("busybox")))
        .build();
  }

  @Test
  void anObjectGetsItsResourceVersionAddedToItsMetadata() throws Exception {
    CachedObject<Pod> c = cached(pod(), 1234);
    Pod written = written(c);
    assertThat(written).isEqualTo(c.object());
    assertThat(written.getMetadata().getResourceVersion()).isEqualTo("1234");
    assertThat(written.toBuilder().setMetadata(written.getMetadata().toBuilder().clearResourceVersion()).build())
        .isEqualTo(pod());
  }

  @Test
  void aWrittenObjectIsItsStoredBytesWithItsResourceVersion() throws Exception {
    Pod bare = Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName("n")).build();
    for (Pod stored : List.of(pod(), bare, Pod.getDefaultInstance())) {
      CachedObject<Pod> c = cached(stored, 4321);
      Pod answered = Pod.parseFrom(WireForm.object(Kinds.POD, stored.toByteString(), 4321));
      assertThat(answered).isEqualTo(c.object()).isEqualTo(written(c));
      assertThat(answered.getMetadata().getResourceVersion()).isEqualTo("4321");
    }
  }

  @Test
  void aWatchEventIsTheTypeAndTheObjectWithItsResourceVersion() throws Exception {
    CachedObject<Pod> c = cached(pod(), 99);
    PodWatchEvent event = PodWatchEvent.parseFrom(WireForm.watchEvent("MODIFIED", c));
    assertThat(event).isEqualTo(PodWatchEvent.newBuilder().setType("MODIFIED").setObject(c.object()).build());
  }

  @Test
  void aListIsItsItemsWithTheirResourceVersionsAndItsMetadata() throws Exception {
    CachedObject<Pod> one = cached(pod(), 10);
    CachedObject<Pod> two = cached(pod().toBuilder().setMetadata(pod().getMetadata().toBuilder().setName("web-2")).build(), 11);
    ListMeta meta = ListMeta.newBuilder().setResourceVersion("12").setContinue("token").build();
    PodList list = PodList.parseFrom(WireForm.list(Kinds.POD, List.of(one, two), meta));
    assertThat(list).isEqualTo(PodList.newBuilder().setMetadata(meta).addItems(one.object()).addItems(two.object()).build());
    assertThat(PodList.parseFrom(WireForm.list(Kinds.POD, List.of(), ListMeta.getDefaultInstance())))
        .isEqualTo(PodList.newBuilder().setMetadata(ListMeta.getDefaultInstance()).build());
  }

  @Test
  void anObjectWithoutMetadataGetsMetadataWithOnlyItsResourceVersion() throws Exception {
    Pod bare = Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName("n")).build();
    CachedObject<Pod> c = cached(bare, 5);
    assertThat(written(c)).isEqualTo(c.object());
    assertThat(written(c).getMetadata().getResourceVersion()).isEqualTo("5");
    CachedObject<Pod> empty = cached(Pod.getDefaultInstance(), 6);
    assertThat(written(empty)).isEqualTo(empty.object());
  }

  @Test
  void metadataAfterOtherFieldsOrEncodedTwiceIsHandled() throws Exception {
    // metadata last, and a second occurrence that protobuf merges into the first
    ByteString stored = Pod.newBuilder().setSpec(pod().getSpec()).build().toByteString()
        .concat(Pod.newBuilder().setMetadata(pod().getMetadata()).build().toByteString())
        .concat(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().putLabels("tier", "front")).build().toByteString());
    CachedObject<Pod> c = CachedObject.of(Kinds.POD, new SelectorFieldReader(Kinds.POD), stored, 77);
    Pod written = written(c);
    assertThat(written).isEqualTo(c.object());
    assertThat(written.getMetadata().getLabelsMap()).containsEntry("app", "web").containsEntry("tier", "front");
  }

  @Test
  void otherKindsAndLongMetadataKeepTheirLengthsRight() throws Exception {
    // metadata of more than 127 bytes with the version added: a two-byte length prefix
    ObjectMeta.Builder meta = ObjectMeta.newBuilder().setName("n1");
    for (int i = 0; i < 20; i++) {
      meta.putAnnotations("annotation-" + i, "value-" + i);
    }
    Node node = Node.newBuilder().setMetadata(meta).build();
    CachedObject<Node> c = CachedObject.of(Kinds.NODE, new SelectorFieldReader(Kinds.NODE), node.toByteString(),
        Long.MAX_VALUE);
    assertThat(written(c)).isEqualTo(c.object());
    ConfigMap cm = ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("c").setNamespace("d"))
        .putData("k", "v".repeat(300)).build();
    CachedObject<ConfigMap> cc = CachedObject.of(Kinds.CONFIG_MAP, new SelectorFieldReader(Kinds.CONFIG_MAP),
        cm.toByteString(), 128);
    assertThat(written(cc)).isEqualTo(cc.object());
  }
}
