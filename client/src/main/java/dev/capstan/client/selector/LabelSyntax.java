package dev.capstan.client.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The syntax of label keys and values, as Kubernetes defines it.
 *
 * <p>A key is a qualified name: an optional DNS-1123 subdomain prefix (at most 253 characters) and
 * a slash, then a name of at most 63 alphanumeric characters, '-', '_' or '.', starting and ending
 * with an alphanumeric character. A value is empty or follows the same rule as the name part.
 * Each check returns the list of problems, empty when the text is valid.
 */
public final class LabelSyntax {
  private static final int NAME_MAX = 63;
  private static final int PREFIX_MAX = 253;
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private LabelSyntax() {}

  /** Problems with a label (or annotation) key; empty when the key is a valid qualified name. */
  public static List<String> keyErrors(String key) {
    List<String> errors = new ArrayList<>();
    String[] parts = key.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errors.add("prefix part must be non-empty");
      } else if (prefix.length() > PREFIX_MAX) {
        errors.add("prefix part must be no more than " + PREFIX_MAX + " characters");
      } else if (!SUBDOMAIN.matcher(prefix).matches()) {
        errors.add("prefix part must be a lowercase RFC 1123 subdomain (lower case alphanumeric"
            + " characters, '-' or '.', starting and ending with an alphanumeric character)");
      }
    } else {
      errors.add("a qualified name must be a name with an optional DNS subdomain prefix and '/'"
          + " (e.g. 'example.com/MyName')");
      return errors;
    }
    if (name.isEmpty()) {
      errors.add("name part must be non-empty");
    } else if (name.length() > NAME_MAX) {
      errors.add("name part must be no more than " + NAME_MAX + " characters");
    } else if (!NAME.matcher(name).matches()) {
      errors.add("name part must consist of alphanumeric characters, '-', '_' or '.', and must"
          + " start and end with an alphanumeric character");
    }
    return errors;
  }

  /** Problems with a label value; empty when the value is valid (the empty string is valid). */
  public static List<String> valueErrors(String value) {
    if (value.isEmpty()) {
      return List.of();
    }
    if (value.length() > NAME_MAX) {
      return List.of("must be no more than " + NAME_MAX + " characters");
    }
    if (!NAME.matcher(value).matches()) {
      return List.of("a valid label must be an empty string or consist of alphanumeric characters,"
          + " '-', '_' or '.', and must start and end with an alphanumeric character");
    }
    return List.of();
  }
}
