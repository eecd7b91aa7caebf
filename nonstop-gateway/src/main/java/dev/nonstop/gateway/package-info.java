/**
 * The gateway's public API: {@link dev.nonstop.gateway.Gateway} (start, reload, setMembers, drain,
 * stop), its configuration ({@link dev.nonstop.gateway.GatewaySpec}, checked by {@link
 * dev.nonstop.gateway.GatewayRules}) and the admin view ({@link dev.nonstop.gateway.UpstreamStatus}).
 * The proxy itself lives in {@code .internal}; no Netty type appears here.
 *
 * <p>Invariants: a spec's records are immutable and carry every default filled in, so the proxy
 * never meets a missing value; defaults are the safe ones (no proxy trusted, no rate limit that
 * could refuse legitimate traffic, retries only for methods safe to repeat). A spec that passed
 * {@link dev.nonstop.gateway.GatewayRules#check} and its constraint annotations routes every route
 * to an existing upstream (once {@link dev.nonstop.gateway.GatewaySpec#resolveApps resolved}) that
 * has either at least one server that is not a backup, or an app whose READY instances are set at
 * run time ({@link dev.nonstop.gateway.Gateway#setMembers}) and may be none. A reload swaps the
 * whole config at once, and a membership change the servers of one upstream: a request keeps the
 * config and the server list it started with from its head to its end, less the servers removed
 * meanwhile, which take no new try.
 */
package dev.nonstop.gateway;
