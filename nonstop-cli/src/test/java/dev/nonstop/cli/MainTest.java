package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  private String[] run(int expectedCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertThat(code).as("exit code; out=%s err=%s", out, err).isEqualTo(expectedCode);
    return new String[] {out.toString(), err.toString()};
  }

  @Test
  void helpListsEveryCommand() {
    String out = run(0, "--help")[0];
    assertThat(out).contains("up", "status", "start", "stop", "restart", "logs");
  }

  @Test
  void aMissingTargetIsAUsageError() {
    assertThat(run(2, "stop")[1]).contains("Missing required parameter: 'APP[:INDEX]'");
  }

  @Test
  void commandsWithoutARunningSupervisorSaySoAndFail() {
    Path cfg = dir.resolve("nonstop.yaml");
    assertThat(run(1, "status", "-c", cfg.toString())[1])
        .isEqualTo("nonstop: no supervisor is running for " + cfg + " (start one with `nonstop up -c " + cfg + "`)\n");
  }

  @Test
  void upWithAMissingConfigFileFailsWithOneLine() {
    Path cfg = dir.resolve("nope.yaml");
    String err = run(2, "up", "-c", cfg.toString())[1];
    assertThat(err.lines()).hasSize(1);
    assertThat(err).startsWith("nonstop: ").contains("nope.yaml");
  }
}
