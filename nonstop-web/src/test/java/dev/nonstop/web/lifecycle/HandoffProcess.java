package dev.nonstop.web.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.web.testing.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * {@link HandoffApp} as a child process ({@code java -cp <this JVM's classpath>}), and every
 * generation that its handoffs start: they inherit its stdout and stderr, so one {@link ChildProcess}
 * carries the log lines of all of them. Signals and the exit code are the first generation's;
 * {@link #close()} kills every generation still alive.
 */
final class HandoffProcess implements AutoCloseable {
  private static final String MAIN = HandoffApp.class.getName();

  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final ChildProcess child;

  private HandoffProcess(ProcessBuilder pb) throws IOException {
    this.child = ChildProcess.start(pb, e -> {
      if (e.path("message").asText().startsWith("listening on port")) {
        port.complete(e.get("port").asInt());
      }
    });
  }

  /**
   * Starts the app on port 0 with {@code env} added. Its temporary files (the handoff socket's
   * directory among them) go to {@code tmp}, so a test can see that nothing is left behind.
   */
  static HandoffProcess start(Map<String, String> env, Path tmp) throws IOException {
    return start(env, tmp, List.of("-cp", System.getProperty("java.class.path"), MAIN));
  }

  /**
   * As {@link #start}, run as {@code java -jar app.jar}: a jar in {@code tmp} whose manifest names
   * the main class and, as its class path, this JVM's.
   */
  static HandoffProcess startJar(Map<String, String> env, Path tmp) throws IOException {
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.put(Attributes.Name.MAIN_CLASS, MAIN);
    main.put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toUri().toString()) // directories get their trailing slash
        .collect(Collectors.joining(" ")));
    Path jar = tmp.resolve("app.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush(); // a manifest-only jar, as launchers of exploded builds use
    }
    return start(env, tmp, List.of("-jar", jar.toString()));
  }

  private static HandoffProcess start(Map<String, String> env, Path tmp, List<String> launch) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:+UseSerialGC", "-Xmx64m",
        "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp));
    command.addAll(launch);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("XDG_RUNTIME_DIR"); // else the socket would go there instead of tmp
    pb.environment().put("PORT", "0");
    pb.environment().put("LOG_LEVEL", "INFO");
    pb.environment().putAll(env);
    return new HandoffProcess(pb);
  }

  /** The port, once the first generation has logged it. */
  int port() throws Exception {
    try {
      return port.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the app did not log its port within 30 s (alive: " + child.isAlive() + ")");
    }
  }

  /** The first generation's pid. */
  long pid() {
    return child.pid();
  }

  boolean isAlive() {
    return child.isAlive();
  }

  /** Sends a signal by name (HUP, TERM) to the first generation. */
  void signal(String name) throws Exception {
    child.signal(name);
  }

  /** Waits for the first generation to exit and returns its exit code. */
  int awaitExit(Duration limit) throws Exception {
    return child.awaitExit(limit);
  }

  /** The JSON log events of every generation that match, in order. */
  List<JsonNode> events(Predicate<JsonNode> which) {
    return child.events(which);
  }

  /** The first event whose {@code key} is {@code value} (as text), or null. */
  JsonNode event(String key, String value) {
    return child.event(key, value);
  }

  /** Every pid that announced itself as a generation of the app. */
  Set<Long> generations() {
    Set<Long> pids = new LinkedHashSet<>();
    events(e -> e.path("message").asText().equals("handoff test app starting")).forEach(e -> pids.add(e.get("pid").asLong()));
    return pids;
  }

  /** Everything the generations printed, for a failed test's report. */
  String output() {
    return child.output();
  }

  /** Whether {@code pid} is alive and still one of ours (pids are reused). */
  static boolean isGeneration(long pid) {
    List<String> argv = commandLine(pid);
    return (argv.contains(MAIN) || argv.stream().anyMatch(a -> a.endsWith("app.jar")))
        && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The argv of {@code pid}, or nothing when it is gone. */
  static List<String> commandLine(long pid) {
    try {
      String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.ISO_8859_1);
      return List.of(cmdline.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() throws Exception {
    Set<Long> pids = new LinkedHashSet<>(generations());
    pids.add(child.pid());
    for (long pid : pids) {
      if (isGeneration(pid)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    child.close();
    child.awaitOutput(Duration.ofSeconds(5)); // the pipes close once the last generation is gone
  }
}
