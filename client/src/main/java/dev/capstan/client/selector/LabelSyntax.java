package dev.capstan.client.selector;

import java.util.ArrayList;
import java.util.List;

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

  private LabelSyntax() {}

  /** Problems with a label (or annotation) key; empty when the key is a valid qualified name. */
  public static List<String> keyErrors(String key) {
    List<String> errors = new ArrayList<>();
    int slash = key.indexOf('/');
    String name;
    if (slash < 0) {
      name = key;
    } else if (key.indexOf('/', slash + 1) < 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()) {
        errors.add("prefix part must be non-empty");
      } else if (prefix.length() > PREFIX_MAX) {
        errors.add("prefix part must be no more than " + PREFIX_MAX + " characters");
      } else if (!DnsNames.isDns1123Subdomain(prefix)) {
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
    } else if (!DnsNames.isQualifiedNamePart(name)) {
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
    if (!DnsNames.isQualifiedNamePart(value)) {
      return List.of("a valid label must be an empty string or consist of alphanumeric characters,"
          + " '-', '_' or '.', and must start and end with an alphanumeric character");
    }
    return List.of();
  }
}
