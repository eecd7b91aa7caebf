package dev.nonstop.gateway.internal;

/** Told of every change of a {@link Server}'s availability; called on the changing thread. */
@FunctionalInterface
public interface ServerListener {
  /** {@code server} changed as {@code change} says, because of {@code reason}. */
  void changed(Server server, Server.Change change, String reason);
}
