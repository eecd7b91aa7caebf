/**
 * {@code nonstop.yaml} (the apps to supervise and the admin API's address) and {@code
 * gateway.yaml} (the gateway's routes and upstreams, and its admin API's address).
 *
 * <p>Invariants: a {@link dev.nonstop.cli.config.NonstopConfig} or {@link
 * dev.nonstop.cli.config.GatewayConfig} exists only for a file that bound, validated and passed
 * every cross-key rule (ports, probes, dependencies, routes to known upstreams) as a whole;
 * otherwise one {@link dev.nonstop.core.config.ConfigException} names the file, key path and line
 * of the first problem, and nothing is started. Paths in a loaded config are absolute, resolved
 * against the config file's directory, so the supervisor's working directory never matters.
 */
package dev.nonstop.cli.config;
