package dev.nonstop.core.config;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Negative;
import jakarta.validation.constraints.NegativeOrZero;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Runs Jakarta Bean Validation on a bound config and speaks of its violations in YAML terms: the
 * key path with the names written in the file ({@code apps.hello.max_memory}, not {@code
 * apps[hello].maxMemory}) and a message in the {@code 0 (expected: >= 1)} form.
 */
final class Violations {
  private Violations() {}

  /** The problems of {@code value}, in no particular order. */
  static List<ConfigProblem> of(Object value, ObjectMapper mapper) {
    // ParameterMessageInterpolator needs no Expression Language implementation on the class path.
    try (ValidatorFactory factory = Validation.byDefaultProvider()
        .configure()
        .messageInterpolator(new ParameterMessageInterpolator())
        .buildValidatorFactory()) {
      List<ConfigProblem> out = new ArrayList<>();
      for (ConstraintViolation<Object> v : factory.getValidator().validate(value)) {
        out.add(new ConfigProblem(keyPath(v.getPropertyPath(), mapper.constructType(value.getClass()), mapper),
            message(v)));
      }
      return out;
    }
  }

  /**
   * Translates {@code apps[hello].maxMemory} into {@code apps.hello.max_memory}, following the
   * Java types alongside to find each property's YAML name.
   */
  static String keyPath(Path path, JavaType root, ObjectMapper mapper) {
    String out = "";
    JavaType type = root;
    for (Path.Node n : path) {
      if (n.isInIterable()) {
        // The node sits inside an element of the previous node's container.
        out = n.getKey() != null
            ? KeyPaths.child(out, String.valueOf(n.getKey()))
            : KeyPaths.element(out, n.getIndex() == null ? 0 : n.getIndex());
        type = type == null ? null : type.getContentType();
      }
      if (n.getKind() == ElementKind.PROPERTY && n.getName() != null) {
        Optional<BeanPropertyDefinition> p = property(type, n.getName(), mapper);
        out = KeyPaths.child(out, p.map(BeanPropertyDefinition::getName).orElse(n.getName()));
        type = p.map(BeanPropertyDefinition::getPrimaryType).orElse(null);
      }
    }
    return out;
  }

  private static Optional<BeanPropertyDefinition> property(JavaType type, String javaName, ObjectMapper mapper) {
    if (type == null || type.isContainerType() || type.isPrimitive()) {
      return Optional.empty();
    }
    BeanDescription d = mapper.getDeserializationConfig().introspect(type);
    return d.findProperties().stream().filter(p -> p.getInternalName().equals(javaName)).findFirst();
  }

  /** {@code 0 (expected: >= 1)} for the usual constraints, the validator's words otherwise. */
  static String message(ConstraintViolation<?> v) {
    Annotation a = v.getConstraintDescriptor().getAnnotation();
    Object value = v.getInvalidValue();
    String shown = Values.show(value);
    String expected = switch (a) {
      case Min m -> ">= " + m.value();
      case Max m -> "<= " + m.value();
      case DecimalMin m -> (m.inclusive() ? ">= " : "> ") + m.value();
      case DecimalMax m -> (m.inclusive() ? "<= " : "< ") + m.value();
      case Positive p -> "> 0";
      case PositiveOrZero p -> ">= 0";
      case Negative n -> "< 0";
      case NegativeOrZero n -> "<= 0";
      case Size s -> s.max() == Integer.MAX_VALUE
          ? "at least " + s.min() + " " + unit(value)
          : "between " + s.min() + " and " + s.max() + " " + unit(value);
      case NotEmpty n -> "at least one " + unit(value).replaceAll("s$", "");
      case NotBlank n -> "some text";
      case NotNull n -> "a value";
      case Pattern p -> "text matching " + p.regexp();
      default -> null;
    };
    // Other constraints keep the validator's words: "'x' (must be a well-formed email address)".
    return shown + (expected == null ? " (" + v.getMessage() + ")" : " (expected: " + expected + ")");
  }

  private static String unit(Object value) {
    return value instanceof CharSequence ? "characters" : "items";
  }
}
