package dev.nonstop.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A file part of a multipart form. Large parts were streamed to a temporary file while the request
 * arrived; the temporary file is deleted when the request completes, so {@link #saveTo(Path)} what
 * you want to keep.
 *
 * <pre>{@code
 * UploadedFile f = c.formFile("avatar");
 * if (f != null) f.saveTo(uploads.resolve(UUID.randomUUID().toString()));
 * }</pre>
 */
public interface UploadedFile {
  /** The form field name. */
  String field();

  /** The client's file name, as sent (never trust it as a path). */
  String filename();

  /** The part's content type, as sent. */
  String contentType();

  /** The size of the content in bytes. */
  long size();

  /** Opens the content for reading, from the start on every call; the caller closes it. */
  InputStream open() throws IOException;

  /** Copies the content to {@code target}, replacing a file already there. */
  void saveTo(Path target) throws IOException;
}
