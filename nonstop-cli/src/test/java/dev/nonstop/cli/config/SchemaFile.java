package dev.nonstop.cli.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON schema of the repository's {@code schema/} folder, and the walks that keep it in step
 * with the config records it describes: the same keys on both sides, each described, each with
 * its default.
 */
final class SchemaFile {
  /** The parsed schema, for looking at its parts. */
  final JsonNode tree;
  private final Schema schema;

  private SchemaFile(String text) throws IOException {
    this.tree = new ObjectMapper().readTree(text);
    this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(text, InputFormat.JSON);
  }

  /** Reads {@code schema/NAME} from the repository root. */
  static SchemaFile read(String name) {
    try {
      return new SchemaFile(Files.readString(find(Path.of("").toAbsolutePath(), "schema/" + name)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file at the repository root, found from a module's directory, where tests run. */
  static Path find(Path from, String name) {
    for (Path d = from; d != null; d = d.getParent()) {
      Path f = d.resolve(name);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new AssertionError(name + ": not found above " + from);
  }

  /** What the schema finds wrong in {@code yaml}. */
  List<Error> errors(String yaml) {
    return schema.validate(yaml, InputFormat.YAML);
  }

  /** Keys that only one of the records under {@code root} and the schema has, as {@code path: why}. */
  List<String> compare(Class<?> root) {
    List<String> problems = new ArrayList<>();
    compare(root, tree, "", problems);
    return problems;
  }

  /** Keys without a description, or without a default unless named in {@code noDefault}. */
  List<String> undescribed(Set<String> noDefault) {
    List<String> problems = new ArrayList<>();
    describe(tree, "", noDefault, problems);
    return problems;
  }

  private void compare(Class<?> type, JsonNode node, String path, List<String> problems) {
    node = resolve(node);
    if (!node.path("additionalProperties").isBoolean() || node.path("additionalProperties").asBoolean()) {
      problems.add(path + ": additionalProperties is not false");
    }
    List<String> recordKeys = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (c.getAccessor().isAnnotationPresent(JsonIgnore.class)) {
        continue;
      }
      JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
      String key = p == null || p.value().isEmpty() ? c.getName() : p.value();
      recordKeys.add(key);
      JsonNode property = node.path("properties").path(key);
      if (property.isMissingNode()) {
        problems.add(child(path, key) + ": in " + type.getSimpleName() + ", not in the schema");
        continue;
      }
      Type t = c.getGenericType();
      if (t instanceof Class<?> k) {
        value(k, property, child(path, key), problems);
      } else if (t instanceof ParameterizedType pt && pt.getActualTypeArguments()[pt.getActualTypeArguments().length - 1]
          instanceof Class<?> k) {
        Class<?> raw = (Class<?>) pt.getRawType();
        if (Map.class.isAssignableFrom(raw)) {
          value(k, resolve(property).path("additionalProperties"), child(path, key) + ".*", problems);
        } else if (List.class.isAssignableFrom(raw)) {
          value(k, resolve(property).path("items"), child(path, key) + "[]", problems);
        }
      }
    }
    node.path("properties").fieldNames().forEachRemaining(key -> {
      if (!recordKeys.contains(key)) {
        problems.add(child(path, key) + ": in the schema, not in " + type.getSimpleName());
      }
    });
  }

  /**
   * Compares a value of a config record type with the mapping the schema allows there; a record
   * that reads itself (written as a scalar) may have none.
   */
  private void value(Class<?> type, JsonNode node, String path, List<String> problems) {
    if (!type.isRecord() || !type.getPackageName().startsWith("dev.nonstop.")
        || type.getPackageName().equals("dev.nonstop.core")) {
      return;
    }
    JsonNode mapping = mapping(resolve(node));
    if (mapping != null) {
      compare(type, mapping, path, problems);
    } else if (!readsItself(type)) {
      problems.add(path + ": " + type.getSimpleName() + " is a mapping, the schema has none");
    }
  }

  /** The node, or its anyOf or oneOf alternative, that describes a mapping; null if none does. */
  private JsonNode mapping(JsonNode node) {
    if (node.has("properties")) {
      return node;
    }
    for (String combinator : List.of("anyOf", "oneOf")) {
      for (JsonNode alternative : node.path(combinator)) {
        if (resolve(alternative).has("properties")) {
          return resolve(alternative);
        }
      }
    }
    return null;
  }

  private static boolean readsItself(Class<?> type) {
    JsonDeserialize d = type.getAnnotation(JsonDeserialize.class);
    return d != null && d.using() != JsonDeserializer.None.class;
  }

  private void describe(JsonNode node, String path, Set<String> noDefault, List<String> problems) {
    node = resolve(node);
    JsonNode props = node.path("properties");
    props.fieldNames().forEachRemaining(key -> {
      JsonNode p = props.get(key);
      if (!p.hasNonNull("description")) {
        problems.add(child(path, key) + ": no description");
      }
      if (!p.has("default") && !noDefault.contains(key)) {
        problems.add(child(path, key) + ": no default");
      }
      describe(p, child(path, key), noDefault, problems);
    });
    JsonNode additional = node.path("additionalProperties");
    if (additional.isObject()) {
      describe(additional, path + ".*", noDefault, problems);
    }
    if (node.path("items").isObject()) {
      describe(node.path("items"), path + "[]", noDefault, problems);
    }
    JsonNode mapping = mapping(node);
    if (mapping != null && mapping != node) {
      describe(mapping, path, noDefault, problems);
    }
  }

  private JsonNode resolve(JsonNode node) {
    JsonNode ref = node.path("$ref");
    return ref.isTextual() ? tree.at(ref.asText().substring(1)) : node;
  }

  private static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
