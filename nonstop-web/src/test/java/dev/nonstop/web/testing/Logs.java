package dev.nonstop.web.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures the events of one logger while open, to count what the server logged.
 *
 * <pre>{@code
 * try (Logs logs = Logs.capture("nonstop.recovery")) {
 *   server.get("/boom");
 *   assertThat(logs.events()).hasSize(1);
 * }
 * }</pre>
 */
public final class Logs implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private Logs(String name) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts capturing the events of the logger called {@code loggerName}. */
  public static Logs capture(String loggerName) {
    return new Logs(loggerName);
  }

  /** The events logged so far, in order. */
  public List<ILoggingEvent> events() {
    synchronized (appender) { // AppenderBase.doAppend holds this lock while it adds
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
