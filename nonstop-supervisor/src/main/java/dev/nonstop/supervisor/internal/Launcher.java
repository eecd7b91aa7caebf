package dev.nonstop.supervisor.internal;

import dev.nonstop.core.Signal;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts instance processes so that none outlives the supervisor, and signals whole process groups.
 *
 * <p>Each command runs as {@code setsid setpriv --pdeathsig KILL -- ARGV...}: {@code setsid} makes the
 * instance the leader of a new process group (so one {@code kill -- -PGID} reaches every child it
 * forks), and {@code setpriv} asks the kernel to SIGKILL it when its parent dies, even when the
 * supervisor itself is SIGKILLed. Both exec in place: the pid we get is the program's own.
 *
 * <p>Linux delivers the parent-death signal when the <em>thread</em> that forked the child exits, not
 * the process. So every spawn happens on one platform thread that lives as long as this launcher; a
 * virtual thread's carrier or a pooled thread that retires would kill its children with it.
 */
public final class Launcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Launcher.class);

  private final ExecutorService spawner =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("nonstop-spawner").daemon().unstarted(r));
  private final List<String> wrapper;

  /** The environment variable that lets instances run without the wrapper, where it cannot work. */
  public static final String ALLOW_UNISOLATED = "NONSTOP_ALLOW_UNISOLATED";

  /**
   * Finds {@code setsid} and {@code setpriv} and checks once that they work here (an old util-linux
   * without {@code --pdeathsig} would make every instance exit 1).
   *
   * @throws IllegalStateException when they do not, unless {@value #ALLOW_UNISOLATED}=1 accepts
   *     instances that may outlive a killed supervisor
   */
  public Launcher() {
    Path setsid = which("setsid");
    Path setpriv = which("setpriv");
    List<String> w = setsid != null && setpriv != null
        ? List.of(setsid.toString(), setpriv.toString(), "--pdeathsig", "KILL", "--")
        : List.of();
    String problem = w.isEmpty() ? "setsid and setpriv (util-linux) are not on the PATH" : selfTest(w);
    if (problem == null) {
      wrapper = w;
      return;
    }
    if (!"1".equals(System.getenv(ALLOW_UNISOLATED))) {
      spawner.shutdown();
      throw new IllegalStateException(problem + ": instances could outlive the supervisor. Install "
          + "util-linux >= 2.33, or set " + ALLOW_UNISOLATED + "=1 to run them without that guarantee");
    }
    wrapper = List.of();
    log.atWarn().setMessage("{}; {}=1: instances run without their own process group or parent-death "
        + "signal, and may outlive a killed supervisor").addArgument(problem).addArgument(ALLOW_UNISOLATED).log();
  }

  private String selfTest(List<String> w) {
    List<String> cmd = new ArrayList<>(w);
    cmd.add("true");
    try {
      Process p = onSpawner(() -> new ProcessBuilder(cmd).redirectErrorStream(true).start());
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return String.join(" ", cmd) + " failed (" + out + ")";
      }
      return null;
    } catch (IOException e) {
      return String.join(" ", cmd) + " failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while checking " + String.join(" ", cmd);
    }
  }

  /** Whether instances run in their own process group with a parent-death signal. */
  public boolean isolated() {
    return !wrapper.isEmpty();
  }

  /**
   * Spawns {@code argv} in {@code dir} with {@code env} added to this process's environment; stdout
   * and stderr are pipes for the caller to drain.
   */
  public Process spawn(List<String> argv, Path dir, Map<String, String> env) throws IOException {
    // With the wrapper, a missing program would only show as setpriv exiting 127; find it first so
    // the reason says what is wrong.
    String program = argv.get(0);
    if (program.indexOf('/') >= 0 ? !Files.isExecutable(dir.resolve(program)) : which(program) == null) {
      throw new IOException("'" + program + "' is not an executable file"
          + (program.indexOf('/') >= 0 ? " (in " + dir + ")" : " on the PATH"));
    }
    List<String> cmd = new ArrayList<>(wrapper.size() + argv.size());
    cmd.addAll(wrapper);
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    // A supervisor started by an upgrade of Nonstop has the handoff's variables; they are for it,
    // not for its instances (nonstop-web apps would otherwise look for a handoff meant for their parent).
    pb.environment().keySet().removeIf(k -> k.startsWith("NONSTOP_HANDOFF"));
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return onSpawner(pb::start);
  }

  /**
   * Sends {@code signal} to the process group led by {@code pgid} (the instance and everything it
   * started, unless something left the group on purpose). Returns whether any process got it.
   */
  public boolean signalGroup(long pgid, Signal signal) {
    if (!isolated()) {
      return signalProcess(pgid, signal);
    }
    return kill(signal, "-" + pgid);
  }

  /** Sends {@code signal} to one process. Returns whether it got it. */
  public boolean signalProcess(long pid, Signal signal) {
    return kill(signal, Long.toString(pid));
  }

  /**
   * Sends SIGCONT to the group led by {@code pgid} (or to that one process when instances are not
   * isolated), as systemd does after its stop signal: a stopped process (SIGSTOP, a debugger) cannot
   * act on SIGTERM until it runs again, and would otherwise wait out the whole stop timeout.
   */
  public void resume(long pgid) {
    kill("CONT", isolated() ? "-" + pgid : Long.toString(pgid));
  }

  private boolean kill(Signal signal, String target) {
    return kill(signal.name(), target);
  }

  private boolean kill(String signal, String target) {
    try {
      // The shell's kill builtin reaches a process group without native code, and without
      // depending on procps being installed for /bin/kill.
      Process p = new ProcessBuilder("sh", "-c", "kill -s " + signal + " -- " + target)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      log.atWarn().setMessage("kill -s {} {} failed: {}").addArgument(signal).addArgument(target)
          .addArgument(e.toString()).log();
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private <T> T onSpawner(Callable<T> task) throws IOException {
    // Not interruptible: the spawner runs the task anyway, and a caller that stopped waiting would
    // leave a process nobody tracks. Spawns take milliseconds.
    var future = spawner.submit(task);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          throw new IOException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Path which(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Stops the spawner thread: every child spawned here gets its parent-death signal. */
  @Override
  public void close() {
    spawner.shutdown();
  }
}
