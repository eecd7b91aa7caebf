package dev.nonstop.core.config;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the first unknown key in file order, before binding. Jackson reports an unknown key of a
 * record only after building the record, so a misspelt key would surface as a later problem
 * ({@code weigth: 2} as {@code weight} missing) or as a problem further down the file.
 */
final class Keys {
  private Keys() {}

  /** The keys a mapping bound to {@code type} may hold, in declaration order. */
  static List<String> of(JavaType type, ObjectMapper mapper) {
    // The serialization view: the deserialization one keeps a record's ignored components as
    // creator parameters, though they are no keys.
    return mapper.getSerializationConfig().introspect(type).findProperties().stream()
        .map(BeanPropertyDefinition::getName)
        .toList();
  }

  /**
   * The first key in {@code node} that {@code type} does not know, with the keys it does know.
   *
   * @param path the key path of {@code node}
   */
  static Optional<Unknown> firstUnknown(JsonNode node, JavaType type, String path, ObjectMapper mapper) {
    if (type == null) {
      return Optional.empty();
    }
    if (type.isMapLikeType() && node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        Optional<Unknown> u = firstUnknown(e.getValue(), type.getContentType(), KeyPaths.child(path, e.getKey()), mapper);
        if (u.isPresent()) {
          return u;
        }
      }
      return Optional.empty();
    }
    if ((type.isCollectionLikeType() || type.isArrayType()) && node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Optional<Unknown> u = firstUnknown(node.get(i), type.getContentType(), KeyPaths.element(path, i), mapper);
        if (u.isPresent()) {
          return u;
        }
      }
      return Optional.empty();
    }
    if (!node.isObject() || !isBean(type)) {
      return Optional.empty();
    }
    List<BeanPropertyDefinition> props = mapper.getSerializationConfig().introspect(type).findProperties();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String child = KeyPaths.child(path, e.getKey());
      Optional<BeanPropertyDefinition> p = props.stream().filter(d -> d.getName().equals(e.getKey())).findFirst();
      if (p.isEmpty()) {
        return Optional.of(new Unknown(child, props.stream().map(BeanPropertyDefinition::getName).toList()));
      }
      Optional<Unknown> u = firstUnknown(e.getValue(), p.get().getPrimaryType(), child, mapper);
      if (u.isPresent()) {
        return u;
      }
    }
    return Optional.empty();
  }

  /**
   * Records and classes of our own; not the JDK's, not values written as scalars, and not types
   * with a deserializer of their own, which read what they like: their properties are no keys.
   */
  private static boolean isBean(JavaType type) {
    Class<?> c = type.getRawClass();
    JsonDeserialize own = c.getAnnotation(JsonDeserialize.class);
    return !type.isPrimitive() && !type.isEnumType() && !Values.isScalar(c)
        && (own == null || own.using() == JsonDeserializer.None.class)
        && !c.getName().startsWith("java.") && !c.getName().startsWith("javax.");
  }

  /**
   * A key its mapping does not know.
   *
   * @param keyPath where it is written
   * @param known what the mapping may hold, in declaration order
   */
  record Unknown(String keyPath, List<String> known) {
    /** {@code unknown key (expected one of: a, b)}. */
    String problem() {
      return unknownKey(known);
    }
  }

  /** {@code unknown key (expected one of: a, b)}. */
  static String unknownKey(List<String> known) {
    return "unknown key (expected one of: " + String.join(", ", known) + ")";
  }
}
