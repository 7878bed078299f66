package dev.capstan.client.manifest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.util.List;

/**
 * Builds a message with every field set, recursively: two elements per list and map, and string
 * values cycling through ones that are awkward in YAML (look like numbers, booleans, null, YAML
 * syntax, or span lines). Deterministic.
 */
final class FullyPopulated {
  private static final List<String> AWKWARD = List.of(
      "plain", "1", "0.50", "true", "yes", "null", "~", "0x1F", "1e3", "- item", "key: value", "#hash",
      "*alias", "&anchor", "!tag", "25%", "100m", " leading", "trailing ", "two\nlines\n", "quote\"d",
      "it's", "{flow}", "[seq]", "2024-01-02T03:04:05Z", "@at", "%percent", "ünïcødé", "tab\there");

  private int counter;

  static <T extends Message> T of(T defaultInstance) {
    @SuppressWarnings("unchecked")
    T t = (T) new FullyPopulated().fill(defaultInstance.newBuilderForType()).build();
    return t;
  }

  private Message.Builder fill(Message.Builder builder) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.isMapField()) {
        for (int i = 0; i < 2; i++) {
          Message.Builder entry = builder.newBuilderForField(field);
          FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
          FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
          entry.setField(key, "key-" + (counter++) + (i == 0 ? "" : ".example.com/name"));
          entry.setField(value, value(value, entry));
          builder.addRepeatedField(field, entry.build());
        }
      } else if (field.isRepeated()) {
        builder.addRepeatedField(field, value(field, builder));
        builder.addRepeatedField(field, value(field, builder));
      } else {
        builder.setField(field, value(field, builder));
      }
    }
    return builder;
  }

  private Object value(FieldDescriptor field, Message.Builder parent) {
    int n = ++counter;
    return switch (field.getJavaType()) {
      case STRING -> AWKWARD.get(n % AWKWARD.size());
      case INT -> n % 3 == 0 ? -n : n;
      case LONG -> n % 2 == 0 ? 1_000_000_000_000L + n : -n;
      case BOOLEAN -> true;
      case FLOAT -> n + 0.5f;
      case DOUBLE -> n + 0.25;
      case BYTE_STRING -> ByteString.copyFrom(new byte[] {0, (byte) n, (byte) 0xFF, '\n'});
      case ENUM -> field.getEnumType().getValues().get(field.getEnumType().getValues().size() - 1);
      case MESSAGE -> field.getMessageType().getFullName().equals("google.protobuf.Timestamp")
          ? Timestamp.newBuilder().setSeconds(1_700_000_000L + n).setNanos(n % 2 == 0 ? 0 : 123_000_000).build()
          : fill(parent.newBuilderForField(field)).build();
    };
  }
}
