/**
 * Load balancing over one tier of upstream servers. A {@link
 * dev.nonstop.gateway.internal.balance.Balancer} is built once for a fixed list of servers (through
 * {@link dev.nonstop.gateway.internal.balance.Balancers}) and replaced, never mutated, when
 * membership changes; whether a server may take a given request is the caller's predicate, asked
 * afresh on every pick. Invariants: a pick returns a server the predicate accepted, or null exactly
 * when it accepted none; picks are safe from any thread and allocate nothing on the common path;
 * only the smooth weighted round robin takes a lock (for the length of one pass over its servers).
 * Hashing balancers key on configured weights, never on slow start, so a warming server does not
 * move anyone's affinity.
 */
package dev.nonstop.gateway.internal.balance;
