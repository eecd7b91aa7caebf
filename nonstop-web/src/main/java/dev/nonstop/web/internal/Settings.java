package dev.nonstop.web.internal;

import dev.nonstop.web.Execution;
import java.time.Duration;
import java.util.List;

/** The engine's settings, frozen at build time; defaults live on {@code Engine.Builder}. */
public record Settings(
    Execution execution,
    String host,
    int maxConnections,
    int maxInitialLineLength,
    int maxHeaderSize,
    long maxBodySize,
    long maxMultipartSize,
    Duration headerReadTimeout,
    Duration idleTimeout,
    Duration shutdownDelay,
    Duration drainTimeout,
    List<String> trustedProxies,
    String livenessPath,
    String readinessPath,
    String metricsPath,
    int managementPort,
    String managementHost,
    Duration checkTimeout,
    boolean reusePort,
    boolean nativeTransport,
    int ioThreads,
    boolean redirectTrailingSlash,
    boolean handoffOnHangup,
    Duration handoffTimeout) {}
