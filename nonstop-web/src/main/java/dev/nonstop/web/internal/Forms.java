package dev.nonstop.web.internal;

import dev.nonstop.web.UploadedFile;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Form bodies. Multipart parts above 16 KiB go to temporary files while the body arrives (Netty's
 * mixed attributes), so a large upload never sits in memory; the files are removed when the request
 * ends.
 */
final class Forms {
  private static final DefaultHttpDataFactory FACTORY = newFactory();

  private Forms() {}

  private static DefaultHttpDataFactory newFactory() {
    DefaultHttpDataFactory f = new DefaultHttpDataFactory(16 * 1024, StandardCharsets.UTF_8);
    // deleteOnExit keeps every temp file's name in a JVM-wide list until exit: a slow leak on a
    // long-running server. The request's end deletes them instead.
    f.setDeleteOnExit(false);
    return f;
  }

  static HttpPostRequestDecoder newMultipartDecoder(HttpRequest r) {
    return new HttpPostRequestDecoder(FACTORY, r, StandardCharsets.UTF_8);
  }

  /** Fields and files of a request body. */
  record Parsed(Map<String, List<String>> fields, List<UploadedFile> files) {
    static final Parsed EMPTY = new Parsed(Map.of(), List.of());
  }

  static Parsed urlEncoded(String body) {
    if (body.isEmpty()) {
      return Parsed.EMPTY;
    }
    return new Parsed(decode(body), List.of());
  }

  /**
   * Decodes {@code a=1&b=2} (a query string or a url-encoded body): '+' is a space, only {@code '&'}
   * separates, as in WHATWG URL and Go. Netty splits on ';' too by default; then a cache or proxy that
   * splits on {@code '&'} only sees other parameters than the application ("parameter cloaking").
   */
  static Map<String, List<String>> decode(String encoded) {
    if (encoded == null || encoded.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(QueryStringDecoder.builder().hasPath(false).semicolonIsNormalChar(true)
        .charset(StandardCharsets.UTF_8).build(encoded).parameters());
  }

  static Parsed multipart(HttpPostRequestDecoder decoder) throws IOException {
    Map<String, List<String>> fields = new LinkedHashMap<>();
    List<UploadedFile> files = new ArrayList<>();
    for (InterfaceHttpData d : decoder.getBodyHttpDatas()) {
      if (d instanceof FileUpload f) {
        files.add(new Upload(f));
      } else if (d instanceof Attribute a) {
        fields.computeIfAbsent(a.getName(), k -> new ArrayList<>()).add(a.getValue());
      }
    }
    return new Parsed(Collections.unmodifiableMap(fields), List.copyOf(files));
  }

  /** A multipart file part, in memory or in a temporary file. */
  private record Upload(FileUpload part) implements UploadedFile {
    @Override public String field() { return part.getName(); }
    @Override public String filename() { return part.getFilename(); }
    @Override public String contentType() { return part.getContentType(); }
    @Override public long size() { return part.length(); }

    @Override
    public InputStream open() throws IOException {
      if (part.isInMemory()) {
        return new java.io.ByteArrayInputStream(part.get());
      }
      return Files.newInputStream(part.getFile().toPath());
    }

    @Override
    public void saveTo(Path target) throws IOException {
      try (InputStream in = open()) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
