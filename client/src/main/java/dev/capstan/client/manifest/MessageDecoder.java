package dev.capstan.client.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import java.math.BigInteger;
import java.text.ParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fills a proto builder from a document tree, Kubernetes' way: fields by their JSON names
 * (lowerCamelCase), unknown fields rejected, and every error naming the full field path.
 *
 * <ul>
 *   <li>string: a string, or a number as its text (int-or-string "maxSurge: 1", quantities "cpu: 2");
 *       map&lt;string, string&gt; values also take booleans as their text
 *   <li>integers: integers only, within the field's range; bool: true/false
 *   <li>messages from mappings, repeated fields from lists, maps from mappings
 *   <li>google.protobuf.Timestamp from an RFC 3339 string; bytes from base64
 *   <li>null: the field stays unset (a null map value is "")
 * </ul>
 */
final class MessageDecoder {
  private static final String TIMESTAMP = "google.protobuf.Timestamp";
  private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFF_FFFFL);
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final Map<Descriptor, Map<String, FieldDescriptor>> fieldsByJsonName = new ConcurrentHashMap<>();

  /** Merges the mapping into the builder; {@code path} is the mapping's own field path ("" at the top). */
  void merge(JsonNode node, Message.Builder builder, String path) {
    if (!node.isObject()) {
      throw new ManifestException(path, "expected an object, got " + describe(node));
    }
    Map<String, FieldDescriptor> fields = fieldsByJsonName(builder.getDescriptorForType());
    Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      String fieldPath = FieldPaths.field(path, entry.getKey());
      FieldDescriptor field = fields.get(entry.getKey());
      if (field == null) {
        throw new ManifestException(fieldPath, "unknown field");
      }
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        continue;
      }
      if (field.isMapField()) {
        mergeMap(field, value, builder, fieldPath);
      } else if (field.isRepeated()) {
        if (!value.isArray()) {
          throw new ManifestException(fieldPath, "expected a list, got " + describe(value));
        }
        for (int i = 0; i < value.size(); i++) {
          builder.addRepeatedField(field, single(field, value.get(i), builder, FieldPaths.index(fieldPath, i), false));
        }
      } else {
        builder.setField(field, single(field, value, builder, fieldPath, false));
      }
    }
  }

  private void mergeMap(FieldDescriptor field, JsonNode value, Message.Builder builder, String path) {
    if (!value.isObject()) {
      throw new ManifestException(path, "expected a mapping, got " + describe(value));
    }
    Descriptor entryType = field.getMessageType();
    FieldDescriptor keyField = entryType.findFieldByName("key");
    FieldDescriptor valueField = entryType.findFieldByName("value");
    Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> e = entries.next();
      String entryPath = FieldPaths.key(path, e.getKey());
      Message.Builder entry = builder.newBuilderForField(field);
      entry.setField(keyField, mapKey(keyField, e.getKey(), entryPath));
      if (!e.getValue().isNull()) {
        entry.setField(valueField, single(valueField, e.getValue(), entry, entryPath, true));
      }
      builder.addRepeatedField(field, entry.build());
    }
  }

  private Object single(FieldDescriptor field, JsonNode node, Message.Builder parent, String path, boolean mapValue) {
    return switch (field.getJavaType()) {
      case STRING -> string(node, path, mapValue);
      case INT -> (int) integer(node, path, unsigned(field) ? BigInteger.ZERO : INT32_MIN,
          unsigned(field) ? UINT32_MAX : INT32_MAX).longValue();
      case LONG -> integer(node, path, unsigned(field) ? BigInteger.ZERO : INT64_MIN,
          unsigned(field) ? UINT64_MAX : INT64_MAX).longValue();
      case BOOLEAN -> {
        if (!node.isBoolean()) {
          throw new ManifestException(path, "expected a boolean (true or false), got " + describe(node));
        }
        yield node.booleanValue();
      }
      case FLOAT -> (float) number(node, path);
      case DOUBLE -> number(node, path);
      case BYTE_STRING -> bytes(node, path);
      case ENUM -> enumValue(field, node, path);
      case MESSAGE -> message(field, node, parent, path);
    };
  }

  private static boolean unsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }

  private static String string(JsonNode node, String path, boolean mapValue) {
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue().toString();
    }
    if (node.isBigDecimal()) {
      return node.decimalValue().toPlainString();
    }
    if (node.isNumber()) {
      return node.asText();
    }
    if (mapValue && node.isBoolean()) {
      return node.asText();
    }
    String hint = node.isBoolean() ? " (quote it: \"" + node.asText() + "\")" : "";
    throw new ManifestException(path, "expected a string, got " + describe(node) + hint);
  }

  private static BigInteger integer(JsonNode node, String path, BigInteger min, BigInteger max) {
    if (!node.isIntegralNumber()) {
      String hint = node.isTextual() && node.textValue().strip().matches("[-+]?\\d+")
          ? " (a string; write the number without quotes)" : "";
      throw new ManifestException(path, "expected an integer, got " + describe(node) + hint);
    }
    BigInteger value = node.bigIntegerValue();
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ManifestException(path, "integer " + value + " is out of range [" + min + ", " + max + "]");
    }
    return value;
  }

  private static double number(JsonNode node, String path) {
    if (!node.isNumber()) {
      throw new ManifestException(path, "expected a number, got " + describe(node));
    }
    return node.doubleValue();
  }

  private static ByteString bytes(JsonNode node, String path) {
    if (!node.isTextual()) {
      throw new ManifestException(path, "expected base64 data, got " + describe(node));
    }
    try {
      // Line breaks are allowed, as in Go's decoder; anything else outside the alphabet is an error.
      return ByteString.copyFrom(Base64.getDecoder().decode(node.textValue().replaceAll("[\\r\\n]", "")));
    } catch (IllegalArgumentException e) {
      throw new ManifestException(path, "expected base64 data: " + e.getMessage());
    }
  }

  private static EnumValueDescriptor enumValue(FieldDescriptor field, JsonNode node, String path) {
    EnumValueDescriptor value = node.isTextual() ? field.getEnumType().findValueByName(node.textValue()) : null;
    if (value == null) {
      throw new ManifestException(path, "expected one of " + field.getEnumType().getValues() + ", got " + describe(node));
    }
    return value;
  }

  private Message message(FieldDescriptor field, JsonNode node, Message.Builder parent, String path) {
    if (field.getMessageType().getFullName().equals(TIMESTAMP)) {
      if (!node.isTextual()) {
        throw new ManifestException(path, "expected an RFC 3339 timestamp such as \"2024-05-01T12:00:00Z\", got "
            + describe(node));
      }
      try {
        return Timestamps.parse(node.textValue());
      } catch (ParseException e) {
        throw new ManifestException(path, "expected an RFC 3339 timestamp such as \"2024-05-01T12:00:00Z\", got "
            + describe(node));
      }
    }
    Message.Builder child = parent.newBuilderForField(field);
    merge(node, child, path);
    return child.build();
  }

  private static Object mapKey(FieldDescriptor keyField, String key, String path) {
    if (keyField.getJavaType() == FieldDescriptor.JavaType.STRING) {
      return key;
    }
    try {
      return switch (keyField.getJavaType()) {
        case INT -> Integer.parseInt(key);
        case LONG -> Long.parseLong(key);
        case BOOLEAN -> Boolean.parseBoolean(key);
        default -> throw new ManifestException(path, "unsupported map key type " + keyField.getType());
      };
    } catch (NumberFormatException e) {
      throw new ManifestException(path, "expected an integer key, got \"" + key + "\"");
    }
  }

  /** How a value appears in an error message: strings quoted, containers by their kind. */
  static String describe(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isBigDecimal()) {
      return node.decimalValue().toPlainString();
    }
    return node.toString();
  }

  /** The fields of {@code type} by the JSON names this decoder reads them under. */
  Map<String, FieldDescriptor> fieldsByJsonName(Descriptor type) {
    return fieldsByJsonName.computeIfAbsent(type, MessageDecoder::indexByJsonName);
  }

  private static Map<String, FieldDescriptor> indexByJsonName(Descriptor descriptor) {
    Map<String, FieldDescriptor> byName = new HashMap<>();
    for (FieldDescriptor field : descriptor.getFields()) {
      byName.put(field.getJsonName(), field);
    }
    return byName;
  }
}
