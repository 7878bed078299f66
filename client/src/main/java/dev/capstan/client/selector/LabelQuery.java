package dev.capstan.client.selector;

import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A parsed Kubernetes label selector: a conjunction of requirements on an object's labels.
 *
 * <p>Text syntax, requirements separated by commas (all must hold):
 * <ul>
 *   <li>{@code app=web}, {@code app==web}: the label is present with this value;</li>
 *   <li>{@code tier!=db}: the label is absent or has another value;</li>
 *   <li>{@code env in (a,b)}: the label is present with one of the values;</li>
 *   <li>{@code env notin (c)}: the label is absent or has none of the values;</li>
 *   <li>{@code key}: the label is present; {@code !key}: the label is absent.</li>
 * </ul>
 * The empty text selects everything. Keys must be qualified names and values valid label values
 * ({@link LabelSyntax}); a bad selector fails with an {@link IllegalArgumentException} whose
 * message quotes the text and says what is wrong.
 *
 * <p>{@link #toString()} gives a canonical form (requirements sorted by key, set values sorted,
 * {@code ==} written as {@code =}) that {@link #parse} reads back to an equal query.
 * Instances are immutable and compare equal when their canonical forms are equal.
 */
public final class LabelQuery {
  private static final LabelQuery EVERYTHING = new LabelQuery(List.of(), false);
  private static final LabelQuery NOTHING = new LabelQuery(List.of(), true);

  /** How a requirement compares a label. */
  public enum Operator {
    EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST
  }

  /**
   * One requirement on one label key. {@code values} has exactly one element for
   * {@link Operator#EQUALS} and {@link Operator#NOT_EQUALS}, at least one for {@link Operator#IN}
   * and {@link Operator#NOT_IN}, and none for {@link Operator#EXISTS} and
   * {@link Operator#DOES_NOT_EXIST}.
   */
  public record Requirement(String key, Operator operator, SortedSet<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(values));
    }

    /** Whether a label set satisfies this requirement. */
    public boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case EQUALS, IN -> value != null && values.contains(value);
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
        case EXISTS -> value != null;
        case DOES_NOT_EXIST -> value == null;
      };
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EQUALS -> key + "=" + values.first();
        case NOT_EQUALS -> key + "!=" + values.first();
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
      };
    }
  }

  private final List<Requirement> requirements;
  private final boolean nothing;

  private LabelQuery(List<Requirement> requirements, boolean nothing) {
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::key));
    this.requirements = List.copyOf(sorted);
    this.nothing = nothing;
  }

  /** The query that matches every label set. */
  public static LabelQuery everything() {
    return EVERYTHING;
  }

  /** The query that matches no label set (Kubernetes' {@code labels.Nothing()}). */
  public static LabelQuery nothing() {
    return NOTHING;
  }

  /** Parses selector text; the empty or blank text selects everything. */
  public static LabelQuery parse(String text) {
    Objects.requireNonNull(text, "label selector");
    return new Parser(text).parse();
  }

  /**
   * The query an API object's selector stands for, as Kubernetes' {@code LabelSelectorAsSelector}:
   * matchLabels become equality requirements and matchExpressions (In, NotIn, Exists,
   * DoesNotExist) set-based ones. An empty selector (no matchLabels, no matchExpressions) matches
   * everything; {@code null} (an absent selector) matches nothing.
   *
   * @throws IllegalArgumentException naming the bad key, operator or values
   */
  public static LabelQuery fromProto(LabelSelector selector) {
    if (selector == null) {
      return NOTHING;
    }
    List<Requirement> requirements = new ArrayList<>();
    selector.getMatchLabelsMap().forEach((key, value) -> {
      checkKey(key, "matchLabels");
      checkValue(value, "matchLabels[" + key + "]");
      requirements.add(new Requirement(key, Operator.EQUALS, new TreeSet<>(List.of(value))));
    });
    for (int i = 0; i < selector.getMatchExpressionsCount(); i++) {
      LabelSelectorRequirement expression = selector.getMatchExpressions(i);
      String where = "matchExpressions[" + i + "]";
      checkKey(expression.getKey(), where + ".key");
      Operator operator = switch (expression.getOperator()) {
        case "In" -> Operator.IN;
        case "NotIn" -> Operator.NOT_IN;
        case "Exists" -> Operator.EXISTS;
        case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
        default -> throw new IllegalArgumentException(where + ".operator: \"" + expression.getOperator()
            + "\" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)");
      };
      boolean takesValues = operator == Operator.IN || operator == Operator.NOT_IN;
      if (takesValues && expression.getValuesCount() == 0) {
        throw new IllegalArgumentException(where + ".values: must be specified when operator is "
            + expression.getOperator());
      }
      if (!takesValues && expression.getValuesCount() > 0) {
        throw new IllegalArgumentException(where + ".values: may not be specified when operator is "
            + expression.getOperator());
      }
      for (int j = 0; j < expression.getValuesCount(); j++) {
        checkValue(expression.getValues(j), where + ".values[" + j + "]");
      }
      requirements.add(new Requirement(expression.getKey(), operator, new TreeSet<>(expression.getValuesList())));
    }
    return new LabelQuery(requirements, false);
  }

  /** The query requiring every label of the map with its value (Kubernetes' {@code SelectorFromSet}). */
  public static LabelQuery fromLabels(Map<String, String> labels) {
    List<Requirement> requirements = new ArrayList<>();
    labels.forEach((key, value) -> {
      checkKey(key, "labels");
      checkValue(value, "labels[" + key + "]");
      requirements.add(new Requirement(key, Operator.EQUALS, new TreeSet<>(List.of(value))));
    });
    return new LabelQuery(requirements, false);
  }

  private static void checkKey(String key, String where) {
    List<String> errors = LabelSyntax.keyErrors(key);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(where + ": invalid label key \"" + key + "\": " + errors.get(0));
    }
  }

  private static void checkValue(String value, String where) {
    List<String> errors = LabelSyntax.valueErrors(value);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(where + ": invalid label value \"" + value + "\": " + errors.get(0));
    }
  }

  /** Whether a label set satisfies every requirement; {@code null} counts as no labels. */
  public boolean matches(Map<String, String> labels) {
    if (nothing) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    for (Requirement requirement : requirements) {
      if (!requirement.matches(actual)) {
        return false;
      }
    }
    return true;
  }

  /** Whether this query has no requirements and so selects everything. */
  public boolean isEmpty() {
    return !nothing && requirements.isEmpty();
  }

  /** The requirements, sorted by key. */
  public List<Requirement> requirements() {
    return requirements;
  }

  @Override
  public String toString() {
    // Kubernetes' Nothing() prints as the empty string too; it cannot be parsed back.
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelQuery other && nothing == other.nothing && requirements.equals(other.requirements);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requirements, nothing);
  }

  /** Recursive-descent parser over a small lexer, one instance per text. */
  private static final class Parser {
    private enum Type { IDENTIFIER, NOT, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, IN, NOT_IN, OPEN, CLOSE, COMMA, END }

    private record Token(Type type, String text, int position) {}

    private final String text;
    private int position;
    private Token lookahead;

    Parser(String text) {
      this.text = text;
    }

    LabelQuery parse() {
      List<Requirement> requirements = new ArrayList<>();
      if (peek().type() == Type.END) {
        return EVERYTHING;
      }
      while (true) {
        requirements.add(requirement());
        Token next = take();
        if (next.type() == Type.END) {
          return new LabelQuery(requirements, false);
        }
        if (next.type() != Type.COMMA) {
          throw error("expected ',' or end of selector at position " + next.position() + ", found " + describe(next));
        }
      }
    }

    private Requirement requirement() {
      Token first = take();
      if (first.type() == Type.NOT) {
        String key = key(take());
        return new Requirement(key, Operator.DOES_NOT_EXIST, new TreeSet<>());
      }
      String key = key(first);
      Token operator = peek();
      switch (operator.type()) {
        case COMMA, END -> {
          return new Requirement(key, Operator.EXISTS, new TreeSet<>());
        }
        case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
          take();
          String value = singleValue(key);
          Operator op = operator.type() == Type.NOT_EQUALS ? Operator.NOT_EQUALS : Operator.EQUALS;
          return new Requirement(key, op, new TreeSet<>(List.of(value)));
        }
        case IN, NOT_IN -> {
          take();
          SortedSet<String> values = valueSet(key);
          Operator op = operator.type() == Type.IN ? Operator.IN : Operator.NOT_IN;
          return new Requirement(key, op, values);
        }
        default -> throw error("expected an operator (=, ==, !=, in, notin) after key \"" + key
            + "\" at position " + operator.position() + ", found " + describe(operator));
      }
    }

    private String key(Token token) {
      if (token.type() != Type.IDENTIFIER) {
        throw error("expected a label key at position " + token.position() + ", found " + describe(token));
      }
      List<String> errors = LabelSyntax.keyErrors(token.text());
      if (!errors.isEmpty()) {
        throw error("invalid label key \"" + token.text() + "\": " + errors.get(0));
      }
      return token.text();
    }

    /** The value after =, == or !=; absent (next is ',' or end) means the empty value. */
    private String singleValue(String key) {
      Token next = peek();
      if (next.type() == Type.COMMA || next.type() == Type.END) {
        return "";
      }
      take();
      if (next.type() != Type.IDENTIFIER && next.type() != Type.IN && next.type() != Type.NOT_IN) {
        throw error("expected a value for key \"" + key + "\" at position " + next.position()
            + ", found " + describe(next));
      }
      return value(next.text());
    }

    private SortedSet<String> valueSet(String key) {
      Token open = take();
      if (open.type() != Type.OPEN) {
        throw error("expected '(' after set operator for key \"" + key + "\" at position "
            + open.position() + ", found " + describe(open));
      }
      SortedSet<String> values = new TreeSet<>();
      boolean expectValue = true;
      while (true) {
        Token token = take();
        switch (token.type()) {
          case IDENTIFIER, IN, NOT_IN -> {
            if (!expectValue) {
              throw error("expected ',' or ')' at position " + token.position() + ", found " + describe(token));
            }
            values.add(value(token.text()));
            expectValue = false;
          }
          case COMMA -> {
            if (expectValue) {
              values.add("");  // "(a,,b)" and "(a,)" hold the empty value, as in Kubernetes
            }
            expectValue = true;
          }
          case CLOSE -> {
            if (expectValue && !values.isEmpty()) {
              values.add("");
            }
            if (values.isEmpty()) {
              throw error("values set for key \"" + key + "\" can't be empty");
            }
            return values;
          }
          default -> throw error("expected a value, ',' or ')' at position " + token.position()
              + ", found " + describe(token));
        }
      }
    }

    private String value(String value) {
      List<String> errors = LabelSyntax.valueErrors(value);
      if (!errors.isEmpty()) {
        throw error("invalid label value \"" + value + "\": " + errors.get(0));
      }
      return value;
    }

    private Token peek() {
      if (lookahead == null) {
        lookahead = lex();
      }
      return lookahead;
    }

    private Token take() {
      Token token = peek();
      lookahead = null;
      return token;
    }

    private Token lex() {
      while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
        position++;
      }
      int start = position;
      if (position >= text.length()) {
        return new Token(Type.END, "", start);
      }
      char c = text.charAt(position);
      switch (c) {
        case ',' -> { position++; return new Token(Type.COMMA, ",", start); }
        case '(' -> { position++; return new Token(Type.OPEN, "(", start); }
        case ')' -> { position++; return new Token(Type.CLOSE, ")", start); }
        case '=' -> {
          position++;
          if (position < text.length() && text.charAt(position) == '=') {
            position++;
            return new Token(Type.DOUBLE_EQUALS, "==", start);
          }
          return new Token(Type.EQUALS, "=", start);
        }
        case '!' -> {
          position++;
          if (position < text.length() && text.charAt(position) == '=') {
            position++;
            return new Token(Type.NOT_EQUALS, "!=", start);
          }
          return new Token(Type.NOT, "!", start);
        }
        case '<', '>' -> throw error("operator '" + c + "' at position " + start + " is not supported");
        default -> {
          while (position < text.length() && isIdentifierChar(text.charAt(position))) {
            position++;
          }
          String word = text.substring(start, position);
          return switch (word) {
            case "in" -> new Token(Type.IN, word, start);
            case "notin" -> new Token(Type.NOT_IN, word, start);
            default -> new Token(Type.IDENTIFIER, word, start);
          };
        }
      }
    }

    private static boolean isIdentifierChar(char c) {
      return !Character.isWhitespace(c) && "=!(),<>".indexOf(c) < 0;
    }

    private static String describe(Token token) {
      return token.type() == Type.END ? "end of selector" : "\"" + token.text() + "\"";
    }

    private IllegalArgumentException error(String why) {
      return new IllegalArgumentException("invalid label selector \"" + text + "\": " + why);
    }
  }
}
