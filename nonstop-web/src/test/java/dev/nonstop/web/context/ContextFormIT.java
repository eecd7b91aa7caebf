package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.web.Engine;
import dev.nonstop.web.UploadedFile;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Url-encoded and multipart forms, file uploads in memory and on disk, and the multipart size limit. */
class ContextFormIT {
  private static final long MULTIPART_LIMIT = 64 * 1024;
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;
  private static TestServer limited;
  /** The temporary files that held the current upload's bytes while its handler ran. */
  private static final AtomicReference<List<Path>> tempFiles = new AtomicReference<>();
  private static volatile byte[] expectedOnDisk = new byte[0];

  @TempDir
  static Path saveDir;

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.post("/form", c -> c.json(200, Echo.of(
        "name", c.postForm("name"),
        "missing", c.postForm("missing"),
        "default", c.postForm("missing", "dflt"),
        "presentDefault", c.postForm("name", "dflt"),
        "tags", c.postFormAll("tag"),
        "none", c.postFormAll("missing"),
        "map", c.postFormMap(),
        "files", c.formFiles().size())));
    app.post("/upload", c -> {
      tempFiles.set(uploadTempFilesHolding(expectedOnDisk));
      List<Map<String, Object>> files = new ArrayList<>();
      for (UploadedFile f : c.formFiles()) {
        try (InputStream in = f.open()) {
          files.add(Echo.of("field", f.field(), "filename", f.filename(), "contentType", f.contentType(),
              "size", f.size(), "content", Arrays.hashCode(in.readAllBytes())));
        }
      }
      String saveAs = c.query("saveAs");
      if (saveAs != null) {
        c.formFile("doc").saveTo(saveDir.resolve(saveAs));
      }
      c.json(200, Echo.of(
          "fields", c.postFormMap(),
          "files", files,
          "doc", c.formFile("doc") != null ? c.formFile("doc").filename() : null,
          "missing", c.formFile("missing")));
    });
    app.get("/ping", c -> c.string(200, "pong"));
    server = servers.start(app);

    Engine small = Engine.builder().maxMultipartSize(MULTIPART_LIMIT).maxBodySize(16 * 1024).build();
    small.post("/upload", c -> c.json(200, Map.of("files", c.formFiles().size())));
    small.get("/ping", c -> c.string(200, "pong"));
    limited = servers.start(small);
  }

  @Test
  void urlEncodedFieldsAreReadWithDefaultsAllValuesAndTheMap() {
    HttpResponse<String> r = server.send(server.request("/form")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("name=Ada+Lovelace&tag=a&tag=b%26c&note=caf%C3%A9;x")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r))
        .containsEntry("name", "Ada Lovelace").containsEntry("missing", null).containsEntry("default", "dflt")
        .containsEntry("presentDefault", "Ada Lovelace").containsEntry("tags", List.of("a", "b&c"))
        .containsEntry("none", List.of()).containsEntry("files", 0)
        .containsEntry("map", Map.of("name", List.of("Ada Lovelace"), "tag", List.of("a", "b&c"),
            "note", List.of("café;x")));
  }

  @Test
  void formAccessorsAreEmptyForOtherContentTypes() {
    HttpResponse<String> r = server.send(server.request("/form")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}")));
    assertThat(TestServer.json(r)).containsEntry("name", null).containsEntry("map", Map.of());
  }

  @Test
  void multipartFieldsAndSmallFilesAreReadInMemory() {
    byte[] small = randomBytes(1000);
    byte[] other = "second file".getBytes(StandardCharsets.UTF_8);
    expectedOnDisk = small;
    Multipart body = new Multipart().field("title", "Report ✓").field("tag", "a").field("tag", "b")
        .file("doc", "small.bin", "application/octet-stream", small)
        .file("extra", "notes.txt", "text/plain", other);
    HttpResponse<String> r = server.send(body.post(server.request("/upload")));

    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> m = TestServer.json(r);
    assertThat(m).containsEntry("fields", Map.of("title", List.of("Report ✓"), "tag", List.of("a", "b")))
        .containsEntry("doc", "small.bin").containsEntry("missing", null);
    assertThat(m.get("files")).isEqualTo(List.of(
        Map.of("field", "doc", "filename", "small.bin", "contentType", "application/octet-stream",
            "size", 1000, "content", Arrays.hashCode(small)),
        Map.of("field", "extra", "filename", "notes.txt", "contentType", "text/plain",
            "size", other.length, "content", Arrays.hashCode(other))));
    assertThat(tempFiles.get()).as("a small part stays in memory").isEmpty();
  }

  @Test
  void largeUploadIsStreamedToATempFileThatIsDeletedAfterTheRequest() {
    byte[] large = randomBytes(200 * 1024 + 7);
    expectedOnDisk = large;
    Multipart body = new Multipart().field("title", "big").file("doc", "big.bin", "application/octet-stream", large);
    HttpResponse<String> r = server.send(body.post(server.request("/upload")));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r).get("files")).isEqualTo(List.of(Map.of("field", "doc", "filename", "big.bin",
        "contentType", "application/octet-stream", "size", large.length, "content", Arrays.hashCode(large))));
    List<Path> onDisk = tempFiles.get();
    assertThat(onDisk).as("the upload was on disk while the handler ran").hasSize(1);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(onDisk.get(0)).doesNotExist());
  }

  @Test
  void largeTextFieldIsReadBackWhole() {
    String text = "x".repeat(40 * 1024) + "✓";
    HttpResponse<String> r = server.send(new Multipart().field("essay", text).post(server.request("/upload")));
    assertThat(TestServer.json(r)).containsEntry("fields", Map.of("essay", List.of(text)));
  }

  @Test
  void uploadsCanBeSavedToAPath() throws IOException {
    byte[] small = randomBytes(500);
    byte[] large = randomBytes(100 * 1024);
    server.send(new Multipart().file("doc", "a.bin", "application/octet-stream", small)
        .post(server.request("/upload?saveAs=small.bin")));
    server.send(new Multipart().file("doc", "b.bin", "application/octet-stream", large)
        .post(server.request("/upload?saveAs=large.bin")));
    Files.writeString(saveDir.resolve("replaced.bin"), "old content");
    server.send(new Multipart().file("doc", "c.bin", "application/octet-stream", small)
        .post(server.request("/upload?saveAs=replaced.bin")));

    assertThat(saveDir.resolve("small.bin")).hasBinaryContent(small);
    assertThat(saveDir.resolve("large.bin")).hasBinaryContent(large);
    assertThat(saveDir.resolve("replaced.bin")).hasBinaryContent(small);
  }

  @Test
  void uploadOverTheMultipartLimitGets413AndTheServerKeepsServing() {
    byte[] tooBig = randomBytes((int) MULTIPART_LIMIT * 4);
    HttpResponse<String> r = limited.send(new Multipart().file("doc", "huge.bin", "application/octet-stream", tooBig)
        .post(limited.request("/upload").expectContinue(true)));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(limited.get("/ping").body()).isEqualTo("pong");
  }

  @Test
  void multipartLimitBelowTheBodyLimitStillApplies() {
    Engine e = Engine.builder().maxMultipartSize(MULTIPART_LIMIT).build();
    e.post("/upload", c -> c.json(200, Map.of("files", c.formFiles().size())));
    TestServer s = servers.start(e);
    HttpResponse<String> r = s.send(new Multipart()
        .file("doc", "huge.bin", "application/octet-stream", randomBytes((int) MULTIPART_LIMIT * 4))
        .post(s.request("/upload").expectContinue(true)));
    assertThat(r.statusCode()).isEqualTo(413);
  }

  @Test
  void uploadUnderTheMultipartLimitButOverTheBodyLimitIsAccepted() {
    byte[] fits = randomBytes((int) MULTIPART_LIMIT / 2);
    HttpResponse<String> r = limited.send(new Multipart().file("doc", "ok.bin", "application/octet-stream", fits)
        .post(limited.request("/upload")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r)).containsEntry("files", 1);
  }

  @Test
  void chunkedUploadGets413AsSoonAsItPassesTheLimit() throws IOException {
    Multipart body = new Multipart().file("doc", "huge.bin", "application/octet-stream",
        randomBytes((int) MULTIPART_LIMIT * 2));
    byte[] bytes = body.bytes();
    try (RawConnection c = limited.connect()) {
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: " + body.contentType()
          + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      // A chunk announced larger than what follows, cut just past the limit: the server has read every
      // byte sent when it answers and closes, so no reset can overtake the 413.
      int n = (int) MULTIPART_LIMIT + 1;
      c.send(Integer.toHexString(n + 100) + "\r\n");
      c.send(Arrays.copyOf(bytes, n));
      Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      c.assertClosedByServer();
    }
    assertThat(limited.get("/ping").body()).isEqualTo("pong");
  }

  /** Netty's DiskFileUpload temp files (prefix FUp_) in java.io.tmpdir whose content is {@code expected}. */
  private static List<Path> uploadTempFilesHolding(byte[] expected) {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("FUp_"))
          .filter(p -> sameContent(p, expected)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean sameContent(Path p, byte[] expected) {
    try {
      return Files.size(p) == expected.length && Arrays.equals(Files.readAllBytes(p), expected);
    } catch (IOException e) {
      return false; // deleted meanwhile, or another process's
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
