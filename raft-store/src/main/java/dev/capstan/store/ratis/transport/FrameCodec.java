package dev.capstan.store.ratis.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;

/** Puts {@link Frame}s on a channel and takes them off it (the layout is on {@link Frame}). */
final class FrameCodec {

  /**
   * The largest frame taken: above Ratis' largest append batch and snapshot chunk (a few MiB by
   * the settings the store uses), so only a corrupt or hostile length is refused.
   */
  static final int MAX_FRAME_BYTES = 64 << 20;

  private static final int HEADER_BYTES = 1 + 8;

  private FrameCodec() {
  }

  /** Adds the decoder and encoder of frames to a channel's pipeline. */
  static void install(ChannelPipeline pipeline) {
    pipeline.addLast(new Decoder());
    pipeline.addLast(new Encoder());
  }

  private static final class Decoder extends LengthFieldBasedFrameDecoder {
    Decoder() {
      super(MAX_FRAME_BYTES, 0, 4, 0, 4);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      ByteBuf frame = (ByteBuf) super.decode(ctx, in);
      if (frame == null) {
        return null;
      }
      try {
        if (frame.readableBytes() < HEADER_BYTES) {
          throw new IllegalArgumentException("Raft transport frame of " + frame.readableBytes() + " bytes is shorter than its header");
        }
        Frame.Kind kind = Frame.Kind.of(frame.readByte());
        long callId = frame.readLong();
        byte[] body = new byte[frame.readableBytes()];
        frame.readBytes(body);
        return new Frame(kind, callId, body);
      } finally {
        frame.release();
      }
    }
  }

  private static final class Encoder extends MessageToByteEncoder<Frame> {
    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
      out.writeInt(HEADER_BYTES + frame.body().length);
      out.writeByte(frame.kind().code);
      out.writeLong(frame.callId());
      out.writeBytes(frame.body());
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Frame frame, boolean preferDirect) {
      int size = 4 + HEADER_BYTES + frame.body().length;
      return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }
  }
}
