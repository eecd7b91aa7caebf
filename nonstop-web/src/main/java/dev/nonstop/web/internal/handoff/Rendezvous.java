package dev.nonstop.web.internal.handoff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the two processes of one handoff meet: a Unix socket in a directory of its own, new for each
 * handoff, readable by this user only (0700), so no other user can connect and take the listener.
 * Under {@code $XDG_RUNTIME_DIR} (a per-user tmpfs) when there is one, else {@code java.io.tmpdir},
 * else {@code /tmp}: the first where the socket's path fits a {@code sockaddr_un}.
 *
 * @param directory the private directory; deleted by {@link #delete()}
 * @param socket the socket's path inside it
 */
public record Rendezvous(Path directory, Path socket) {
  /** The longest socket path, in bytes, that fits {@code sun_path} with its NUL (Linux: 108). */
  static final int MAX_SOCKET_PATH = 107;
  private static final String SOCKET = "handoff.sock";

  /**
   * Creates a fresh private directory under the first usable base.
   *
   * @param runtimeDir {@code $XDG_RUNTIME_DIR}, or null
   * @param tmpDir {@code java.io.tmpdir}, or null
   * @throws IOException naming every base tried when none works
   */
  public static Rendezvous create(String runtimeDir, String tmpDir) throws IOException {
    return create(Arrays.asList(runtimeDir, tmpDir, "/tmp"));
  }

  /** Under the first usable of {@code candidates}; null or blank ones are skipped. */
  static Rendezvous create(List<String> candidates) throws IOException {
    List<String> bases = new ArrayList<>();
    for (String b : candidates) {
      if (b != null && !b.isBlank() && !bases.contains(b)) {
        bases.add(b);
      }
    }
    List<String> why = new ArrayList<>();
    for (String b : bases) {
      Path base = Path.of(b);
      // The random part of a temp directory name is about 20 characters; leave room for it.
      int length = base.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length
          + "/nonstop-handoff-".length() + 24 + 1 + SOCKET.length();
      if (length > MAX_SOCKET_PATH) {
        why.add(b + ": too long for a Unix socket path");
        continue;
      }
      if (!Files.isDirectory(base) || !Files.isWritable(base)) {
        why.add(b + ": not a writable directory");
        continue;
      }
      try {
        Path dir = Files.createTempDirectory(base, "nonstop-handoff-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve(SOCKET);
        if (socket.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
          Files.delete(dir);
          why.add(b + ": too long for a Unix socket path");
          continue;
        }
        return new Rendezvous(dir, socket);
      } catch (IOException | UnsupportedOperationException e) {
        why.add(b + ": " + e.getMessage());
      }
    }
    throw new IOException("no directory for the handoff socket (" + String.join("; ", why) + ")");
  }

  /** Deletes the socket, if still there, and the directory. Quiet: called on every way out. */
  public void delete() {
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      // A stale empty directory in a tmp folder harms nothing; the handoff's outcome matters more.
    }
  }
}
