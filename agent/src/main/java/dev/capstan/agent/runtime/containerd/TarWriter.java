package dev.capstan.agent.runtime.containerd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive: directories, regular files and symbolic links, owned by root,
 * with a fixed modification time so that the same input gives the same bytes (and so the same
 * layer digest). Names must fit ustar's 100-byte name field; that is all image layers here need.
 */
final class TarWriter implements AutoCloseable {
  private static final int BLOCK = 512;
  /** 2000-01-01T00:00:00Z: any fixed time keeps archives reproducible. */
  private static final long MTIME = 946_684_800L;

  private final OutputStream out;

  TarWriter(OutputStream out) {
    this.out = out;
  }

  void directory(String name, int mode) throws IOException {
    header(name.endsWith("/") ? name : name + "/", mode, 0, '5', "");
  }

  void file(String name, int mode, byte[] content) throws IOException {
    header(name, mode, content.length, '0', "");
    out.write(content);
    pad(content.length);
  }

  void symlink(String name, String target) throws IOException {
    header(name, 0777, 0, '2', target);
  }

  /** Writes the two zero blocks that end an archive; does not close the stream. */
  @Override
  public void close() throws IOException {
    out.write(new byte[2 * BLOCK]);
    out.flush();
  }

  private void header(String name, int mode, long size, char type, String linkName) throws IOException {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, MTIME);
    h[156] = (byte) type;
    put(h, 157, 100, linkName);
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    put(h, 265, 32, "root");
    put(h, 297, 32, "root");
    // The checksum is computed with its own field as spaces, then written as 6 octal digits, NUL, space.
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    byte[] digits = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    out.write(h);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  private static void put(byte[] h, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > length) {
      throw new IllegalArgumentException("tar: \"" + value + "\" is longer than " + length + " bytes");
    }
    System.arraycopy(bytes, 0, h, offset, bytes.length);
  }

  /** An octal number filling the field but its last byte, which stays NUL. */
  private static void octal(byte[] h, int offset, int length, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > length - 1) {
      throw new IllegalArgumentException("tar: " + value + " does not fit a " + length + "-byte field");
    }
    put(h, offset, length - 1, "0".repeat(length - 1 - s.length()) + s);
  }
}
