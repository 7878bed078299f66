package dev.capstan.client.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a YAML or JSON stream into one tree per document. Unlike Jackson's own tree model it
 * resolves YAML anchors, aliases and {@code <<} merge keys, and rejects duplicate keys naming
 * their field path. Floats keep their exact decimal value (so {@code cpu: 0.50} stays "0.50").
 * Input whose first character is '{' or '[' is read as JSON first (YAML forbids the tabs that
 * pretty-printed JSON often has), then as YAML.
 */
final class DocumentReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final String MERGE_KEY = "<<";

  // A plain empty scalar ("labels:" or an empty document) is null, as in Kubernetes; '' stays "".
  private final YAMLFactory yamlFactory = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
  private final JsonFactory jsonFactory = new JsonFactory();

  /** One document of a stream; {@code root} is null for an empty document. */
  record Document(int index, JsonNode root) {}

  List<Document> read(String text) {
    String start = text.stripLeading();
    if (start.startsWith("{") || start.startsWith("[")) {
      try {
        return readAll(text, false);
      } catch (ManifestException jsonError) {
        try {
          return readAll(text, true);
        } catch (ManifestException yamlError) {
          throw jsonError;
        }
      }
    }
    return readAll(text, true);
  }

  private List<Document> readAll(String text, boolean yaml) {
    List<Document> documents = new ArrayList<>();
    int index = 0;
    try (JsonParser parser = yaml ? yamlFactory.createParser(text) : jsonFactory.createParser(text)) {
      try {
        JsonToken token;
        while ((token = parser.nextToken()) != null) {
          JsonNode root = new TreeBuilder(parser, index).value(token, "");
          documents.add(new Document(index, root.isNull() ? null : root));
          index++;
        }
      } catch (JsonProcessingException e) {
        throw new ManifestException("", syntaxError(e, yaml), index, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  /** "invalid YAML at line 3, column 7: while parsing a block mapping: expected <block end>, but found '-'". */
  private static String syntaxError(JsonProcessingException e, boolean yaml) {
    String message = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
    // SnakeYAML explains in unindented lines and quotes the input in indented ones; keep the explanation.
    String explanation = message.lines()
        .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
        .map(String::strip)
        .collect(Collectors.joining(": "));
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return "invalid " + (yaml ? "YAML" : "JSON") + where + ": " + explanation;
  }

  /** Builds one document's tree; anchors are scoped to the document, as YAML specifies. */
  private static final class TreeBuilder {
    private final JsonParser parser;
    private final YAMLParser yaml;
    private final int documentIndex;
    private final Map<String, JsonNode> anchors = new HashMap<>();

    TreeBuilder(JsonParser parser, int documentIndex) {
      this.parser = parser;
      this.yaml = parser instanceof YAMLParser y ? y : null;
      this.documentIndex = documentIndex;
    }

    JsonNode value(JsonToken token, String path) throws IOException {
      String anchor = yaml == null ? null : yaml.getCurrentAnchor();
      JsonNode node = switch (token) {
        case START_OBJECT -> object(path);
        case START_ARRAY -> array(path);
        case VALUE_STRING -> yaml != null && yaml.isCurrentAlias() ? alias(parser.getText(), path)
            : TextNode.valueOf(parser.getText());
        case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
        case VALUE_NUMBER_FLOAT -> decimal();
        case VALUE_TRUE -> BooleanNode.TRUE;
        case VALUE_FALSE -> BooleanNode.FALSE;
        case VALUE_NULL -> NullNode.getInstance();
        default -> throw new ManifestException(path, "unsupported value " + parser.getText(), documentIndex, null);
      };
      if (anchor != null) {
        anchors.put(anchor, node);
      }
      return node;
    }

    private JsonNode decimal() throws IOException {
      double d = parser.getDoubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return DoubleNode.valueOf(d);
      }
      return DecimalNode.valueOf(parser.getDecimalValue());
    }

    private ObjectNode object(String path) throws IOException {
      ObjectNode object = NODES.objectNode();
      List<JsonNode> merges = new ArrayList<>();
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        String fieldPath = FieldPaths.field(path, name);
        JsonNode value = value(parser.nextToken(), fieldPath);
        if (yaml != null && MERGE_KEY.equals(name)) {
          merges.add(value);
          continue;
        }
        if (object.has(name)) {
          throw new ManifestException(fieldPath, "duplicate field", documentIndex, null);
        }
        object.set(name, value);
      }
      if (token != JsonToken.END_OBJECT) {
        throw new ManifestException(path, "unexpected " + token, documentIndex, null);
      }
      for (JsonNode merge : merges) {
        merge(object, merge, FieldPaths.field(path, MERGE_KEY));
      }
      return object;
    }

    /** YAML merge keys: the mappings' fields fill in what the mapping does not set itself. */
    private void merge(ObjectNode target, JsonNode source, String path) {
      if (source.isArray()) {
        for (JsonNode element : source) {
          merge(target, element, path);
        }
      } else if (source.isObject()) {
        source.fields().forEachRemaining(e -> {
          if (!target.has(e.getKey())) {
            target.set(e.getKey(), e.getValue().deepCopy());
          }
        });
      } else {
        throw new ManifestException(path, "a merge key needs a mapping or a list of mappings", documentIndex, null);
      }
    }

    private ArrayNode array(String path) throws IOException {
      ArrayNode array = NODES.arrayNode();
      JsonToken token;
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        if (token == null) {
          throw new ManifestException(path, "unterminated list", documentIndex, null);
        }
        array.add(value(token, FieldPaths.index(path, array.size())));
      }
      return array;
    }

    private JsonNode alias(String name, String path) {
      JsonNode target = anchors.get(name);
      if (target == null) {
        throw new ManifestException(path, "unknown alias *" + name, documentIndex, null);
      }
      return target.deepCopy();
    }
  }
}
