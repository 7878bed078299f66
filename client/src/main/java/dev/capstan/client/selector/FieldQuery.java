package dev.capstan.client.selector;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A parsed Kubernetes field selector: a conjunction of equality terms on an object's fields,
 * e.g. {@code metadata.name=x,spec.nodeName!=n1,status.phase=Running}.
 *
 * <p>Terms are separated by commas and use {@code =}, {@code ==} (the same) or {@code !=}. A value
 * may contain a comma, '=' or '\' escaped with a backslash ({@code \,}, {@code \=}, {@code \\}).
 * An empty value is allowed ({@code spec.nodeName=} selects unscheduled pods). The empty text
 * selects everything. Which field paths exist is up to the caller: {@link #matches} asks a
 * function for each field's value, "" when the field is unset. Bad syntax fails with an
 * {@link IllegalArgumentException} quoting the text.
 */
public final class FieldQuery {
  private static final FieldQuery EVERYTHING = new FieldQuery(List.of());

  /** One term: the field must ({@code equals}) or must not equal the value. */
  public record Term(String field, boolean equals, String value) {
    public Term {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return field + (equals ? "=" : "!=") + escape(value);
    }
  }

  private final List<Term> terms;

  private FieldQuery(List<Term> terms) {
    List<Term> sorted = new ArrayList<>(terms);
    sorted.sort(Comparator.comparing(Term::field));
    this.terms = List.copyOf(sorted);
  }

  public static FieldQuery everything() {
    return EVERYTHING;
  }

  /** Parses selector text; the empty or blank text selects everything. */
  public static FieldQuery parse(String text) {
    Objects.requireNonNull(text, "field selector");
    if (text.isBlank()) {
      return EVERYTHING;
    }
    List<Term> terms = new ArrayList<>();
    for (String part : splitUnescaped(text)) {
      terms.add(term(text, part));
    }
    return new FieldQuery(terms);
  }

  /** A query requiring each field to equal the given value. */
  public static FieldQuery equalTo(String field, String value) {
    if (field.isEmpty()) {
      throw new IllegalArgumentException("field selector: field name must be non-empty");
    }
    return new FieldQuery(List.of(new Term(field, true, value)));
  }

  /** This query and another: both must hold. */
  public FieldQuery and(FieldQuery other) {
    List<Term> all = new ArrayList<>(terms);
    all.addAll(other.terms);
    return new FieldQuery(all);
  }

  /** Whether every term holds; {@code fieldValue} gives a field's value, "" when unset. */
  public boolean matches(Function<String, String> fieldValue) {
    for (Term term : terms) {
      String actual = Objects.requireNonNullElse(fieldValue.apply(term.field()), "");
      if (actual.equals(term.value()) != term.equals()) {
        return false;
      }
    }
    return true;
  }

  /** The field paths the terms name. */
  public Set<String> fields() {
    return terms.stream().map(Term::field).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** The value an "=" term requires of the field, if there is one: what an index can look up. */
  public Optional<String> exactValue(String field) {
    return terms.stream().filter(t -> t.equals() && t.field().equals(field)).map(Term::value).findFirst();
  }

  public List<Term> terms() {
    return terms;
  }

  public boolean isEmpty() {
    return terms.isEmpty();
  }

  /** The canonical text (terms sorted by field, values escaped), parseable back. */
  @Override
  public String toString() {
    return terms.stream().map(Term::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldQuery other && terms.equals(other.terms);
  }

  @Override
  public int hashCode() {
    return terms.hashCode();
  }

  private static Term term(String text, String part) {
    // The operator is the first unescaped '=' (possibly "==") or "!=".
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '\\') {
        i++;
        continue;
      }
      boolean notEquals = c == '!' && i + 1 < part.length() && part.charAt(i + 1) == '=';
      if (c != '=' && !notEquals) {
        continue;
      }
      String field = part.substring(0, i).trim();
      int valueStart = notEquals ? i + 2 : (i + 1 < part.length() && part.charAt(i + 1) == '=' ? i + 2 : i + 1);
      if (field.isEmpty()) {
        throw error(text, "field name must be non-empty in \"" + part + "\"");
      }
      if (field.indexOf('\\') >= 0) {
        throw error(text, "field name \"" + field + "\" may not contain '\\'");
      }
      String value = unescape(text, part.substring(valueStart).trim());
      return new Term(field, !notEquals, value);
    }
    throw error(text, "\"" + part + "\" has no operator (=, == or !=)");
  }

  private static List<String> splitUnescaped(String text) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == ',') {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }

  private static String unescape(String text, String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        if (i + 1 >= value.length() || "\\,=".indexOf(value.charAt(i + 1)) < 0) {
          throw error(text, "invalid escape sequence in value \"" + value + "\" (only \\\\, \\, and \\= are allowed)");
        }
        out.append(value.charAt(++i));
      } else if (c == '=') {
        throw error(text, "value \"" + value + "\" has an unescaped '='");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  private static IllegalArgumentException error(String text, String why) {
    return new IllegalArgumentException("invalid field selector \"" + text + "\": " + why);
  }
}
