package dev.capstan.controllers.deployment;

import com.google.protobuf.CodedOutputStream;
import dev.capstan.api.core.v1.PodTemplateSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The {@code pod-template-hash} label that tells a Deployment's ReplicaSets apart: FNV-1a (32 bit)
 * over the template's deterministic protobuf encoding (map entries sorted by key), followed by the
 * Deployment's collision count when it is non-zero, rendered in an alphabet without vowels (so no
 * words appear in names) as Kubernetes renders it. Equal templates always give equal hashes, across
 * processes and restarts.
 */
public final class PodTemplateHash {
  public static final String LABEL = "pod-template-hash";

  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int FNV_OFFSET_BASIS = 0x811c9dc5;
  private static final int FNV_PRIME = 0x01000193;

  private PodTemplateHash() {}

  /**
   * @param collisionCount {@code status.collisionCount}; bumped when the hash of a new template
   *     names an existing ReplicaSet with a different template, so the next hash differs
   */
  public static String compute(PodTemplateSpec template, int collisionCount) {
    int hash = FNV_OFFSET_BASIS;
    hash = fnv1a(hash, deterministicBytes(template));
    if (collisionCount != 0) {
      byte[] count = {(byte) collisionCount, (byte) (collisionCount >>> 8),
          (byte) (collisionCount >>> 16), (byte) (collisionCount >>> 24)};
      hash = fnv1a(hash, count);
    }
    String decimal = Integer.toUnsignedString(hash);
    StringBuilder out = new StringBuilder(decimal.length());
    for (int i = 0; i < decimal.length(); i++) {
      out.append(ALPHABET.charAt(decimal.charAt(i) % ALPHABET.length()));
    }
    return out.toString();
  }

  private static int fnv1a(int hash, byte[] bytes) {
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return hash;
  }

  private static byte[] deterministicBytes(PodTemplateSpec template) {
    try {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream(template.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(buffer);
      out.useDeterministicSerialization();
      template.writeTo(out);
      out.flush();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
