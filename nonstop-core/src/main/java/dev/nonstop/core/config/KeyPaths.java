package dev.nonstop.core.config;

/**
 * Builds and shortens the dotted key paths of {@link ConfigException}: {@code apps.hello.port},
 * {@code apps.hello.depends_on[1]}. One spelling everywhere, so a path built from a Jackson error,
 * a validation violation or a caller's check finds the same line.
 */
final class KeyPaths {
  private KeyPaths() {}

  /** The path of {@code key} inside the mapping at {@code parent}. */
  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** The path of list element {@code index} inside the list at {@code parent}. */
  static String element(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /**
   * The enclosing path, {@code ""} above the top. A key holding a dot ({@code apps.my.app}) is cut
   * at its dot; callers only use this to look for the nearest written ancestor, where that is
   * harmless.
   */
  static String parent(String path) {
    if (path.endsWith("]")) {
      int open = path.lastIndexOf('[');
      if (open >= 0) {
        return path.substring(0, open);
      }
    }
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }
}
