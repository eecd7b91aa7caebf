package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  private static TestServer server;

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.post("/users", c -> c.json(201, c.bind(NewUser.class)));
    app.post("/search", c -> c.json(200, c.bind(Search.class)));
    app.get("/search", c -> c.json(200, c.bindQuery(Search.class)));
    server = TestServer.start(app);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> post(String path, String contentType, String body) {
    HttpRequest.Builder b = server.request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return server.send(b);
  }

  @Test
  void bindReadsJsonIntoAValidatedRecord() {
    HttpResponse<String> r = post("/users", "application/json; charset=utf-8",
        "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36,\"tags\":[\"math\"],\"unknown\":true}");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("name", "Ada", "email", "ada@example.com", "age", 36,
        "tags", List.of("math")));
  }

  @Test
  void bindTreatsABodyWithoutContentTypeAsJson() {
    HttpResponse<String> r = post("/users", null, "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36}");
    assertThat(r.statusCode()).isEqualTo(201);
  }

  @Test
  void malformedJsonGets400WithTheParserMessage() {
    HttpResponse<String> r = post("/users", "application/json", "{\"name\": \"Ada\",");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    Map<String, Object> body = TestServer.json(r);
    assertThat(body).containsOnlyKeys("error");
    assertThat((String) body.get("error")).startsWith("malformed JSON: ").doesNotContain("dev.nonstop");
  }

  @Test
  void jsonOfTheWrongShapeGets400() {
    assertThat(post("/users", "application/json", "{\"name\":\"Ada\",\"age\":\"old\"}").statusCode()).isEqualTo(400);
    assertThat(post("/users", "application/json", "[1,2]").statusCode()).isEqualTo(400);
  }

  @Test
  void emptyJsonBodyGets400() {
    HttpResponse<String> r = post("/users", "application/json", "");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).containsEntry("error", "empty body (expected: JSON)");
    assertThat(post("/users", "application/json", "null").statusCode()).isEqualTo(400);
  }

  @Test
  void constraintViolationsGet400WithEveryFieldError() {
    HttpResponse<String> r = post("/users", "application/json",
        "{\"name\":\" \",\"email\":\"not-an-email\",\"age\":7,\"tags\":[\"a\",\"b\",\"c\",\"d\"]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).isEqualTo(Map.of(
        "error", "validation failed",
        "errors", List.of(
            Map.of("field", "age", "message", "must be greater than or equal to 18"),
            Map.of("field", "email", "message", "must be a well-formed email address"),
            Map.of("field", "name", "message", "must not be blank"),
            Map.of("field", "tags", "message", "size must be between 0 and 3"))));
  }

  @Test
  void bindReadsAUrlEncodedFormIntoARecord() {
    HttpResponse<String> r = post("/users", "application/x-www-form-urlencoded",
        "name=Ada+Lovelace&email=ada%40example.com&age=36&tags=math&tags=poetry");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("name", "Ada Lovelace", "email", "ada@example.com", "age", 36,
        "tags", List.of("math", "poetry")));
  }

  @Test
  void aSingleFormValueBindsIntoAList() {
    HttpResponse<String> r = post("/users", "application/x-www-form-urlencoded",
        "name=Ada&email=ada%40example.com&age=36&tags=math");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(TestServer.json(r)).containsEntry("tags", List.of("math"));
  }

  @Test
  void bindReadsAMultipartFormIntoAClass() {
    HttpResponse<String> r = server.send(new Multipart().field("q", "netty").field("page", "3")
        .field("sort", "name").field("sort", "-date").post(server.request("/search")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("q", "netty", "page", 3, "sort", List.of("name", "-date")));
  }

  @Test
  void invalidFormGets400WithFieldErrors() {
    HttpResponse<String> r = post("/users", "application/x-www-form-urlencoded", "name=&email=x&age=200");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(r)).isEqualTo(Map.of(
        "error", "validation failed",
        "errors", List.of(
            Map.of("field", "age", "message", "must be less than or equal to 150"),
            Map.of("field", "email", "message", "must be a well-formed email address"),
            Map.of("field", "name", "message", "must not be blank"))));
  }

  @Test
  void formValueOfTheWrongTypeGets400() {
    HttpResponse<String> r = post("/users", "application/x-www-form-urlencoded", "name=Ada&email=a%40b.c&age=old");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat((String) TestServer.json(r).get("error")).startsWith("malformed form: ");
  }

  @Test
  void unsupportedContentTypeGets415() {
    HttpResponse<String> r = post("/users", "text/plain", "name=Ada");
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(TestServer.json(r))
        .containsEntry("error", "unsupported Content-Type: text/plain (expected: JSON or a form)");
  }

  @Test
  void vendorJsonContentTypeIsJson() {
    assertThat(post("/users", "application/vnd.api+json",
        "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"age\":36}").statusCode()).isEqualTo(201);
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
    assertThat(TestServer.json(r)).isEqualTo(Map.of(
        "error", "validation failed",
        "errors", List.of(
            Map.of("field", "page", "message", "must be greater than or equal to 1"),
            Map.of("field", "q", "message", "must not be blank"))));
  }
}
