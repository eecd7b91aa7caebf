package dev.nonstop.core;

import java.time.Instant;

/**
 * One state transition of one instance, as published by the supervisor. Listeners (the registry,
 * the gateway, metrics) see the events of one instance in the order they happened.
 *
 * @param id which instance
 * @param from the state before
 * @param to the state after; {@code from.canBecome(to)} holds
 * @param reason why, for people: {@code "exited with code 1"}, {@code "liveness failed 3 times"}
 * @param pid the process id, or -1 when there is no process
 * @param port the port the instance listens on (its {@code PORT}), or 0 when it has none
 * @param at when the transition happened
 */
public record InstanceEvent(
    InstanceId id, InstanceState from, InstanceState to, String reason, long pid, int port, Instant at) {}
