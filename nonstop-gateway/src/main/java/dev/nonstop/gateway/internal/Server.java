package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.internal.balance.Endpoint;
import dev.nonstop.gateway.internal.balance.PeakEwma;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream server and its live state. Three independent verdicts decide whether it takes new
 * requests: the active health check ({@link #healthy()}), passive outlier ejection ({@link
 * #ejected(long)}) and the operator's drain ({@link #draining()}). Each verdict changes through
 * one method that tells the {@link ServerListener} (logs and metrics); readers never lock.
 *
 * <p>A server that comes back (health recovered, ejection over, added by a reload) restarts its
 * slow start: its effective weight grows linearly from 10 % to 100 % over the slow-start window.
 *
 * <p>A server that a reload or a membership change removes is {@link #retire retired}: it takes no
 * new try, and its {@link #retire} future completes when the tries in flight on it have ended. A
 * try counts itself, then reads the flag ({@link #begin}); the future completes only when the flag
 * was seen set and then the count seen at 0. So a try that saw the flag clear was counted before
 * that 0 could be read, and any try counted after it sees the flag and backs out: once the future
 * completed, no try is in flight and none can begin.
 */
public final class Server implements Endpoint {
  /** What changed. */
  public enum Change {
    HEALTHY, UNHEALTHY, EJECTED, DRAINING, UNDRAINED
  }

  /** Peak-EWMA decay: 10 s, as Finagle's default; recent stalls dominate. */
  private static final long EWMA_TAU_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** A warming server starts with this share of its weight, so it gets some traffic at once. */
  private static final double SLOW_START_FLOOR = 0.1;

  private final String address;
  private final InetSocketAddress socketAddress;
  private final int weight;
  private final boolean backup;
  private final long slowStartNanos;
  private final ServerListener listener;

  private final AtomicInteger inflight = new AtomicInteger();
  private final PeakEwma ewma;
  private volatile boolean healthy = true;
  private volatile boolean draining;
  private volatile long ejectedUntil;
  private volatile boolean ejectedOnce;
  private volatile long warmSince;
  private final AtomicInteger ejections = new AtomicInteger();
  private volatile String ejectReason = "";
  private volatile boolean retired;
  /** Completed once the server is retired and has no try in flight. */
  private final CompletableFuture<Void> idle = new CompletableFuture<>();
  /**
   * Its {@code nonstop_gateway_server_duration} timer, registered by {@link GatewayMetrics} when the
   * server is made (on the reload thread, like its removal): held here so that recording a try looks
   * nothing up on the hot path. Null for servers made without metrics (tests).
   */
  volatile io.micrometer.core.instrument.Timer tried;
  /** When a try on it last timed out, valid once {@link #timedOut} is set; read by the outlier detector. */
  private volatile long lastTimeoutNanos;
  private volatile boolean timedOut;

  /**
   * @param address {@code host:port}
   * @param socketAddress the resolved address to connect to
   * @param weight >= 1
   * @param backup takes traffic only when no primary can
   * @param slowStartNanos the slow-start window, 0 for none
   * @param nowNanos creation time; a server added by a reload warms up from here
   * @param warm whether to start in slow start (false for the servers of the first config, which
   *     take traffic at once)
   */
  public Server(String address, InetSocketAddress socketAddress, int weight, boolean backup,
      long slowStartNanos, long nowNanos, boolean warm, ServerListener listener) {
    this.address = address;
    this.socketAddress = socketAddress;
    this.weight = weight;
    this.backup = backup;
    this.slowStartNanos = slowStartNanos;
    this.listener = listener;
    this.ewma = new PeakEwma(EWMA_TAU_NANOS, nowNanos);
    this.warmSince = warm ? nowNanos : nowNanos - slowStartNanos;
  }

  @Override
  public String address() {
    return address;
  }

  /** Where to connect. */
  public InetSocketAddress socketAddress() {
    return socketAddress;
  }

  @Override
  public int weight() {
    return weight;
  }

  /** Whether this is a backup server. */
  public boolean backup() {
    return backup;
  }

  @Override
  public double effectiveWeight(long nowNanos) {
    if (slowStartNanos <= 0) {
      return weight;
    }
    long since = Math.max(warmSince, ejectedUntil);
    long elapsed = nowNanos - since;
    if (elapsed >= slowStartNanos) {
      return weight;
    }
    double share = Math.max(SLOW_START_FLOOR, (double) Math.max(0, elapsed) / slowStartNanos);
    return weight * share;
  }

  /** Whether the server is in slow start at {@code nowNanos}. */
  public boolean warming(long nowNanos) {
    return slowStartNanos > 0 && nowNanos - Math.max(warmSince, ejectedUntil) < slowStartNanos;
  }

  @Override
  public int inflight() {
    return inflight.get();
  }

  @Override
  public double latencyNanos(long nowNanos) {
    return ewma.get(nowNanos);
  }

  /**
   * A try on this server begins; {@link #end} or {@link #cancel} must follow. False, counting
   * nothing, when the server was retired since it was picked: the try must go elsewhere.
   */
  public boolean begin() {
    inflight.incrementAndGet();
    if (retired) {
      // Lost the race with retire(), which may have found no try in flight: back out.
      release();
      return false;
    }
    return true;
  }

  /** A try that {@link #begin} counted finished after {@code rttNanos} (or failed: pass the time it took). */
  public void end(long rttNanos, long nowNanos) {
    ewma.observe(rttNanos, nowNanos);
    release();
  }

  /**
   * A try that {@link #begin} counted was never sent (the circuit breaker refused a new
   * connection): uncounts it without a latency sample, which would claim an answer in no time.
   */
  public void cancel() {
    release();
  }

  // Where every try on this server ends, so it is where a retired server becomes idle.
  private void release() {
    if (inflight.decrementAndGet() == 0) {
      idleIfRetired();
    }
  }

  // The 0 this thread's decrement saw may be stale once the flag is read (a try counted in between,
  // having seen the flag clear): the count is read again after the flag.
  private void idleIfRetired() {
    if (retired && inflight.get() == 0) {
      idle.complete(null);
    }
  }

  /** A try on this server timed out at {@code nowNanos}. Rare, so a volatile write is cheap enough. */
  void timedOut(long nowNanos) {
    lastTimeoutNanos = nowNanos;
    timedOut = true;
  }

  /** Whether a try on this server timed out in the {@code windowNanos} before {@code nowNanos}. */
  boolean timedOutWithin(long windowNanos, long nowNanos) {
    return timedOut && nowNanos - lastTimeoutNanos < windowNanos;
  }

  /** Whether the active health check holds this server up (true until checks say otherwise). */
  public boolean healthy() {
    return healthy;
  }

  /** Whether the operator is draining this server: no new requests, in-flight ones finish. */
  public boolean draining() {
    return draining;
  }

  /** Whether outlier detection has this server out at {@code nowNanos}. */
  public boolean ejected(long nowNanos) {
    return ejectedOnce && nowNanos - ejectedUntil < 0;
  }

  /** How many times this server has been ejected (ejection time grows with it). */
  public int ejections() {
    return ejections.get();
  }

  /** Why the server was last ejected, or empty. */
  public String ejectReason() {
    return ejectReason;
  }

  /** Whether the server may take a new request at {@code nowNanos}, panic mode aside. */
  public boolean available(long nowNanos) {
    return healthy && !draining && !ejected(nowNanos);
  }

  /** Sets the health check's verdict; tells the listener only on a change. */
  public void healthy(boolean up, String reason) {
    if (healthy == up) {
      return;
    }
    healthy = up;
    if (up) {
      warmSince = System.nanoTime();
    }
    listener.changed(this, up ? Change.HEALTHY : Change.UNHEALTHY, reason);
  }

  /** Ejects the server until {@code untilNanos}; counts the ejection. */
  public void eject(long untilNanos, String reason) {
    ejectReason = reason;
    ejectedUntil = untilNanos;
    ejectedOnce = true;
    ejections.incrementAndGet();
    listener.changed(this, Change.EJECTED, reason);
  }

  /** Starts or ends draining; tells the listener only on a change. */
  public void draining(boolean on) {
    if (draining == on) {
      return;
    }
    draining = on;
    if (!on) {
      warmSince = System.nanoTime();
    }
    listener.changed(this, on ? Change.DRAINING : Change.UNDRAINED, on ? "drain requested" : "undrain requested");
  }

  /**
   * Whether a reload or a membership change removed this server: its in-flight requests finish, its
   * connections are not reused.
   */
  public boolean retired() {
    return retired;
  }

  /**
   * Marks the server removed: it takes no new try from now on. Idempotent.
   *
   * @return completes (on the thread that ends the last try, an event loop, or here) once no try is
   *     in flight on this server
   */
  public CompletableFuture<Void> retire() {
    retired = true;
    idleIfRetired();
    return idle;
  }

  @Override
  public String toString() {
    return address;
  }
}
