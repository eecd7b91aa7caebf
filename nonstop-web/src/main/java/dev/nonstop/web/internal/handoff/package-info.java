/**
 * Socket handoff between an old and a new copy of one process (Cloudflare's tableflip, for the JVM):
 * {@link dev.nonstop.web.internal.handoff.Upgrade} is the old process's side,
 * {@link dev.nonstop.web.internal.handoff.Takeover} the new one's, and
 * {@link dev.nonstop.web.internal.handoff.Control} the protocol between them.
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most one upgrade at a time per engine; a process that is still taking over starts none.
 *   <li>The listening socket is never closed in between: the new process gets its own descriptor of it
 *       (SCM_RIGHTS) before the old one closes its own, so the accept queue outlives both and no
 *       client is refused.
 *   <li>The new process accepts only after "go", and the old one says "go" only after "ready" within
 *       the timeout. So a failed upgrade (exit, "failed", timeout, stop) kills a process that never
 *       accepted a connection, and the old process serves on as if nothing happened. Crashing during
 *       start is fine.
 *   <li>After "go" there is no way back: the old process drains and exits, whatever the new one does.
 *   <li>The handoff socket lives in a private directory (0700) that is deleted on every way out, and
 *       each side checks the other's pid (SO_PEERCRED).
 * </ul>
 */
package dev.nonstop.web.internal.handoff;
