package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import dev.capstan.client.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads from an object's encoding only what selectors test -- metadata.labels and the kind's
 * selectable fields ({@link ObjectFilter#supportedFields}, metadata.name and metadata.namespace
 * among them) -- and skips every other field, so that the watch cache can keep objects encoded
 * and still filter them without decoding. A value reads as {@link ObjectFilter} reads it from the
 * decoded object: the field's text, its default's text when unset, "" for a path that ends on a
 * message or crosses a repeated field.
 *
 * <p>Repeated strings (namespaces, label keys and values, node names, phases) are shared through
 * a bounded table, so thousands of cached pods do not each hold their own copy. That table makes
 * a reader unsafe for concurrent use: each watch cache has its own and reads under its lock.
 */
public final class SelectorFieldReader {
  /** Beyond this many distinct strings the table starts over (unique values such as pod IPs fill it). */
  private static final int SHARED_STRINGS_LIMIT = 8192;

  private final Kind<?> kind;
  private final Map<String, Integer> slots = new HashMap<>();
  private final String[] defaults;
  private final int nameSlot;
  private final int namespaceSlot;
  private final Level root = new Level();
  private final Map<String, String> shared = new HashMap<>();

  /** The fields of one message level the reader descends into or reads, by field number. */
  private static final class Level {
    Step[] byNumber = new Step[0];

    Step step(int number) {
      if (number >= byNumber.length) {
        byNumber = java.util.Arrays.copyOf(byNumber, number + 1);
      }
      if (byNumber[number] == null) {
        byNumber[number] = new Step();
      }
      return byNumber[number];
    }
  }

  /** A field to descend into ({@code next}), to read into a slot ({@code leaf}), or the labels map. */
  private static final class Step {
    Level next;
    FieldDescriptor leaf;
    int slot = -1;
    boolean labels;
  }

  public SelectorFieldReader(Kind<?> kind) {
    this.kind = kind;
    List<String> paths = ObjectFilter.supportedFields(kind);
    Message empty = kind.defaultInstance();
    defaults = new String[paths.size()];
    for (int slot = 0; slot < paths.size(); slot++) {
      String path = paths.get(slot);
      slots.put(path, slot);
      defaults[slot] = ObjectFilter.fieldValue(empty, path);
      plan(path, slot);
    }
    nameSlot = slots.get("metadata.name");
    namespaceSlot = slots.get("metadata.namespace");
    List<FieldDescriptor> labels = resolve("metadata.labels");
    if (labels == null || !labels.get(1).isMapField()) {
      throw new IllegalArgumentException(kind + " has no metadata.labels");
    }
    stepFor(labels).labels = true;
  }

  /** Reads the selector fields of an encoded object of the reader's kind. */
  public SelectorFields read(ByteString encoded) {
    String[] values = defaults.clone();
    Map<String, String> labels = new HashMap<>();
    try {
      readLevel(encoded.newCodedInput(), root, values, labels);
    } catch (IOException e) {
      throw new IllegalStateException("corrupt " + kind + " in store", e);
    }
    return new SelectorFields(this, values, labels.isEmpty() ? Map.of() : Map.copyOf(labels));
  }

  int slot(String path) {
    Integer slot = slots.get(path);
    return slot == null ? -1 : slot;
  }

  int nameSlot() {
    return nameSlot;
  }

  int namespaceSlot() {
    return namespaceSlot;
  }

  private void readLevel(CodedInputStream in, Level level, String[] values, Map<String, String> labels)
      throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int number = WireFormat.getTagFieldNumber(tag);
      Step step = number < level.byNumber.length ? level.byNumber[number] : null;
      if (step == null || !expected(step, WireFormat.getTagWireType(tag))) {
        in.skipField(tag);
      } else if (step.labels) {
        readLabel(in, labels);
      } else if (step.next != null) {
        int limit = in.pushLimit(in.readRawVarint32());
        readLevel(in, step.next, values, labels);
        in.popLimit(limit);
      } else {
        values[step.slot] = readScalar(in, step);
      }
    }
  }

  private static boolean expected(Step step, int wireType) {
    if (step.labels || step.next != null) {
      return wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }
    return wireType == (step.leaf.getJavaType() == FieldDescriptor.JavaType.STRING
        ? WireFormat.WIRETYPE_LENGTH_DELIMITED : WireFormat.WIRETYPE_VARINT);
  }

  private String readScalar(CodedInputStream in, Step step) throws IOException {
    return switch (step.leaf.getJavaType()) {
      case STRING -> step.slot == nameSlot ? in.readStringRequireUtf8() : share(in.readStringRequireUtf8());
      case BOOLEAN -> String.valueOf(in.readBool());
      case INT -> String.valueOf(in.readInt32());
      case LONG -> String.valueOf(in.readInt64());
      // As the decoded object's getField gives it, an unknown number included.
      case ENUM -> String.valueOf(step.leaf.getEnumType().findValueByNumberCreatingIfUnknown(in.readEnum()));
      default -> throw new IllegalStateException("unplanned field type " + step.leaf);
    };
  }

  /** One map entry: a message of key = 1 and value = 2, as protobuf encodes a map field. */
  private void readLabel(CodedInputStream in, Map<String, String> labels) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    String key = "";
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> key = share(in.readStringRequireUtf8());
        case 2 -> value = share(in.readStringRequireUtf8());
        default -> in.skipField(tag);
      }
    }
    in.popLimit(limit);
    labels.put(key, value);
  }

  private String share(String s) {
    if (s.isEmpty()) {
      return "";
    }
    String known = shared.get(s);
    if (known != null) {
      return known;
    }
    if (shared.size() >= SHARED_STRINGS_LIMIT) {
      shared.clear();
    }
    shared.put(s, s);
    return s;
  }

  /** Plans the read of one selectable path; a path ObjectFilter would read as "" needs none. */
  private void plan(String path, int slot) {
    List<FieldDescriptor> fields = resolve(path);
    FieldDescriptor leaf = fields == null ? null : fields.get(fields.size() - 1);
    if (leaf == null || leaf.isRepeated() || leaf.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      return;
    }
    switch (leaf.getType()) {
      case STRING, BOOL, INT32, INT64, ENUM -> { }
      default -> throw new IllegalArgumentException("selectable field " + path + " of " + kind
          + " has a type the reader does not read: " + leaf.getType());
    }
    Step step = stepFor(fields);
    step.leaf = leaf;
    step.slot = slot;
  }

  /**
   * The fields a path names by JSON name, from the kind's message down; null when a part is
   * missing or a part before the last is not a single message (ObjectFilter reads such a path as "").
   */
  private List<FieldDescriptor> resolve(String path) {
    List<FieldDescriptor> fields = new ArrayList<>();
    Descriptor type = kind.defaultInstance().getDescriptorForType();
    for (String part : path.split("\\.")) {
      if (type == null) {
        return null;
      }
      FieldDescriptor fd = ObjectFilter.findByJsonName(type, part);
      if (fd == null) {
        return null;
      }
      fields.add(fd);
      type = !fd.isRepeated() && fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? fd.getMessageType() : null;
    }
    return fields;
  }

  /** The step of the last of {@code fields}, with a level to descend through for each one before it. */
  private Step stepFor(List<FieldDescriptor> fields) {
    Level level = root;
    for (int i = 0; i < fields.size() - 1; i++) {
      Step step = level.step(fields.get(i).getNumber());
      if (step.next == null) {
        step.next = new Level();
      }
      level = step.next;
    }
    return level.step(fields.get(fields.size() - 1).getNumber());
  }
}
