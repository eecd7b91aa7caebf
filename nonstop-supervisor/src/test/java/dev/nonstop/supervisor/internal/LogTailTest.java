package dev.nonstop.supervisor.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private Thread follower;

  @AfterEach
  void stopFollowing() throws InterruptedException {
    stop.set(true);
    if (follower != null) {
      assertThat(follower.join(WAIT)).isTrue();
    }
  }

  @Test
  void lastLinesOfSmallFiles() throws IOException {
    record Case(String content, int n, List<String> expected) {}
    List<Case> cases = List.of(
        new Case("", 5, List.of()),
        new Case("a\nb\nc\n", 2, List.of("b", "c")),
        new Case("a\nb\nc", 2, List.of("b", "c")), // no newline at the end
        new Case("a\nb\nc\n", 10, List.of("a", "b", "c")),
        new Case("a\nb\nc\n", 0, List.of()),
        new Case("a\r\nb\r\nc\r\n", 2, List.of("b", "c")),
        new Case("a\n\nb\n", 3, List.of("a", "", "b")),
        new Case("\n", 1, List.of("")),
        new Case("only", 1, List.of("only")),
        new Case("é\nü\n", 1, List.of("ü")));
    for (Case c : cases) {
      Path file = dir.resolve("case.log");
      Files.writeString(file, c.content(), UTF_8);
      assertThat(LogTail.lastLines(file, c.n())).as("%s, n=%d", c.content(), c.n())
          .isEqualTo(c.expected());
    }
  }

  @Test
  void lastLinesOfAMissingFileIsEmpty() {
    assertThat(LogTail.lastLines(dir.resolve("missing.log"), 10)).isEmpty();
    assertThat(LogTail.size(dir.resolve("missing.log"))).isZero();
  }

  @Test
  void lastLinesSpanBlocksAndKeepLongLinesWhole() throws IOException {
    Path file = dir.resolve("big.log");
    List<String> lines =
        new ArrayList<>(IntStream.rangeClosed(1, 50_000).mapToObj(i -> "line-" + i).toList());
    String long1 = "é".repeat(30_000); // 60 KB of two-byte characters: cut by every block boundary
    String long2 = "x".repeat(20_000);
    lines.add(long1);
    lines.add(long2);
    Files.write(file, lines, UTF_8);

    assertThat(LogTail.lastLines(file, 4)).containsExactly("line-49999", "line-50000", long1, long2);
    assertThat(LogTail.lastLines(file, 1_000)).hasSize(1_000).endsWith(long1, long2);
  }

  @Test
  void followSeesAppendedLinesAndHoldsAPartialOne() throws IOException {
    Path file = dir.resolve("app.log");
    Files.writeString(file, "before\n");
    follow(file, LogTail.size(file));
    try (RotatingFile out = new RotatingFile(file, 1 << 20, 2)) {
      write(out, "one\ntwo\r\npar");
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("one", "two"));

      write(out, "tial\n");
      await().atMost(WAIT)
          .untilAsserted(() -> assertThat(seen).containsExactly("one", "two", "partial"));
    }
  }

  @Test
  void followStartsAtTheGivenOffset() throws IOException {
    Path file = dir.resolve("app.log");
    Files.writeString(file, "skipped\nshown\n");
    follow(file, "skipped\n".length());

    await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("shown"));
  }

  @Test
  void followWaitsForAFileThatDoesNotExistYet() {
    Path file = dir.resolve("later.log");
    follow(file, 0);
    try (RotatingFile out = new RotatingFile(file, 1 << 20, 2)) {
      write(out, "first\n");
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("first"));
    }
  }

  @Test
  void followContinuesAcrossRotations() {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 30, 2)) {
      follow(file, 0);
      List<String> expected = new ArrayList<>();
      // Each round fills one file and starts the next; the follower catches up before the next
      // round, as it would with a rotation every few seconds or more.
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 3; i++) {
          // 10 bytes with its newline: three fill a file
          String line = "r%d-line-%d".formatted(round, i);
          write(out, line + "\n");
          expected.add(line);
        }
        List<String> soFar = List.copyOf(expected);
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).isEqualTo(soFar));
      }
      assertThat(Files.exists(out.rotated(2))).as("rotated more than once").isTrue();
    }
  }

  @Test
  void followContinuesWhenKeepZeroRestartsTheFile() {
    Path file = dir.resolve("app.log");
    try (RotatingFile out = new RotatingFile(file, 20, 0)) {
      follow(file, 0);
      write(out, "first-long-line\n");
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("first-long-line"));

      write(out, "second\n"); // restarts the file: shorter than what was read
      await().atMost(WAIT).untilAsserted(
          () -> assertThat(seen).containsExactly("first-long-line", "second"));
    }
  }

  @Test
  void followReturnsWhenAskedToStop() throws InterruptedException {
    Path file = dir.resolve("app.log");
    follow(file, 0);
    stop.set(true);

    assertThat(follower.join(WAIT)).isTrue();
  }

  private void follow(Path file, long from) {
    follower = Thread.ofVirtual().start(() -> LogTail.follow(file, from, seen::add, stop::get));
  }

  private static void write(RotatingFile out, String s) {
    byte[] b = s.getBytes(UTF_8);
    out.write(b, 0, b.length);
  }
}
