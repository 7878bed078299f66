package dev.capstan.apiserver.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.client.manifest.ManifestCodec;
import java.io.IOException;

/**
 * Writes a request or response body into an audit event in its Kubernetes JSON form, as the
 * manifest codec prints objects (apiVersion and kind filled in, Secret data in base64). A patch
 * request is written as its patch document, which is what Kubernetes records for a patch.
 */
final class ObjectBodySerializer extends StdSerializer<Message> {
  private static final ManifestCodec CODEC = new ManifestCodec();
  private static final ObjectMapper JSON = new ObjectMapper();

  ObjectBodySerializer() {
    super(Message.class);
  }

  @Override
  public void serialize(Message body, JsonGenerator out, SerializerProvider provider) throws IOException {
    out.writeTree(tree(body));
  }

  private static JsonNode tree(Message body) {
    if (body instanceof PatchRequest patch) {
      try {
        JsonNode document = JSON.readTree(patch.getPatch().toByteArray());
        if (document != null && !document.isMissingNode()) {
          return document;
        }
      } catch (IOException e) {
        // not JSON: written as text below (the request is refused as invalid anyway)
      }
      return JSON.getNodeFactory().textNode(patch.getPatch().toStringUtf8());
    }
    return CODEC.toTree(body);
  }
}
