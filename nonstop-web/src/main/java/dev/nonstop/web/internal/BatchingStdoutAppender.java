package dev.nonstop.web.internal;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes log events to stdout from one background thread, a batch per write.
 *
 * <p>Hand-written because the library path costs measured speed on the hot path: with Logback's
 * ConsoleAppender the access log (one line per request) took the hello service from 1.17x to 0.45x
 * Gin's throughput (bench/RESULTS.md), since every line was encoded on the request's thread and
 * written with its own write(2) through an auto-flushing System.out. Here request threads only
 * enqueue; the writer encodes whatever has queued up and writes it with one call. Logback's
 * AsyncAppender moves the work off the request thread but still writes line by line.
 *
 * <p>Nothing is dropped: when the queue is full, logging blocks (backpressure), as a synchronous
 * appender would. Lines still queued at JVM exit are written by a shutdown hook.
 */
final class BatchingStdoutAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final int QUEUE = 16_384;
  private static final int BATCH = 512;

  private final BlockingQueue<ILoggingEvent> queue = new ArrayBlockingQueue<>(QUEUE);
  private Encoder<ILoggingEvent> encoder;
  private Thread writer;
  private volatile boolean running;

  void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    running = true;
    writer = Thread.ofPlatform().daemon().name("nonstop-log-writer").start(this::writeLoop);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::stop));
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing(); // freeze MDC, message and thread name before crossing threads
    try {
      queue.put(event);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // a handler being interrupted must still get its line out
      writeBatch(List.of(event));
    }
  }

  private void writeLoop() {
    List<ILoggingEvent> batch = new ArrayList<>(BATCH);
    while (running || !queue.isEmpty()) {
      try {
        // Blocks without a timeout: an idle process (a supervisor, say) should not wake ten times
        // a second for nothing. stop() interrupts.
        batch.add(queue.take());
        queue.drainTo(batch, BATCH - 1);
        writeBatch(batch);
      } catch (InterruptedException e) {
        running = false;
      } finally {
        batch.clear();
      }
    }
  }

  private synchronized void writeBatch(List<ILoggingEvent> batch) {
    try {
      // System.out, looked up per batch: it may be replaced (test runners capture it). One write of
      // the whole batch, so its auto-flush costs one write(2) per batch, not per line.
      PrintStream out = System.out;
      if (batch.size() == 1) {
        out.write(encoder.encode(batch.get(0)));
      } else {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(batch.size() * 256);
        for (ILoggingEvent e : batch) {
          buf.write(encoder.encode(e));
        }
        buf.writeTo(out);
      }
      out.flush();
    } catch (IOException e) {
      addError("cannot write to stdout", e);
    }
  }

  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    writer.interrupt();
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<ILoggingEvent> rest = new ArrayList<>();
    queue.drainTo(rest);
    if (!rest.isEmpty()) {
      writeBatch(rest);
    }
    super.stop();
  }
}
