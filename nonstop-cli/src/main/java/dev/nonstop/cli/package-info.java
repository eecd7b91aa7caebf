/**
 * The {@code nonstop} command ({@link dev.nonstop.cli.Main}): {@code up} runs the supervisor with
 * its control API; {@code status}, {@code start}, {@code stop}, {@code restart} and {@code logs}
 * talk to a running one found from the same config file.
 *
 * <p>Invariants: a bad config is refused as a whole, with one line naming file, key and line, before
 * anything starts; the control API binds loopback unless told otherwise and answers nothing under
 * {@code /v1} without the bearer token (constant-time compare), so a refused command changes nothing;
 * the token file is readable by its owner only.
 */
package dev.nonstop.cli;
