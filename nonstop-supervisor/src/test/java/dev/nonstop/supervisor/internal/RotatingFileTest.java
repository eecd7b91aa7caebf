package dev.nonstop.supervisor.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class RotatingFileTest {

  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(RotatingFile.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void rotationKeepsExactlyKeepFilesNewestFirst() throws IOException {
    Path file = dir.resolve("app-0.out.log");
    try (RotatingFile out = new RotatingFile(file, 10, 3)) {
      for (int i = 1; i <= 6; i++) {
        write(out, "record-%02d\n".formatted(i)); // 10 bytes: one record per file
      }
    }

    assertThat(names()).containsExactlyInAnyOrder(
        "app-0.out.log", "app-0.out.log.1", "app-0.out.log.2", "app-0.out.log.3");
    assertThat(read(file)).isEqualTo("record-06\n");
    assertThat(read(dir.resolve("app-0.out.log.1"))).isEqualTo("record-05\n");
    assertThat(read(dir.resolve("app-0.out.log.2"))).isEqualTo("record-04\n");
    assertThat(read(dir.resolve("app-0.out.log.3"))).isEqualTo("record-03\n");
  }

  @Test
  void filesFillUpToTheLimitBeforeRotating() throws IOException {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 25, 2)) {
      for (int i = 1; i <= 5; i++) {
        write(out, "line-" + i + "\n"); // 7 bytes: three fit in 25
      }
      assertThat(out.size()).isEqualTo(14);
    }

    assertThat(read(dir.resolve("app.log.1"))).isEqualTo("line-1\nline-2\nline-3\n");
    assertThat(read(file)).isEqualTo("line-4\nline-5\n");
  }

  @Test
  void keepZeroRestartsTheFileEmpty() throws IOException {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 10, 0)) {
      for (int i = 1; i <= 3; i++) {
        write(out, "record-%02d\n".formatted(i));
      }
    }

    assertThat(names()).containsExactly("app.log");
    assertThat(read(file)).isEqualTo("record-03\n");
  }

  @Test
  void reopeningAppendsAndCountsTheExistingLength() throws IOException {
    Path file = dir.resolve("app.log");
    Files.writeString(file, "old-run\n"); // 8 bytes

    try (RotatingFile out = new RotatingFile(file, 12, 2)) {
      assertThat(out.size()).isEqualTo(8);
      write(out, "ab\n");
      assertThat(read(file)).isEqualTo("old-run\nab\n");
      write(out, "cd\n"); // 14 > 12: rotates
    }

    assertThat(read(dir.resolve("app.log.1"))).isEqualTo("old-run\nab\n");
    assertThat(read(file)).isEqualTo("cd\n");
  }

  @Test
  void aWriteIsSplitAtLineEndsSoFilesStayWithinTheLimit() throws IOException {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 10, 5)) {
      write(out, "ab\ncd\nef\ngh\nij\n"); // one pipe read holding five lines
    }

    assertThat(read(dir.resolve("app.log.1"))).isEqualTo("ab\ncd\nef\n");
    assertThat(read(file)).isEqualTo("gh\nij\n");
  }

  @Test
  void aLineLongerThanAWholeFileIsCut() throws IOException {
    Path file = dir.resolve("app.log");
    String huge = "x".repeat(19) + "\n";
    try (RotatingFile out = new RotatingFile(file, 10, 5)) {
      write(out, "ab\n");
      write(out, huge);
      write(out, "cd\n");
    }

    assertThat(read(dir.resolve("app.log.3"))).isEqualTo("ab\n");
    assertThat(read(dir.resolve("app.log.2"))).isEqualTo("x".repeat(10));
    assertThat(read(dir.resolve("app.log.1"))).isEqualTo("x".repeat(9) + "\n");
    assertThat(read(file)).isEqualTo("cd\n");
  }

  @Test
  void aLineCutByAReadIsFinishedBeforeRotating() throws IOException {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 10, 2)) {
      write(out, "line-1\nli"); // a pipe read that ended mid-line
      write(out, "ne-2\nline-3\n");
    }

    assertThat(read(dir.resolve("app.log.1"))).isEqualTo("line-1\nline-2\n");
    assertThat(read(file)).isEqualTo("line-3\n");
  }

  @Test
  void concurrentWritesLoseNothingAndNeverInterleave() throws Exception {
    Path file = dir.resolve("app.log");
    int threads = 4;
    int records = 2_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    try (RotatingFile out = new RotatingFile(file, 4096, 10_000)) {
      for (int t = 0; t < threads; t++) {
        int writer = t;
        writers.add(Thread.ofPlatform().start(() -> {
          awaitQuietly(go);
          for (int i = 0; i < records; i++) {
            // Lengths vary so that writes straddle rotation points differently.
            write(out, "t%d-%d-%s\n".formatted(writer, i, "p".repeat(i % 97)));
          }
        }));
      }
      go.countDown();
      for (Thread w : writers) {
        w.join();
      }
    }

    Pattern record = Pattern.compile("t(\\d)-(\\d+)-(p*)");
    int[] next = new int[threads];
    for (String line : allLinesOldestFirst(file)) {
      Matcher m = record.matcher(line);
      assertThat(m.matches()).as("a whole record: %s", line).isTrue();
      int writer = Integer.parseInt(m.group(1));
      int i = Integer.parseInt(m.group(2));
      assertThat(i).as("writer %d's records in order", writer).isEqualTo(next[writer]);
      assertThat(m.group(3)).hasSize(i % 97);
      next[writer]++;
    }
    assertThat(next).containsOnly(records);
  }

  @Test
  void unwritableDirectoryDropsBytesWithoutThrowingAndRecovers() throws IOException {
    // A regular file where the directory should be: fails for root too, unlike a chmod.
    Path blocker = dir.resolve("logs");
    Files.writeString(blocker, "not a directory");
    Path file = blocker.resolve("app.log");

    try (RotatingFile out = new RotatingFile(file, 1024, 2)) {
      write(out, "lost-1\n");
      write(out, "lost-2\n");
      assertThat(out.size()).isZero();
      assertThat(warnings()).hasSize(1);
      assertThat(warnings().get(0).getFormattedMessage()).contains(file.toString());

      Files.delete(blocker);
      // Reopening is retried after a pause; until then writes are still dropped.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        write(out, "back\n");
        assertThat(Files.exists(file) ? read(file) : "").isEqualTo("back\n");
      });
      assertThat(out.size()).isEqualTo(5);
      assertThat(warnings()).hasSize(1);
    }
  }

  @Test
  void writesAfterCloseAreDroppedAndCloseIsIdempotent() throws IOException {
    Path file = dir.resolve("app.log");
    RotatingFile out = new RotatingFile(file, 1024, 2);
    write(out, "kept\n");
    out.close();
    write(out, "dropped\n");
    out.close();

    assertThat(read(file)).isEqualTo("kept\n");
  }

  private static void write(RotatingFile out, String s) {
    byte[] b = s.getBytes(UTF_8);
    out.write(b, 0, b.length);
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, UTF_8);
  }

  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private List<ILoggingEvent> warnings() {
    return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
  }

  /** Every line of {@code file} and its rotated files, in the order they were written. */
  static List<String> allLinesOldestFirst(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    int oldest = 0;
    while (Files.exists(file.resolveSibling(file.getFileName() + "." + (oldest + 1)))) {
      oldest++;
    }
    for (int n = oldest; n >= 0; n--) {
      Path p = n == 0 ? file : file.resolveSibling(file.getFileName() + "." + n);
      lines.addAll(Files.readAllLines(p, UTF_8));
    }
    return lines;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
