package dev.nonstop.gateway.internal.balance;

import java.util.List;
import java.util.function.Function;

/** Every factory of {@link Balancers}, for the tests that hold for all of them. */
enum Algorithm {
  ROUND_ROBIN(Balancers::roundRobin),
  WEIGHTED(Balancers::weighted),
  LEAST_CONN(Balancers::leastConn),
  IP_HASH(Balancers::ipHash),
  HEADER_HASH(tier -> Balancers.headerHash(tier, "X-User")),
  COOKIE_HASH(tier -> Balancers.cookieHash(tier, "session")),
  P2C(Balancers::p2c),
  EWMA(Balancers::ewma);

  private final Function<List<TestEndpoint>, Balancer<TestEndpoint>> factory;

  Algorithm(Function<List<TestEndpoint>, Balancer<TestEndpoint>> factory) {
    this.factory = factory;
  }

  Balancer<TestEndpoint> over(List<TestEndpoint> tier) {
    return factory.apply(tier);
  }
}
