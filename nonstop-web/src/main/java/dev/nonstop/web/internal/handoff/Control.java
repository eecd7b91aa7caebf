package dev.nonstop.web.internal.handoff;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

  /** Splits the bytes it reads into lines (without their LF) and hands each to a consumer. */
  static final class Lines extends ChannelInboundHandlerAdapter {
    private final Consumer<String> sink;
    private final StringBuilder line = new StringBuilder();

    Lines(Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ctx.fireChannelRead(msg);
        return;
      }
      try {
        // The messages are ASCII; a stray multi-byte character only spoils its own line.
        String text = buf.toString(StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          if (c == '\n') {
            String done = line.toString();
            line.setLength(0);
            sink.accept(done);
          } else if (line.length() >= MAX_LINE) {
            ctx.close();
            return;
          } else {
            line.append(c);
          }
        }
      } finally {
        buf.release();
      }
    }
  }
}
