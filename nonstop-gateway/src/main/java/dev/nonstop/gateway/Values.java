package dev.nonstop.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.nonstop.core.config.ScalarDeserializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's own config values: rates ({@code 100/s}), percentages ({@code 50%} or {@code 50}),
 * balancers ({@code hash(cookie:sid)}) and servers (a string or a mapping). Their parsers throw
 * {@link IllegalArgumentException}s that name the value and the expectation; bound through {@link
 * ScalarDeserializer}, the loader shows that message at the key's line.
 */
final class Values {
  private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)\\s*/\\s*([smh])");
  private static final Pattern PERCENT = Pattern.compile("([0-9]{1,9})\\s*%?");
  private static final String RATE_FORMS = "a rate like 100/s, 50/m or 1.5/h: a number, '/', and s, m or h";
  private static final String PERCENT_FORMS = "a whole percentage like 50% or 50";

  private Values() {}

  /**
   * Parses {@code 100/s}, {@code 6000/m}, {@code 0.5/s} or {@code 10/h} into events per second.
   * Zero parses ({@code 0/s}); whether it is allowed is the caller's rule.
   *
   * @throws IllegalArgumentException naming the value and the expected forms
   */
  static double perSecond(String s) {
    Matcher m = RATE.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' (expected: " + RATE_FORMS + ")");
    }
    double n = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "s" -> n;
      case "m" -> n / 60;
      default -> n / 3600;
    };
  }

  /**
   * A rate as {@link #perSecond} reads it back, in the first unit of s, m, h that makes it whole
   * ({@code 100/s}, {@code 1/m}, {@code 90/m}), else in the first that makes it at least 1 ({@code
   * 0.1/h}).
   */
  static String rate(double perSecond) {
    if (perSecond > 0 && !isWhole(perSecond)) {
      if (isWhole(perSecond * 60)) {
        return number(perSecond * 60) + "/m";
      }
      if (isWhole(perSecond * 3600) || perSecond * 60 < 1) {
        return number(perSecond * 3600) + "/h";
      }
      if (perSecond < 1) {
        return number(perSecond * 60) + "/m";
      }
    }
    return number(perSecond) + "/s";
  }

  private static boolean isWhole(double v) {
    return Math.abs(v - Math.rint(v)) < 1e-9 * Math.max(1, Math.abs(v));
  }

  /** Up to 12 significant digits, which hides the binary fractions that dividing by 60 leaves. */
  private static String number(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    if (isWhole(v) && Math.abs(v) < 1e15) {
      return Long.toString(Math.round(v));
    }
    return new BigDecimal(v).round(new MathContext(12)).stripTrailingZeros().toPlainString();
  }

  /**
   * Parses {@code 50%} or {@code 50}: a whole number of percent. Ranges are the records' rules.
   *
   * @throws IllegalArgumentException naming the value and the expected forms
   */
  static int percent(String s) {
    Matcher m = PERCENT.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' (expected: " + PERCENT_FORMS + ")");
    }
    return Integer.parseInt(m.group(1));
  }

  /** Binds a percentage, from a YAML number or string. */
  static final class Percent extends ScalarDeserializer<Integer> {
    Percent() {
      super(Integer.class, Values::percent, PERCENT_FORMS);
    }
  }

  /** Binds a rate, in events per second, from a YAML string. */
  static final class Rate extends ScalarDeserializer<Double> {
    Rate() {
      super(Double.class, Values::perSecond, RATE_FORMS);
    }
  }

  /** Binds a {@code balance:}, from a YAML string only. */
  static final class BalanceForm extends ScalarDeserializer<GatewaySpec.Balance> {
    BalanceForm() {
      super(GatewaySpec.Balance.class, GatewaySpec.Balance::parse, GatewaySpec.Balance.FORMS);
    }
  }

  /**
   * Binds a server from either of its forms: a scalar is its address (a bad one, such as a bare
   * port, is {@link GatewayRules}' to report, with the other address rules), a mapping its keys.
   */
  static final class Server extends StdDeserializer<GatewaySpec.ServerEntry> {
    Server() {
      super(GatewaySpec.ServerEntry.class);
    }

    @Override
    public GatewaySpec.ServerEntry deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      if (p.currentToken().isScalarValue()) {
        return GatewaySpec.ServerEntry.of(p.getText());
      }
      if (p.currentToken() == JsonToken.START_ARRAY) {
        throw JsonMappingException.from(p, "a list (expected: HOST:PORT, or a mapping with address, weight, backup)");
      }
      // Unknown keys and wrong types inside are reported by this binding, at their own keys.
      return ctx.readValue(p, GatewaySpec.ServerEntry.Written.class).entry();
    }
  }
}
