package dev.nonstop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The files a running {@code nonstop up} leaves beside its config, so that the other commands can
 * find it: {@code .NAME.token} (the control API's bearer token, mode 0600) and {@code .NAME.admin}
 * (the control API's URL and the supervisor's pid, JSON); and {@code .NAME.pgids}, the process
 * groups of running instances, which the next {@code up} sweeps if this one was killed. {@code NONSTOP_TOKEN}, when set, is the
 * token on both sides and no token file is needed by clients.
 */
final class RunFiles {
  static final String TOKEN_ENV = "NONSTOP_TOKEN";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path config;

  RunFiles(Path config) {
    this.config = config;
  }

  Path tokenFile() {
    return sibling(".token");
  }

  Path adminFile() {
    return sibling(".admin");
  }

  /** The process groups of running instances ({@code Leftovers}), for the next {@code up} to sweep. */
  Path leftoversFile() {
    return sibling(".pgids");
  }

  private Path sibling(String suffix) {
    Path abs = config.toAbsolutePath().normalize();
    return abs.resolveSibling("." + abs.getFileName() + suffix);
  }

  /** The token for {@code up}: {@code NONSTOP_TOKEN}, or 32 random bytes. */
  static String newToken() {
    String env = System.getenv(TOKEN_ENV);
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Writes the token, readable by the owner only, replacing any old file atomically. */
  void writeToken(String token) throws IOException {
    writePrivate(tokenFile(), token + "\n");
  }

  /** Records where the control API listens and who serves it. */
  void writeAdmin(String url, long pid) throws IOException {
    writeAdmin(url, pid, null);
  }

  /** As {@link #writeAdmin(String, long)}, with the gateway's URL too when there is a gateway. */
  void writeAdmin(String url, long pid, String gatewayUrl) throws IOException {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("url", url);
    m.put("pid", pid);
    if (gatewayUrl != null) {
      m.put("gateway", gatewayUrl);
    }
    writePrivate(adminFile(), JSON.writeValueAsString(m) + "\n");
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    // Written through the channel that created the file (CREATE_NEW: never through a link someone
    // put there), readable by the owner only from its first byte.
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (SeekableByteChannel ch = newChannel(tmp, options)) {
      ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static SeekableByteChannel newChannel(Path tmp, Set<OpenOption> options) throws IOException {
    try {
      return Files.newByteChannel(tmp, options,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      return Files.newByteChannel(tmp, options); // not a POSIX file system
    }
  }

  /** The token a client should send, or a message saying why there is none. */
  String clientToken() throws CliException {
    String env = System.getenv(TOKEN_ENV);
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      return Files.readString(tokenFile()).trim();
    } catch (IOException e) {
      throw new CliException("no token: cannot read " + tokenFile() + " (" + e.getClass().getSimpleName()
          + "); is `nonstop up -c " + config + "` running? Or set " + TOKEN_ENV + ".");
    }
  }

  /** The running supervisor's control URL and pid, if its admin file names a live process. */
  Optional<Admin> runningAdmin() {
    try {
      // Only a file of ours: anyone else's could point our token at their own listener.
      if (!Files.getOwner(adminFile()).getName().equals(System.getProperty("user.name"))) {
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return readAdmin().filter(a -> a.url() != null && a.pid() > 0
        && ProcessHandle.of(a.pid()).map(ProcessHandle::isAlive).orElse(false));
  }

  /** Removes the files, if they are still ours. */
  void delete(long pid) {
    Optional<Admin> a = readAdmin();
    if (a.isEmpty() || a.get().pid() == pid) {
      try {
        Files.deleteIfExists(adminFile());
        Files.deleteIfExists(tokenFile());
        Files.deleteIfExists(leftoversFile());
      } catch (IOException e) {
        // best effort: a stale file is detected by its dead pid
      }
    }
  }

  private Optional<Admin> readAdmin() {
    try {
      var node = JSON.readTree(Files.readString(adminFile()));
      return Optional.of(new Admin(node.path("url").asText(null), node.path("pid").asLong(-1)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Where a running supervisor's control API is, and its pid. */
  record Admin(String url, long pid) {}
}
