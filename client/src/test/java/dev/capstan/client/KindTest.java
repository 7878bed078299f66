package dev.capstan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import org.junit.jupiter.api.Test;

class KindTest {
  @Test
  void everyKindReadsAndReplacesItsMetadataThroughTheGeneratedAccessors() {
    for (Kind<? extends Message> kind : Kinds.all()) {
      check(kind);
    }
  }

  private static <T extends Message> void check(Kind<T> kind) {
    ObjectMeta meta = ObjectMeta.newBuilder().setName("a").setNamespace("ns").putLabels("k", "v").build();
    T object = kind.withMetadata(kind.defaultInstance(), meta);
    assertThat(object).isInstanceOf(kind.type());
    assertThat(kind.metadata(object)).as(kind.kind()).isEqualTo(meta);
    assertThat(kind.metadata(kind.defaultInstance())).isEqualTo(ObjectMeta.getDefaultInstance());

    T decoded = kind.parseWithResourceVersion(object.toByteString(), "42");
    assertThat(kind.metadata(decoded)).isEqualTo(meta.toBuilder().setResourceVersion("42").build());
    assertThat(kind.withMetadata(decoded, meta)).isEqualTo(object);
  }

  @Test
  void decodingWithAResourceVersionKeepsEveryOtherFieldAndReplacesAStoredOne() {
    Pod pod = Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("p").setUid("u1").setResourceVersion("7"))
        .setSpec(PodSpec.newBuilder().setNodeName("n1").setSchedulerName("s"))
        .build();

    Pod decoded = Kinds.POD.parseWithResourceVersion(pod.toByteString(), "9");

    assertThat(decoded).isEqualTo(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().setResourceVersion("9")).build());
  }

  @Test
  void typeMetaIsFilledInAndAnObjectThatHasItIsKeptAsItIs() {
    Pod bare = Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("p")).build();
    Pod typed = Kinds.POD.withTypeMeta(bare);
    assertThat(typed.getApiVersion()).isEqualTo("v1");
    assertThat(typed.getKind()).isEqualTo("Pod");
    assertThat(typed.getMetadata()).isEqualTo(bare.getMetadata());
    assertThat(Kinds.POD.withTypeMeta(typed)).isSameAs(typed);
    // a wrong kind is corrected, not kept
    assertThat(Kinds.POD.withTypeMeta(typed.toBuilder().setKind("Service").build())).isEqualTo(typed);
  }

  @Test
  void aCorruptStoredValueNamesTheKind() {
    assertThatThrownBy(() -> Kinds.POD.parseWithResourceVersion(ByteString.copyFrom(new byte[] {(byte) 0x0a, 0x7f}), "1"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt Pod in store");
  }
}
