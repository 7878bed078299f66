package dev.capstan.apiserver.allocation;

import java.util.OptionalLong;

/**
 * An IPv4 network in CIDR notation ({@code 10.96.0.0/12}) and the dotted-quad addresses in it,
 * handled as unsigned 32-bit numbers held in longs. Parsing never consults DNS.
 */
public record Ipv4Cidr(long network, int prefixLength) {
  public Ipv4Cidr {
    if (prefixLength < 0 || prefixLength > 32) {
      throw new IllegalArgumentException("prefix length must be between 0 and 32, got " + prefixLength);
    }
    if ((network & ~mask(prefixLength)) != 0) {
      throw new IllegalArgumentException("host bits of " + format(network) + "/" + prefixLength + " are set");
    }
  }

  /** Parses {@code a.b.c.d/n}; the message of the exception says what is wrong. */
  public static Ipv4Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("\"" + text + "\" is not a CIDR (e.g. 10.96.0.0/12)");
    }
    OptionalLong address = parseAddress(text.substring(0, slash));
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      prefix = -1;
    }
    if (address.isEmpty() || prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 CIDR (e.g. 10.96.0.0/12)");
    }
    if ((address.getAsLong() & ~mask(prefix)) != 0) {
      throw new IllegalArgumentException("\"" + text + "\" has host bits set; the network is "
          + format(address.getAsLong() & mask(prefix)) + "/" + prefix);
    }
    return new Ipv4Cidr(address.getAsLong(), prefix);
  }

  /** A dotted quad's value, or empty when the text is not exactly four decimal octets. */
  public static OptionalLong parseAddress(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return OptionalLong.empty();
    }
    long value = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
          || (part.length() > 1 && part.charAt(0) == '0')) {
        return OptionalLong.empty();
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        return OptionalLong.empty();
      }
      value = (value << 8) | octet;
    }
    return OptionalLong.of(value);
  }

  public static String format(long address) {
    return ((address >> 24) & 0xff) + "." + ((address >> 16) & 0xff) + "." + ((address >> 8) & 0xff) + "."
        + (address & 0xff);
  }

  /** How many addresses the network has, its network and broadcast addresses included. */
  public long size() {
    return 1L << (32 - prefixLength);
  }

  public boolean contains(long address) {
    return (address & mask(prefixLength)) == network;
  }

  /** The address at {@code offset} from the network address. */
  public long address(long offset) {
    return network + offset;
  }

  private static long mask(int prefixLength) {
    return prefixLength == 0 ? 0 : (0xffffffffL << (32 - prefixLength)) & 0xffffffffL;
  }

  @Override
  public String toString() {
    return format(network) + "/" + prefixLength;
  }
}
