package dev.nonstop.web.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import java.util.List;

/**
 * Netty's request decoder, made strict where request smuggling lives: a message with both
 * Content-Length and Transfer-Encoding is rejected (Netty's default drops Content-Length and carries
 * on, which RFC 9112 allows but a front proxy might disagree with), and so is a head with obsolete
 * line folding, a header line that starts with a space or tab (Netty joins it to the previous
 * header, which RFC 9112 5.2 allows too; we reject it as nginx does, since a server behind us
 * might fold differently and no current client folds).
 *
 * <p>The fold check sees each head byte once, as the decoder consumes it; it relies on the decoder
 * consuming only whole lines of a head and returning as soon as a head is complete.
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {
  private final Runnable onBytes;
  // The fold scan of the current head: are we in one, has its request line begun, did the last
  // byte end a line, was a folded line seen.
  private boolean inHead = true;
  private boolean started;
  private boolean afterLineEnd;
  private boolean folded;

  // Stops at the first fold: one is enough to refuse the head.
  private final ByteProcessor foldScan = value -> {
    int b = value & 0xff;
    if (!started) {
      if (b <= ' ') {
        return true; // the empty lines and whitespace Netty skips before a request line
      }
      started = true;
    }
    if (afterLineEnd && (b == ' ' || b == '\t')) {
      folded = true;
      return false;
    }
    afterLineEnd = b == '\n';
    return true;
  };

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
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    int from = buffer.readerIndex();
    int produced = out.size();
    boolean scanning = inHead;
    super.decode(ctx, buffer, out);
    if (scanning && !folded && buffer.readerIndex() > from) {
      buffer.forEachByte(from, buffer.readerIndex() - from, foldScan);
    }
    for (int i = produced; i < out.size(); i++) {
      Object o = out.get(i);
      if (o instanceof HttpMessage m) {
        if (folded && m.decoderResult().isSuccess()) {
          m.setDecoderResult(DecoderResult.failure(
              new IllegalArgumentException("obsolete line folding (expected: each header on one line)")));
        }
        inHead = false;
      }
      if (o instanceof LastHttpContent) {
        inHead = true;
        started = false;
        afterLineEnd = false;
        folded = false;
      }
    }
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
  }
}
