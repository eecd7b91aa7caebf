package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
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
  private final Map<InstanceId, long[]> live = new TreeMap<>(); // id -> {pgid, start time}

  /** Keeps {@code file} listing the process groups of running instances. */
  public Leftovers(Path file) {
    this.file = file;
  }

  @Override
  public synchronized void onEvent(InstanceEvent e) {
    boolean changed;
    if (e.to().hasProcess() && e.pid() > 0) {
      long[] was = live.get(e.id());
      changed = was == null || was[0] != e.pid();
      if (changed) {
        live.put(e.id(), new long[] {e.pid(), ProcFs.startTime(e.pid()).orElse(0)});
      }
    } else {
      changed = live.remove(e.id()) != null;
    }
    if (changed) {
      write();
    }
  }

  private void write() {
    StringBuilder b = new StringBuilder();
    live.forEach((id, g) -> b.append(id).append(' ').append(g[0]).append(' ').append(g[1]).append('\n'));
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
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
