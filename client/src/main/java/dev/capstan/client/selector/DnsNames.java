package dev.capstan.client.selector;

/**
 * The name formats Kubernetes takes from DNS, checked character by character: object names,
 * label key prefixes and label values are checked on every write, and a regular expression
 * cost a matcher and its backtracking each time. Lengths are the callers' to check, as each
 * format's limit and message differ.
 */
public final class DnsNames {
  private DnsNames() {}

  /** An RFC 1123 label of any length: [a-z0-9-], alphanumeric at both ends, not empty. */
  public static boolean isDns1123Label(CharSequence text) {
    return isDns1123Label(text, 0, text.length());
  }

  /** An RFC 1035 label of any length: an RFC 1123 label that starts with a letter. */
  public static boolean isDns1035Label(CharSequence text) {
    return isDns1123Label(text) && isLowerLetter(text.charAt(0));
  }

  /** An RFC 1123 subdomain of any length: RFC 1123 labels joined by single dots. */
  public static boolean isDns1123Subdomain(CharSequence text) {
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '.') {
        if (!isDns1123Label(text, start, i)) {
          return false;
        }
        start = i + 1;
      }
    }
    return true;
  }

  /**
   * A label value or the name part of a qualified name, of any length: alphanumerics, '-', '_'
   * and '.', alphanumeric at both ends, not empty.
   */
  public static boolean isQualifiedNamePart(CharSequence text) {
    int n = text.length();
    if (n == 0 || !isAlphanumeric(text.charAt(0)) || !isAlphanumeric(text.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = text.charAt(i);
      if (!isAlphanumeric(c) && c != '-' && c != '_' && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean isDns1123Label(CharSequence text, int from, int to) {
    if (from >= to || !isLowerAlphanumeric(text.charAt(from)) || !isLowerAlphanumeric(text.charAt(to - 1))) {
      return false;
    }
    for (int i = from + 1; i < to - 1; i++) {
      char c = text.charAt(i);
      if (!isLowerAlphanumeric(c) && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerLetter(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean isLowerAlphanumeric(char c) {
    return isLowerLetter(c) || (c >= '0' && c <= '9');
  }

  private static boolean isAlphanumeric(char c) {
    return isLowerAlphanumeric(c) || (c >= 'A' && c <= 'Z');
  }
}
