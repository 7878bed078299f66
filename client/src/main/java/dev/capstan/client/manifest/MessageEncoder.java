package dev.capstan.client.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a proto message into the tree of its Kubernetes JSON form, the inverse of
 * {@link MessageDecoder}: lowerCamelCase names sorted as kubectl prints them, unset and default
 * fields left out (a set proto3 {@code optional} field is kept even when zero, an empty but set
 * message as {@code {}}), integers as numbers (not strings as in proto3 JSON), timestamps in
 * RFC 3339, bytes in base64.
 */
final class MessageEncoder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  ObjectNode encode(MessageOrBuilder message) {
    Map<String, JsonNode> sorted = new TreeMap<>();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      JsonNode value;
      if (field.isMapField()) {
        value = map(field, (List<?>) e.getValue());
      } else if (field.isRepeated()) {
        ArrayNode array = NODES.arrayNode();
        for (Object element : (List<?>) e.getValue()) {
          array.add(single(field, element));
        }
        value = array;
      } else {
        value = single(field, e.getValue());
      }
      sorted.put(field.getJsonName(), value);
    }
    ObjectNode node = NODES.objectNode();
    sorted.forEach(node::set);
    return node;
  }

  private JsonNode map(FieldDescriptor field, List<?> entries) {
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    Map<String, JsonNode> sorted = new TreeMap<>();
    for (Object o : entries) {
      Message entry = (Message) o;
      sorted.put(String.valueOf(entry.getField(keyField)), single(valueField, entry.getField(valueField)));
    }
    ObjectNode node = NODES.objectNode();
    sorted.forEach(node::set);
    return node;
  }

  private JsonNode single(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case STRING -> NODES.textNode((String) value);
      case INT -> unsigned(field) ? NODES.numberNode(Integer.toUnsignedLong((Integer) value))
          : NODES.numberNode((Integer) value);
      case LONG -> unsigned(field) ? NODES.numberNode(new BigInteger(Long.toUnsignedString((Long) value)))
          : NODES.numberNode((Long) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> NODES.textNode(((EnumValueDescriptor) value).getName());
      case MESSAGE -> value instanceof Timestamp ts ? NODES.textNode(Timestamps.toString(ts)) : encode((Message) value);
    };
  }

  private static boolean unsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }
}
