package dev.nonstop.core.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of one process ({@code nonstop up} on one machine): a map in memory. Changes and
 * their notifications happen under one lock, so every watcher sees every change, in the order the
 * changes were made, before the call that made it returns.
 */
public final class LocalRegistry implements Registry {
  private static final Logger log = LoggerFactory.getLogger("nonstop.registry");

  private final Object lock = new Object();
  // Guarded by lock.
  private final Map<String, LinkedHashMap<String, Endpoint>> services = new HashMap<>();
  private final Map<String, List<Consumer<List<Endpoint>>>> watchers = new HashMap<>();

  @Override
  public void register(Endpoint endpoint) {
    synchronized (lock) {
      Endpoint old = services.computeIfAbsent(endpoint.service(), s -> new LinkedHashMap<>())
          .put(endpoint.id(), endpoint);
      if (!endpoint.equals(old)) {
        notify(endpoint.service());
      }
    }
  }

  @Override
  public void deregister(String service, String id) {
    synchronized (lock) {
      Map<String, Endpoint> m = services.get(service);
      if (m != null && m.remove(id) != null) {
        notify(service);
      }
    }
  }

  @Override
  public List<Endpoint> endpoints(String service) {
    synchronized (lock) {
      Map<String, Endpoint> m = services.get(service);
      return m == null ? List.of() : List.copyOf(m.values());
    }
  }

  @Override
  public AutoCloseable watch(String service, Consumer<List<Endpoint>> onChange) {
    synchronized (lock) {
      watchers.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(onChange);
      deliver(onChange, service, endpoints(service));
    }
    return () -> {
      synchronized (lock) {
        List<Consumer<List<Endpoint>>> l = watchers.get(service);
        if (l != null) {
          l.remove(onChange);
        }
      }
    };
  }

  @Override
  public void close() {
    synchronized (lock) {
      watchers.clear();
    }
  }

  private void notify(String service) {
    List<Consumer<List<Endpoint>>> l = watchers.get(service);
    if (l == null || l.isEmpty()) {
      return;
    }
    List<Endpoint> now = endpoints(service);
    for (Consumer<List<Endpoint>> w : new ArrayList<>(l)) {
      deliver(w, service, now);
    }
  }

  // One failing watcher must not keep the others (or the writer) from going on.
  private static void deliver(Consumer<List<Endpoint>> w, String service, List<Endpoint> now) {
    try {
      w.accept(now);
    } catch (RuntimeException e) {
      log.atError().setMessage("registry watcher of {} failed").addArgument(service).setCause(e).log();
    }
  }
}
