package dev.nonstop.gateway.internal.balance;

import java.net.InetAddress;

/** The parts of a request that hashing balancers key on. */
public interface RequestKey {
  /** The client's address (the peer, or the trusted forwarded one); never null. */
  InetAddress client();

  /** The first value of header {@code name}, or null. */
  String header(String name);

  /** The value of cookie {@code name}, or null. */
  String cookie(String name);
}
