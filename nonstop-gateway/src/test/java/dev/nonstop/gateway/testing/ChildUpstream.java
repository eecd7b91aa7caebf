package dev.nonstop.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link TestUpstream} in a child JVM ({@link UpstreamMain}, re-executed from the test JVM's own
 * java and classpath), so that {@link #kill} is a real {@code SIGKILL}: no shutdown hook, no FIN
 * from a graceful close, just the kernel tearing down the process's sockets mid-request. Its output
 * is kept for a failed test's report.
 *
 * <pre>{@code
 * try (ChildUpstream a = ChildUpstream.start("a")) {
 *   ... a.address() ...
 *   a.kill();
 * }
 * }</pre>
 */
public final class ChildUpstream implements AutoCloseable {
  private final String name;
  private final Process process;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final List<String> echoed = Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private ChildUpstream(String name, Process process) {
    this.name = name;
    this.process = process;
    this.reader = Thread.ofPlatform().name("child-" + name).daemon().start(this::pump);
  }

  /** Starts the child; returns at once ({@link #address} waits for it to listen). */
  public static ChildUpstream start(String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), UpstreamMain.class.getName(), name)
        .redirectErrorStream(true);
    return new ChildUpstream(name, pb.start());
  }

  public String name() {
    return name;
  }

  /** {@code 127.0.0.1:PORT}, once the child listens (at most 30 s after the start). */
  public String address() throws Exception {
    try {
      return "127.0.0.1:" + port.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new AssertionError("upstream " + name + " did not tell its port (alive: " + process.isAlive() + ")\n"
          + output(), e);
    }
  }

  /** SIGKILL, then waits until the process is gone and everything it printed has been read. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("upstream " + name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
    }
    reader.join(Duration.ofSeconds(10));
  }

  /**
   * The {@code /echo} bodies the child received so far, in order; after {@link #kill}, all it ever
   * received (each is told before it is answered).
   */
  public List<String> echoed() {
    synchronized (echoed) {
      return List.copyOf(echoed);
    }
  }

  /** What the child printed but the echoed bodies, for a failed test's report. */
  public String output() {
    synchronized (output) {
      return "---- upstream " + name + " pid " + process.pid() + " ----\n" + String.join("\n", output);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith(UpstreamMain.ECHO_LINE)) {
          echoed.add(line.substring(UpstreamMain.ECHO_LINE.length()));
          continue;
        }
        output.add(line);
        if (line.startsWith(UpstreamMain.PORT_LINE)) {
          port.complete(Integer.parseInt(line.substring(UpstreamMain.PORT_LINE.length()).trim()));
        }
      }
    } catch (IOException e) {
      output.add("[reader: " + e + "]");
    }
    port.completeExceptionally(new IllegalStateException("upstream " + name + " exited before listening"));
  }
}
