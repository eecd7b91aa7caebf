package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Scrape;
import dev.nonstop.web.testing.Servers;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** managementPort(...): health and metrics move to their own listener and leave the main one. */
class ManagementPortIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private Engine app;

  @BeforeEach
  void start() {
    app = Engine.builder().managementPort(0).build();
    app.get("/", c -> c.json(200, Map.of("message", "Service is running")));
    servers.start(app);
  }

  @Test
  void managementPortZeroPicksAFreePortOfItsOwn() {
    assertThat(app.managementPort()).isPositive().isNotEqualTo(app.port());
  }

  @Test
  void healthAndMetricsAreServedOnTheManagementPortOnly() throws Exception {
    for (String path : new String[] {"/healthz", "/readyz", "/metrics"}) {
      assertThat(RawConnection.get(app.managementPort(), path).status()).as("management " + path).isEqualTo(200);
      assertThat(RawConnection.get(app.port(), path).status()).as("main " + path).isEqualTo(404);
    }
  }

  @Test
  void applicationRoutesAreNotServedOnTheManagementPort() throws Exception {
    assertThat(RawConnection.get(app.port(), "/").status()).isEqualTo(200);
    assertThat(RawConnection.get(app.managementPort(), "/").status()).isEqualTo(404);
  }

  @Test
  void managementMetricsCountMainPortRequests() throws Exception {
    RawConnection.get(app.port(), "/");

    Scrape s = Scrape.parse(RawConnection.get(app.managementPort(), "/metrics").body());

    assertThat(s.value("nonstop_http_server_requests_seconds_count", Map.of("route", "/", "method", "GET", "status", "200")))
        .hasValue(1.0);
    assertThat(s.all("nonstop_http_server_requests_seconds_count", Map.of("route", "/metrics")))
        .as("management requests are not mixed into the application's request metrics").isEmpty();
    assertThat(s.value("nonstop_http_server_requests_active", Map.of())).as("nor counted as in flight").hasValue(0.0);
  }
}
