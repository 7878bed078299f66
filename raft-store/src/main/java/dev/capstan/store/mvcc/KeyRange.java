package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.Comparator;
import java.util.NavigableMap;

/**
 * The keys an etcd request names with {@code key} and {@code range_end}: an empty range_end is the
 * one key, {@code "\0"} is every key at or after {@code key}, anything else is the half-open
 * interval {@code [key, range_end)} (empty when range_end is not after key). Keys order as
 * unsigned bytes, as in etcd.
 */
public record KeyRange(ByteString key, ByteString end) {

  /**
   * Unsigned lexicographic byte order, etcd's key order. Byte by byte through {@code byteAt}:
   * protobuf's own comparator walks two iterators and boxes each byte, several times slower under
   * the C1 compiler (see {@link StoreKey}, which sorted maps of keys use instead).
   */
  public static final Comparator<ByteString> KEY_ORDER = KeyRange::compareUnsigned;

  private static final ByteString ALL_FROM_KEY = ByteString.copyFrom(new byte[] {0});

  public static KeyRange of(ByteString key, ByteString rangeEnd) {
    return new KeyRange(key, rangeEnd);
  }

  public boolean isSingleKey() {
    return end.isEmpty();
  }

  public boolean isOpenEnded() {
    return end.equals(ALL_FROM_KEY);
  }

  public boolean contains(ByteString candidate) {
    if (isSingleKey()) {
      return key.equals(candidate);
    }
    if (KEY_ORDER.compare(candidate, key) < 0) {
      return false;
    }
    return isOpenEnded() || KEY_ORDER.compare(candidate, end) < 0;
  }

  /** The entries of a key-ordered map that fall in this range, as a live view. */
  public <V> NavigableMap<StoreKey, V> select(NavigableMap<StoreKey, V> map) {
    StoreKey from = StoreKey.of(key);
    if (isSingleKey()) {
      return map.subMap(from, true, from, true);
    }
    if (isOpenEnded()) {
      return map.tailMap(from, true);
    }
    if (KEY_ORDER.compare(key, end) >= 0) {
      return Collections.emptyNavigableMap();
    }
    return map.subMap(from, true, StoreKey.of(end), false);
  }

  private static int compareUnsigned(ByteString a, ByteString b) {
    int common = Math.min(a.size(), b.size());
    for (int i = 0; i < common; i++) {
      int difference = (a.byteAt(i) & 0xff) - (b.byteAt(i) & 0xff);
      if (difference != 0) {
        return difference;
      }
    }
    return a.size() - b.size();
  }
}
