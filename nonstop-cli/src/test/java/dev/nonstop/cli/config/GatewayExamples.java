package dev.nonstop.cli.config;

/** {@code gateway.yaml} files shared by the loader's and the schema's tests: each one is valid. */
final class GatewayExamples {
  private GatewayExamples() {}

  /** Every key, in the forms the README shows: the example, with the upstream its first route names. */
  static final String FULL = """
      gateway:
        listen: 0.0.0.0:8080
        trusted_proxies: [10.0.0.0/8]          # optional; X-Forwarded-* from clients trusted only from these (default none)
        routes:
          - {path: /api/, upstream: api, strip_prefix: false}   # longest prefix wins; optional host; optional rate_limit; optional retry_non_idempotent: true
          - {path: /, upstream: web}
        upstreams:
          web:
            servers: ["127.0.0.1:9001", "127.0.0.1:9002", {address: "127.0.0.1:9003", weight: 2, backup: true}]
            balance: least_conn   # round_robin | weighted | least_conn | ip_hash | hash(header:NAME) | hash(cookie:NAME) | p2c | ewma
            health: {http: /readyz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
            outlier: {consecutive_failures: 3, base_ejection: 5s, max_ejection_percent: 50}
            slow_start: 10s
            connect_timeout: 1s
            timeout: 3s
            retries: {attempts: 3, per_try_timeout: 1s, budget_percent: 20}
            circuit_breaker: {max_connections: 1024, max_pending: 256, failure_rate: 50%}
            keepalive: {max_idle: 64, idle_timeout: 60s}
          api:
            servers: ["127.0.0.1:9101"]
        rate_limit: {per_ip: 100/s, burst: 200}   # optional, per route too
        limits: {max_connections: 10000, header_timeout: 10s, idle_timeout: 60s, max_header_size: 16KiB, max_uri_length: 8KiB}
      admin:
        listen: 127.0.0.1:9090
      """;

  /** The least a file can say. */
  static final String MINIMAL = """
      gateway:
        routes: [{path: /, upstream: web}]
        upstreams:
          web: {servers: ["127.0.0.1:9001"]}
      """;

  /** Block style and the other value forms: hosts, hash balancing, route rate limits, numbers. */
  static final String BLOCK_STYLE = """
      gateway:
        listen: "[::]:0"
        trusted_proxies:
          - 192.168.0.1
          - fd00::/8
        routes:
          - path: /login
            host: shop.example.com
            upstream: shop
            strip_prefix: true
            retry_non_idempotent: true
            rate_limit:
              per_ip: 30/m
          - path: /
            upstream: shop
        upstreams:
          shop:
            servers:
              - "[::1]:9001"
              - address: localhost:9002
                weight: 3
            balance: hash(cookie:session)
            health:
              interval: 5
              fall: 1
            outlier:
              max_ejection_percent: 100
            retries:
              attempts: 0
              budget_percent: "0%"
            circuit_breaker:
              max_pending: 0
              failure_rate: 100
            keepalive:
              max_idle: 0
        rate_limit:
          per_ip: 0.5/s
          burst: 10
        limits:
          max_connections: 1
          max_header_size: 8192
      admin:
        listen: "[::1]:0"
      """;
}
