package dev.nonstop.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A {@link TestUpstream} as a program of its own, so that a test can kill it for real ({@code kill
 * -9}) where a server inside the test JVM could only be closed politely. {@code UpstreamMain NAME
 * [PORT]} serves on PORT (default 0: a free one), prints {@value #PORT_LINE}{@code N} once it
 * listens and {@value #ECHO_LINE}{@code BODY} for each {@code /echo} body it received (flushed
 * before the answer, so a test can tell which requests a killed server got), and exits when its
 * stdin closes, so it cannot outlive the test JVM that started it. {@link ChildUpstream} starts
 * and kills it.
 */
public final class UpstreamMain {
  /** The start of the line that tells the port. */
  static final String PORT_LINE = "upstream-port=";
  /** The start of the line that tells an {@code /echo} body (one line of UTF-8 text). */
  static final String ECHO_LINE = "upstream-echo=";

  private UpstreamMain() {}

  public static void main(String[] args) throws IOException {
    TestUpstream upstream = new TestUpstream(args[0], args.length > 1 ? Integer.parseInt(args[1]) : 0,
        UpstreamMain::told);
    System.out.println(PORT_LINE + upstream.port());
    System.out.flush();
    while (System.in.read() >= 0) {
      // Nothing to read; end of input means the parent is gone.
    }
    upstream.close();
    System.exit(0);
  }

  private static synchronized void told(byte[] body) {
    System.out.println(ECHO_LINE + new String(body, StandardCharsets.UTF_8));
    System.out.flush();
  }
}
