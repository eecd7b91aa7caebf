package dev.nonstop.examples.hello;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.web.testing.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The packaged hello jar as a child process ({@link ChildProcess}: output kept, signals, exit code),
 * started with the test JVM's own java, plus its port, read from the "listening" log line.
 */
final class HelloProcess implements AutoCloseable {
  private final ChildProcess child;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private HelloProcess(ProcessBuilder pb) throws IOException {
    this.child = ChildProcess.start(pb, e -> {
      if (e.path("message").asText().startsWith("listening on port")) {
        port.complete(e.get("port").asInt());
      }
    });
  }

  /** Starts {@code java -jar hello.jar} with PORT=0 plus {@code env}. */
  static HelloProcess start(Map<String, String> env) throws IOException {
    Path jar = Path.of(System.getProperty("hello.jar", "target/hello.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("hello.jar: " + jar.toAbsolutePath() + " (expected: the packaged jar; run 'mvn verify')");
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-XX:+UseSerialGC", "-Xmx64m", "-jar", jar.toString());
    pb.environment().put("PORT", "0");
    pb.environment().put("LOG_LEVEL", "INFO");
    pb.environment().putAll(env);
    return new HelloProcess(pb);
  }

  /** The bound port, once the process has logged it. */
  int port() throws Exception {
    try {
      return port.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("hello did not log its port within 30 s (alive: " + child.isAlive() + ")");
    }
  }

  long pid() {
    return child.pid();
  }

  /** Sends a signal by name (TERM, INT) with kill(1), as a supervisor or a terminal would. */
  void signal(String name) throws Exception {
    child.signal(name);
  }

  /** Waits for the process to exit and returns its exit code, with everything it printed read. */
  int awaitExit(Duration limit) throws Exception {
    int code = child.awaitExit(limit);
    child.awaitOutput(Duration.ofSeconds(5));
    return code;
  }

  boolean isAlive() {
    return child.isAlive();
  }

  /** Stdout lines that are JSON log events, in order. */
  List<JsonNode> logEvents() {
    return child.events();
  }

  List<String> stderr() {
    return child.stderr();
  }

  /** Everything the process printed, for a failed test's report. */
  String output() {
    return child.output();
  }

  @Override
  public void close() throws InterruptedException {
    child.close();
  }
}
