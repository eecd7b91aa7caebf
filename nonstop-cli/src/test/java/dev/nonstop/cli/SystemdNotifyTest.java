package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The datagram systemd's notify socket receives, on a real Unix datagram socket bound by the test. */
class SystemdNotifyTest {
  @TempDir Path dir;

  @Test
  void sendsTheStateAsOneDatagramToTheNotifySocket() throws Exception {
    Path socket = dir.resolve("notify");
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel server = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
          .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
              received.add(p.content().toString(StandardCharsets.UTF_8));
            }
          })
          .bind(new DomainSocketAddress(socket.toString())).sync().channel();
      SystemdNotify.send(socket.toString(), "MAINPID=42\nREADY=1");
      assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("MAINPID=42\nREADY=1");
      SystemdNotify.send(null, "READY=1"); // no NOTIFY_SOCKET: nothing, no exception
      SystemdNotify.send(dir.resolve("nobody").toString(), "READY=1"); // nobody listening: logged, no exception
      server.close().sync();
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
