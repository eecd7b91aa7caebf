package dev.nonstop.web.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A process a test starts, with what tests need from it: every line of its stdout and stderr, kept in
 * memory to assert on (JSON log lines parsed) and to print when the test fails; signals sent with
 * {@code kill}, as a supervisor or an operator would; its exit code. Processes it starts in turn that
 * inherit its stdout and stderr (a handoff's new process) write into the same lines.
 *
 * <pre>{@code
 * ChildProcess app = ChildProcess.start(new ProcessBuilder(java, "-jar", jar), line -> {});
 * app.signal("TERM");
 * assertThat(app.awaitExit(Duration.ofSeconds(10))).isZero();
 * assertThat(app.event("phase", "drained")).isNotNull();
 * }</pre>
 */
public final class ChildProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
  private final Thread outReader;
  private final Thread errReader;

  private ChildProcess(Process process, Consumer<JsonNode> onEvent) {
    this.process = process;
    this.outReader = pump("child-stdout", process.getInputStream(), line -> {
      stdout.add(line);
      JsonNode json = json(line);
      if (json != null) {
        onEvent.accept(json);
      }
    });
    this.errReader = pump("child-stderr", process.getErrorStream(), stderr::add);
  }

  /** Starts {@code pb} with its stdout and stderr captured; {@code onEvent} sees each JSON line as it comes. */
  public static ChildProcess start(ProcessBuilder pb, Consumer<JsonNode> onEvent) throws IOException {
    return new ChildProcess(pb.start(), onEvent);
  }

  /** The process's pid. */
  public long pid() {
    return process.pid();
  }

  /** Whether it is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends a signal by name (TERM, INT, HUP) with kill(1). */
  public void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -s " + name + " " + process.pid() + " failed");
    }
  }

  /** Waits for the process to exit and returns its exit code; fails if it outlives {@code limit}. */
  public int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("pid " + process.pid() + " still running " + limit.toMillis() + " ms later");
    }
    return process.exitValue();
  }

  /**
   * Waits until stdout and stderr end, so every line written is here: when the process has exited
   * and nothing else holds its pipes.
   */
  public void awaitOutput(Duration limit) throws InterruptedException {
    outReader.join(limit.toMillis());
    errReader.join(limit.toMillis());
  }

  /** Stdout lines that are JSON log events, in order. */
  public List<JsonNode> events() {
    synchronized (stdout) {
      return stdout.stream().map(ChildProcess::json).filter(Objects::nonNull).toList();
    }
  }

  /** The events that match, in order. */
  public List<JsonNode> events(Predicate<JsonNode> which) {
    return events().stream().filter(which).toList();
  }

  /** The first event whose {@code key} is {@code value} (compared as text), or null. */
  public JsonNode event(String key, String value) {
    return events(e -> value.equals(e.path(key).asText(null))).stream().findFirst().orElse(null);
  }

  /** The stderr lines so far. */
  public List<String> stderr() {
    synchronized (stderr) {
      return List.copyOf(stderr);
    }
  }

  /** Everything printed so far, for a failed test's report. */
  public String output() {
    StringBuilder b = new StringBuilder("---- pid ").append(process.pid()).append(" stdout ----\n");
    synchronized (stdout) {
      stdout.forEach(l -> b.append(l).append('\n'));
    }
    b.append("---- stderr ----\n");
    synchronized (stderr) {
      stderr.forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

  /** Kills the process if it still runs, and waits for it. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static JsonNode json(String line) {
    if (!line.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }

  private static Thread pump(String name, InputStream in, Consumer<String> sink) {
    return Thread.ofPlatform().name(name).daemon().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          sink.accept(line);
        }
      } catch (IOException e) {
        sink.accept("[reader: " + e + "]");
      }
    });
  }
}
