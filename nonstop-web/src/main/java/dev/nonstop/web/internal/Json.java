package dev.nonstop.web.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The default JSON mapping: lenient on unknown fields (as Gin's binding), ISO dates. */
public final class Json {
  private Json() {}

  public static ObjectMapper defaultMapper() {
    // Jackson's default buffer recycling is thread-local, which a virtual thread per request defeats
    // (every request would allocate fresh buffers); a shared lock-free pool works for any thread.
    JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedLockFreePool()).build();
    return new ObjectMapper(factory)
        .registerModule(new JavaTimeModule())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }
}
