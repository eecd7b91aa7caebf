package dev.nonstop.gateway.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: hands what the upstream sends to the exchange that
 * currently borrows the connection. An idle pooled connection has no exchange; anything it reads
 * then is a protocol error (HTTP/1.1 has no unsolicited responses) and closes it, and its idle
 * timer closes it after {@code keepalive.idle_timeout}.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private final Server server;
  private final Pools pools;
  Exchange exchange;
  /** After a WebSocket upgrade: the client channel bytes go to, raw. */
  Channel peer;

  BackendHandler(Server server, Pools pools) {
    this.server = server;
    this.pools = pools;
  }

  Server server() {
    return server;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel p = peer;
    if (p != null) {
      if (msg instanceof HttpContent c) {
        // The empty last part Netty's codec emits right after the 101 head; only raw bytes follow it.
        // Forwarded, it would fail the client's write (no encoder there now) and close the tunnel.
        c.release();
        return;
      }
      Tunnel.forward(ctx.channel(), p, msg);
      return;
    }
    Exchange ex = exchange;
    if (ex == null) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    ex.backendRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange ex = exchange;
    if (ex != null) {
      ex.flushClient();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable()) {
      return;
    }
    if (peer != null) {
      peer.config().setAutoRead(true);
    } else if (exchange != null) {
      exchange.backendWritable();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer != null) {
      Tunnel.closeOnFlush(peer);
      return;
    }
    Exchange ex = exchange;
    exchange = null;
    if (ex != null) {
      ex.backendClosed(null);
    } else {
      pools.remove(server, ctx.channel());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (peer != null) {
      ctx.close();
      return;
    }
    Exchange ex = exchange;
    exchange = null;
    if (ex != null) {
      ex.backendClosed(cause);
    }
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && exchange != null) {
      exchange.backendIdle();
      return;
    }
    if (evt instanceof IdleStateEvent && exchange == null && peer == null) {
      pools.remove(server, ctx.channel());
      ctx.close();
    }
  }
}
