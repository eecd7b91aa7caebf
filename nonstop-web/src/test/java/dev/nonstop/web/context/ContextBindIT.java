package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** bind(Type) for JSON and forms with Bean Validation, and bindQuery. */
class ContextBindIT {
  /** A record, as most services will write their bodies. */
  public record NewUser(@NotBlank String name, @NotBlank @Email String email, @Min(18) @Max(150) int age,
      @Size(max = 3) List<String> tags) {}

  /** A mutable class with public fields, the other common shape. */
  public static final class Search {
    @NotBlank public String q;
    @Min(1) public int page = 1;
    public List<String> sort = List.of();
  }

  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.post("/users", c -> c.json(201, c.bind(NewUser.class)));
    app.post("/search", c -> c.json(200, c.bind(Search.class)));
    app.get("/search", c -> c.json(200, c.bindQuery(Search.class)));
    server = servers.start(app);
  }

  private static HttpResponse<String> post(String path, String contentType, String body) {
    HttpRequest.Builder b = server.request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return server.send(b);
  }

  static Stream<Arguments> validBodies() {
    String ada = "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36}";
    String adaBound = "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":null}";
    String form = "application/x-www-form-urlencoded";
    return Stream.of(
        Arguments.of("JSON, unknown fields ignored", "application/json; charset=utf-8",
            "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":[\"math\"],\"unknown\":true}",
            "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":[\"math\"]}"),
        Arguments.of("JSON without a Content-Type", null, ada, adaBound),
        Arguments.of("vendor JSON (+json)", "application/vnd.api+json", ada, adaBound),
        Arguments.of("a url-encoded form", form, "name=Ada+Lovelace&email=ada%40example.com&age=36&tags=math&tags=poetry",
            "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":[\"math\",\"poetry\"]}"),
        Arguments.of("a single form value into a list", form, "name=Ada&email=ada%40example.com&age=36&tags=math",
            "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":[\"math\"]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validBodies")
  void bindReadsTheBodyIntoAValidatedRecord(String name, String contentType, String body, String bound) {
    HttpResponse<String> r = post("/users", contentType, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(TestServer.json(r)).isEqualTo(TestServer.json(bound));
  }

  /** Messages name the field or the position, never our classes and never Jackson's own words. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed JSON               | application/json    | {"name": "Ada",                | 400 | malformed JSON: syntax error at line 1, column 16
      JSON of the wrong type       | application/json    | {"name":"Ada","age":"old"}     | 400 | malformed JSON: invalid value for 'age'
      JSON of the wrong shape      | application/json    | [1,2]                          | 400 | malformed JSON: the body does not have the expected shape
      an empty JSON body           | application/json    | ''                             | 400 | empty body (expected: JSON)
      a JSON null                  | application/json    | null                           | 400 | empty body (expected: JSON)
      a form value of a wrong type | application/x-www-form-urlencoded | name=Ada&email=a%40b.c&age=old | 400 | malformed form: invalid value for 'age'
      an unsupported Content-Type  | text/plain          | name=Ada                       | 415 | unsupported Content-Type: text/plain (expected: JSON or a form)
      """)
  void aBodyThatCannotBeBoundGetsItsStatusAndAJsonError(String name, String contentType, String body, int status,
      String error) {
    HttpResponse<String> r = post("/users", contentType, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    Map<String, Object> json = TestServer.json(r);
    assertThat(json).containsOnlyKeys("error");
    assertThat((String) json.get("error")).isEqualTo(error).doesNotContain("dev.nonstop");
  }

  @Test
  void constraintViolationsGet400WithEveryFieldError() {
    HttpResponse<String> r = post("/users", "application/json",
        "{\"name\":\" \",\"email\":\"not-an-email\",\"age\":7,\"tags\":[\"a\",\"b\",\"c\",\"d\"]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).isEqualTo(validationFailed(
        "age", "must be greater than or equal to 18",
        "email", "must be a well-formed email address",
        "name", "must not be blank",
        "tags", "size must be between 0 and 3"));
  }

  @Test
  void invalidFormGets400WithFieldErrors() {
    HttpResponse<String> r = post("/users", "application/x-www-form-urlencoded", "name=&email=x&age=200");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).isEqualTo(validationFailed(
        "age", "must be less than or equal to 150",
        "email", "must be a well-formed email address",
        "name", "must not be blank"));
  }

  @Test
  void bindReadsAMultipartFormIntoAClass() {
    HttpResponse<String> r = server.send(new Multipart().field("q", "netty").field("page", "3")
        .field("sort", "name").field("sort", "-date").post(server.request("/search")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("q", "netty", "page", 3, "sort", List.of("name", "-date")));
  }

  @Test
  void bindQueryReadsTheQueryStringIntoAValidatedClass() {
    HttpResponse<String> r = server.get("/search?q=virtual+threads&page=2&sort=name");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("q", "virtual threads", "page", 2, "sort", List.of("name")));
  }

  @Test
  void bindQueryGets400ForViolations() {
    HttpResponse<String> r = server.get("/search?page=0");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).isEqualTo(validationFailed(
        "page", "must be greater than or equal to 1",
        "q", "must not be blank"));
  }

  /** The 400 body for failed validation: the field errors given as field, message, field, message... */
  private static Map<String, Object> validationFailed(String... fieldAndMessage) {
    List<Map<String, String>> errors = new ArrayList<>();
    for (int i = 0; i < fieldAndMessage.length; i += 2) {
      errors.add(Map.of("field", fieldAndMessage[i], "message", fieldAndMessage[i + 1]));
    }
    return Map.of("error", "validation failed", "errors", errors);
  }
}
