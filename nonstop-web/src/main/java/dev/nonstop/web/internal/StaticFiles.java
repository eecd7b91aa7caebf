package dev.nonstop.web.internal;

import dev.nonstop.web.Handler;
import dev.nonstop.web.HttpException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Static file handlers. A directory handler resolves the request's {@code *filepath} against its root
 * and serves it only if the real path (symlinks followed) is still inside the real root.
 */
public final class StaticFiles {
  private StaticFiles() {}

  /** Serves one file. */
  public static Handler file(Path file) {
    Path f = file.toAbsolutePath().normalize();
    return c -> c.file(f);
  }

  /** Serves a directory tree under the route's {@code *filepath} parameter. */
  public static Handler directory(Path dir) {
    Path root;
    try {
      root = dir.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("staticDir: '" + dir + "' (expected: an existing directory)", e);
    }
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("staticDir: '" + dir + "' (expected: an existing directory)");
    }
    return c -> c.file(resolve(root, c.param("filepath")));
  }

  static Path resolve(Path root, String requested) throws IOException {
    String rel = requested == null ? "" : requested;
    while (rel.startsWith("/")) {
      rel = rel.substring(1);
    }
    if (rel.indexOf('\0') >= 0 || rel.indexOf('\\') >= 0) {
      throw new HttpException(404, "not found");
    }
    Path p = root.resolve(rel).normalize();
    if (!p.startsWith(root)) {
      throw new HttpException(404, "not found");
    }
    if (Files.isDirectory(p)) {
      p = p.resolve("index.html");
    }
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) {
      throw new HttpException(404, "not found");
    }
    Path real;
    try {
      real = p.toRealPath();
    } catch (IOException e) {
      throw new HttpException(404, "not found");
    }
    if (!real.startsWith(root) || !Files.isRegularFile(real)) {
      throw new HttpException(404, "not found");
    }
    return real;
  }
}
