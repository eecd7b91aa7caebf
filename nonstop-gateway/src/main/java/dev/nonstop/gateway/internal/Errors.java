package dev.nonstop.gateway.internal;

import dev.nonstop.web.http.JsonText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The responses the gateway makes itself: a short JSON body naming the status, a reason a client
 * developer can act on and the request id, so a 502 in a browser can be found in the gateway's log.
 */
final class Errors {
  private Errors() {}

  /**
   * A gateway-made response.
   *
   * @param retryAfterSeconds the {@code Retry-After} value, or <= 0 for none
   * @param requestId the request's id, or null before one exists (a malformed request)
   */
  static FullHttpResponse response(ByteBufAllocator alloc, HttpResponseStatus status, String message,
      String requestId, long retryAfterSeconds, boolean close) {
    StringBuilder json = new StringBuilder(96).append("{\"status\":").append(status.code())
        .append(",\"error\":").append(JsonText.quote(message));
    if (requestId != null) {
      json.append(",\"request_id\":").append(JsonText.quote(requestId));
    }
    json.append("}\n");
    byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
        .set(HttpHeaderNames.VIA, Headers.VIA);
    if (requestId != null) {
      r.headers().set(Headers.X_REQUEST_ID, requestId);
    }
    if (retryAfterSeconds > 0) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }
}
