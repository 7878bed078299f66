package dev.capstan.store.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The bytes exchanged between {@link RatisKeyValueStore} and {@link MvccStateMachine}: one kind
 * byte followed by an etcd message. Raft log entries are commands, read-only requests are queries,
 * and every answer is a reply that carries either the etcd response or a {@link StoreException}'s
 * code and text.
 *
 * <pre>
 * command: 1 RequestOp (put, delete_range, txn) | 2 CompactionRequest | 3 LeaseGrantRequest
 *          | 4 LeaseRevokeRequest | 5 lease expiry: long leader term, LeaseRevokeRequest
 *          | 6 batch: int count, then per command int length and its frame (any kind but 6)
 * query:   1 RangeRequest | 2 TxnRequest (read-only) | 3 LeaseKeepAliveRequest (leader only)
 *          | 4 LeaseTimeToLiveRequest | 5 LeaseLeasesRequest
 *          | 6 write index (empty body; answered with a long: see {@link #writeIndex})
 * reply:   0 response bytes | 1 UTF code name, UTF message
 *          (to a batch: 0, int count, then per command int length and its reply)
 * </pre>
 * Kinds are append-only: a log written by one version must still apply in the next.
 */
final class StoreEnvelope {

  static final byte COMMAND_OP = 1;
  static final byte COMMAND_COMPACT = 2;
  static final byte COMMAND_LEASE_GRANT = 3;
  static final byte COMMAND_LEASE_REVOKE = 4;
  static final byte COMMAND_LEASE_EXPIRE = 5;
  static final byte COMMAND_BATCH = 6;
  static final byte QUERY_RANGE = 1;
  static final byte QUERY_TXN = 2;
  static final byte QUERY_LEASE_KEEPALIVE = 3;
  static final byte QUERY_LEASE_TTL = 4;
  static final byte QUERY_LEASE_LEASES = 5;
  static final byte QUERY_WRITE_INDEX = 6;
  private static final byte REPLY_OK = 0;
  private static final byte REPLY_ERROR = 1;

  /** A decoded command or query: its kind and the etcd message bytes. */
  record Frame(byte kind, byte[] body) {}

  private StoreEnvelope() {}

  static Message command(RequestOp op) {
    return frame(COMMAND_OP, op);
  }

  static Message command(CompactionRequest compaction) {
    return frame(COMMAND_COMPACT, compaction);
  }

  static Message command(LeaseGrantRequest grant) {
    return frame(COMMAND_LEASE_GRANT, grant);
  }

  static Message command(LeaseRevokeRequest revoke) {
    return frame(COMMAND_LEASE_REVOKE, revoke);
  }

  /**
   * The revoke of a lease that ran out, proposed by the leader of {@code leaderTerm}: it applies
   * only if it is committed in that same term, so a leader that lost its role meanwhile (and whose
   * deadlines are no longer the ones that count) cannot revoke a lease the new leader keeps.
   */
  static Message expiry(long leaderTerm, LeaseRevokeRequest revoke) {
    byte[] body = revoke.toByteArray();
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(1 + Long.BYTES + body.length);
    bytes.put(COMMAND_LEASE_EXPIRE).putLong(leaderTerm).put(body);
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes.array()));
  }

  /** The leader term and revoke of a {@link #COMMAND_LEASE_EXPIRE} frame's body. */
  record Expiry(long leaderTerm, LeaseRevokeRequest revoke) {
    static Expiry parse(byte[] body) throws InvalidProtocolBufferException {
      if (body.length < Long.BYTES) {
        throw new InvalidProtocolBufferException("lease expiry command too short");
      }
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(body);
      long term = bytes.getLong();
      return new Expiry(term, LeaseRevokeRequest.parseFrom(Arrays.copyOfRange(body, Long.BYTES, body.length)));
    }
  }

  /** Several commands in one log entry; they apply in this order, each with its own reply. */
  static Message batch(List<Message> commands) {
    return lengthPrefixed(COMMAND_BATCH, commands);
  }

  /** The command frames of a {@link #COMMAND_BATCH} frame's body. */
  static List<byte[]> batchCommands(byte[] body) {
    return split(ByteBuffer.wrap(body), "batch command");
  }

  /** The reply to a batch: each command's reply, in the batch's order. */
  static Message batchReply(List<Message> replies) {
    return lengthPrefixed(REPLY_OK, replies);
  }

  /** {@code kind}, the count, then each message as its length and its bytes. */
  private static Message lengthPrefixed(byte kind, List<Message> parts) {
    int size = 1 + Integer.BYTES;
    for (Message part : parts) {
      size += Integer.BYTES + part.getContent().size();
    }
    ByteBuffer bytes = ByteBuffer.allocate(size);
    bytes.put(kind).putInt(parts.size());
    for (Message part : parts) {
      bytes.putInt(part.getContent().size());
      part.getContent().copyTo(bytes);
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes.array()));
  }

  /**
   * Each command's reply from the reply to a batch of {@code count} commands; an error reply to
   * the whole batch (it could not be applied at all) is every command's reply.
   */
  static List<Message> splitBatchReply(Message reply, int count) {
    ByteBuffer bytes = reply.getContent().asReadOnlyByteBuffer();
    if (bytes.remaining() == 0 || bytes.get() != REPLY_OK) {
      return java.util.Collections.nCopies(count, reply);
    }
    List<Message> replies = new ArrayList<>(count);
    for (byte[] one : split(bytes, "batch reply")) {
      replies.add(Message.valueOf(UnsafeByteOperations.unsafeWrap(one)));
    }
    if (replies.size() != count) {
      throw new StoreException(StoreException.Code.INTERNAL,
          "batch reply has " + replies.size() + " replies for " + count + " commands");
    }
    return replies;
  }

  private static List<byte[]> split(ByteBuffer bytes, String what) {
    try {
      int count = bytes.getInt();
      if (count < 0 || count > bytes.remaining() / Integer.BYTES) {
        throw new StoreException(StoreException.Code.INTERNAL, "malformed " + what + " count " + count);
      }
      List<byte[]> parts = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte[] part = new byte[bytes.getInt()];
        bytes.get(part);
        parts.add(part);
      }
      return parts;
    } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
      throw new StoreException(StoreException.Code.INTERNAL, "truncated " + what);
    }
  }

  static Message query(LeaseKeepAliveRequest keepAlive) {
    return frame(QUERY_LEASE_KEEPALIVE, keepAlive);
  }

  static Message query(LeaseTimeToLiveRequest timeToLive) {
    return frame(QUERY_LEASE_TTL, timeToLive);
  }

  static Message query(LeaseLeasesRequest leases) {
    return frame(QUERY_LEASE_LEASES, leases);
  }

  static Message query(RangeRequest range) {
    return frame(QUERY_RANGE, range);
  }

  static Message query(TxnRequest readOnlyTxn) {
    return frame(QUERY_TXN, readOnlyTxn);
  }

  /** Asks the leader for the log index of the last write it applied. */
  static Message writeIndexQuery() {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(new byte[] {QUERY_WRITE_INDEX}));
  }

  /** The reply to {@link #writeIndexQuery}. */
  static Message writeIndex(long index) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(
        ByteBuffer.allocate(9).put(REPLY_OK).putLong(index).array()));
  }

  /** The index a {@link #writeIndex} reply's body (after {@link #parseReply}) carries. */
  static long parseWriteIndex(byte[] body) throws InvalidProtocolBufferException {
    if (body.length != Long.BYTES) {
      throw new InvalidProtocolBufferException("a write index is 8 bytes, got " + body.length);
    }
    return ByteBuffer.wrap(body).getLong();
  }

  static Frame decode(byte[] bytes) {
    if (bytes.length == 0) {
      throw new StoreException(StoreException.Code.INTERNAL, "empty store command");
    }
    return new Frame(bytes[0], Arrays.copyOfRange(bytes, 1, bytes.length));
  }

  static Message ok(MessageLite response) {
    return frame(REPLY_OK, response);
  }

  static Message error(StoreException error) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(REPLY_ERROR);
      out.writeUTF(error.code().name());
      out.writeUTF(error.getMessage() == null ? "" : error.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes.toByteArray()));
  }

  /** Parses a reply into {@code T}, or throws the {@link StoreException} it carries. */
  static <T> T parseReply(Message reply, ResponseParser<T> parser) {
    byte[] bytes = reply.getContent().toByteArray();
    if (bytes.length == 0) {
      throw new StoreException(StoreException.Code.INTERNAL, "empty reply from the store");
    }
    if (bytes[0] == REPLY_ERROR) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
        StoreException.Code code = StoreException.Code.valueOf(in.readUTF());
        throw new StoreException(code, in.readUTF());
      } catch (IOException | IllegalArgumentException e) {
        throw new StoreException(StoreException.Code.INTERNAL, "unreadable error reply from the store", e);
      }
    }
    try {
      return parser.parse(Arrays.copyOfRange(bytes, 1, bytes.length));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException(StoreException.Code.INTERNAL, "unreadable reply from the store", e);
    }
  }

  /** An etcd message's parseFrom. */
  @FunctionalInterface
  interface ResponseParser<T> {
    T parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  private static Message frame(byte kind, MessageLite body) {
    byte[] bytes = new byte[1 + body.getSerializedSize()];
    bytes[0] = kind;
    com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes, 1, bytes.length - 1);
    try {
      body.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
  }
}
