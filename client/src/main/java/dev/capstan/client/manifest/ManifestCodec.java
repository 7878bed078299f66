package dev.capstan.client.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kubernetes-style YAML/JSON manifests to and from proto messages.
 *
 * <p>Decoding accepts a multi-document YAML stream ("---"-separated; empty documents are
 * skipped), JSON, and {@code kind: List} (or {@code PodList}, ...) documents with {@code items}.
 * Each document's {@code apiVersion} and {@code kind} pick the message type from {@link Kinds}.
 * Field names are the Kubernetes JSON names (lowerCamelCase) only; anything unknown or of the wrong
 * type fails with a {@link ManifestException} naming the field path, e.g.
 * {@code spec.template.spec.containers[0].imagee: unknown field}. See {@link MessageDecoder} for
 * the value rules (numbers are accepted for string fields such as quantities and int-or-string
 * ports; integers must be integers).
 *
 * <p>Encoding writes what kubectl writes: block-style YAML or 4-space-indented JSON, keys sorted,
 * unset and default fields left out, quotes only where a value would otherwise read back as
 * something else. Resource objects lacking apiVersion/kind get those of their kind. For every
 * message {@code m} with apiVersion and kind set, {@code decode(toYaml(m)).get(0).equals(m)}.
 * Thread-safe.
 */
public final class ManifestCodec {
  private static final Set<String> LIST_FIELDS = Set.of("apiVersion", "kind", "metadata", "items");

  private final DocumentReader reader = new DocumentReader();
  private final MessageDecoder decoder = new MessageDecoder();
  private final MessageEncoder encoder = new MessageEncoder();
  private final ObjectWriter yamlWriter;
  private final ObjectWriter jsonWriter;

  public ManifestCodec() {
    YAMLFactory yaml = YAMLFactory.builder()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .disable(YAMLGenerator.Feature.SPLIT_LINES)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
        .stringQuotingChecker(new PlainScalarQuoting())
        .build();
    yamlWriter = new ObjectMapper(yaml).writer();
    DefaultIndenter indent = new DefaultIndenter("    ", "\n");
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
        .withObjectEmptySeparator("")
        .withArrayEmptySeparator(""))
        .withObjectIndenter(indent)
        .withArrayIndenter(indent);
    jsonWriter = new ObjectMapper().writer(pretty);
  }

  /** Every object in a YAML or JSON stream, in order. */
  public List<Message> decode(String yamlOrJson) {
    Objects.requireNonNull(yamlOrJson, "yamlOrJson");
    List<Message> objects = new ArrayList<>();
    for (DocumentReader.Document document : reader.read(yamlOrJson)) {
      if (document.root() == null) {
        continue;
      }
      try {
        decodeDocument(document.root(), objects);
      } catch (ManifestException e) {
        throw e.inDocument(document.index());
      }
    }
    return objects;
  }

  /** Reads the stream to its end as UTF-8 and decodes it; does not close it. */
  public List<Message> decode(InputStream in) {
    Objects.requireNonNull(in, "in");
    try {
      return decode(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One YAML document, as kubectl prints it (no leading "---"). */
  public String toYaml(Message object) {
    return write(yamlWriter, tree(object));
  }

  /** Pretty JSON, as kubectl prints it, with a trailing newline. */
  public String toJson(Message object) {
    return write(jsonWriter, tree(object)) + "\n";
  }

  /** The objects as a "---"-separated YAML stream. */
  public String toYaml(List<? extends Message> objects) {
    return objects.stream().map(this::toYaml).collect(Collectors.joining("---\n"));
  }

  /**
   * The object's Kubernetes JSON form as a tree (with apiVersion and kind): what a JSON merge
   * patch applies to. {@link #fromTree} reads it back to an equal message.
   */
  public ObjectNode toTree(Message object) {
    return tree(object);
  }

  /**
   * One object of a known kind from its JSON tree, with the rules of {@link #decode}: an unknown
   * field or a value of the wrong type is a {@link ManifestException} naming the field path.
   * apiVersion and kind, when present, must be the kind's.
   */
  public <T extends Message> T fromTree(JsonNode node, Kind<T> kind) {
    Objects.requireNonNull(node, "node");
    if (!node.isObject()) {
      throw new ManifestException("", "expected an object, got " + MessageDecoder.describe(node));
    }
    for (String field : List.of("apiVersion", "kind")) {
      JsonNode value = node.path(field);
      String expected = field.equals("kind") ? kind.kind() : kind.apiVersion();
      if (!value.isMissingNode() && !value.isNull() && !(value.isTextual() && value.textValue().equals(expected))) {
        throw new ManifestException(field, "must be \"" + expected + "\", got " + MessageDecoder.describe(value));
      }
    }
    return kind.type().cast(decodeObject(node, "", kind));
  }

  /**
   * The top-level field of {@code type} that a manifest names {@code jsonName} (its Kubernetes
   * JSON name, e.g. {@code apiVersion}, {@code metadata}), or null if the codec knows none.
   */
  public FieldDescriptor fieldByJsonName(Descriptor type, String jsonName) {
    return decoder.fieldsByJsonName(type).get(jsonName);
  }

  private void decodeDocument(JsonNode root, List<Message> out) {
    if (!root.isObject()) {
      throw new ManifestException("", "expected an object with apiVersion and kind, got "
          + MessageDecoder.describe(root));
    }
    String apiVersion = typeMeta(root, "", "apiVersion");
    String kind = typeMeta(root, "", "kind");
    Optional<Kind<? extends Message>> listOf = listItemKind(apiVersion, kind);
    if (kind.equals("List") || listOf.isPresent()) {
      decodeList(root, listOf.orElse(null), out);
    } else {
      out.add(decodeObject(root, "", kindOf(apiVersion, kind, "")));
    }
  }

  /** A {@code kind: List} (any apiVersion, items carry their own types) or {@code PodList}. */
  private void decodeList(JsonNode root, Kind<? extends Message> itemKind, List<Message> out) {
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!LIST_FIELDS.contains(name)) {
        throw new ManifestException(name, "unknown field");
      }
    }
    JsonNode items = root.path("items");
    if (items.isMissingNode() || items.isNull()) {
      return;
    }
    if (!items.isArray()) {
      throw new ManifestException("items", "expected a list, got " + MessageDecoder.describe(items));
    }
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String path = FieldPaths.index("items", i);
      if (item.isNull()) {
        continue;
      }
      if (!item.isObject()) {
        throw new ManifestException(path, "expected an object, got " + MessageDecoder.describe(item));
      }
      Kind<? extends Message> kind = itemKind;
      if (kind == null || item.has("apiVersion") || item.has("kind")) {
        kind = kindOf(typeMeta(item, path, "apiVersion"), typeMeta(item, path, "kind"), path);
      }
      out.add(decodeObject(item, path, kind));
    }
  }

  private Message decodeObject(JsonNode node, String path, Kind<? extends Message> kind) {
    Message.Builder builder = kind.defaultInstance().newBuilderForType();
    decoder.merge(node, builder, path);
    return fillTypeMeta(builder.build());
  }

  private static String typeMeta(JsonNode object, String path, String name) {
    JsonNode value = object.path(name);
    String fieldPath = FieldPaths.field(path, name);
    if (value.isMissingNode() || value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
      throw new ManifestException(fieldPath, "required");
    }
    if (!value.isTextual()) {
      throw new ManifestException(fieldPath, "expected a string, got " + MessageDecoder.describe(value));
    }
    return value.textValue();
  }

  private static Kind<? extends Message> kindOf(String apiVersion, String kind, String path) {
    Optional<Kind<? extends Message>> found = Kinds.byTypeMeta(apiVersion, kind);
    if (found.isPresent()) {
      return found.get();
    }
    List<String> servedFor = Kinds.all().stream().filter(k -> k.kind().equals(kind)).map(Kind::apiVersion).toList();
    String hint = servedFor.isEmpty() ? "" : " (" + kind + " is served for apiVersion \"" + servedFor.get(0) + "\")";
    throw new ManifestException(FieldPaths.field(path, "kind"),
        "no kind \"" + kind + "\" is served for apiVersion \"" + apiVersion + "\"" + hint);
  }

  private static Optional<Kind<? extends Message>> listItemKind(String apiVersion, String kind) {
    if (!kind.endsWith("List") || kind.equals("List")) {
      return Optional.empty();
    }
    return Kinds.byTypeMeta(apiVersion, kind.substring(0, kind.length() - "List".length()));
  }

  private ObjectNode tree(Message object) {
    Objects.requireNonNull(object, "object");
    return encoder.encode(fillTypeMeta(object));
  }

  /** A resource object as Kubernetes shows it: with its kind's apiVersion and kind. */
  private static Message fillTypeMeta(Message object) {
    for (Kind<? extends Message> kind : Kinds.all()) {
      if (kind.type().isInstance(object)) {
        Message.Builder b = object.toBuilder();
        FieldDescriptor apiVersion = object.getDescriptorForType().findFieldByName("api_version");
        FieldDescriptor kindField = object.getDescriptorForType().findFieldByName("kind");
        if (((String) object.getField(apiVersion)).isEmpty()) {
          b.setField(apiVersion, kind.apiVersion());
        }
        if (((String) object.getField(kindField)).isEmpty()) {
          b.setField(kindField, kind.kind());
        }
        return b.build();
      }
    }
    return object;
  }

  private static String write(ObjectWriter writer, JsonNode tree) {
    try {
      return writer.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a plain tree", e);
    }
  }
}
