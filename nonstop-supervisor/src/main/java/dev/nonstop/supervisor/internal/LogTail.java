package dev.nonstop.supervisor.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads the end of a log file and follows it across rotation, like {@code tail -n N -F}: the reader
 * behind {@code nonstop logs APP[:INDEX] [-f]}.
 *
 * <pre>{@code
 * LogTail.lastLines(file, 20).forEach(System.out::println);
 * LogTail.follow(file, LogTail.size(file), System.out::println, () -> stopped);
 * }</pre>
 *
 * <p>Lines are decoded as UTF-8 (invalid bytes become U+FFFD) and lose their {@code \n} or
 * {@code \r\n}. A missing file is an empty one, so following can start before the app's first line.
 */
public final class LogTail {
  private static final int BLOCK_BYTES = 8 * 1024;
  private static final long POLL_MILLIS = 150;
  /** A "line" longer than this (binary output, a runaway writer) is emitted in pieces of this size. */
  private static final int MAX_LINE_BYTES = 1024 * 1024;

  private LogTail() {}

  /**
   * The last {@code n} lines of {@code file}, oldest first; a last line without a newline counts.
   * Reads backwards from the end in blocks, so the cost is that of the lines returned, not of the
   * file.
   *
   * @throws UncheckedIOException if the file exists but cannot be read
   */
  public static List<String> lastLines(Path file, int n) {
    if (n <= 0) {
      return List.of();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long end = ch.size();
      if (end == 0) {
        return List.of();
      }
      ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES);
      // The newline that ends the last line does not start another one.
      long scanEnd = byteAt(ch, end - 1) == '\n' ? end - 1 : end;
      long start = 0;
      int newlines = 0;
      scan:
      for (long pos = scanEnd; pos > 0; ) {
        int len = (int) Math.min(BLOCK_BYTES, pos);
        pos -= len;
        readFully(ch, block.clear().limit(len), pos);
        for (int i = len - 1; i >= 0; i--) {
          if (block.get(i) == '\n' && ++newlines == n) {
            start = pos + i + 1;
            break scan;
          }
        }
      }
      ByteBuffer text = ByteBuffer.allocate(Math.toIntExact(scanEnd - start));
      readFully(ch, text, start);
      List<String> lines = new ArrayList<>();
      for (String line : new String(text.array(), StandardCharsets.UTF_8).split("\n", -1)) {
        lines.add(stripCr(line));
      }
      return lines;
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Emits every complete line appended to {@code file} from byte {@code fromOffset} on, polling, until
   * {@code stop} returns true (checked between polls) or the thread is interrupted. When the file is
   * rotated (replaced by a new file, or shrunk), what is left of the old one is read first, then the
   * new one from its start. A last line without a newline is held until its newline arrives.
   *
   * <p>Blocks the calling thread; meant for a virtual thread.
   *
   * @param fromOffset where to start in the current file (e.g. {@link #size} after showing
   *     {@link #lastLines}); past the end means the file was rotated meanwhile, so its start
   */
  public static void follow(
      Path file, long fromOffset, Consumer<String> onLine, BooleanSupplier stop) {
    Objects.requireNonNull(onLine, "onLine");
    if (fromOffset < 0) {
      throw new IllegalArgumentException("fromOffset: " + fromOffset + " (expected: >= 0)");
    }
    new Follower(file, fromOffset, onLine).run(stop);
  }

  /** The length of {@code file}, 0 if it does not exist or cannot be read. */
  public static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static byte byteAt(FileChannel ch, long pos) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    readFully(ch, one, pos);
    return one.get(0);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("file shrank while reading at " + pos);
      }
      pos += n;
    }
  }

  /**
   * One follow loop's state: the file it reads (identified by its file key, the inode on Linux), the
   * position in it, and the bytes of a line not finished yet.
   */
  private static final class Follower {
    private final Path file;
    private final Consumer<String> onLine;
    private final ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private FileChannel channel;
    private Object key; // of the file last opened; null before the first one
    private long pos;

    Follower(Path file, long fromOffset, Consumer<String> onLine) {
      this.file = file;
      this.onLine = onLine;
      this.pos = fromOffset;
    }

    void run(BooleanSupplier stop) {
      try {
        while (!stop.getAsBoolean()) {
          boolean progressed = false;
          try {
            progressed = step();
          } catch (IOException e) {
            // Unreadable for now (permissions, a file replaced mid-read): reopen whatever is at this
            // path on the next poll, as tail -F does; the same file resumes where it was.
            closeChannel();
          }
          if (!progressed) {
            Thread.sleep(POLL_MILLIS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        closeChannel();
      }
    }

    // One poll: open, read what was appended, switch files on rotation. True if it read anything or
    // switched, so the caller polls again at once.
    private boolean step() throws IOException {
      if (channel == null && !open()) {
        return false;
      }
      boolean read = drain();
      BasicFileAttributes now = attributes();
      if (now == null) {
        return read; // mid-rotation (moved away, the new one not created yet): keep the old one
      }
      if (now.fileKey() != null && !now.fileKey().equals(key)) {
        drain(); // what was written between the drain above and the rotation
        closeChannel();
        return true;
      }
      if (now.size() < pos) {
        // Truncated in place (copytruncate, an editor): what follows was written after the cut.
        pos = 0;
        return true;
      }
      return read;
    }

    private boolean open() throws IOException {
      BasicFileAttributes before = attributes();
      if (before == null) {
        return false;
      }
      FileChannel opened;
      try {
        opened = FileChannel.open(file, StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        return false;
      }
      // A channel has no file key of its own: the same key before and after the open proves the
      // channel is that file, not one rotated in meanwhile.
      BasicFileAttributes after = attributes();
      if (after == null || !Objects.equals(before.fileKey(), after.fileKey())) {
        opened.close();
        return false;
      }
      // The first file starts at the caller's offset and a reopened one where it was; a new file
      // (a rotation) from its start.
      long resumeAt = key == null || key.equals(after.fileKey()) ? pos : 0;
      pos = resumeAt <= opened.size() ? resumeAt : 0;
      key = after.fileKey();
      channel = opened;
      return true;
    }

    private BasicFileAttributes attributes() throws IOException {
      try {
        return Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        return null;
      }
    }

    // Reads to the current end and emits the complete lines; true if there were new bytes.
    private boolean drain() throws IOException {
      boolean any = false;
      for (int n; (n = channel.read(block.clear(), pos)) > 0; ) {
        any = true;
        pos += n;
        byte[] bytes = block.array();
        int lineStart = 0;
        for (int i = 0; i < n; i++) {
          if (bytes[i] == '\n') {
            partial.write(bytes, lineStart, i - lineStart);
            emit();
            lineStart = i + 1;
          } else if (partial.size() + (i - lineStart) >= MAX_LINE_BYTES) {
            partial.write(bytes, lineStart, i - lineStart);
            emit();
            lineStart = i;
          }
        }
        partial.write(bytes, lineStart, n - lineStart);
      }
      return any;
    }

    private void emit() {
      onLine.accept(stripCr(partial.toString(StandardCharsets.UTF_8)));
      partial.reset();
    }

    private void closeChannel() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          // read-only: nothing to flush, nothing lost
        }
        channel = null;
      }
    }
  }
}
