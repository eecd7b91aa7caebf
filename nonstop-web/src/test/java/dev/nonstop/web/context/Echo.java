package dev.nonstop.web.context;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a test handler answers with: the values it read, by name and in order, nulls included. */
final class Echo {
  private Echo() {}

  /** {@code nameValue} as name, value, name, value...; unlike {@link Map#of} it keeps null values. */
  static Map<String, Object> of(Object... nameValue) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put((String) nameValue[i], nameValue[i + 1]);
    }
    return m;
  }
}
