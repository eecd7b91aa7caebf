package dev.nonstop.web.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of a streamed response: buffers up to 8 KiB, sends a chunk on flush or when full, and
 * blocks the (virtual) thread while the channel is not writable, which is the backpressure. On the
 * event loop it never waits: the loop itself would have to complete the write it waits for.
 */
final class ChunkedBodyOutput extends OutputStream {
  private final Channel ch;
  private final HttpContext context;
  private ByteBuf buf;

  ChunkedBodyOutput(Channel ch, HttpContext context) {
    this.ch = ch;
    this.context = context;
  }

  /** A streamed response's client has gone: what a send throws once the connection is closed. */
  static final class ClientGone extends IOException {
    private static final long serialVersionUID = 1L;

    ClientGone(Throwable cause) {
      super("client closed the connection", cause);
    }
  }

  @Override
  public void write(int b) throws IOException {
    ensure().writeByte(b);
    if (buf.readableBytes() >= 8192) {
      flush();
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensure().writeBytes(b, off, len);
    if (buf.readableBytes() >= 8192) {
      flush();
    }
  }

  private ByteBuf ensure() throws IOException {
    if (!ch.isActive()) {
      throw new ClientGone(null);
    }
    if (buf == null) {
      buf = ch.alloc().buffer(8192);
    }
    return buf;
  }

  @Override
  public void flush() throws IOException {
    if (buf == null || !buf.isReadable()) {
      // Nothing to send, but still the answer to "is the client there?" for a handler that waits
      // for data to stream (a log follower on a quiet log).
      if (!ch.isActive()) {
        throw new ClientGone(null);
      }
      return;
    }
    ByteBuf chunk = buf;
    buf = null;
    context.addBytesWritten(chunk.readableBytes());
    ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(chunk));
    if (!ch.eventLoop().inEventLoop() && (!ch.isWritable() || f.isDone())) {
      try {
        f.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while writing");
      }
      if (!f.isSuccess()) {
        throw new ClientGone(f.cause());
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      flush();
    } finally {
      if (buf != null) {
        buf.release();
        buf = null;
      }
    }
  }
}
