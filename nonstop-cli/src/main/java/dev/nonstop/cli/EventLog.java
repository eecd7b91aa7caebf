package dev.nonstop.cli;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.gateway.UpstreamStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last few things that happened, newest first, for the status page: instance transitions (as a
 * supervisor listener) and changes of the gateway's servers (joined, left, changed state).
 *
 * <p>The supervisor calls {@link #onEvent} while it holds the instance's lock, so adding is a
 * lock-free swap of a small immutable list and never calls back into anything.
 *
 * <pre>{@code
 * EventLog events = new EventLog(20);
 * supervisor.subscribe(events);
 * events.recent(); // newest first
 * }</pre>
 */
final class EventLog implements InstanceListener {
  /**
   * One line of the log.
   *
   * @param at when it happened
   * @param subject what changed: {@code hello:0}, or {@code upstream hello 127.0.0.1:41234}
   * @param from the state before, or empty when it appeared
   * @param to the state after, or {@code left} when it went away
   * @param reason why, for people; may be empty
   */
  record Entry(Instant at, String subject, String from, String to, String reason) {}

  private final int capacity;
  private final AtomicReference<List<Entry>> entries = new AtomicReference<>(List.of());
  // Only the sampler's thread calls servers(): no sharing, no lock.
  private Map<String, String> lastServers;

  /** Keeps the last {@code capacity} entries. */
  EventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
  }

  @Override
  public void onEvent(InstanceEvent e) {
    add(new Entry(e.at(), e.id().toString(), e.from().name(), e.to().name(), e.reason() == null ? "" : e.reason()));
  }

  /**
   * Records how the gateway's servers changed since the last call (nothing on the first call: that
   * is the starting point, and the instances' own READY events already tell how they got there).
   */
  void servers(List<UpstreamStatus> upstreams, Instant now) {
    Map<String, String> current = new HashMap<>();
    for (UpstreamStatus u : upstreams) {
      for (UpstreamStatus.ServerStatus s : u.servers()) {
        current.put("upstream " + u.name() + " " + s.address(), s.state());
      }
    }
    Map<String, String> before = lastServers;
    lastServers = current;
    if (before == null) {
      return;
    }
    current.forEach((server, state) -> {
      String was = before.get(server);
      if (was == null) {
        add(new Entry(now, server, "", state, "joined"));
      } else if (!was.equals(state)) {
        add(new Entry(now, server, was, state, ""));
      }
    });
    before.forEach((server, state) -> {
      if (!current.containsKey(server)) {
        add(new Entry(now, server, state, "left", "removed"));
      }
    });
  }

  /** The entries, newest first. */
  List<Entry> recent() {
    return entries.get();
  }

  private void add(Entry e) {
    entries.updateAndGet(old -> {
      List<Entry> next = new ArrayList<>(Math.min(old.size() + 1, capacity));
      next.add(e);
      next.addAll(old.subList(0, Math.min(old.size(), capacity - 1)));
      return List.copyOf(next);
    });
  }
}
