package dev.nonstop.supervisor.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Copies a child's stdout or stderr pipe into its {@link RotatingFile}, one thread per stream.
 *
 * <pre>{@code
 * LogPump.start("hello-0-stdout", process.getInputStream(), out);
 * }</pre>
 *
 * <p>The pump never stops early: {@link RotatingFile#write} does not throw, so the pipe is drained
 * until the child closes it (usually by exiting) even while the disk is full. A pipe left undrained
 * fills (64 KiB on Linux) and then blocks the child on its next write.
 */
public final class LogPump {
  private static final int BUFFER_BYTES = 32 * 1024;
  /** The copy loop needs a few frames; no need to reserve the default 1 MiB per stream. */
  private static final long STACK_BYTES = 256 * 1024;

  private LogPump() {}

  /**
   * Starts a daemon thread that copies {@code in} to {@code out} until end of stream or an I/O error,
   * then closes {@code in}. It leaves {@code out} open: the same file outlives the process and
   * receives the output of the instance's next run.
   *
   * @return the started thread (join it to know all output has reached the file)
   */
  public static Thread start(String threadName, InputStream in, RotatingFile out) {
    // A platform thread, not a virtual one: a pipe read is a blocking read(2) that the JDK cannot
    // park, so a virtual thread would hold its carrier for as long as the child is quiet. The
    // scheduler adds compensating carriers only up to a limit (256), so virtual threads would save
    // nothing here and a few hundred quiet streams would starve every other virtual thread.
    return Thread.ofPlatform()
        .daemon()
        .name(threadName)
        .stackSize(STACK_BYTES)
        .start(() -> copy(in, out));
  }

  private static void copy(InputStream in, RotatingFile out) {
    byte[] buf = new byte[BUFFER_BYTES];
    try (in) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // The pipe was closed under us (the process was destroyed); there is nothing left to copy.
    }
  }
}
