package dev.nonstop.web.internal.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The argv of this process, read byte for byte, because the new process must get exactly it. */
class CommandTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void argumentsAreSplitAtEachNulKeepingSpacesAndEmptyOnes() {
    assertThat(Command.parse(bytes("java\0-cp\0a.jar:b.jar\0Main\0two words\0\0last\0"), StandardCharsets.UTF_8))
        .containsExactly("java", "-cp", "a.jar:b.jar", "Main", "two words", "", "last");
  }

  @Test
  void aMissingFinalNulKeepsTheLastArgument() {
    assertThat(Command.parse(bytes("java\0-jar\0app.jar"), StandardCharsets.UTF_8)).containsExactly("java", "-jar", "app.jar");
  }

  @Test
  void nonAsciiArgumentsRoundTripInTheGivenCharset() {
    assertThat(Command.parse(bytes("java\0-Dname=Zoë\0"), StandardCharsets.UTF_8)).containsExactly("java", "-Dname=Zoë");
  }

  @Test
  void anEmptyCommandLineIsAnError() {
    assertThatThrownBy(() -> Command.parse(new byte[0], StandardCharsets.UTF_8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cmdline: 0 bytes without a program (expected: argv)");
    assertThatThrownBy(() -> Command.parse(bytes("\0x\0"), StandardCharsets.UTF_8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theCurrentCommandIsThisJvmsWholeCommandLineHoweverLong() throws Exception {
    Path cmdline = Path.of("/proc/self/cmdline");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(cmdline), "Linux only");

    var argv = Command.current();

    assertThat(argv.get(0)).endsWith("java");
    assertThat(String.join("\0", argv) + "\0").isEqualTo(Files.readString(cmdline, StandardCharsets.UTF_8));
    // The test JVM is started by surefire: its booter jar is on the command line.
    assertThat(argv).anySatisfy(a -> assertThat(a).contains("surefire"));
  }
}
