/**
 * The HTTP router: one radix tree per method, with httprouter/Gin semantics.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A route is {@code /}-rooted text whose segments are static, {@code :name} (one non-empty
 *       segment) or a final {@code *name} (the rest of the path, including its leading {@code /}).
 *       Every other shape is rejected at registration with a message naming the route.</li>
 *   <li>Among the routes that match a path, the one whose segments, read left to right, are most
 *       specific wins (static, then param, then catch-all). A lookup backtracks to a param branch
 *       when a static branch fails deeper, so this holds however the tree is shaped.</li>
 *   <li>Two routes that could not be told apart by that rule are a conflict, rejected at
 *       registration with both routes named; a rejected insert leaves the tree as it was.</li>
 *   <li>Trees are built single-threaded and then only read: lookups never write to shared state,
 *       so any number of threads may look up concurrently, each with its own {@link
 *       dev.nonstop.web.internal.router.PathParams}.</li>
 *   <li>A lookup of a static or param route allocates nothing: params are index pairs into the
 *       request path, turned into strings only when asked for.</li>
 *   <li>No path cleaning and no percent-decoding here: the engine hands over the path it wants
 *       matched.</li>
 * </ul>
 */
package dev.nonstop.web.internal.router;
