package dev.nonstop.web.internal;

import dev.nonstop.web.HttpException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What happens to an exception that leaves a handler: one place, used by recovery and the engine. */
public final class Errors {
  private static final Logger log = LoggerFactory.getLogger("nonstop.recovery");
  static final Map<String, String> INTERNAL = Map.of("error", "internal server error");

  private Errors() {}

  /** Answers for {@code t}: its status for an HttpException, else 500 logged once with the trace. */
  public static void handle(HttpContext c, Throwable t) {
    if (c.timedOut()) {
      return; // the timeout already answered; the interrupt is how the handler was stopped
    }
    if (t instanceof HttpException h) {
      if (!c.isCommitted()) {
        c.abort();
        c.json(h.status(), h.body());
      }
      return;
    }
    log.atError().setCause(t)
        .addKeyValue("method", c.method()).addKeyValue("path", c.path())
        .addKeyValue("route", c.route() != null ? c.route() : "")
        .log("handler failed: {} {}", c.method(), c.path());
    c.abort();
    if (c.isCommitted()) {
      c.breakConnection(); // a half-sent response cannot be completed honestly
    } else {
      c.json(500, INTERNAL);
    }
  }
}
