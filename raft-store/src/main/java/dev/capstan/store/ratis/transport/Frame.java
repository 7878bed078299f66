package dev.capstan.store.ratis.transport;

/**
 * One message of the Raft transport: what it is, the call it belongs to (a reply carries its
 * request's id) and the protobuf bytes of its body. On the wire: a 4-byte length of the rest, the
 * kind's byte, the 8-byte call id, the body.
 */
record Frame(Kind kind, long callId, byte[] body) {

  /** What a frame carries; the code is the byte on the wire and never changes meaning. */
  enum Kind {
    APPEND_ENTRIES(1),
    REQUEST_VOTE(2),
    INSTALL_SNAPSHOT(3),
    START_LEADER_ELECTION(4),
    READ_INDEX(5),
    CLIENT_REQUEST(6),
    SET_CONFIGURATION(7),
    GROUP_MANAGEMENT(8),
    GROUP_LIST(9),
    GROUP_INFO(10),
    TRANSFER_LEADERSHIP(11),
    SNAPSHOT_MANAGEMENT(12),
    LEADER_ELECTION_MANAGEMENT(13),
    /** The reply to a request: the body is the reply's protobuf. */
    REPLY(100),
    /** The request failed on the server: the body is the Java-serialized exception. */
    FAILURE(101);

    private static final Kind[] BY_CODE = new Kind[128];

    static {
      for (Kind kind : values()) {
        BY_CODE[kind.code] = kind;
      }
    }

    final byte code;

    Kind(int code) {
      this.code = (byte) code;
    }

    static Kind of(byte code) {
      Kind kind = code >= 0 ? BY_CODE[code] : null;
      if (kind == null) {
        throw new IllegalArgumentException("unknown Raft transport frame kind " + code);
      }
      return kind;
    }
  }
}
