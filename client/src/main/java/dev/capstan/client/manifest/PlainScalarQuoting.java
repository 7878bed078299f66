package dev.capstan.client.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Decides which string values the YAML output quotes: as kubectl, only those that would not read
 * back as the same string when written plain ("1", "true", "yes", "0x1F", "1e3", "- x", "*a", ...),
 * so that {@code cpu: 100m} stays bare while {@code maxSurge: "1"} keeps its quotes. The test is
 * to parse the plain form, so it agrees with the reader by construction. Timestamps are quoted
 * too, as kubectl does, because YAML 1.1 readers other than ours would turn them into dates.
 */
final class PlainScalarQuoting extends StringQuotingChecker.Default {
  private static final long serialVersionUID = 1L;
  private static final Pattern YAML_TIMESTAMP = Pattern.compile("\\d{4}-\\d{1,2}-\\d{1,2}([Tt\\s].*)?");
  private static final YAMLFactory READER = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

  @Override
  public boolean needToQuoteValue(String value) {
    return super.needToQuoteValue(value) || YAML_TIMESTAMP.matcher(value).matches() || !readsBackAsItself(value);
  }

  private static boolean readsBackAsItself(String value) {
    if (value.indexOf('\n') >= 0) {
      return true; // written as a literal block, never plain
    }
    try (JsonParser parser = READER.createParser(value)) {
      return parser.nextToken() == JsonToken.VALUE_STRING
          && !((YAMLParser) parser).isCurrentAlias()
          && value.equals(parser.getText())
          && parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
