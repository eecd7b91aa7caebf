import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Where a JDK-based supervisor's restart time goes, step by step, without touching Nonstop's code:
 * repeats the steps {@code dev.nonstop.supervisor.internal.Instance} / {@code Launcher} take between
 * a child's SIGKILL and its replacement, with the same JDK calls, and times each one.
 *
 * <ol>
 *   <li>{@code spawn_ms}: {@code ProcessBuilder.start()} of {@code setsid setpriv --pdeathsig KILL --
 *       CHILD...} on one long-lived platform thread (as Launcher does), stdin from /dev/null, stdout
 *       and stderr as pipes; measured until start() returns.
 *   <li>{@code detect_ms}: SIGKILL of that child ({@code destroyForcibly}, i.e. kill(2)) until a
 *       virtual thread started from {@code onExit().thenRun(...)} runs: the JDK's reaper thread
 *       (waitpid) plus the hop to a virtual thread, as in Instance.spawn.
 *   <li>{@code groupkill_ms}: {@code kill -s KILL -- -PGID} run as a child process and waited for, as
 *       Launcher.signalGroup does on every exit before the instance is respawned.
 * </ol>
 *
 * <p>Usage: {@code java [nonstop's JVM flags] -cp DIR SpawnCost [N] [CHILD...]} (default 12 rounds of
 * {@code sleep 60}). Prints one line per round; round 1 runs with cold (interpreted) code, as the first
 * restart after a long quiet run does.
 */
public final class SpawnCost {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    List<String> child = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("sleep", "60");
    List<String> cmd = new ArrayList<>(List.of("setsid", "setpriv", "--pdeathsig", "KILL", "--"));
    cmd.addAll(child);
    ExecutorService spawner = Executors.newSingleThreadExecutor(
        r -> Thread.ofPlatform().name("spawner").daemon().unstarted(r));
    for (int i = 1; i <= n; i++) {
      long s0 = System.nanoTime();
      Process p = spawner.submit(() -> {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb.start();
      }).get();
      long s1 = System.nanoTime();
      Thread.sleep(300);
      CompletableFuture<Long> seen = new CompletableFuture<>();
      p.onExit().thenRun(() -> Thread.ofVirtual().start(() -> seen.complete(System.nanoTime())));
      long k0 = System.nanoTime();
      p.destroyForcibly();
      long k1 = seen.get(10, TimeUnit.SECONDS);
      long g0 = System.nanoTime();
      Process k = new ProcessBuilder("kill", "-s", "KILL", "--", "-" + p.pid())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      k.waitFor(5, TimeUnit.SECONDS);
      long g1 = System.nanoTime();
      System.out.printf("round=%d spawn_ms=%.2f detect_ms=%.2f groupkill_ms=%.2f%n", i,
          (s1 - s0) / 1e6, (k1 - k0) / 1e6, (g1 - g0) / 1e6);
      p.getInputStream().close();
      p.getErrorStream().close();
      Thread.sleep(200);
    }
    spawner.shutdown();
  }
}
