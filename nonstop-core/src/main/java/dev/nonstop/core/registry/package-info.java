/**
 * Service membership: which instances of a service may receive traffic, and who is told when that
 * changes. The supervisor writes ({@link dev.nonstop.core.registry.InstanceRegistrar}), the gateway
 * reads ({@link dev.nonstop.core.registry.Registry#watch}); the two never call each other, so the
 * in-process {@link dev.nonstop.core.registry.LocalRegistry} of {@code nonstop up} can be replaced by
 * one backed by etcd when instances run on several machines.
 *
 * <p>Invariant: an instance is registered only while it is READY, and it is deregistered before
 * anything else happens to it (drain, stop signal), so a watcher in the same process stops sending
 * it requests first.
 */
package dev.nonstop.core.registry;
