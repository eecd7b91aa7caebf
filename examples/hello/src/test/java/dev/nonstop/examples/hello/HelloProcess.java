package dev.nonstop.examples.hello;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The packaged hello jar as a child process, started with the test JVM's own java: its port, read
 * from the "listening" log line; its stdout and stderr, kept in memory for the test's assertions and
 * for printing when a test fails; and signals sent with {@code kill}, as a supervisor would.
 */
final class HelloProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread outReader;
  private final Thread errReader;

  private HelloProcess(Process process) {
    this.process = process;
    this.outReader = pump("hello-stdout", process.getInputStream(), line -> {
      stdout.add(line);
      JsonNode json = json(line);
      if (json != null && json.path("message").asText().startsWith("listening on port")) {
        port.complete(json.get("port").asInt());
      }
    });
    this.errReader = pump("hello-stderr", process.getErrorStream(), stderr::add);
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
    return new HelloProcess(pb.start());
  }

  /** The bound port, once the process has logged it. */
  int port() throws Exception {
    try {
      return port.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("hello did not log its port within 30 s (alive: " + process.isAlive() + ")");
    }
  }

  long pid() {
    return process.pid();
  }

  /** Sends a signal by name (TERM, INT) with kill(1), as a supervisor or a terminal would. */
  void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -s " + name + " " + process.pid() + " failed");
    }
  }

  /** Waits for the process to exit and returns its exit code; fails if it outlives {@code limit}. */
  int awaitExit(Duration limit) throws Exception {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("hello still running " + limit.toMillis() + " ms later");
    }
    outReader.join(5_000); // everything it printed is in the buffer
    errReader.join(5_000);
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Stdout lines that are JSON log events, in order. */
  List<JsonNode> logEvents() {
    synchronized (stdout) {
      return stdout.stream().map(HelloProcess::json).filter(j -> j != null).toList();
    }
  }

  List<String> stderr() {
    synchronized (stderr) {
      return List.copyOf(stderr);
    }
  }

  /** Everything the process printed, for a failed test's report. */
  String output() {
    StringBuilder b = new StringBuilder("---- hello pid ").append(process.pid()).append(" stdout ----\n");
    synchronized (stdout) {
      stdout.forEach(l -> b.append(l).append('\n'));
    }
    b.append("---- stderr ----\n");
    synchronized (stderr) {
      stderr.forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

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

  private static Thread pump(String name, InputStream in, java.util.function.Consumer<String> sink) {
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
