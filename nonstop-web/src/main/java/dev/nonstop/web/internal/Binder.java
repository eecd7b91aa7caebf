package dev.nonstop.web.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.BindException;
import dev.nonstop.web.HttpException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a request's body or query into a user's type and validates it: {@code Context.bind}. */
final class Binder {
  private Binder() {}

  /** The body, as JSON or a form by its Content-Type, into {@code type}, validated. */
  static <T> T body(HttpContext c, Dispatcher dispatcher, Class<T> type) {
    String ct = c.contentType();
    T value;
    if (ct == null || ct.equals("application/json") || ct.endsWith("+json")) {
      byte[] body = c.body();
      if (body.length == 0) {
        throw new BindException("empty body (expected: JSON)");
      }
      try {
        value = dispatcher.json().readValue(body, type);
      } catch (IOException e) {
        throw new BindException("malformed JSON: " + describe(e));
      }
      if (value == null) {
        throw new BindException("empty body (expected: JSON)");
      }
    } else if (ct.equals("application/x-www-form-urlencoded") || ct.equals("multipart/form-data")) {
      value = fromFields(c.form().fields(), dispatcher.json(), type);
    } else {
      throw new HttpException(415, "unsupported Content-Type: " + ct + " (expected: JSON or a form)");
    }
    return validate(value, dispatcher.validator());
  }

  /** Query parameters (all values strings) into {@code type}, validated. */
  static <T> T query(Map<String, List<String>> query, Dispatcher dispatcher, Class<T> type) {
    return validate(fromFields(query, dispatcher.json(), type), dispatcher.validator());
  }

  private static <T> T fromFields(Map<String, List<String>> fields, ObjectMapper m, Class<T> type) {
    Map<String, Object> flat = new LinkedHashMap<>();
    fields.forEach((k, v) -> flat.put(k, v.size() == 1 ? v.get(0) : v));
    try {
      // A field sent once is one string, yet a List property must take it (Gin binds it into a slice).
      JsonNode tree = m.valueToTree(flat);
      return m.readerFor(type).with(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY).readValue(tree);
    } catch (IOException | IllegalArgumentException e) {
      throw new BindException("malformed form: " + describe(e));
    }
  }

  /**
   * Says what is wrong with a body without Jackson's own text, which names our classes and echoes
   * input: the field path where binding failed, or where parsing stopped.
   */
  static String describe(Exception e) {
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          path.append('[').append(r.getIndex()).append(']');
        }
      }
      return "invalid value for '" + path + "'";
    }
    if (e instanceof JsonMappingException) {
      return "the body does not have the expected shape";
    }
    if (e instanceof JsonProcessingException p && p.getLocation() != null) {
      return "syntax error at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr();
    }
    return "unreadable body";
  }

  private static <T> T validate(T value, Validator validator) {
    Set<ConstraintViolation<T>> violations = validator.validate(value);
    if (violations.isEmpty()) {
      return value;
    }
    List<BindException.FieldError> errors = new ArrayList<>();
    for (ConstraintViolation<T> v : violations) {
      errors.add(new BindException.FieldError(v.getPropertyPath().toString(), v.getMessage()));
    }
    errors.sort(java.util.Comparator.comparing(BindException.FieldError::field)
        .thenComparing(BindException.FieldError::message));
    throw new BindException("validation failed", errors);
  }
}
