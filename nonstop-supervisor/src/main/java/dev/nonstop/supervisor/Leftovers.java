package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.supervisor.internal.ProcFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, in a file, the process groups of the instances that are running, so that the next
 * supervisor started for the same config can kill what a SIGKILLed one left behind.
 *
 * <p>Why: the kernel's parent-death signal kills each instance's own process when the supervisor
 * dies, but not the processes that instance forked (a wrapper script's child, say): they are
 * orphaned and keep their ports. Their process group still names the instance, and their start
 * time is not before the instance's, which tells them apart from an unrelated group that reuses the
 * number later.
 *
 * <pre>{@code
 * int killed = Leftovers.sweep(file);            // before starting anything
 * supervisor.subscribe(new Leftovers(file));     // then keep the file current
 * }</pre>
 */
public final class Leftovers implements InstanceListener {
  private static final Logger log = LoggerFactory.getLogger("nonstop.supervisor");

  private final Path file;
  // "id pgid" -> the file's line. By process, not by instance: during a rolling reload one instance
  // has two processes, and the old one stopping must not drop the new one.
  private final Map<String, String> live = new TreeMap<>();

  /** Keeps {@code file} listing the process groups of running instances. */
  public Leftovers(Path file) {
    this.file = file;
  }

  @Override
  public synchronized void onEvent(InstanceEvent e) {
    if (e.pid() <= 0) {
      return; // no process named: nothing to remember, and nothing known to forget
    }
    // The transition out of a process's life (EXITED, STOPPED, BACKOFF, FATAL) still names its pid.
    String key = e.id() + " " + e.pid();
    boolean changed;
    if (e.to().hasProcess()) {
      changed = !live.containsKey(key);
      if (changed) {
        live.put(key, key + " " + ProcFs.startTime(e.pid()).orElse(0));
      }
    } else {
      changed = live.remove(key) != null;
    }
    if (changed) {
      write();
    }
  }

  /**
   * Writes the file again from what this supervisor runs: after an upgrade, the new supervisor's
   * view must be the last one written, whatever the old one wrote while both ran.
   */
  public synchronized void rewrite() {
    write();
  }

  private void write() {
    StringBuilder b = new StringBuilder();
    live.values().forEach(line -> b.append(line).append('\n'));
    try {
      // A temporary name of this process: two supervisors of one config (an upgrade) never share it.
      Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      Files.writeString(tmp, b, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      log.atWarn().setMessage("cannot record running instances in {}: {}").addArgument(file)
          .addArgument(ex.toString()).log();
    }
  }

  /**
   * Kills (SIGKILL) every process left from the groups {@code file} lists, then deletes it. Returns
   * how many there were. A missing or unreadable file means nothing to do.
   */
  public static int sweep(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return 0;
    }
    long self = ProcessHandle.current().pid();
    List<String> killed = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      if (f.length != 3) {
        continue;
      }
      try {
        long pgid = Long.parseLong(f[1]);
        long since = Long.parseLong(f[2]);
        for (long pid : ProcFs.groupMembersSince(pgid, since)) {
          if (pid != self && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
            killed.add(f[0] + "/" + pid);
          }
        }
      } catch (NumberFormatException e) {
        // a line we did not write: skip it
      }
    }
    if (!killed.isEmpty()) {
      log.atWarn().setMessage("killed {} processes a previous supervisor left running: {}")
          .addArgument(killed.size()).addArgument(killed).addKeyValue("leftovers", killed.size()).log();
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // the next write replaces it
    }
    return killed.size();
  }
}
