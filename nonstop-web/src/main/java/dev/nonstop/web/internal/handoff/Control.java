package dev.nonstop.web.internal.handoff;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The control connection between the two processes of a handoff: its messages and their framing.
 *
 * <pre>
 * old -> new   one SCM_RIGHTS message per listener (the new process reads descriptors only, then bytes)
 * new -> old   "confirms serving" it will say "serving" after "go" (older versions do not)
 *              "ready"            listeners wrapped, readiness checks pass, not accepting yet
 *              "failed REASON"    the engine could not start; the old process kills it and keeps serving
 * old -> new   "go"               the old process committed: the new one starts accepting
 * new -> old   "serving"          it accepts now: the old one stops accepting and drains
 * </pre>
 *
 * <p>Text lines, so a trace of the socket reads like the protocol; a process ignores lines it does
 * not know, so either side may be the older version. "go" exists so the point of no return is the
 * old process's decision alone: a new process that timed out at the same moment it got ready never
 * accepted a connection, so killing it loses nothing. "serving" exists so the old process keeps
 * accepting until the new one does: a new process that dies between "go" and accepting leaves the
 * old one serving, not a listener nobody serves.
 */
final class Control {
  static final String READY = "ready";
  static final String FAILED = "failed";
  static final String GO = "go";
  static final String CONFIRMS = "confirms serving";
  static final String SERVING = "serving";
  /** Longer lines are a broken peer, not a message: the connection is closed. */
  static final int MAX_LINE = 4096;

  private Control() {}

  static ChannelFuture send(Channel ch, String line) {
    String oneLine = line.replace('\n', ' ').replace('\r', ' ');
    if (oneLine.length() > MAX_LINE - 1) {
      oneLine = oneLine.substring(0, MAX_LINE - 1);
    }
    return ch.writeAndFlush(Unpooled.copiedBuffer(oneLine + "\n", StandardCharsets.UTF_8));
  }

  /** "failed REASON" to the reason, else null. */
  static String failure(String line) {
    if (line.equals(FAILED)) {
      return "";
    }
    return line.startsWith(FAILED + " ") ? line.substring(FAILED.length() + 1) : null;
  }

  /**
   * Adds to {@code pipeline} what turns the bytes read into lines (without their LF) for {@code
   * sink}: Netty's line framing and UTF-8 decoding. A line longer than {@link #MAX_LINE} closes the
   * connection. Descriptors (a handoff's first messages) must be taken off before these handlers.
   */
  static void addLines(ChannelPipeline pipeline, Consumer<String> sink) {
    pipeline.addLast(new LineBasedFrameDecoder(MAX_LINE, true, true));
    pipeline.addLast(new StringDecoder(StandardCharsets.UTF_8));
    pipeline.addLast(new SimpleChannelInboundHandler<String>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, String line) {
        sink.accept(line);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a line over the limit (TooLongFrameException) or a broken peer: hang up
      }
    });
  }
}
