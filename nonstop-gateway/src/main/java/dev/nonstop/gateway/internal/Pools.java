package dev.nonstop.gateway.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The idle upstream connections of one event loop, by server. A request borrows a connection of
 * its own client connection's loop, so proxying never hops threads and this map needs no lock: it
 * is touched only from {@link #loop}. Last in, first out: the most recently used connection is the
 * least likely to have been closed by the upstream's idle timer, and the cold ones age out.
 */
final class Pools {
  private final EventLoop loop;
  private final Map<Server, ArrayDeque<Channel>> idle = new HashMap<>();

  Pools(EventLoop loop) {
    this.loop = loop;
  }

  EventLoop loop() {
    return loop;
  }

  /** An open idle connection to {@code server}, or null. */
  Channel poll(Server server) {
    ArrayDeque<Channel> q = idle.get(server);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollLast()) != null) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Parks {@code ch} for reuse, or closes it when {@code server} already has {@code maxIdle} idle ones. */
  void offer(Server server, Channel ch, int maxIdle) {
    if (!ch.isActive()) {
      return;
    }
    if (server.retired()) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(server, s -> new ArrayDeque<>());
    if (q.size() >= maxIdle) {
      ch.close();
      return;
    }
    q.addLast(ch);
  }

  /** Forgets {@code ch} (it closed while idle). */
  void remove(Server server, Channel ch) {
    ArrayDeque<Channel> q = idle.get(server);
    if (q != null) {
      q.remove(ch);
    }
  }

  /** Closes the idle connections of servers that a reload or a membership change removed. */
  void closeRetired() {
    for (Iterator<Map.Entry<Server, ArrayDeque<Channel>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Server, ArrayDeque<Channel>> e = it.next();
      if (e.getKey().retired()) {
        e.getValue().forEach(Channel::close);
        it.remove();
      }
    }
  }

  /** Closes every idle connection (shutdown). */
  void closeAll() {
    idle.values().forEach(q -> q.forEach(Channel::close));
    idle.clear();
  }

  /** Idle connections now, for the pool-size gauge; read from any thread, so approximate. */
  int size() {
    int n = 0;
    for (ArrayDeque<Channel> q : idle.values()) {
      n += q.size();
    }
    return n;
  }
}
