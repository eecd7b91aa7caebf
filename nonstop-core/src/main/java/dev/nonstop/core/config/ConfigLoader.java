package dev.nonstop.core.config;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLAnchorReplayingFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads one YAML file into a record, or refuses it with one {@link ConfigException}: binding
 * (Jackson, strict: unknown keys, wrong types, trailing documents and duplicate keys all fail),
 * then Jakarta Bean Validation of the record's constraints, then the caller's own check. Of the
 * problems found in the last step that gets that far, the first in file order is reported.
 * Aliases ({@code *name}) repeat their anchor's value; merge keys ({@code <<}) are refused.
 *
 * <p>Besides what Jackson reads natively, values may be {@link java.time.Duration}s ({@code 100ms};
 * a bare number is seconds), {@link dev.nonstop.core.DataSize}s ({@code 512MiB}), {@link
 * dev.nonstop.core.Signal}s ({@code TERM} or {@code 15}) and {@link Path}s; enums are written by
 * their {@code @JsonProperty} names.
 *
 * <pre>{@code
 * MyConfig c = ConfigLoader.load(Path.of("my.yaml"), MyConfig.class,
 *     cfg -> cfg.port() == 22 ? List.of(new ConfigProblem("port", "22 (expected: not ssh)")) : List.of());
 * }</pre>
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * Loads {@code file} as a {@code type}, validating its constraints.
   *
   * @throws ConfigException naming the file, the key path and the line of the first problem
   */
  public static <T> T load(Path file, Class<T> type) {
    return load(file, type, value -> List.of());
  }

  /**
   * Loads {@code file} as a {@code type}, validating its constraints, then runs {@code check} on
   * the bound value. The check's problems and the validation violations are reported together,
   * first in file order; on the same key, the check's problem comes first (it knows more).
   *
   * @param check semantic rules across keys; it must cope with values that break the record's own
   *     constraints, since it runs even when validation failed
   * @throws ConfigException naming the file, the key path and the line of the first problem
   */
  public static <T> T load(Path file, Class<T> type, Function<T, List<ConfigProblem>> check) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(check, "check");
    String text = read(file);
    ObjectMapper mapper = mapper();
    // The index reads the text as written (an alias stays one scalar, on its own line); the mapper
    // binds what it means.
    YamlIndex index = YamlIndex.scan(new YAMLFactory(), file, text);
    if (index.isEmpty()) {
      throw new ConfigException(file, "", 0, "empty (expected: a YAML mapping)");
    }
    Optional<Keys.Unknown> unknown = Optional.empty();
    T value;
    try {
      unknown = Keys.firstUnknown(mapper.readTree(text), mapper.constructType(type), "", mapper);
      value = mapper.readValue(text, type);
    } catch (JsonProcessingException e) {
      ConfigException bad = bindingError(file, index, e, mapper);
      // Jackson stops at the first value it cannot bind, but a record's unknown keys it reports
      // only after the record is built, or not at all when an earlier value fails. A missing
      // value goes with an unknown key: most likely the same key, misspelt.
      boolean missing = index.node(bad.keyPath()) == null;
      throw unknown.map(u -> new ConfigException(file, u.keyPath(), index.line(u.keyPath()), u.problem()))
          .filter(u -> missing || u.line() <= bad.line())
          .orElse(bad);
    }
    if (unknown.isPresent()) {
      // Unreachable while FAIL_ON_UNKNOWN_PROPERTIES holds; kept so a lenient type cannot slip by.
      Keys.Unknown u = unknown.get();
      throw new ConfigException(file, u.keyPath(), index.line(u.keyPath()), u.problem());
    }
    List<ConfigProblem> problems = new ArrayList<>(check.apply(value));
    problems.addAll(Violations.of(value, mapper));
    if (!problems.isEmpty()) {
      // A stable sort: on the same spot, the caller's problem stays ahead of the violation.
      problems.sort(Comparator.comparing((ConfigProblem p) -> index.nearest(p.keyPath()),
          Comparator.nullsLast(Comparator.comparingInt(YamlIndex.Node::line).thenComparingInt(YamlIndex.Node::column))));
      ConfigProblem first = problems.getFirst();
      throw new ConfigException(file, first.keyPath(), index.line(first.keyPath()), first.message());
    }
    return value;
  }

  private static String read(Path file) {
    if (Files.isDirectory(file)) {
      throw new ConfigException(file, "", 0, "a directory (expected: a YAML file)");
    }
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "", 0, "not found (expected: a YAML file)", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file, "", 0, "permission denied (expected: a readable file)", e);
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, "", 0, "not UTF-8 text (expected: a YAML file in UTF-8)", e);
    } catch (IOException e) {
      throw new ConfigException(file, "", 0, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * A strict mapper: whatever it does not know, it refuses. Duplicate keys are {@link YamlIndex}'s
   * to refuse, which knows their line.
   */
  static ObjectMapper mapper() {
    // Replays anchors at their aliases; the plain factory reads "*base" as the string "base".
    YAMLMapper m = YAMLMapper.builder(new YAMLAnchorReplayingFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
            DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES,
            DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
            DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
            DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        // instances: 2.5 is a mistake, not 2.
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        // env: {A: } or depends_on: [a, ~] would otherwise reach List.copyOf as a null.
        .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
        .addModule(Values.module())
        .build();
    // instances: "" is a mistake, not "use the default".
    m.coercionConfigDefaults().setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    return m;
  }

  private static ConfigException bindingError(
      Path file, YamlIndex index, JsonProcessingException e, ObjectMapper mapper) {
    if (!(e instanceof JsonMappingException) && e instanceof StreamReadException r) {
      // What only the binding parser sees, such as an alias of an undefined anchor.
      String path = r.getProcessor() == null ? "" : YamlIndex.path(r.getProcessor().getParsingContext());
      ConfigException syntax = YamlIndex.syntaxError(file, path, r);
      return syntax.line() > 0 ? syntax : new ConfigException(file, path, index.line(path), syntax.problem(), e);
    }
    String path = e instanceof JsonMappingException m ? keyPath(m.getPath()) : "";
    // A missing value's path is not written: its parent's line beats Jackson's, which points at
    // the end of the parent.
    int line = index.line(path);
    return new ConfigException(file, path, line, problem(e, index.node(path), mapper), e);
  }

  /** Jackson's reference path in {@link KeyPaths}' spelling. */
  static String keyPath(List<JsonMappingException.Reference> refs) {
    String out = "";
    for (JsonMappingException.Reference r : refs) {
      out = r.getFieldName() != null ? KeyPaths.child(out, r.getFieldName()) : KeyPaths.element(out, r.getIndex());
    }
    return out;
  }

  /** What went wrong, in the {@code 'value' (expected: ...)} form. */
  private static String problem(JsonProcessingException e, YamlIndex.Node node, ObjectMapper mapper) {
    if (e instanceof PropertyBindingException p) {
      // Keys.firstUnknown has found these before binding; this stays for what it cannot see.
      List<String> known = p.getReferringClass() == null ? List.of()
          : Keys.of(mapper.constructType(p.getReferringClass()), mapper);
      return Keys.unknownKey(known);
    }
    // Our value parsers, Argv and records' constructors say what is wrong in our words.
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof IllegalArgumentException && !(c instanceof NumberFormatException)) {
        return c.getMessage();
      }
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof InputCoercionException big) {
        return (node == null ? "this number" : node.describe())
            + " (expected: " + Values.expected(big.getTargetType()) + Values.range(big.getTargetType()) + ")";
      }
    }
    if (e instanceof InvalidNullException) {
      return "null (expected: a value)";
    }
    if (e instanceof InvalidFormatException f) {
      return Values.show(f.getValue()) + " (expected: " + Values.expected(f.getTargetType()) + ")";
    }
    if (e instanceof MismatchedInputException m) {
      String actual = node == null ? "missing" : node.describe();
      return actual + " (expected: " + Values.expected(m.getTargetType()) + ")";
    }
    String msg = e.getOriginalMessage();
    int nl = msg == null ? -1 : msg.indexOf('\n');
    return nl < 0 ? String.valueOf(msg) : msg.substring(0, nl);
  }
}
