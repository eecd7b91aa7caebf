package dev.nonstop.supervisor.testing;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.core.InstanceState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every instance event, for assertions on order and reasons. */
public final class Events implements InstanceListener {
  private final List<InstanceEvent> all = new CopyOnWriteArrayList<>();

  @Override
  public void onEvent(InstanceEvent event) {
    all.add(event);
  }

  /** Every event so far. */
  public List<InstanceEvent> all() {
    return List.copyOf(all);
  }

  /** Events of one instance ("app:index") that entered {@code to}. */
  public List<InstanceEvent> to(String id, InstanceState to) {
    return all.stream().filter(e -> e.id().toString().equals(id) && e.to() == to).toList();
  }

  /** The states one instance went through, in order. */
  public List<InstanceState> path(String id) {
    return all.stream().filter(e -> e.id().toString().equals(id)).map(InstanceEvent::to).toList();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (InstanceEvent e : all) {
      b.append('\n').append(e.at()).append(' ').append(e.id()).append(' ').append(e.from()).append(" -> ")
          .append(e.to()).append(" pid=").append(e.pid()).append(": ").append(e.reason());
    }
    return b.toString();
  }
}
