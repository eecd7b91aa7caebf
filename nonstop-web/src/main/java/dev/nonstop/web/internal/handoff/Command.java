package dev.nonstop.web.internal.handoff;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that started this process, to start the next copy with: {@code argv} exactly, from
 * {@code /proc/self/cmdline}.
 *
 * <p>Why not the JDK's views of it: {@code ProcessHandle.Info.arguments()} reads the same file but
 * returns nothing at all once it is longer than a page (any real {@code -cp}); rebuilding it from
 * {@code RuntimeMXBean} and {@code sun.java.command} loses arguments that contain spaces and would
 * repeat {@code JAVA_TOOL_OPTIONS} / {@code JDK_JAVA_OPTIONS}, which the new process reads from its
 * (inherited) environment anyway. argv[0] stays as typed, so {@code java} is looked up on the PATH
 * again and a JDK upgraded in place is picked up, and {@code -jar app.jar} runs the jar now at that
 * path: the point of an upgrade.
 */
public final class Command {
  private Command() {}

  /**
   * This process's argv.
   *
   * @throws IOException when {@code /proc/self/cmdline} cannot be read (not Linux)
   */
  public static List<String> current() throws IOException {
    // The charset ProcessBuilder encodes arguments with, so each one round-trips byte for byte.
    String jnu = System.getProperty("sun.jnu.encoding");
    Charset charset = jnu != null && Charset.isSupported(jnu) ? Charset.forName(jnu) : Charset.defaultCharset();
    return parse(Files.readAllBytes(Path.of("/proc/self/cmdline")), charset);
  }

  /**
   * Splits a {@code /proc/PID/cmdline}: arguments each followed by a NUL, empty ones included.
   *
   * @throws IllegalArgumentException when there is no argument at all
   */
  static List<String> parse(byte[] cmdline, Charset charset) {
    List<String> argv = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        argv.add(new String(cmdline, start, i - start, charset));
        start = i + 1;
      }
    }
    if (start < cmdline.length) {
      argv.add(new String(cmdline, start, cmdline.length - start, charset)); // no final NUL: keep the tail
    }
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("cmdline: " + cmdline.length + " bytes without a program (expected: argv)");
    }
    return List.copyOf(argv);
  }
}
