package dev.capstan.agent.runtime.podman;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A minimal HTTP/1.1 client over a Unix domain socket, with the JDK's own Unix socket channels
 * ({@code SocketChannel.open(StandardProtocolFamily.UNIX)}): enough for a local daemon's REST API
 * such as Podman's libpod API.
 *
 * <p>Every request opens its own connection and sends {@code Connection: close}: connecting to a
 * local socket costs microseconds, and it keeps the client free of connection-pool state. Response
 * bodies may be sized ({@code Content-Length}), chunked, or run until the server closes the
 * connection (Podman's exec and attach streams); {@link #open} hands them out as a stream,
 * {@link #send} reads them whole.
 *
 * <p>A request that has not finished within its timeout has its connection closed, which ends any
 * blocked read with an {@link IOException}. The client is thread-safe.
 */
public final class UnixHttpClient implements AutoCloseable {
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final Path socket;
  private final ScheduledExecutorService timeouts;

  public UnixHttpClient(Path socket) {
    this.socket = socket;
    this.timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "unix-http-timeouts");
      t.setDaemon(true);
      return t;
    });
  }

  public Path socket() {
    return socket;
  }

  /** A request body: bytes in memory or a file streamed from disk. */
  public record Body(String contentType, byte[] bytes, Path file) {
    public static Body json(byte[] bytes) {
      return new Body("application/json", bytes, null);
    }

    public static Body file(String contentType, Path file) {
      return new Body(contentType, null, file);
    }

    long length() throws IOException {
      return bytes != null ? bytes.length : Files.size(file);
    }

    void writeTo(OutputStream out) throws IOException {
      if (bytes != null) {
        out.write(bytes);
      } else {
        try (InputStream in = Files.newInputStream(file)) {
          in.transferTo(out);
        }
      }
    }
  }

  /** A response read whole. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** A response whose body is read as it arrives; closing it closes the connection. */
  public static final class StreamingResponse implements AutoCloseable {
    private final int status;
    private final Map<String, String> headers;
    private final InputStream body;
    private final SocketChannel channel;
    private final ScheduledFuture<?> timeout;
    private final AtomicBoolean timedOut;

    StreamingResponse(int status, Map<String, String> headers, InputStream body, SocketChannel channel,
        ScheduledFuture<?> timeout, AtomicBoolean timedOut) {
      this.status = status;
      this.headers = headers;
      this.body = body;
      this.channel = channel;
      this.timeout = timeout;
      this.timedOut = timedOut;
    }

    public int status() {
      return status;
    }

    /** Header values by lower-case name. */
    public Map<String, String> headers() {
      return headers;
    }

    /** The body, already de-chunked; it ends where the response ends. */
    public InputStream body() {
      return body;
    }

    @Override
    public void close() {
      if (timeout != null) {
        timeout.cancel(false);
      }
      try {
        channel.close();
      } catch (IOException e) {
        // Closing a local socket: nothing useful to do about a failure.
      }
    }
  }

  /**
   * Sends a request and reads the whole response.
   *
   * @param method GET, POST, DELETE, ...
   * @param target the request target: path and query, already encoded
   * @param body the body, or null for none
   * @param timeout how long the whole exchange may take
   * @throws IOException when the socket cannot be reached, the response is malformed, or the
   *     timeout passed (the message says which)
   */
  public Response send(String method, String target, Body body, Duration timeout) throws IOException {
    try (StreamingResponse r = open(method, target, body, timeout)) {
      byte[] bytes;
      try {
        bytes = r.body().readAllBytes();
      } catch (IOException e) {
        throw timedOutOr(e, r.timedOut, method, target, timeout);
      }
      return new Response(r.status(), r.headers(), bytes);
    }
  }

  /**
   * Sends a request and returns once the response's headers are in; the caller reads the body and
   * closes the response. The timeout covers the whole exchange until close (zero: none).
   */
  public StreamingResponse open(String method, String target, Body body, Duration timeout) throws IOException {
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (UnsupportedOperationException e) {
      throw new IOException("this JVM has no Unix domain sockets", e);
    }
    ScheduledFuture<?> timer = null;
    // Set before the channel is closed, so that the failing read can tell a timeout from a failure.
    AtomicBoolean timedOut = new AtomicBoolean();
    try {
      if (!timeout.isZero()) {
        timer = timeouts.schedule(() -> {
          timedOut.set(true);
          closeQuietly(channel);
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
      }
      OutputStream out = Channels.newOutputStream(channel);
      StringBuilder head = new StringBuilder()
          .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
          // The host is meaningless on a Unix socket but HTTP/1.1 requires the header.
          .append("Host: localhost\r\n")
          .append("Connection: close\r\n");
      if (body != null) {
        head.append("Content-Type: ").append(body.contentType()).append("\r\n")
            .append("Content-Length: ").append(body.length()).append("\r\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        head.append("Content-Length: 0\r\n");
      }
      head.append("\r\n");
      try {
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
          body.writeTo(out);
        }
        out.flush();
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
        String statusLine = readLine(in);
        int status = parseStatus(statusLine);
        Map<String, String> headers = readHeaders(in);
        InputStream bodyStream = bodyOf(method, status, headers, in);
        return new StreamingResponse(status, headers, bodyStream, channel, timer, timedOut);
      } catch (IOException e) {
        throw timedOutOr(e, timedOut, method, target, timeout);
      }
    } catch (IOException | RuntimeException e) {
      if (timer != null) {
        timer.cancel(false);
      }
      closeQuietly(channel);
      throw e;
    }
  }

  private static IOException timedOutOr(IOException e, AtomicBoolean timedOut, String method, String target,
      Duration timeout) {
    if (timedOut.get()) {
      return new IOException(method + " " + target + " did not finish within " + timeout.toMillis() + " ms", e);
    }
    return e;
  }

  private static InputStream bodyOf(String method, int status, Map<String, String> headers, InputStream in)
      throws IOException {
    if (method.equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return InputStream.nullInputStream();
    }
    String encoding = headers.getOrDefault("transfer-encoding", "");
    if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      return new ChunkedInputStream(in);
    }
    String length = headers.get("content-length");
    if (length != null) {
      try {
        return new BoundedInputStream(in, Long.parseLong(length.strip()));
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length \"" + length + "\"", e);
      }
    }
    // Neither: the body runs until the server closes the connection (HTTP/1.1 section 6.3).
    return in;
  }

  private static int parseStatus(String line) throws IOException {
    // "HTTP/1.1 200 OK"
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP response: \"" + line + "\"");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad HTTP status line: \"" + line + "\"", e);
    }
  }

  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> headers = new TreeMap<>();
    int total = 0;
    while (true) {
      String line = readLine(in);
      if (line.isEmpty()) {
        return headers;
      }
      total += line.length();
      if (total > MAX_HEADER_BYTES) {
        throw new IOException("HTTP response headers exceed " + MAX_HEADER_BYTES + " bytes");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip(),
            (a, b) -> a + ", " + b);
      }
    }
  }

  /** One CRLF- (or LF-) terminated line, without the terminator. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed in the middle of an HTTP response");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_HEADER_BYTES) {
        throw new IOException("HTTP line longer than " + MAX_HEADER_BYTES + " bytes");
      }
      line.write(b);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing to do: the channel is being abandoned.
    }
  }

  @Override
  public void close() {
    timeouts.shutdownNow();
  }

  /** A body of a known length. */
  static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long length) {
      this.in = in;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed with " + remaining + " body bytes missing");
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buf, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException("connection closed with " + remaining + " body bytes missing");
      }
      remaining -= n;
      return n;
    }
  }

  /** A chunked body (RFC 9112 section 7.1), trailers skipped. */
  static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long chunkRemaining;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!nextChunk()) {
        return -1;
      }
      int n = in.read(buf, off, (int) Math.min(len, chunkRemaining));
      if (n < 0) {
        throw new EOFException("connection closed inside a chunk");
      }
      chunkRemaining -= n;
      if (chunkRemaining == 0) {
        String crlf = readLine(in);
        if (!crlf.isEmpty()) {
          throw new IOException("chunk not followed by CRLF");
        }
      }
      return n;
    }

    /** Whether there is chunk data to read; reads the next chunk's size when needed. */
    private boolean nextChunk() throws IOException {
      if (done) {
        return false;
      }
      if (chunkRemaining > 0) {
        return true;
      }
      String sizeLine = readLine(in);
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip();
      try {
        chunkRemaining = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size \"" + sizeLine + "\"", e);
      }
      if (chunkRemaining == 0) {
        // The last chunk: skip trailers up to the empty line.
        while (!readLine(in).isEmpty()) {
          // trailer field, ignored
        }
        done = true;
        return false;
      }
      return true;
    }
  }
}
