package dev.nonstop.supervisor.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small program the supervisor tests run as a real child process (re-executed from the test
 * JVM's classpath, as tableflip's tests do).
 *
 * <pre>
 * serve          HTTP on $PORT: /healthz and /readyz answer 500 while $LIVE_FILE / $READY_FILE
 *                contain "fail", else 200; /moved answers 302; /probe-only answers 200 only to
 *                User-Agent: nonstop-probe
 * hog MIB        holds MIB MiB of touched heap
 * spawn          starts two `sleep 1000` children, one of them in a new session, then waits
 * ignore-term    ignores SIGTERM and waits
 * </pre>
 */
public final class TestProgram {
  private TestProgram() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "serve" -> serve();
      case "hog" -> hog(Integer.parseInt(args[1]));
      case "spawn" -> spawn();
      case "ignore-term" -> {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> System.out.println("ignoring SIGTERM"));
        System.out.println("running, ignoring SIGTERM");
        Thread.sleep(Long.MAX_VALUE);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void serve() throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    s.createContext("/healthz", x -> answer(x, failing("LIVE_FILE") ? 500 : 200, "live"));
    s.createContext("/readyz", x -> answer(x, failing("READY_FILE") ? 500 : 200, "ready"));
    s.createContext("/moved", x -> {
      x.getResponseHeaders().add("Location", "/elsewhere");
      answer(x, 302, "moved");
    });
    s.createContext("/probe-only", x -> answer(x,
        "nonstop-probe".equals(x.getRequestHeaders().getFirst("User-Agent")) ? 200 : 403, "who?"));
    s.createContext("/", x -> answer(x, 200, "pid " + ProcessHandle.current().pid()));
    s.start();
    System.out.println("serving on " + port);
    System.err.println("a line on stderr");
  }

  private static boolean failing(String env) {
    String f = System.getenv(env);
    try {
      return f != null && Files.exists(Path.of(f)) && Files.readString(Path.of(f)).contains("fail");
    } catch (IOException e) {
      return false;
    }
  }

  private static void answer(com.sun.net.httpserver.HttpExchange x, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, b.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(b);
    }
  }

  private static void hog(int mib) throws InterruptedException {
    List<byte[]> keep = new ArrayList<>();
    for (int i = 0; i < mib; i++) {
      byte[] b = new byte[1 << 20];
      for (int j = 0; j < b.length; j += 4096) {
        b[j] = 1;
      }
      keep.add(b);
    }
    System.out.println("holding " + keep.size() + " MiB");
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void spawn() throws Exception {
    Process a = new ProcessBuilder("sleep", "1000").inheritIO().start();
    Process b = new ProcessBuilder("setsid", "sleep", "1000").inheritIO().start();
    System.out.println("children " + a.pid() + " " + b.pid());
    Thread.sleep(Long.MAX_VALUE);
  }

  /** The argv that runs this program in a fresh JVM. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"),
        TestProgram.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
