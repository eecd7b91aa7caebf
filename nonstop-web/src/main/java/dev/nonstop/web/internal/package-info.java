/**
 * The engine's implementation; nothing here is API and nothing here appears in a public signature.
 *
 * <p>Threading: {@code Connection} state is touched only on its channel's event loop. A request's
 * {@code HttpContext} belongs to the thread running its chain (a virtual thread, or the event loop for
 * {@code EVENT_LOOP} routes); the only cross-thread step is committing the response, which is a CAS,
 * and writes go through the channel, which hands them to the event loop. Request buffers are freed
 * when both the chain and the response write have finished, whichever is last.
 */
package dev.nonstop.web.internal;
