package dev.capstan.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.EventSource;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.NamespaceStatus;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reader gives, from an object's bytes, exactly what {@link ObjectFilter} reads from the
 * decoded object, for every selectable field of every kind, set or unset.
 */
class SelectorFieldReaderTest {
  private static ObjectMeta.Builder meta(String namespace, String name) {
    return ObjectMeta.newBuilder().setNamespace(namespace).setName(name).setUid("u-" + name)
        .putAnnotations("note", "skipped").addFinalizers("keep");
  }

  private static Pod pod(String name, String node) {
    return Pod.newBuilder().setApiVersion("v1").setKind("Pod")
        .setMetadata(meta("team", name).putLabels("app", "web").putLabels("tier", "front"))
        .setSpec(PodSpec.newBuilder().setNodeName(node).setRestartPolicy("Always").setSchedulerName("default-scheduler")
            .setServiceAccountName("default").addContainers(Container.newBuilder().setName("c").setImage("busybox")))
        .setStatus(PodStatus.newBuilder().setPhase("Running").setPodIp("10.1.0." + name.length()))
        .build();
  }

  /** Every selectable path, the labels, the namespace and the name agree with the decoded object's. */
  private static <T extends Message> void agrees(Kind<T> kind, T object) {
    SelectorFields read = new SelectorFieldReader(kind).read(object.toByteString());
    for (String path : ObjectFilter.supportedFields(kind)) {
      assertThat(read.field(path)).as(kind.kind() + " " + path).isEqualTo(ObjectFilter.fieldValue(object, path));
    }
    assertThat(read.labels()).isEqualTo(kind.metadata(object).getLabelsMap());
    assertThat(read.namespace()).isEqualTo(kind.metadata(object).getNamespace());
    assertThat(read.name()).isEqualTo(kind.metadata(object).getName());
  }

  private static <T extends Message> void agreesOnDefault(Kind<T> kind) {
    agrees(kind, kind.defaultInstance());
  }

  @Test
  void aPodsFieldsAreReadAsFromTheDecodedPod() {
    agrees(Kinds.POD, pod("web-1", "node-a"));
    assertThat(new SelectorFieldReader(Kinds.POD).read(pod("web-1", "node-a").toByteString()).field("spec.nodeName"))
        .isEqualTo("node-a");
  }

  @Test
  void unsetFieldsReadAsTheirDefaults() {
    Kinds.all().forEach(SelectorFieldReaderTest::agreesOnDefault);
    agrees(Kinds.POD, Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("bare")).build());
  }

  @Test
  void boolsNestedReferencesAndMessageLeavesReadAsObjectFilterReadsThem() {
    agrees(Kinds.NODE, Node.newBuilder().setMetadata(meta("", "n1")).setSpec(NodeSpec.newBuilder().setUnschedulable(true))
        .build());
    agrees(Kinds.NODE, Node.newBuilder().setMetadata(meta("", "n2")).build());
    agrees(Kinds.NAMESPACE, Namespace.newBuilder().setMetadata(meta("", "team"))
        .setStatus(NamespaceStatus.newBuilder().setPhase("Terminating")).build());
    Event event = Event.newBuilder().setMetadata(meta("team", "e1")).setReason("Started").setType("Normal")
        .setInvolvedObject(ObjectReference.newBuilder().setKind("Pod").setNamespace("team").setName("web-1").setUid("u1"))
        .setSource(EventSource.newBuilder().setComponent("agent").setHost("node-a")).build();
    agrees(Kinds.EVENT, event);
    assertThat(new SelectorFieldReader(Kinds.EVENT).read(event.toByteString()).field("involvedObject.name"))
        .isEqualTo("web-1");
  }

  @Test
  void aFieldEncodedTwiceReadsAsTheLastOneAsADecodeWould() {
    Pod first = pod("web-1", "node-a");
    Pod second = Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName("node-b"))
        .setMetadata(ObjectMeta.newBuilder().putLabels("tier", "back")).build();
    ByteString both = first.toByteString().concat(second.toByteString());
    Pod decoded = Kinds.POD.parseWithResourceVersion(both, "");
    agrees(Kinds.POD, decoded);
    SelectorFields read = new SelectorFieldReader(Kinds.POD).read(both);
    assertThat(read.field("spec.nodeName")).isEqualTo("node-b");
    assertThat(read.labels()).isEqualTo(Map.of("app", "web", "tier", "back"));
  }

  @Test
  void repeatedStringsAreSharedBetweenObjects() {
    SelectorFieldReader reader = new SelectorFieldReader(Kinds.POD);
    SelectorFields a = reader.read(pod("web-1", "node-a").toByteString());
    SelectorFields b = reader.read(pod("web-2", "node-a").toByteString());
    assertThat(b.namespace()).isSameAs(a.namespace());
    assertThat(b.field("spec.nodeName")).isSameAs(a.field("spec.nodeName"));
    assertThat(b.labels().get("app")).isSameAs(a.labels().get("app"));
    assertThat(b.name()).isEqualTo("web-2");
  }

  @Test
  void selectorsMatchTheReadFieldsAsTheyMatchTheDecodedObject() {
    SelectorFieldReader reader = new SelectorFieldReader(Kinds.POD);
    List<Pod> pods = List.of(pod("web-1", "node-a"), pod("web-22", "node-b"),
        Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("other").setName("x")).build());
    List<String[]> selectors = List.of(new String[] {"", "app=web", ""}, new String[] {"team", "tier in (front,back)", ""},
        new String[] {"", "!app", ""}, new String[] {"", "", "spec.nodeName=node-b"},
        new String[] {"", "app", "status.phase!=Running"}, new String[] {"other", "", "metadata.name=x"},
        new String[] {"", "", "spec.nodeName="});
    for (String[] s : selectors) {
      ObjectFilter<Pod> filter = ObjectFilter.of(Kinds.POD, s[0], s[1], s[2]);
      for (Pod p : pods) {
        assertThat(filter.matches(reader.read(p.toByteString()))).as(String.join(" | ", s) + " on " + p.getMetadata().getName())
            .isEqualTo(filter.matches(p));
      }
    }
  }

  @Test
  void unreadableBytesAreRefusedNamingTheKind() {
    assertThatThrownBy(() -> new SelectorFieldReader(Kinds.POD).read(ByteString.copyFrom(new byte[] {0x1a, 0x7f, 0x01})))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Pod");
  }
}
