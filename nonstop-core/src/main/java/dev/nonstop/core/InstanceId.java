package dev.nonstop.core;

/**
 * One instance of one app: {@code hello:0}, {@code hello:1}, ...
 *
 * @param app the app's name from the config
 * @param index 0-based; instance {@code i} of an app with {@code port: P} listens on {@code P + i}
 */
public record InstanceId(String app, int index) implements Comparable<InstanceId> {
  /** Checks the parts: a non-empty app name without {@code ':'}, and an index of 0 or more. */
  public InstanceId {
    if (app == null || app.isEmpty() || app.indexOf(':') >= 0) {
      throw new IllegalArgumentException("app: '" + app + "' (expected: a non-empty name without ':')");
    }
    if (index < 0) {
      throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
    }
  }

  /** Parses {@code app:index}. */
  public static InstanceId parse(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("instance: '" + s + "' (expected: APP:INDEX, like hello:0)");
    }
    try {
      return new InstanceId(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("instance: '" + s + "' (expected: APP:INDEX, like hello:0)");
    }
  }

  @Override
  public int compareTo(InstanceId o) {
    int c = app.compareTo(o.app);
    return c != 0 ? c : Integer.compare(index, o.index);
  }

  @Override
  public String toString() {
    return app + ":" + index;
  }
}
