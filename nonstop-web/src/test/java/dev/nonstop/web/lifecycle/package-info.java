/**
 * The health, metrics and drain contract that the supervisor and the gateway rely on, proven
 * in-process with real sockets: every test starts an engine on port 0 and talks to it with the JDK
 * HttpClient or {@link dev.nonstop.web.testing.RawConnection}, which tells "no byte of a response
 * arrived" (retryable) from "a response broke off" (a broken promise). The real-process
 * counterpart, signals and exit codes included, is {@code examples/hello}'s GracefulShutdownIT.
 */
package dev.nonstop.web.lifecycle;
