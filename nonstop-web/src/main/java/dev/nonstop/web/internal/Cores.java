package dev.nonstop.web.internal;

/**
 * How the engine splits the CPUs between Netty's event loops and the carriers of virtual threads.
 *
 * <p>By default both pools size themselves to every core, so on a small machine the event loops and
 * the carriers fight for the same CPUs and every hand-off is a context switch. Measured on 2 cores
 * (bench/RESULTS.md), one event loop plus one carrier served the hello service about 30 % faster than
 * two of each. So, unless told otherwise, the engine uses half the cores for I/O and asks the JVM for
 * the other half as carriers. The carrier count is a JVM-wide setting read when the first virtual
 * thread starts: it is set here only if nobody set {@code jdk.virtualThreadScheduler.parallelism}
 * (on the command line, say), and it has no effect if virtual threads were started before the first
 * engine was built.
 */
public final class Cores {
  private static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

  private Cores() {}

  /** The default number of event loops: half the cores, at least one. */
  public static int ioThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** Sizes the virtual-thread carriers to the cores left by the event loops, unless already set. */
  public static void claimCarriers(int ioThreads) {
    if (System.getProperty(PARALLELISM) == null && !Boolean.getBoolean("nonstop.keepVirtualThreadScheduler")) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.setProperty(PARALLELISM, Integer.toString(Math.max(1, cores - ioThreads)));
    }
  }
}
