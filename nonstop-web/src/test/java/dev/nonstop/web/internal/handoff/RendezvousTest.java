package dev.nonstop.web.internal.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handoff socket's private directory: 0700, new each time, short enough for a socket path. */
class RendezvousTest {
  @TempDir
  Path base;

  @Test
  void aFreshPrivateDirectoryUnderTheRuntimeDirectory() throws IOException {
    Rendezvous a = Rendezvous.create(base.toString(), "/tmp");
    Rendezvous b = Rendezvous.create(base.toString(), "/tmp");

    assertThat(a.directory().getParent()).isEqualTo(base);
    assertThat(a.directory().getFileName().toString()).startsWith("nonstop-handoff-");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a.directory()))).isEqualTo("rwx------");
    assertThat(a.socket()).isEqualTo(a.directory().resolve("handoff.sock"));
    assertThat(a.socket().toString().length()).isLessThanOrEqualTo(Rendezvous.MAX_SOCKET_PATH);
    assertThat(b.directory()).as("one per handoff").isNotEqualTo(a.directory());
  }

  @Test
  void withoutARuntimeDirectoryTheTmpDirIsUsed() throws IOException {
    assertThat(Rendezvous.create(null, base.toString()).directory().getParent()).isEqualTo(base);
  }

  @Test
  void aBaseTooLongForASocketPathIsSkipped() throws IOException {
    Path deep = Files.createDirectories(base.resolve("d".repeat(100)));

    assertThat(Rendezvous.create(deep.toString(), base.toString()).directory().getParent()).isEqualTo(base);
  }

  @Test
  void withNoUsableBaseTheErrorNamesEachOneTried() {
    Path missing = base.resolve("missing");
    assertThatThrownBy(() -> Rendezvous.create(List.of(missing.toString(), "/" + "x".repeat(120))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(missing + ": not a writable directory")
        .hasMessageContaining("x".repeat(120) + ": too long for a Unix socket path");
  }

  @Test
  void deleteRemovesTheSocketAndTheDirectoryAndIsQuietTheSecondTime() throws IOException {
    Rendezvous r = Rendezvous.create(base.toString(), null);
    Files.createFile(r.socket()); // stands for the bound socket

    r.delete();
    r.delete();

    assertThat(r.directory()).doesNotExist();
  }
}
