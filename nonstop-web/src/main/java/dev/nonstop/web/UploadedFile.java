package dev.nonstop.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A file part of a multipart form. Large parts were streamed to a temporary file while the request
 * arrived; the temporary file is deleted when the request completes, so {@link #saveTo(Path)} what
 * you want to keep.
 */
public interface UploadedFile {
  /** The form field name. */
  String field();

  /** The client's file name, as sent (never trust it as a path). */
  String filename();

  /** The part's content type, as sent. */
  String contentType();

  /** Size in bytes. */
  long size();

  /** The content. */
  InputStream open() throws IOException;

  /** Copies (or moves) the content to {@code target}, replacing it. */
  void saveTo(Path target) throws IOException;
}
