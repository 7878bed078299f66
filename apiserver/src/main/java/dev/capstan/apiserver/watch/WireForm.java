package dev.capstan.apiserver.watch;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kind;
import dev.capstan.api.meta.v1.ListMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes what a client receives -- an object with its resourceVersion, a watch event, a list -- straight
 * from the bytes the store holds, without decoding the object and encoding it again. The store
 * holds an object without {@code metadata.resourceVersion} (the registry clears it: it is the
 * store's mod_revision); the field is added at the end of the object's metadata, whose length
 * prefix is rewritten. Parsers take fields in any order, so the result decodes to exactly the
 * object a decode stamped with the revision gives; only the order of bytes may differ from
 * protobuf's own encoding.
 */
public final class WireForm {
  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private WireForm() {}

  /** Where the last occurrence of a message field lies in an encoding: its tag, its content, its end. */
  private record Span(int tagStart, int contentStart, int end) {}

  /**
   * The encoding of {@code kind}'s object stored as {@code stored}, with {@code revision} as its
   * resourceVersion: what a write answers with, from the bytes it just stored.
   */
  public static byte[] object(Kind<?> kind, ByteString stored, long revision) {
    Layout layout = Layout.of(kind);
    Spliced spliced = Spliced.of(kind, stored, revision, layout);
    byte[] out = new byte[spliced.size()];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    write(o, spliced, layout);
    o.checkNoSpaceLeft();
    return out;
  }

  /** The encoding of {@code kind}'s watch event message: {@code type} and the object with its resourceVersion. */
  static byte[] watchEvent(String type, CachedObject<?> object) {
    Layout layout = Layout.of(object.kind());
    Spliced spliced = Spliced.of(object, layout);
    int objectSize = spliced.size();
    int size = CodedOutputStream.computeStringSize(layout.eventType, type)
        + CodedOutputStream.computeTagSize(layout.eventObject) + CodedOutputStream.computeUInt32SizeNoTag(objectSize)
        + objectSize;
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeString(layout.eventType, type);
      o.writeTag(layout.eventObject, LENGTH_DELIMITED);
      o.writeUInt32NoTag(objectSize);
    } catch (IOException e) {
      throw new IllegalStateException("sized wrongly", e);
    }
    write(o, spliced, layout);
    o.checkNoSpaceLeft();
    return out;
  }

  /** The encoding of {@code kind}'s list message: {@code items} with their resourceVersions, and {@code metadata}. */
  static <T extends Message> byte[] list(Kind<T> kind, List<CachedObject<T>> items, ListMeta metadata) {
    Layout layout = Layout.of(kind);
    List<Spliced> spliced = new ArrayList<>(items.size());
    int size = CodedOutputStream.computeMessageSize(layout.listMetadata, metadata);
    int itemTag = CodedOutputStream.computeTagSize(layout.listItems);
    for (CachedObject<T> item : items) {
      Spliced s = Spliced.of(item, layout);
      spliced.add(s);
      size += itemTag + CodedOutputStream.computeUInt32SizeNoTag(s.size()) + s.size();
    }
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeMessage(layout.listMetadata, metadata);
      for (Spliced s : spliced) {
        o.writeTag(layout.listItems, LENGTH_DELIMITED);
        o.writeUInt32NoTag(s.size());
        write(o, s, layout);
      }
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sized wrongly", e);
    }
    return out;
  }

  private static void write(CodedOutputStream o, Spliced s, Layout layout) {
    ByteString stored = s.stored;
    try {
      if (s.span == null) {
        o.writeRawBytes(stored);
        o.writeTag(layout.metadata, LENGTH_DELIMITED);
        o.writeUInt32NoTag(s.addedSize);
        o.writeString(ObjectMeta.RESOURCE_VERSION_FIELD_NUMBER, s.resourceVersion);
      } else {
        Span span = s.span;
        o.writeRawBytes(stored.substring(0, span.tagStart));
        o.writeTag(layout.metadata, LENGTH_DELIMITED);
        o.writeUInt32NoTag(span.end - span.contentStart + s.addedSize);
        o.writeRawBytes(stored.substring(span.contentStart, span.end));
        o.writeString(ObjectMeta.RESOURCE_VERSION_FIELD_NUMBER, s.resourceVersion);
        o.writeRawBytes(stored.substring(span.end));
      }
    } catch (IOException e) {
      throw new IllegalStateException("sized wrongly", e);
    }
  }

  /**
   * An object's stored bytes, where its metadata lies in them, the resourceVersion to add and the
   * encoded size of that field, and the size of the whole object with it.
   */
  private record Spliced(ByteString stored, Span span, String resourceVersion, int addedSize, int size) {
    static Spliced of(CachedObject<?> object, Layout layout) {
      return of(object.kind(), object.encoded(), object.revision(), layout);
    }

    static Spliced of(Kind<?> kind, ByteString stored, long revision, Layout layout) {
      String rv = Long.toString(revision);
      Span span = lastOccurrence(stored, layout.metadata, kind);
      int added = CodedOutputStream.computeStringSize(ObjectMeta.RESOURCE_VERSION_FIELD_NUMBER, rv);
      int metadataSize = (span == null ? 0 : span.end - span.contentStart) + added;
      int outside = span == null ? stored.size() : stored.size() - (span.end - span.tagStart);
      int size = outside + CodedOutputStream.computeTagSize(layout.metadata)
          + CodedOutputStream.computeUInt32SizeNoTag(metadataSize) + metadataSize;
      return new Spliced(stored, span, rv, added, size);
    }
  }

  /**
   * The last occurrence of message field {@code field}: protobuf merges repeated occurrences of a
   * message field, and one added to the last is read last.
   */
  private static Span lastOccurrence(ByteString stored, int field, Kind<?> kind) {
    Span found = null;
    try {
      CodedInputStream in = stored.newCodedInput();
      while (true) {
        int tagStart = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          return found;
        }
        if (WireFormat.getTagFieldNumber(tag) == field && WireFormat.getTagWireType(tag) == LENGTH_DELIMITED) {
          int length = in.readRawVarint32();
          int contentStart = in.getTotalBytesRead();
          in.skipRawBytes(length);
          found = new Span(tagStart, contentStart, contentStart + length);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("corrupt " + kind + " in store", e);
    }
  }

  /** The field numbers of a kind's metadata, of its watch event's type and object, of its list's metadata and items. */
  private record Layout(int metadata, int eventType, int eventObject, int listMetadata, int listItems) {
    private static final Map<Kind<?>, Layout> BY_KIND = new ConcurrentHashMap<>();

    static Layout of(Kind<?> kind) {
      return BY_KIND.computeIfAbsent(kind, Layout::read);
    }

    private static Layout read(Kind<?> kind) {
      Descriptor object = kind.defaultInstance().getDescriptorForType();
      Descriptor event = kind.watchEventDefault().getDescriptorForType();
      Descriptor list = kind.listDefault().getDescriptorForType();
      return new Layout(object.findFieldByName("metadata").getNumber(), event.findFieldByName("type").getNumber(),
          event.findFieldByName("object").getNumber(), list.findFieldByName("metadata").getNumber(),
          list.findFieldByName("items").getNumber());
    }
  }
}
