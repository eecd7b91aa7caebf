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
    c.abort();
    if (c.answeredByServer()) {
      // The timeout answered and interrupted the handler, so an InterruptedException (or whatever
      // the interrupt turned into) is expected; anything else is still worth a line, without noise.
      if (!(t instanceof InterruptedException) && !(t.getCause() instanceof InterruptedException)) {
        log.atWarn().addKeyValue("method", c.method()).addKeyValue("path", c.path())
            .log("handler failed after its timeout: {}", t.toString());
      }
      return;
    }
    if (t instanceof HttpException h) {
      if (!c.isCommitted()) {
        c.json(h.status(), h.body());
      }
      return;
    }
    log.atError().setCause(t)
        .addKeyValue("method", c.method()).addKeyValue("path", c.path())
        .addKeyValue("route", c.route() != null ? c.route() : "")
        .log("handler failed: {} {}", c.method(), c.path());
    if (!c.isCommitted()) {
      c.sendServerAnswer(500, INTERNAL);
    } else if (c.isBodyOpen()) {
      c.breakConnection(); // a half-sent body cannot be completed honestly; a close tells the client
    }
    // else: the response went out whole before the failure, and stands.
  }
}
