package dev.nonstop.supervisor.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Memory and CPU of a process tree, read from Linux's {@code /proc}: the numbers behind an instance's
 * status, its metrics and {@code max_memory}.
 *
 * <pre>{@code
 * ProcFs.sample(process.pid()).ifPresent(s -> log.info("rss={} cpu={}s", s.rssBytes(), s.cpuSeconds()));
 * }</pre>
 *
 * <p>A tree, because an instance is often a shell or a launcher with the real program as its child;
 * the root's numbers alone would be a few hundred kB. Processes that exit while the tree is read are
 * left out. Elsewhere than on Linux every method returns an empty result.
 */
public final class ProcFs {
  private static final Path PROC = Path.of("/proc");
  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
          && Files.isDirectory(PROC.resolve("self"));

  private ProcFs() {}

  /**
   * One reading of a process tree.
   *
   * @param rssBytes resident memory, summed over the tree (shared pages count once per process, as
   *     in {@code ps}, so this overstates a tree that shares a lot)
   * @param cpuSeconds user plus system CPU time the live processes of the tree have used
   * @param processes how many processes were counted, the root included
   */
  public record Sample(long rssBytes, double cpuSeconds, int processes) {}

  /** Whether {@code /proc} is there to read. */
  public static boolean isLinux() {
    return LINUX;
  }

  /** The tree rooted at {@code pid}: empty if that process is gone (or not on Linux). */
  public static Optional<Sample> sample(long pid) {
    return Optional.ofNullable(sampleTrees(List.of(pid)).get(pid));
  }

  /**
   * The trees rooted at each of {@code roots}, from one pass over {@code /proc} (a supervisor samples
   * all its instances each second; one pass instead of one per instance keeps it idle). Roots that
   * are gone have no entry.
   */
  public static Map<Long, Sample> sampleTrees(Collection<Long> roots) {
    if (!LINUX || roots.isEmpty()) {
      return Map.of();
    }
    Map<Long, Own> procs = new HashMap<>();
    Map<Long, List<Long>> children = new HashMap<>();
    forEachStat((pid, stat) -> {
      Own own = own(stat);
      procs.put(pid, own);
      children.computeIfAbsent(own.parent, k -> new ArrayList<>()).add(pid);
    });
    Map<Long, Sample> out = new HashMap<>();
    for (long root : roots) {
      if (!procs.containsKey(root)) {
        continue;
      }
      long rss = 0;
      long ticks = 0;
      int processes = 0;
      ArrayDeque<Long> todo = new ArrayDeque<>(List.of(root));
      while (!todo.isEmpty()) {
        long pid = todo.pop();
        Long rssKb = vmRssKb(pid);
        if (rssKb == null) {
          continue; // exited meanwhile
        }
        rss += rssKb * 1024;
        ticks += procs.get(pid).cpuTicks;
        processes++;
        todo.addAll(children.getOrDefault(pid, List.of()));
      }
      out.put(root, new Sample(rss, (double) ticks / Getconf.CLOCK_TICKS, processes));
    }
    return out;
  }

  /** The living processes (zombies left out) of process group {@code pgid}, from one pass over {@code /proc}. */
  public static List<Long> groupMembers(long pgid) {
    if (!LINUX) {
      return List.of();
    }
    List<Long> out = new ArrayList<>();
    forEachStat((pid, stat) -> {
      if (Long.parseLong(stat[5 - 3]) == pgid && !"Z".equals(stat[0])) {
        out.add(pid);
      }
    });
    return out;
  }

  /**
   * Calls {@code f} with every process's pid and stat fields (see {@link #stat}), in one pass over
   * {@code /proc}; processes that exit meanwhile are skipped, an unreadable {@code /proc} is empty.
   */
  private static void forEachStat(BiConsumer<Long, String[]> f) {
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        long pid = Long.parseLong(name);
        String[] stat = stat(pid);
        if (stat != null) {
          f.accept(pid, stat);
        }
      }
    } catch (IOException e) {
      // as if there were no processes
    }
  }

  /** When {@code pid} started, in clock ticks since boot (field 22 of stat); empty if it is gone. */
  public static OptionalLong startTime(long pid) {
    if (!LINUX) {
      return OptionalLong.empty();
    }
    String[] stat = stat(pid);
    return stat == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(stat[22 - 3]));
  }

  /**
   * The living processes of group {@code pgid} that started at or after {@code since} (clock ticks
   * since boot). A group's members start no earlier than its leader: given the leader's recorded
   * start time, this leaves out older processes of an unrelated group that reuses the number.
   */
  public static List<Long> groupMembersSince(long pgid, long since) {
    List<Long> out = new ArrayList<>();
    for (long pid : groupMembers(pgid)) {
      if (startTime(pid).orElse(-1) >= since) {
        out.add(pid);
      }
    }
    return out;
  }

  /** The process group of {@code pid} (field 5 of {@code /proc/PID/stat}); empty if it is gone. */
  public static OptionalInt processGroup(long pid) {
    return statField(pid, 5);
  }

  /** The parent of {@code pid} (field 4 of {@code /proc/PID/stat}); empty if it is gone. */
  public static OptionalInt parent(long pid) {
    return statField(pid, 4);
  }

  private static OptionalInt statField(long pid, int field) {
    if (!LINUX) {
      return OptionalInt.empty();
    }
    String[] stat = stat(pid);
    return stat == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(stat[field - 3]));
  }

  /** One process's parent and CPU time, from its stat file. */
  private record Own(long parent, long cpuTicks) {}

  private static Own own(String[] stat) {
    // utime + stime, plus cutime + cstime: the CPU of children it has already reaped, so the
    // tree's total does not drop when a short-lived child exits.
    long ticks = Long.parseLong(stat[14 - 3]) + Long.parseLong(stat[15 - 3])
        + Long.parseLong(stat[16 - 3]) + Long.parseLong(stat[17 - 3]);
    return new Own(Long.parseLong(stat[4 - 3]), ticks);
  }

  // VmRSS, in kB whatever the page size: the exact sum of the kernel's counters (stat's page count
  // is a cheaper, per-CPU-cached reading that can be off by some pages). Kernel threads and zombies
  // have no VmRSS line: 0. Null when the process is gone. Read for tree members only.
  private static Long vmRssKb(long pid) {
    String text = read(PROC.resolve(Long.toString(pid)).resolve("status"));
    if (text == null) {
      return null;
    }
    for (String line : text.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).trim().split("\\s+")[0]);
      }
    }
    return 0L;
  }

  /**
   * The fields of {@code /proc/PID/stat} from field 3 (state) on, so field {@code k} is at index
   * {@code k - 3}; null if the process is gone. The fields are counted after the last {@code )}: the
   * command name before it is in parentheses and may itself hold spaces and parentheses.
   */
  private static String[] stat(long pid) {
    String text = read(PROC.resolve(Long.toString(pid)).resolve("stat"));
    if (text == null) {
      return null;
    }
    int end = text.lastIndexOf(')');
    return text.substring(end + 2).trim().split(" ");
  }

  // Null when unreadable: the process exited (the directory is gone, or reads fail with ESRCH).
  private static String read(Path path) {
    try {
      // ISO-8859-1 maps every byte: a command name is any bytes, not necessarily ASCII or UTF-8.
      return Files.readString(path, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return null;
    }
  }

  /** The clock tick rate (the unit of stat's CPU times), read once, on first use. */
  private static final class Getconf {
    // USER_HZ: 100 on every mainstream Linux architecture.
    static final long CLOCK_TICKS = read("CLK_TCK", 100);

    private static long read(String name, long fallback) {
      try {
        Process getconf = new ProcessBuilder("getconf", name).redirectErrorStream(true).start();
        try (InputStream out = getconf.getInputStream()) {
          String text = new String(out.readNBytes(64), StandardCharsets.US_ASCII).trim();
          if (getconf.waitFor(2, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
            long value = Long.parseLong(text);
            if (value > 0) {
              return value;
            }
          }
        } finally {
          getconf.destroyForcibly();
        }
      } catch (IOException | NumberFormatException e) {
        // fall through to the usual value
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return fallback;
    }
  }
}
