package dev.nonstop.supervisor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcFsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final long SELF = ProcessHandle.current().pid();

  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void onLinuxOnly() {
    assumeTrue(ProcFs.isLinux(), "reads /proc");
  }

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Process p : children) {
      // The background sleeps are not killed with their shell: kill them first, while they are
      // still its descendants.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void sampleOfThisJvm() {
    ProcFs.Sample self = ProcFs.sample(SELF).orElseThrow();

    assertThat(self.rssBytes()).isGreaterThan(10L << 20);
    assertThat(self.cpuSeconds()).isPositive();
    assertThat(self.processes()).isPositive();
  }

  @Test
  void sampleSumsTheWholeTree() throws IOException {
    Process sh = start("sleep 30 & sleep 30 & wait");

    await().atMost(WAIT).untilAsserted(() -> {
      List<ProcessHandle> sleeps = sh.descendants().toList();
      assertThat(sleeps).hasSize(2);
      ProcFs.Sample tree = ProcFs.sample(sh.pid()).orElseThrow();
      long sleepsRss = 0;
      for (ProcessHandle sleep : sleeps) {
        assertThat(sleep.info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("sleep"));
        ProcFs.Sample leaf = ProcFs.sample(sleep.pid()).orElseThrow();
        assertThat(leaf.processes()).isEqualTo(1);
        assertThat(leaf.rssBytes()).isPositive();
        sleepsRss += leaf.rssBytes();
      }
      assertThat(tree.processes()).isEqualTo(3);
      assertThat(tree.rssBytes()).isEqualTo(vmRssBytes(sh.pid()) + sleepsRss);
      assertThat(tree.cpuSeconds()).isNotNegative();
    });
  }

  @Test
  void parentAndProcessGroupOfAChild() throws IOException {
    Process sh = start("sleep 30 & wait");
    await().atMost(WAIT).until(() -> sh.descendants().count() == 1);
    long sleep = sh.descendants().findFirst().orElseThrow().pid();

    assertThat(ProcFs.parent(sh.pid())).hasValue((int) SELF);
    assertThat(ProcFs.parent(sleep)).hasValue((int) sh.pid());
    // ProcessBuilder does not start a new group: the child stays in ours, and so does its child.
    assertThat(ProcFs.processGroup(sh.pid())).isEqualTo(ProcFs.processGroup(SELF)).isPresent();
    assertThat(ProcFs.processGroup(sleep)).isEqualTo(ProcFs.processGroup(SELF));
  }

  @Test
  void aDeadProcessHasNothing() throws Exception {
    Process done = start("exit 0");
    assertThat(done.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue(); // and reaped

    assertThat(ProcFs.sample(done.pid())).isEmpty();
    assertThat(ProcFs.parent(done.pid())).isEmpty();
    assertThat(ProcFs.processGroup(done.pid())).isEmpty();
  }

  private Process start(String script) throws IOException {
    Process p = new ProcessBuilder("sh", "-c", script)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    children.add(p);
    return p;
  }

  /** One process's own VmRSS, read independently of {@link ProcFs}. */
  private static long vmRssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new AssertionError("no VmRSS for " + pid);
  }
}
