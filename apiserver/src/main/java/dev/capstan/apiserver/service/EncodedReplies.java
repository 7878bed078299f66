package dev.capstan.apiserver.service;

import com.google.protobuf.Message;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A reply marshaller that also takes replies already encoded ({@link EncodedReply}) and writes
 * their bytes as they are: the network server's Watch sends each event's encoding, made once for
 * all the watchers it goes to, instead of gRPC encoding the same object once per watcher; a List
 * from the watch cache sends its items' stored bytes; a write answers with the bytes it stored.
 * The bytes decode to what the method's own marshaller would write, so clients see no difference.
 */
final class EncodedReplies implements MethodDescriptor.Marshaller<Object> {
  private final MethodDescriptor.Marshaller<Message> messages;

  private EncodedReplies(MethodDescriptor.Marshaller<Message> messages) {
    this.messages = messages;
  }

  /** {@code method} with replies that may be {@link EncodedReply}s as well as messages. */
  @SuppressWarnings("unchecked")
  static <Req> MethodDescriptor<Req, Object> of(MethodDescriptor<Req, ?> method) {
    return method.toBuilder(method.getRequestMarshaller(),
        new EncodedReplies((MethodDescriptor.Marshaller<Message>) method.getResponseMarshaller())).build();
  }

  @Override
  public InputStream stream(Object value) {
    return value instanceof EncodedReply e ? new EncodedStream(e.bytes()) : messages.stream((Message) value);
  }

  @Override
  public Object parse(InputStream stream) {
    return messages.parse(stream);
  }

  /** Lets gRPC size the message up front and copy it into its frame in one write. */
  private static final class EncodedStream extends ByteArrayInputStream implements KnownLength, Drainable {
    EncodedStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
