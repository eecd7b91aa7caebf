package dev.nonstop.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's readiness protocol ({@code sd_notify}): one datagram to the Unix socket named by
 * {@code $NOTIFY_SOCKET}, as systemd sets it for a {@code Type=notify} service. {@code nonstop up}
 * sends {@code READY=1} once it serves (every app behind its gateway has a READY instance); after an upgrade the new process sends {@code
 * MAINPID=<its pid>} and {@code READY=1} before the old one exits, so that systemd follows the new
 * process instead of taking the old one's exit for the service's end (the unit needs {@code
 * NotifyAccess=all}, since the new process is not the main one when it speaks). Without the
 * variable this does nothing. The JDK's Unix sockets are stream-only, hence Netty's datagram channel.
 */
final class SystemdNotify {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");

  private SystemdNotify() {}

  /** Whether systemd asked to be told ({@code $NOTIFY_SOCKET} is set). */
  static boolean available() {
    String path = System.getenv("NOTIFY_SOCKET");
    return path != null && !path.isBlank();
  }

  /** Sends {@code state} (lines like {@code READY=1}) to {@code $NOTIFY_SOCKET}, if set; never throws. */
  static void send(String state) {
    send(System.getenv("NOTIFY_SOCKET"), state);
  }

  /** Sends {@code state} to the socket at {@code path}; null or blank does nothing. Never throws. */
  static void send(String path, String state) {
    if (path == null || path.isBlank()) {
      return;
    }
    if (path.startsWith("@")) {
      log.atWarn().log("NOTIFY_SOCKET {} is an abstract socket, which is not supported: systemd not told '{}'",
          path, state.replace('\n', ' '));
      return;
    }
    if (!Epoll.isAvailable()) {
      log.atWarn().log("NOTIFY_SOCKET is set but the epoll transport is unavailable: systemd not told '{}'",
          state.replace('\n', ' '));
      return;
    }
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      // Connected, not sendto: an unbound Unix datagram channel is not active in Netty.
      Channel ch = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
          .handler(new ChannelInboundHandlerAdapter()).connect(new DomainSocketAddress(path)).sync().channel();
      ch.writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8)).sync();
      ch.close().sync();
      log.atInfo().log("told systemd: {}", state.replace('\n', ' '));
    } catch (Exception e) {
      log.atWarn().log("cannot tell systemd '{}' through {}: {}", state.replace('\n', ' '), path, e.toString());
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
