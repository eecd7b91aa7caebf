package dev.nonstop.cli;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nonstop demo}: {@code nonstop up} with a built-in config, the hello example with three
 * instances behind the gateway on {@code 127.0.0.1:8080}. The config goes to {@code
 * .nonstop-demo/nonstop.yaml} in the current directory (logs beside it), so every other command can
 * be pointed at it with {@code -c}; the commands to try are printed once everything listens.
 */
@Command(name = "demo", description = "Run the hello example: 3 instances behind the gateway on 127.0.0.1:8080; prints what to try.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8080", description = "The gateway's port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--admin-port", defaultValue = "9090", description = "The control API's port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--dir", defaultValue = ".nonstop-demo", description = "Where the demo's config and logs go (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path hello = helloJar();
    String java = ProcessHandle.current().info().command().orElse("java");
    Files.createDirectories(dir);
    Path config = dir.resolve("nonstop.yaml").toAbsolutePath();
    Files.writeString(config, """
        # Written by `nonstop demo`; rewritten on every start.
        apps:
          hello:
            command: ["%s", "-XX:+UseSerialGC", "-Xmx48m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-jar", "%s"]
            instances: 3
            port: 0                 # each instance gets a free port; the gateway finds them
            env: {SHUTDOWN_DELAY_MS: "200"}
            startsecs: 1
            stop: {signal: TERM, timeout: 10s, drain: 10s}
            health:
              liveness:  {http: /healthz, period: 1s, timeout: 1s, failures: 3}
              readiness: {http: /readyz, period: 500ms, timeout: 1s, failures: 1}
            logs: {dir: logs, max_size: 10MiB, keep: 3}
        gateway:
          listen: 127.0.0.1:%d
          routes:
            - {path: /, app: hello}
          upstreams:
            hello:
              app: hello
              balance: least_conn
              slow_start: 5s
              retries: {attempts: 2, per_try_timeout: 1s}
        admin:
          listen: 127.0.0.1:%d
        """.formatted(java, hello, port, adminPort));
    PrintWriter out = spec.commandLine().getOut();
    String c = "-c " + dir.resolve("nonstop.yaml");
    return UpCommand.run(config, (gateway, admin) -> {
      out.println("""

          Nonstop demo: the hello example, 3 instances behind the gateway.
            gateway    %1$s/            (try: curl %1$s/ and curl %1$s/users/42)
            status     %2$s/status      (a live page: instances, rotation, req/s, p99, events)
            metrics    %2$s/metrics
            config     %3$s

          Try, in another terminal:
            nonstop status %4$s          instances, pids, ports, in rotation or not
            nonstop reload hello %4$s    rolling reload: new instances READY before old ones drain
            kill -9 <a pid from status>  the gateway retries elsewhere; the supervisor restarts it
            wrk -c 32 -d 30s %1$s/       then do any of the above meanwhile: no request fails
          Ctrl-C stops everything (clients first, then the instances).
          """.formatted(gateway, admin, config, c));
      out.flush();
    });
  }

  // The example jar next to this one in the source tree (nonstop-cli/target -> examples/hello/target),
  // or where NONSTOP_HELLO_JAR says.
  private static Path helloJar() throws CliException {
    String env = System.getenv("NONSTOP_HELLO_JAR");
    Path jar;
    if (env != null) {
      jar = Path.of(env);
    } else {
      try {
        Path self = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        jar = self.getParent().resolve("../../examples/hello/target/hello.jar").normalize();
      } catch (URISyntaxException | RuntimeException e) {
        jar = Path.of("examples/hello/target/hello.jar");
      }
    }
    if (!Files.isRegularFile(jar)) {
      throw new CliException("the demo needs the hello example at " + jar.toAbsolutePath()
          + " (build it: ./run mvn -q -pl examples/hello -am package -DskipTests; or set NONSTOP_HELLO_JAR)");
    }
    return jar.toAbsolutePath();
  }
}
