package dev.nonstop.web.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, made strict where request smuggling lives: a message with both
 * Content-Length and Transfer-Encoding is rejected (Netty's default drops Content-Length and carries
 * on, which RFC 9112 allows but a front proxy might disagree with).
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {
  private final Runnable onBytes;

  /**
   * @param config Netty's decoder limits
   * @param onBytes run on every read before decoding (the header timeout's "bytes arrived" signal)
   */
  public StrictRequestDecoder(HttpDecoderConfig config, Runnable onBytes) {
    super(config);
    this.onBytes = onBytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    onBytes.run();
    super.channelRead(ctx, msg);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
  }
}
