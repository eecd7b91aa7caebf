package dev.nonstop.cli.config;

import dev.nonstop.core.config.ConfigException;
import dev.nonstop.core.config.ConfigLoader;
import dev.nonstop.gateway.GatewaySpec;
import jakarta.validation.Valid;
import java.nio.file.Path;

/**
 * The whole {@code gateway.yaml} of {@code nonstop gateway -c gateway.yaml}. {@code
 * schema/gateway.schema.json} describes the same keys for editors; {@link GatewaySpec} documents
 * every key and its default.
 *
 * <pre>{@code
 * GatewayConfig config = GatewayConfig.load(Path.of("gateway.yaml"));
 * config.gateway().routes().forEach(route -> ...);
 * }</pre>
 *
 * @param gateway the routes, upstreams and limits; at least one route and one upstream
 * @param admin the admin API (default: {@code 127.0.0.1:9090}); not on the gateway's port
 */
public record GatewayConfig(@Valid GatewaySpec gateway, @Valid NonstopConfig.Admin admin) {
  /** Fills in the defaults: an empty gateway (which no check passes) and the loopback admin API. */
  public GatewayConfig {
    gateway = gateway == null ? new GatewaySpec(null, null, null, null, null, null) : gateway;
    admin = admin == null ? new NonstopConfig.Admin(null) : admin;
  }

  /**
   * Reads, validates and checks {@code file}.
   *
   * @throws ConfigException naming the file, the key path and the line of the first problem
   */
  public static GatewayConfig load(Path file) {
    return ConfigLoader.load(file, GatewayConfig.class, Rules::check);
  }
}
