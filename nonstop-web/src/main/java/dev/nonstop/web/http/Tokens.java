package dev.nonstop.web.http;

/** The HTTP token grammar (RFC 9110 5.6.2), shared by request parsing and route registration. */
public final class Tokens {
  private Tokens() {}

  /** Whether {@code c} is a tchar: a letter, a digit or one of {@code !#$%&'*+-.^_`|~}. */
  public static boolean isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
