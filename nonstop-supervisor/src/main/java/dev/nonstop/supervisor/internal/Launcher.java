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

  /** Finds {@code setsid} and {@code setpriv}; without them (not Linux) commands run unwrapped. */
  public Launcher() {
    Path setsid = which("setsid");
    Path setpriv = which("setpriv");
    if (setsid != null && setpriv != null) {
      wrapper = List.of(setsid.toString(), setpriv.toString(), "--pdeathsig", "KILL", "--");
    } else {
      wrapper = List.of();
      log.atWarn()
          .setMessage("setsid/setpriv not found: instances will not be in their own process group, "
              + "and may outlive a killed supervisor")
          .log();
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
      return ProcessHandle.of(pgid).map(h -> signal == Signal.KILL ? h.destroyForcibly() : h.destroy())
          .orElse(false);
    }
    try {
      // The shell's kill builtin reaches a process group without native code, and without
      // depending on procps being installed for /bin/kill.
      Process p = new ProcessBuilder("sh", "-c", "kill -s " + signal.name() + " -- -" + pgid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      log.atWarn().setMessage("kill -{} -{} failed: {}").addArgument(signal).addArgument(pgid)
          .addArgument(e.toString()).log();
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private <T> T onSpawner(Callable<T> task) throws IOException {
    try {
      return spawner.submit(task).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while spawning", e);
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
