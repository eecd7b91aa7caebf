package dev.nonstop.supervisor.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log file that rotates by size: {@code file} is the current one, {@code file.1} the
 * newest rotated one, up to {@code file.KEEP}; older ones are deleted.
 *
 * <pre>{@code
 * RotatingFile out = new RotatingFile(Path.of("logs/hello-0.out.log"), 10 << 20, 5);
 * out.write(bytes, 0, bytes.length);
 * }</pre>
 *
 * <p>Guarantees: the bytes of one {@link #write} call are never interleaved with another call's, and
 * a file only passes {@code maxBytes} when a single write is larger than that (it then fills a fresh
 * file whole) or to finish a line (see below). The file is opened in append mode, so a restarted
 * supervisor continues it and counts its existing length.
 *
 * <p>Writes never throw on I/O errors (a full disk, a deleted directory): the bytes are dropped, one
 * warning is logged per streak of failures, and the file is reopened on a later write. The writer is
 * a thread draining a child's pipe; if it stopped, the pipe would fill and the child would block on
 * its next log line.
 */
public final class RotatingFile implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(RotatingFile.class);

  /** How long after a failure the next write tries to open the file again. */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path file;
  private final long maxBytes;
  private final int keep;
  // A lock rather than synchronized: JDK 21 pins a virtual thread that blocks inside synchronized.
  private final ReentrantLock lock = new ReentrantLock();

  private FileChannel channel; // null while closed or failing
  private long size;
  private boolean endsMidLine;
  private boolean closed;
  private boolean failing;
  private long retryAt;
  private long dropped;

  /**
   * Opens (or creates, with its parent directories) {@code file} for appending. Failing to open it is
   * not an error here: it is logged and retried on the next write.
   *
   * @param file the current log file
   * @param maxBytes the size past which the next write rotates
   * @param keep how many rotated files to keep; 0 restarts the file empty instead
   */
  public RotatingFile(Path file, long maxBytes, int keep) {
    this.file = Objects.requireNonNull(file, "file");
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
    }
    if (keep < 0) {
      throw new IllegalArgumentException("keep: " + keep + " (expected: >= 0)");
    }
    this.maxBytes = maxBytes;
    this.keep = keep;
    lock.lock();
    try {
      open();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Appends {@code len} bytes of {@code b} from {@code off}, rotating first when they would push a
   * non-empty file past the limit. Thread-safe; drops the bytes rather than throw on I/O errors, and
   * drops them silently after {@link #close()}.
   */
  public void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return;
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (channel == null && !open()) {
        dropped += len;
        return;
      }
      try {
        while (len > maxBytes - size) {
          // Fill the file with the whole lines that fit. A line the previous write left open is
          // finished first (a file cut mid-line shows half a line at each end), so a file passes
          // max_size by at most the rest of one line; a line longer than a whole file is cut.
          int take = size > 0 && endsMidLine
              ? lineEnd(b, off, len)
              : lastLineEnd(b, off, (int) Math.max(0, maxBytes - size));
          if (take == 0 && size == 0) {
            take = (int) maxBytes;
          }
          writeFully(b, off, take);
          off += take;
          len -= take;
          rotate();
        }
        writeFully(b, off, len);
        if (failing) {
          failing = false;
          log.atInfo().setMessage("log file {} is writable again; {} bytes were dropped")
              .addArgument(file).addArgument(dropped).log();
          dropped = 0;
        }
      } catch (IOException | RuntimeException e) {
        fail(e);
        dropped += len;
      }
    } finally {
      lock.unlock();
    }
  }

  /** The length of the current file, as far as this writer knows (0 while it cannot be opened). */
  public long size() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  /** The current log file (rotated ones are this path with {@code .1}, {@code .2}, ...). */
  public Path file() {
    return file;
  }

  /** Closes the current file; later writes are dropped. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      closeChannel();
    } finally {
      lock.unlock();
    }
  }

  /** The path of rotated file {@code n} (1 is the newest). */
  Path rotated(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  // False when the file cannot be opened (logged by fail) or the last failure is too recent to retry.
  private boolean open() {
    if (failing && System.nanoTime() - retryAt < 0) {
      return false;
    }
    try {
      openChannel();
      return true;
    } catch (IOException | RuntimeException e) {
      fail(e);
      return false;
    }
  }

  private void rotate() throws IOException {
    closeChannel();
    if (keep == 0) {
      // Delete rather than truncate, so a follower sees a new file (inode), not a shrunk one.
      Files.deleteIfExists(file);
    } else {
      Files.deleteIfExists(rotated(keep));
      // Leftovers from a larger keep in an earlier run go too.
      int extra = keep + 1;
      while (Files.deleteIfExists(rotated(extra))) {
        extra++;
      }
      for (int n = keep - 1; n >= 1; n--) {
        Path from = rotated(n);
        if (Files.exists(from)) {
          Files.move(from, rotated(n + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    openChannel();
  }

  private void openChannel() throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    size = channel.size();
    // An existing file is taken to end a line: whoever wrote its last byte is gone.
    endsMidLine = false;
  }

  private void writeFully(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) {
      size += channel.write(buf);
    }
    endsMidLine = b[off + len - 1] != '\n';
  }

  // How many bytes up to and including the first newline; 0 when there is none.
  private static int lineEnd(byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      if (b[off + i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  // How many bytes up to and including the last newline within the first len; 0 when there is none.
  private static int lastLineEnd(byte[] b, int off, int len) {
    for (int i = len - 1; i >= 0; i--) {
      if (b[off + i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  private void fail(Exception e) {
    closeChannel();
    size = 0;
    retryAt = System.nanoTime() + RETRY_NANOS;
    if (!failing) {
      failing = true;
      // The exception's text only: a stack trace adds nothing to "No space left on device".
      log.atWarn().setMessage("cannot write log file {}: {}; dropping output until it works again")
          .addArgument(file).addArgument(e.toString()).log();
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // The bytes were written already (no buffering here); nothing is lost by ignoring this.
      }
      channel = null;
    }
  }
}
