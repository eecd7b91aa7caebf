package dev.nonstop.cli.config;

import dev.nonstop.core.HostPort;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.core.config.ConfigLoader;
import dev.nonstop.supervisor.AppSpec;
import jakarta.validation.Valid;
import dev.nonstop.gateway.GatewaySpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * The whole {@code nonstop.yaml}. {@code schema/nonstop.schema.json} describes the same keys for
 * editors.
 *
 * <pre>{@code
 * NonstopConfig config = NonstopConfig.load(Path.of("nonstop.yaml"));
 * config.apps().forEach((name, app) -> supervisor.add(app));
 * }</pre>
 *
 * @param apps the apps to supervise by name, in file order; at least one
 * @param admin the admin API (default: {@code 127.0.0.1:9090})
 * @param gateway the gateway in front of the apps, in this same process (default: none). Its
 *     routes may name an app ({@code {path: /, app: hello}}): the app's READY instances are then the
 *     upstream's servers, added and removed as the supervisor sees them become ready or leave
 */
public record NonstopConfig(LinkedHashMap<String, @Valid AppSpec> apps, @Valid Admin admin, @Valid GatewaySpec gateway) {
  /** Fills in the defaults and copies {@code apps}, so that the record stays unchanged. */
  public NonstopConfig {
    apps = apps == null ? new LinkedHashMap<>() : new LinkedHashMap<>(apps);
    admin = admin == null ? new Admin(null) : admin;
  }

  /** The apps by name in file order; a copy, changing it changes nothing here. */
  @Override
  public LinkedHashMap<String, AppSpec> apps() {
    return new LinkedHashMap<>(apps);
  }

  /**
   * Reads, validates and checks {@code file}, then names each app after its key and makes its
   * {@code directory} and {@code logs.dir} absolute against the file's directory.
   *
   * @throws ConfigException naming the file, the key path and the line of the first problem
   */
  public static NonstopConfig load(Path file) {
    Path base = file.toAbsolutePath().normalize().getParent();
    NonstopConfig raw = ConfigLoader.load(file, NonstopConfig.class, c -> Rules.check(c, base));
    LinkedHashMap<String, AppSpec> apps = new LinkedHashMap<>();
    raw.apps.forEach((name, app) -> {
      AppSpec.LogSpec logs = app.logs();
      apps.put(name, app.withName(name)
          .withDirectory(base.resolve(app.directory()).normalize())
          .withLogs(new AppSpec.LogSpec(base.resolve(logs.dir()).normalize(), logs.maxSize(), logs.keep())));
    });
    return new NonstopConfig(apps, raw.admin, raw.gateway == null ? null : raw.gateway.resolveApps());
  }

  /**
   * {@code admin:} where the supervisor's admin API listens.
   *
   * @param listen {@code HOST:PORT}, IPv6 hosts in brackets ({@code [::1]:9090}); port 0 picks a
   *     free one (default {@code 127.0.0.1:9090}: loopback, since the API controls processes)
   */
  public record Admin(String listen) {
    /** The default address: loopback only. */
    public static final String DEFAULT_LISTEN = "127.0.0.1:9090";

    /** Fills in the default. */
    public Admin {
      listen = listen == null ? DEFAULT_LISTEN : listen;
    }

    /**
     * The host part, without brackets: {@code 127.0.0.1}, {@code ::1}, {@code localhost}.
     *
     * @throws IllegalArgumentException when {@code listen} is not {@code HOST:PORT}
     */
    public String host() {
      return HostPort.parse(listen).host();
    }

    /**
     * The port, 0 to pick a free one.
     *
     * @throws IllegalArgumentException when {@code listen} is not {@code HOST:PORT}
     */
    public int port() {
      return HostPort.parse(listen).port();
    }
  }
}
