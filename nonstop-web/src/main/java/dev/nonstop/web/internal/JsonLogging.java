package dev.nonstop.web.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;

/**
 * JSON logs out of the box: when the application brings no {@code logback.xml} (or
 * {@code logback-test.xml}, or {@code -Dlogback.configurationFile}), every log line goes to stdout
 * as one JSON object with the event's key-value pairs as fields. Level from {@code LOG_LEVEL}
 * (default INFO). An application's own Logback file always wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class JsonLogging extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader cl = JsonLogging.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null
        || cl.getResource("logback-test.xml") != null || cl.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogstashFieldNames names = new LogstashFieldNames();
    names.setVersion("[ignore]");
    names.setLevelValue("[ignore]");
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setFieldNames(names);
    encoder.setIncludeContext(false);
    encoder.start();

    BatchingStdoutAppender out = new BatchingStdoutAppender();
    out.setContext(context);
    out.setName("json-stdout");
    out.setEncoder(encoder);
    out.start();

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    String level = System.getenv("LOG_LEVEL");
    root.setLevel(Level.toLevel(level == null ? "INFO" : level.toUpperCase(Locale.ROOT), Level.INFO));
    root.addAppender(out);
    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("org.hibernate.validator").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
