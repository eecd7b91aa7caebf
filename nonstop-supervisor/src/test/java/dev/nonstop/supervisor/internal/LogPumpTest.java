package dev.nonstop.supervisor.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogPumpTest {

  private static final Duration DONE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void everyLineOfAChildReachesTheFilesAcrossRotations() throws Exception {
    Path file = dir.resolve("app-0.out.log");
    int lines = 20_000;
    String script = "for i in $(seq 1 " + lines + "); do echo line-$i; done";
    Process child = new ProcessBuilder("sh", "-c", script)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try (RotatingFile out = new RotatingFile(file, 8 * 1024, 1_000)) {
      Thread pump = LogPump.start("app-0-stdout", child.getInputStream(), out);

      assertThat(pump.isDaemon()).isTrue();
      assertThat(pump.isVirtual()).isFalse();
      assertThat(pump.getName()).isEqualTo("app-0-stdout");
      assertThat(child.waitFor(DONE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(pump.join(DONE)).as("pump ends at the child's EOF").isTrue();
    } finally {
      child.destroyForcibly();
    }

    assertThat(RotatingFileTest.allLinesOldestFirst(file))
        .containsExactlyElementsOf(IntStream.rangeClosed(1, lines).mapToObj(i -> "line-" + i).toList());
    // ~190 KiB, copied in reads of up to 32 KiB, each split at line ends to fit 8 KiB files.
    assertThat(Files.exists(file.resolveSibling(file.getFileName() + ".20")))
        .as("rotated about 24 times").isTrue();
    for (int n = 1; Files.exists(file.resolveSibling(file.getFileName() + "." + n)); n++) {
      String content = Files.readString(file.resolveSibling(file.getFileName() + "." + n), UTF_8);
      assertThat(content).as("rotated file %d holds whole lines", n).startsWith("line-").endsWith("\n");
      // A line a pipe read cut in two is finished in the file it began in: at most one line over.
      assertThat(content.length()).as("rotated file %d within the limit", n).isLessThanOrEqualTo(8 * 1024 + "line-20000".length());
    }
  }

  @Test
  void closesTheInputButNotTheFileWhenTheStreamFails() throws Exception {
    Path file = dir.resolve("app.log");
    AtomicBoolean closed = new AtomicBoolean();
    InputStream failing = new SequenceInputStream(
        new ByteArrayInputStream("before\n".getBytes(UTF_8)),
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("pipe broken");
          }

          @Override
          public void close() {
            closed.set(true);
          }
        });

    try (RotatingFile out = new RotatingFile(file, 1024, 1)) {
      Thread pump = LogPump.start("app-stdout", failing, out);
      assertThat(pump.join(DONE)).isTrue();
      assertThat(closed).isTrue();

      byte[] more = "after\n".getBytes(UTF_8);
      out.write(more, 0, more.length); // the instance's next run writes to the same file
    }

    assertThat(Files.readAllLines(file, UTF_8)).isEqualTo(List.of("before", "after"));
  }
}
