/**
 * The test kit of nonstop-web, shared with the examples through the module's test jar: real servers
 * on port 0, the JDK HttpClient and raw sockets, never a mock of our own networking.
 *
 * <ul>
 *   <li>{@link dev.nonstop.web.testing.Servers} owns every engine and raw connection a test class
 *       opens and closes them at the end of the test (or class) that opened them; a class whose
 *       servers leaked a Netty buffer fails.
 *   <li>{@link dev.nonstop.web.testing.TestServer} is a started engine plus the clients to talk to it.
 *   <li>{@link dev.nonstop.web.testing.RawConnection} is the one socket-level client: byte-exact both
 *       ways, strict about framing, and it tells "no byte of a response arrived" (retryable) from "a
 *       response broke off" (a broken promise).
 *   <li>{@link dev.nonstop.web.testing.ChildProcess} is a service run as a real process: its output
 *       (JSON log lines parsed), signals with {@code kill}, its exit code.
 *   <li>{@link dev.nonstop.web.testing.Scrape} parses /metrics; {@link dev.nonstop.web.testing.Logs}
 *       captures what a logger wrote.
 * </ul>
 */
package dev.nonstop.web.testing;
