package dev.capstan.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.manifest.ManifestCodec;
import dev.capstan.client.manifest.ManifestException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A JSON merge patch (RFC 7386) applied to an object's Kubernetes JSON form, converting only the
 * top-level fields the patch names (and apiVersion and kind), not the whole object: a label patch
 * turns {@code metadata} into JSON and back and leaves a pod's spec and status as they are.
 *
 * <p>The result and every refusal are those of converting the whole object, patching it and
 * reading it back with {@link ManifestCodec#fromTree}: a field the patch does not name would read
 * back to the value it had (the codec round-trips), and the partial form keeps the whole form's
 * member order (sorted, members the patch adds after them in the patch's order), so reading it
 * back meets the same first error at the same field path. A member the codec does not know is
 * refused as an unknown field when the patch sets it, and ignored when the patch nulls it, as for
 * the whole form. Thread-safe.
 */
final class ObjectMergePatch {

  private final ManifestCodec codec;

  ObjectMergePatch(ManifestCodec codec) {
    this.codec = codec;
  }

  /**
   * {@code current} with {@code patch} applied.
   *
   * @throws ManifestException when the patched form does not read back as a {@code kind}
   */
  <T extends Message> T apply(T current, ObjectNode patch, Kind<T> kind) {
    Descriptor type = current.getDescriptorForType();
    // Type meta always: reading back checks it first, and a patch may null or change it.
    Set<FieldDescriptor> named = new LinkedHashSet<>();
    addIfPresent(named, codec.fieldByJsonName(type, "apiVersion"));
    addIfPresent(named, codec.fieldByJsonName(type, "kind"));
    Iterator<String> members = patch.fieldNames();
    while (members.hasNext()) {
      addIfPresent(named, codec.fieldByJsonName(type, members.next()));
    }
    Message.Builder partial = current.newBuilderForType();
    named.forEach(field -> copyIfSet(current, field, partial));
    JsonNode patched = MergePatch.apply(codec.toTree(partial.build()), patch);
    T read = codec.fromTree(patched, kind);
    Message.Builder result = current.toBuilder();
    for (FieldDescriptor field : named) {
      result.clearField(field);
      copyIfSet(read, field, result);
    }
    return kind.type().cast(result.build());
  }

  /** Sets {@code field} in {@code to} as it is in {@code from}, if it is set there. */
  private static void copyIfSet(Message from, FieldDescriptor field, Message.Builder to) {
    if (field.isRepeated() ? from.getRepeatedFieldCount(field) > 0 : from.hasField(field)) {
      to.setField(field, from.getField(field));
    }
  }

  private static void addIfPresent(Set<FieldDescriptor> fields, FieldDescriptor field) {
    if (field != null) {
      fields.add(field);
    }
  }
}
