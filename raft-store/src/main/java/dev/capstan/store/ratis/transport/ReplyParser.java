package dev.capstan.store.ratis.transport;

import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;

/** Turns a reply frame's body into its protobuf message. */
@FunctionalInterface
interface ReplyParser<T> {

  T parse(byte[] body) throws InvalidProtocolBufferException;

  /** Parses {@code body}; a reply that does not parse is the peer's fault, so unchecked. */
  static <T> T parseReply(byte[] body, ReplyParser<T> parser) {
    try {
      return parser.parse(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Raft peer's reply does not parse: " + e.getMessage(), e);
    }
  }
}
