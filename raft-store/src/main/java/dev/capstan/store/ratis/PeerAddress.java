package dev.capstan.store.ratis;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One Raft peer as configured: {@code id=host:port}. */
public record PeerAddress(String id, String host, int port) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern SPEC = Pattern.compile("([^=]+)=(.+)");

  public PeerAddress {
    requireValidId(id, "peer id");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("peer " + id + ": host is required");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("peer " + id + ": port must be 1..65535, got " + port);
    }
  }

  /** Parses {@code id=host:port}; {@code what} names the argument in errors (e.g. "peers[2]"). */
  public static PeerAddress parse(String spec, String what) {
    if (spec == null) {
      throw new IllegalArgumentException(what + ": expected id=host:port, got nothing");
    }
    Matcher matcher = SPEC.matcher(spec.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(what + ": expected id=host:port, got '" + spec + "'");
    }
    HostPort address = HostPort.parse(matcher.group(2), what);
    try {
      return new PeerAddress(matcher.group(1), address.host(), address.port());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  /** {@code host:port}, with brackets around an IPv6 host. */
  public String address() {
    return HostPort.format(host, port);
  }

  @Override
  public String toString() {
    return id + "=" + address();
  }

  public static void requireValidId(String id, String what) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          what + " must be 1-63 letters, digits, '.', '_' or '-' starting with a letter or digit, got '" + id + "'");
    }
  }

  /** A parsed {@code host:port}. */
  record HostPort(String host, int port) {

    static HostPort parse(String text, String what) {
      String trimmed = text.trim();
      int colon = trimmed.lastIndexOf(':');
      if (colon <= 0 || colon == trimmed.length() - 1) {
        throw new IllegalArgumentException(what + ": expected host:port, got '" + text + "'");
      }
      String host = trimmed.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(trimmed.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(what + ": port in '" + text + "' is not a number", e);
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(what + ": port must be 1..65535, got " + port);
      }
      return new HostPort(host, port);
    }

    static String format(String host, int port) {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }
}
