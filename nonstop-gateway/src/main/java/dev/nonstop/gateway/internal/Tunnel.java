package dev.nonstop.gateway.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;

/**
 * Raw byte relaying after a protocol switch (WebSocket): write what one side read to the other, and
 * stop reading a side while the other's outbound buffer is above its high watermark, so a slow
 * reader holds back a fast writer instead of filling the gateway's memory.
 */
final class Tunnel {
  private Tunnel() {}

  /**
   * Writes {@code msg}, read from {@code from}, to {@code to}; stops reading {@code from} while
   * {@code to} is not writable (the handler of {@code to} resumes it when it drains).
   */
  static void forward(Channel from, Channel to, Object msg) {
    if (!to.isActive()) {
      ReferenceCountUtil.release(msg);
      from.close();
      return;
    }
    to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        from.close();
        f.channel().close();
      }
    });
    if (!to.isWritable()) {
      from.config().setAutoRead(false);
    }
  }

  /** Closes {@code ch} once what was written to it is out. */
  static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
