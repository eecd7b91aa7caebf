package dev.nonstop.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails the test class when Netty's leak detector reports a buffer that was never released. The
 * build runs tests with {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked;
 * a leak is reported when a collected buffer is noticed by a later allocation, which is what
 * {@link #afterAll} provokes after the servers of the class have stopped.
 */
final class NoLeaks implements BeforeAllCallback, AfterAllCallback {
  private final ListAppender<ILoggingEvent> reports = new ListAppender<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    assertThat(ResourceLeakDetector.getLevel()).as("leak detection level (see the failsafe argLine)")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    reports.start();
    detectorLog().addAppender(reports);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      for (int round = 0; round < 5; round++) {
        System.gc();
        for (int i = 0; i < 100; i++) {
          ByteBuf b = ByteBufAllocator.DEFAULT.buffer(16); // each tracked allocation reports collected leaks
          b.release();
        }
      }
      assertThat(reports.list).extracting(ILoggingEvent::getFormattedMessage)
          .as("Netty leak reports").noneMatch(m -> m.contains("LEAK"));
    } finally {
      detectorLog().detachAppender(reports);
      reports.stop();
    }
  }

  private static Logger detectorLog() {
    return (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
  }
}
