package dev.capstan.apiserver.validation;

import dev.capstan.client.selector.DnsNames;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The name formats Kubernetes validates against. Each check returns why a text is invalid, or
 * empty when it is valid.
 */
final class NameSyntax {
  static final int DNS1123_LABEL_MAX = 63;
  static final int DNS1123_SUBDOMAIN_MAX = 253;
  private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

  private NameSyntax() {}

  /** A lowercase RFC 1123 label: at most 63 of [a-z0-9-], alphanumeric at both ends. */
  static Optional<String> dns1123Label(String text) {
    if (text.length() > DNS1123_LABEL_MAX) {
      return Optional.of("must be no more than " + DNS1123_LABEL_MAX + " characters");
    }
    if (!DnsNames.isDns1123Label(text)) {
      return Optional.of("a lowercase RFC 1123 label must consist of lower case alphanumeric characters"
          + " or '-', and must start and end with an alphanumeric character");
    }
    return Optional.empty();
  }

  /** A lowercase RFC 1035 label (Service names): at most 63 of [a-z0-9-], starting with a letter. */
  static Optional<String> dns1035Label(String text) {
    if (text.length() > DNS1123_LABEL_MAX) {
      return Optional.of("must be no more than " + DNS1123_LABEL_MAX + " characters");
    }
    if (!DnsNames.isDns1035Label(text)) {
      return Optional.of("a DNS-1035 label must consist of lower case alphanumeric characters or '-',"
          + " start with an alphabetic character, and end with an alphanumeric character");
    }
    return Optional.empty();
  }

  /** A lowercase RFC 1123 subdomain: at most 253 characters, dot-separated labels. */
  static Optional<String> dns1123Subdomain(String text) {
    if (text.length() > DNS1123_SUBDOMAIN_MAX) {
      return Optional.of("must be no more than " + DNS1123_SUBDOMAIN_MAX + " characters");
    }
    if (!DnsNames.isDns1123Subdomain(text)) {
      return Optional.of("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
          + " characters, '-' or '.', and must start and end with an alphanumeric character");
    }
    return Optional.empty();
  }

  /** A ConfigMap or Secret key: a file name, [-._a-zA-Z0-9]+, not "." or "..", at most 253. */
  static Optional<String> configKey(String text) {
    if (text.length() > DNS1123_SUBDOMAIN_MAX) {
      return Optional.of("must be no more than " + DNS1123_SUBDOMAIN_MAX + " characters");
    }
    if (!CONFIG_KEY.matcher(text).matches()) {
      return Optional.of("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    }
    if (text.equals(".") || text.equals("..") || text.startsWith("..")) {
      return Optional.of("must not be '.' or '..' and must not start with '..'");
    }
    return Optional.empty();
  }

  /** An environment variable name: [-._a-zA-Z][-._a-zA-Z0-9]*. */
  static Optional<String> envVarName(String text) {
    if (!ENV_VAR_NAME.matcher(text).matches()) {
      return Optional.of("a valid environment variable name must consist of alphabetic characters,"
          + " digits, '_', '-', or '.', and must not start with a digit");
    }
    return Optional.empty();
  }

  /** An IANA service name (a named port): at most 15 of [a-z0-9-], a letter, no "--". */
  static Optional<String> ianaServiceName(String text) {
    if (text.length() > 15) {
      return Optional.of("must be no more than 15 characters");
    }
    // Within 15 characters the IANA syntax is an RFC 1123 label's: checked without a regex, as
    // every named container port of every pod create is.
    if (!DnsNames.isDns1123Label(text)) {
      return Optional.of("must contain only alphanumeric characters (a-z, 0-9) and '-',"
          + " and must start and end with an alphanumeric character");
    }
    if (text.contains("--")) {
      return Optional.of("must not contain consecutive hyphens");
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 'a' && text.charAt(i) <= 'z') {
        return Optional.empty();
      }
    }
    return Optional.of("must contain at least one letter (a-z)");
  }

  /** Names that are safe as one segment of a path: not "." or "..", no "/" or "%". */
  static Optional<String> pathSegment(String text) {
    if (text.equals(".") || text.equals("..")) {
      return Optional.of("may not be '" + text + "'");
    }
    if (text.contains("/") || text.contains("%")) {
      return Optional.of("may not contain '/' or '%'");
    }
    return Optional.empty();
  }
}
