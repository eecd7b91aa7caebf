package dev.nonstop.gateway.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;

/**
 * Raw byte relaying after a protocol switch (WebSocket), Netty's proxy example idiom: write what one
 * side read to the other, and read the next chunk only once that write succeeded, so a slow reader
 * holds back a fast writer instead of filling the gateway's memory.
 */
final class Tunnel {
  private Tunnel() {}

  /** Writes {@code msg}, read from {@code from}, to {@code to}; reads on when it is written. */
  static void forward(Channel from, Channel to, Object msg) {
    if (!to.isActive()) {
      ReferenceCountUtil.release(msg);
      from.close();
      return;
    }
    to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        from.read();
      } else {
        from.close();
        f.channel().close();
      }
    });
  }

  /** Closes {@code ch} once what was written to it is out. */
  static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
