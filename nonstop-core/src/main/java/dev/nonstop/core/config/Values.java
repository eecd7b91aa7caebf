package dev.nonstop.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.nonstop.core.DataSize;
import dev.nonstop.core.Durations;
import dev.nonstop.core.Signal;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The value types config files write as strings ({@code 100ms}, {@code 512MiB}, {@code TERM}),
 * and how messages show values and name expected types.
 */
final class Values {
  private Values() {}

  /** Deserializers for {@link Duration}, {@link DataSize}, {@link Signal} and {@link Path}. */
  static SimpleModule module() {
    SimpleModule m = new SimpleModule("nonstop-config-values");
    m.addDeserializer(Duration.class, new ScalarDeserializer<>(Duration.class, Durations::parse));
    m.addDeserializer(DataSize.class, new ScalarDeserializer<>(DataSize.class, DataSize::parse));
    m.addDeserializer(Signal.class, new ScalarDeserializer<>(Signal.class, Signal::parse));
    m.addDeserializer(Path.class, new ScalarDeserializer<>(Path.class, Path::of));
    return m;
  }

  /** Whether {@code type} is written as a scalar here, though Jackson could see a bean in it. */
  static boolean isScalar(Class<?> type) {
    return type == Duration.class || type == DataSize.class || type == Signal.class || Path.class.isAssignableFrom(type);
  }

  /** What a value of {@code type} looks like, for {@code (expected: ...)}. */
  static String expected(Class<?> type) {
    if (type == null) {
      return "another value";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class
        || type == Short.class || type == short.class || type == BigInteger.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class || type == Float.class || type == float.class
        || type == BigDecimal.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (CharSequence.class.isAssignableFrom(type)) {
      return "a string";
    }
    if (type.isEnum()) {
      return "one of " + String.join(", ", enumNames(type));
    }
    if (type == Duration.class) {
      return "a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds";
    }
    if (type == DataSize.class) {
      return "a size like 512MiB, 10MB, 64KiB or a number of bytes";
    }
    if (type == Signal.class) {
      return "a signal such as TERM, INT, HUP, QUIT, KILL, USR1, USR2";
    }
    if (type == Path.class) {
      return "a path";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    return "a mapping";
  }

  /** {@code " from MIN to MAX"} for bounded integer types, {@code ""} for others. */
  static String range(Class<?> type) {
    if (type == Integer.class || type == int.class) {
      return " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
    }
    if (type == Long.class || type == long.class) {
      return " from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
    }
    if (type == Short.class || type == short.class) {
      return " from " + Short.MIN_VALUE + " to " + Short.MAX_VALUE;
    }
    return "";
  }

  /** The names YAML uses for an enum's constants: their {@link JsonProperty} names. */
  static List<String> enumNames(Class<?> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(c -> {
          String name = ((Enum<?>) c).name();
          try {
            JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
            return p == null || p.value().isEmpty() ? name : p.value();
          } catch (NoSuchFieldException e) {
            return name;
          }
        })
        .toList();
  }

  /** A value as messages show it: {@code 0}, {@code 'sometimes'}, {@code 100ms}, {@code empty}. */
  static String show(Object v) {
    if (v == null) {
      return "missing";
    }
    if (v instanceof CharSequence s) {
      return "'" + s + "'";
    }
    if (v instanceof Duration d) {
      return Durations.format(d);
    }
    if (v instanceof Enum<?> e) {
      int i = e.ordinal();
      return enumNames(e.getDeclaringClass()).get(i);
    }
    if (v instanceof Collection<?> c) {
      return c.isEmpty() ? "empty" : c.stream().map(Values::show).collect(Collectors.joining(", ", "[", "]"));
    }
    if (v instanceof Map<?, ?> m) {
      return m.isEmpty() ? "empty" : "a mapping";
    }
    if (v instanceof Record) {
      return "a mapping";
    }
    return v.toString();
  }
}
