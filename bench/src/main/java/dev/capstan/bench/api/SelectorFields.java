package dev.capstan.bench.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The fields the apiserver's label and field selectors read from a pod (metadata.name,
 * metadata.namespace, metadata.labels, spec.nodeName, status.phase), read straight from its
 * encoding, skipping every other field: what a watch cache that kept objects encoded would do
 * instead of decoding each one. The bench measures its cost against a full decode
 * ({@link ObjectFootprint}); the servers do not use it. Field numbers are those of
 * capstan/core/v1/core.proto and capstan/meta/v1/meta.proto.
 */
record SelectorFields(String namespace, String name, Map<String, String> labels, String nodeName, String phase) {
  private static final int POD_METADATA = 3;
  private static final int POD_SPEC = 4;
  private static final int POD_STATUS = 5;
  private static final int META_NAME = 1;
  private static final int META_NAMESPACE = 3;
  private static final int META_LABELS = 10;
  private static final int SPEC_NODE_NAME = 4;
  private static final int STATUS_PHASE = 1;
  private static final int MAP_KEY = 1;
  private static final int MAP_VALUE = 2;

  static SelectorFields ofPod(ByteString encoded) {
    try {
      CodedInputStream in = encoded.newCodedInput();
      String namespace = "";
      String name = "";
      String nodeName = "";
      String phase = "";
      Map<String, String> labels = new HashMap<>();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int part = WireFormat.getTagFieldNumber(tag);
        if (part != POD_METADATA && part != POD_SPEC && part != POD_STATUS) {
          in.skipField(tag);
          continue;
        }
        int end = in.pushLimit(in.readRawVarint32());
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
          int field = WireFormat.getTagFieldNumber(t);
          if (part == POD_METADATA && field == META_NAME) {
            name = in.readStringRequireUtf8();
          } else if (part == POD_METADATA && field == META_NAMESPACE) {
            namespace = in.readStringRequireUtf8();
          } else if (part == POD_METADATA && field == META_LABELS) {
            readEntry(in, labels);
          } else if (part == POD_SPEC && field == SPEC_NODE_NAME) {
            nodeName = in.readStringRequireUtf8();
          } else if (part == POD_STATUS && field == STATUS_PHASE) {
            phase = in.readStringRequireUtf8();
          } else {
            in.skipField(t);
          }
        }
        in.popLimit(end);
      }
      return new SelectorFields(namespace, name, labels, nodeName, phase);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable pod", e);
    }
  }

  /** One map entry (a message of key = 1, value = 2), as protobuf encodes a map field. */
  private static void readEntry(CodedInputStream in, Map<String, String> into) throws IOException {
    int end = in.pushLimit(in.readRawVarint32());
    String key = "";
    String value = "";
    for (int t = in.readTag(); t != 0; t = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(t)) {
        case MAP_KEY -> key = in.readStringRequireUtf8();
        case MAP_VALUE -> value = in.readStringRequireUtf8();
        default -> in.skipField(t);
      }
    }
    in.popLimit(end);
    into.put(key, value);
  }
}
