/**
 * The supervisor's implementation; nothing here is API and nothing here appears in a public
 * signature of {@code dev.nonstop.supervisor}.
 *
 * <p>Invariants: a child's stdout and stderr are always drained, whatever happens to the disk, so
 * logging never blocks or kills an instance ({@code LogPump}, {@code RotatingFile}); one log file
 * outlives the restarts of its instance slot and is shared by a reload's old and new process, and rotation renames it away so that readers following it
 * ({@code LogTail}) see a new file, never a rewritten one. Memory and CPU are those of an instance's
 * whole process tree, read from {@code /proc}; where there is no {@code /proc} they are absent, not
 * zero.
 */
package dev.nonstop.supervisor.internal;
