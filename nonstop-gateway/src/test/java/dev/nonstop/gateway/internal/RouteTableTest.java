package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.gateway.GatewaySpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private static GatewaySpec.Route route(String host, String path, String upstream) {
    return new GatewaySpec.Route(path, host, upstream, false, null, false);
  }

  private final RouteTable table = new RouteTable(List.of(
      route(null, "/", "root"),
      route(null, "/api/", "api"),
      route(null, "/api/admin", "admin"),
      route("shop.example", "/", "shop"),
      route(null, "/static", "static")));

  @Test
  void longestPrefixWins() {
    assertThat(table.match((String) null, "/api/users").upstream()).isEqualTo("api");
    assertThat(table.match((String) null, "/api/admin/x").upstream()).isEqualTo("admin");
    assertThat(table.match((String) null, "/elsewhere").upstream()).isEqualTo("root");
  }

  @Test
  void aPrefixWithoutTrailingSlashEndsAtASegmentBoundary() {
    assertThat(table.match((String) null, "/static").upstream()).isEqualTo("static");
    assertThat(table.match((String) null, "/static/app.js").upstream()).isEqualTo("static");
    assertThat(table.match((String) null, "/staticky").upstream()).isEqualTo("root");
    assertThat(table.match((String) null, "/api/adminx").upstream()).isEqualTo("api");
  }

  @Test
  void aRouteForTheRequestsHostBeatsAnyHostRoute() {
    assertThat(table.match("shop.example", "/api/x").upstream()).isEqualTo("shop");
    assertThat(table.match("other.example", "/api/x").upstream()).isEqualTo("api");
  }

  @Test
  void hostHeaderLosesItsPortAndCase() {
    assertThat(RouteTable.hostOf("Shop.Example:8080")).isEqualTo("shop.example");
    assertThat(RouteTable.hostOf("[::1]:8080")).isEqualTo("[::1]");
    assertThat(RouteTable.hostOf(null)).isNull();
  }

  @Test
  void noMatchingRouteIsNull() {
    RouteTable onlyApi = new RouteTable(List.of(route(null, "/api/", "api")));
    assertThat(onlyApi.match((String) null, "/")).isNull();
  }
}
