package dev.capstan.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON merge patch, RFC 7386: a patch object's members replace the target's, {@code null} removes
 * a member, nested objects merge recursively, and anything else (lists included) replaces the
 * target's value as a whole. A patch that is not an object replaces the whole target.
 */
public final class MergePatch {
  private MergePatch() {}

  /** The patched document; neither argument is changed. {@code target} may be null (absent). */
  public static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject()
        ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    Iterator<Map.Entry<String, JsonNode>> members = patch.fields();
    while (members.hasNext()) {
      Map.Entry<String, JsonNode> member = members.next();
      if (member.getValue().isNull()) {
        result.remove(member.getKey());
      } else {
        result.set(member.getKey(), apply(result.get(member.getKey()), member.getValue()));
      }
    }
    return result;
  }
}
