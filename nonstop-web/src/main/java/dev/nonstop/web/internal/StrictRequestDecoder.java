package dev.nonstop.web.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, made strict where request smuggling lives: a message with both
 * Content-Length and Transfer-Encoding is rejected (Netty's default drops Content-Length and carries
 * on, which RFC 9112 allows but a front proxy might disagree with).
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  private final Connection connection;

  StrictRequestDecoder(HttpDecoderConfig config, Connection connection) {
    super(config);
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    connection.onBytes();
    super.channelRead(ctx, msg);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
  }
}
