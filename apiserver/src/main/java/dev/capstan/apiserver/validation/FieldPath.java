package dev.capstan.apiserver.validation;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The path of a field in an object's JSON form, built step by step ({@code spec}, then
 * {@code containers[0]}, then {@code image}), and the errors reported at it. Messages follow one
 * style so that clients and tests can rely on them: {@code required}, {@code field is immutable},
 * {@code duplicate value "x"}, {@code unsupported value "x": supported values: "A", "B"},
 * {@code invalid value "x": <why>}, {@code not found: "x"}, or a sentence saying what must hold.
 */
final class FieldPath {
  // The text is built only when asked for (an error, toString): validating a valid object walks
  // many paths and reports none, and concatenating each step showed up in the create path's CPU.
  private final FieldPath parent;
  private final String step;
  private String path;

  private FieldPath(FieldPath parent, String step) {
    this.parent = parent;
    this.step = step;
  }

  /** A path from dotted text, e.g. {@code spec.template.spec}. */
  static FieldPath of(String dotted) {
    FieldPath root = new FieldPath(null, dotted);
    root.path = dotted;
    return root;
  }

  FieldPath child(String name) {
    return new FieldPath(this, name);
  }

  FieldPath index(int i) {
    return new FieldPath(this, "[" + i + "]");
  }

  FieldPath key(String key) {
    return new FieldPath(this, "[" + key + "]");
  }

  /** The path's text, e.g. {@code spec.containers[0].image}. */
  String path() {
    if (path == null) {
      String above = parent.path();
      path = step.startsWith("[") || above.isEmpty() ? above + step : above + "." + step;
    }
    return path;
  }

  FieldError required() {
    return error("required");
  }

  FieldError immutable() {
    return error("field is immutable");
  }

  FieldError duplicate(Object value) {
    return error("duplicate value " + quote(value));
  }

  FieldError notFound(Object value) {
    return error("not found: " + quote(value));
  }

  FieldError invalid(Object value, String why) {
    return error("invalid value " + quote(value) + ": " + why);
  }

  FieldError unsupported(Object value, String... supported) {
    return error("unsupported value " + quote(value) + ": supported values: "
        + Arrays.stream(supported).map(FieldPath::quote).collect(Collectors.joining(", ")));
  }

  /** An error with a message of its own, e.g. {@code must be greater than or equal to 0}. */
  FieldError error(String message) {
    return new FieldError(path(), message);
  }

  private static String quote(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  @Override
  public String toString() {
    return path();
  }
}
