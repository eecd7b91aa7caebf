package dev.nonstop.web.internal.handoff;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process handing over its listeners tells the new process, through three environment
 * variables: where to connect ({@value #SOCKET}), who hands over ({@value #PARENT}) and which listeners
 * come, in order ({@value #LISTENERS}: {@code main}, then {@code management} when there is one).
 *
 * <p>The parent pid is there because environments are inherited: a process that the new one starts in
 * turn (a helper, a test) sees the same variables, but its parent is not the one handing over, so it
 * ignores them and binds as usual instead of connecting to a socket that is long gone.
 *
 * @param socket the Unix socket of the handoff
 * @param parent the pid of the process handing over
 * @param listeners the listeners' names, in the order their descriptors are sent
 */
public record Inheritance(Path socket, long parent, List<String> listeners) {
  private static final Logger log = LoggerFactory.getLogger(Inheritance.class);

  /** The socket's path. */
  public static final String SOCKET = "NONSTOP_HANDOFF";
  /** The pid of the process handing over. */
  public static final String PARENT = "NONSTOP_HANDOFF_PARENT";
  /** The listeners, comma-separated, in the order they are sent. */
  public static final String LISTENERS = "NONSTOP_HANDOFF_LISTENERS";
  /** The listener of the routes. */
  public static final String MAIN = "main";
  /** The listener of health and metrics, when it has its own port. */
  public static final String MANAGEMENT = "management";

  // The environment belongs to the process, so taking it over is once per process: a second engine in
  // the same process binds as usual instead of waiting for descriptors that were sent to the first.
  private static final AtomicBoolean CLAIMED = new AtomicBoolean();

  /** Validates the fields; {@code listeners} is {@code main}, optionally followed by {@code management}. */
  public Inheritance {
    if (!listeners.equals(List.of(MAIN)) && !listeners.equals(List.of(MAIN, MANAGEMENT))) {
      throw new IllegalArgumentException(LISTENERS + ": '" + String.join(",", listeners)
          + "' (expected: main or main,management)");
    }
    listeners = List.copyOf(listeners);
  }

  /** The variables to add to the new process's environment. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(SOCKET, socket.toString());
    env.put(PARENT, Long.toString(parent));
    env.put(LISTENERS, String.join(",", listeners));
    return env;
  }

  /**
   * The handoff meant for this process, at most once per process: empty when the environment has none,
   * when it is meant for another process, or when an engine of this process has claimed it already.
   *
   * @throws IllegalArgumentException when the variables are malformed
   */
  public static Optional<Inheritance> claim(Map<String, String> env, long parentPid) {
    Optional<Inheritance> mine = parse(env, parentPid);
    return mine.isPresent() && CLAIMED.compareAndSet(false, true) ? mine : Optional.empty();
  }

  /**
   * The handoff in {@code env} if it is meant for a process whose parent is {@code parentPid}.
   *
   * @throws IllegalArgumentException naming the variable and its value when one is malformed
   */
  static Optional<Inheritance> parse(Map<String, String> env, long parentPid) {
    String socket = env.get(SOCKET);
    if (socket == null || socket.isBlank()) {
      return Optional.empty();
    }
    String p = env.get(PARENT);
    long parent;
    try {
      parent = Long.parseLong(p == null ? "" : p.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PARENT + ": '" + p + "' (expected: the pid of the process handing over)");
    }
    if (parent != parentPid) {
      log.atInfo().addKeyValue("handoff_parent", parent).addKeyValue("parent", parentPid)
          .log("{} is meant for a child of pid {}, and this process's parent is {}: binding as usual",
              SOCKET, parent, parentPid);
      return Optional.empty();
    }
    String names = env.getOrDefault(LISTENERS, "");
    return Optional.of(new Inheritance(Path.of(socket), parent, List.of(names.trim().split("\\s*,\\s*"))));
  }
}
