package dev.nonstop.cli.config;

/** Config files shared by the loader's and the schema's tests: each one is valid. */
final class Examples {
  private Examples() {}

  /** Every key, in every form the README shows. */
  static final String FULL = """
      apps:
        hello:
          command: ["java", "-jar", "examples/hello/target/hello.jar"]   # argv list, or one string
          directory: .
          env: {JAVA_TOOL_OPTIONS: "-Xmx64m"}
          instances: 3
          port: 9001          # instance i gets PORT=port+i; 0 = pick free ports
          autorestart: always # always | on-failure | never
          startsecs: 1        # must stay up this long to count as started
          startretries: 5     # quick failures in a row before FATAL; -1 = never give up
          backoff: {initial: 100ms, max: 15s, multiplier: 2}
          stop: {signal: TERM, timeout: 30s, drain: 30s}
          rollout: {max_surge: 1, max_unavailable: 0, ready_timeout: 60s}
          health:
            liveness:  {http: /healthz, period: 2s, timeout: 1s, failures: 3, initial_delay: 0s}
            readiness: {http: /readyz, period: 1s, timeout: 1s, failures: 1}
          max_memory: 512MiB
          logs: {dir: logs, max_size: 10MiB, keep: 5}
          depends_on: [db]
        db:
          command: "sh -c 'exec sleep 1000'"
          health:
            readiness: {exec: ["true"]}
      gateway:
        listen: 127.0.0.1:8080
        routes:
          - {path: /static/, upstream: cdn}
          - {path: /, app: hello}
        upstreams:
          cdn: {servers: ["127.0.0.1:9101"]}
      admin:
        listen: 127.0.0.1:9090
      """;

  /** The least a file can say. */
  static final String MINIMAL = """
      apps:
        worker:
          command: sleep 1000
      """;

  /** Block style, other value forms: numbers for durations and sizes, signal numbers, tcp probes. */
  static final String BLOCK_STYLE = """
      apps:
        api:
          command:
            - ./api
            - --verbose
          directory: /tmp
          instances: 2
          port: 0
          autorestart: on-failure
          startsecs: 0.5
          startretries: -1
          backoff:
            initial: 1s
            max: 1m30s
            multiplier: 1.5
          stop:
            signal: 2
            timeout: 10
          health:
            liveness:
              tcp: true
              initial_delay: 5s
            readiness:
              http: /ready
          max_memory: 1073741824
          logs:
            dir: /var/log/api
            max_size: 1MB
            keep: 0
      admin:
        listen: "[::1]:0"
      """;
}
