package dev.relive.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The admin API's one handler: authentication, size limits, routing, and the JSON or page for each route.
 *
 * <p>Implementation notes: the token is compared as SHA-256 digests with {@link MessageDigest#isEqual}, so
 * neither its content nor its length shows in timing; every 401 has the same body whatever failed. The
 * status page and its script are static and carry no data, so they are served without the token.
 */
final class AdminRoutes implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  private static final String JSON = "application/json; charset=utf-8";

  private final Map<String, LiveConfig<?>> configs;
  private final String defaultName;
  private final byte[] tokenDigest;
  private final boolean openReadOnly;
  private final Set<String> allowedHosts;
  private final int maxRequestBytes;
  private final @Nullable Supplier<String> metrics;
  private final String page = resource("status.html");
  private final String script = resource("status.js");

  AdminRoutes(Map<String, LiveConfig<?>> configs, String token, boolean openReadOnly, Set<String> allowedHosts,
      int maxRequestBytes, @Nullable Supplier<String> metrics) {
    this.allowedHosts = Set.copyOf(allowedHosts);
    this.configs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(configs));
    this.defaultName = configs.keySet().iterator().next();
    this.tokenDigest = sha256(token.getBytes(StandardCharsets.UTF_8));
    this.openReadOnly = openReadOnly;
    this.maxRequestBytes = maxRequestBytes;
    this.metrics = metrics;
  }

  /** An answer other than 200, with its message. */
  private static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient JsonNode body;

    HttpError(int status, String message) {
      this(status, AdminJson.error(message));
    }

    HttpError(int status, JsonNode body) {
      super(body.toString(), null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        route(exchange);
      } catch (HttpError e) {
        send(exchange, e.status, JSON, e.body.toString());
      } catch (RuntimeException e) {
        LOG.error("admin: {} {} failed", loggable(exchange.getRequestMethod()), loggable(exchange.getRequestURI().getPath()), e);
        send(exchange, 500, JSON, AdminJson.error("internal error").toString());
      }
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    String path = relativePath(exchange);
    boolean read = method.equals("GET") || method.equals("HEAD");
    if (openReadOnly && !allowedHost(exchange.getRequestHeaders().getFirst("Host"))) {
      // Without the token, a page on another site could read the API through a DNS name rebound to loopback.
      LOG.warn("admin: refused {} {} for Host {}", loggable(method), loggable(path),
          loggable(String.valueOf(exchange.getRequestHeaders().getFirst("Host"))));
      throw new HttpError(403, "this Host is not allowed; add it with allowedHosts(...)");
    }
    if (read && path.equals("/config/ui")) {
      sendPage(exchange, "text/html; charset=utf-8", page);
      return;
    }
    if (read && path.equals("/config/ui/")) {
      // The page loads its script relative to /config/ui, so it must be addressed without the slash.
      exchange.getResponseHeaders().set("Location", exchange.getRequestURI().getPath().replaceAll("/$", ""));
      send(exchange, 301, "text/plain; charset=utf-8", "");
      return;
    }
    if (read && path.equals("/favicon.ico")) {
      // Browsers ask for it on every visit to the status page: no content, no token, no log line.
      send(exchange, 204, "image/x-icon", "");
      return;
    }
    if (read && path.equals("/config/ui/status.js")) {
      sendPage(exchange, "text/javascript; charset=utf-8", script);
      return;
    }
    if (!(openReadOnly && read) && !authorized(exchange)) {
      LOG.warn("admin: unauthorized {} {} from {}", loggable(method), loggable(path), exchange.getRemoteAddress().getAddress());
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"relive\"");
      throw new HttpError(401, "unauthorized");
    }
    byte[] body = read ? new byte[0] : body(exchange);
    if (path.equals("/health")) {
      requireMethod(read, "GET");
      sendJson(exchange, 200, health());
    } else if (path.equals("/metrics")) {
      requireMethod(read, "GET");
      if (metrics == null) {
        throw new HttpError(404, "metrics are not enabled");
      }
      send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
    } else if (path.equals("/configs")) {
      requireMethod(read, "GET");
      ObjectNode out = AdminJson.object();
      configs.keySet().forEach(out.putArray("configs")::add);
      out.put("default", defaultName);
      sendJson(exchange, 200, out);
    } else if (path.equals("/config") || path.startsWith("/config/")) {
      configRoute(exchange, method, defaultName, path.substring("/config".length()), body);
    } else if (path.startsWith("/configs/")) {
      String rest = path.substring("/configs/".length());
      int slash = rest.indexOf('/');
      String name = slash < 0 ? rest : rest.substring(0, slash);
      configRoute(exchange, method, name, slash < 0 ? "" : rest.substring(slash), body);
    } else {
      throw new HttpError(404, "no such endpoint");
    }
  }

  private void configRoute(HttpExchange exchange, String method, String name, String rest, byte[] body)
      throws IOException {
    LiveConfig<?> config = configs.get(name);
    if (config == null) {
      throw new HttpError(404, "no config named '" + name + "'");
    }
    boolean read = method.equals("GET") || method.equals("HEAD");
    switch (rest.endsWith("/") && rest.length() > 1 ? rest.substring(0, rest.length() - 1) : rest) {
      case "", "/" -> {
        requireMethod(read, "GET");
        sendJson(exchange, 200, AdminJson.config(name, config.snapshot()));
      }
      case "/status" -> {
        requireMethod(read, "GET");
        sendJson(exchange, 200, AdminJson.status(config.status()));
      }
      case "/history" -> {
        requireMethod(read, "GET");
        sendJson(exchange, 200, AdminJson.history(config.history()));
      }
      case "/diff" -> {
        requireMethod(read, "GET");
        Map<String, String> query = query(exchange);
        ConfigSnapshot<?> from = version(config, query.get("from"), "from");
        ConfigSnapshot<?> to = version(config, query.get("to"), "to");
        ObjectNode out = AdminJson.object();
        out.put("from", from.version());
        out.put("to", to.version());
        out.set("changes", AdminJson.changes(from.changesTo(to)));
        sendJson(exchange, 200, out);
      }
      case "/reload" -> {
        requireMethod(!read, "POST");
        ReloadEvent event = config.reload();
        LOG.info("admin: reload of '{}' requested from {}: {}", name, exchange.getRemoteAddress().getAddress(),
            AdminJson.event(event).get("event").asText());
        sendEvent(exchange, event);
      }
      case "/validate" -> {
        requireMethod(!read, "POST");
        if (body.length == 0) {
          throw new HttpError(400, "send the candidate document in the request body");
        }
        sendJson(exchange, 200, AdminJson.dryRun(config.dryRun(body, format(exchange))));
      }
      case "/pin" -> {
        requireMethod(!read, "POST");
        config.pin();
        LOG.info("admin: '{}' pinned from {}", name, exchange.getRemoteAddress().getAddress());
        sendJson(exchange, 200, AdminJson.status(config.status()));
      }
      case "/unpin" -> {
        requireMethod(!read, "POST");
        config.unpin().join();
        LOG.info("admin: '{}' unpinned from {}", name, exchange.getRemoteAddress().getAddress());
        sendJson(exchange, 200, AdminJson.status(config.status()));
      }
      default -> {
        if (!rest.startsWith("/rollback/")) {
          throw new HttpError(404, "no such endpoint");
        }
        requireMethod(!read, "POST");
        long version = number(rest.substring("/rollback/".length()), "version");
        ReloadEvent event;
        try {
          event = config.rollback(version);
        } catch (IllegalArgumentException e) {
          throw new HttpError(404, String.valueOf(e.getMessage()));
        }
        LOG.info("admin: rollback of '{}' to version {} requested from {}: {}", name, version,
            exchange.getRemoteAddress().getAddress(), AdminJson.event(event).get("event").asText());
        sendEvent(exchange, event);
      }
    }
  }

  /** True for a loopback name (with any port) or a host the builder allowed. */
  private boolean allowedHost(String host) {
    if (host == null) {
      return false;
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) {
      int close = name.indexOf(']');
      name = close < 0 ? name : name.substring(0, close + 1);
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    return name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]") || allowedHosts.contains(name);
  }

  /** Request data as it may go into a log line: control characters escaped, so no request can forge a line. */
  static String loggable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static ConfigSnapshot<?> version(LiveConfig<?> config, @Nullable String text, String what) {
    long v = number(text, what);
    List<? extends ConfigSnapshot<?>> history = config.history();
    return history.stream().filter(s -> s.version() == v).findFirst().orElseThrow(() -> new HttpError(404,
        "version " + v + " is not in the history (kept: " + history.get(history.size() - 1).version() + ".."
            + history.get(0).version() + ")"));
  }

  private static long number(@Nullable String text, String what) {
    if (text == null || text.isEmpty()) {
      throw new HttpError(400, "'" + what + "' is required");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new HttpError(400, "'" + what + "' must be a version number");
    }
  }

  /** The candidate's format: {@code ?format=}, else from the content type, else YAML. */
  private static String format(HttpExchange exchange) {
    String explicit = query(exchange).get("format");
    if (explicit != null) {
      return explicit;
    }
    String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("")
        .toLowerCase(Locale.ROOT);
    if (type.contains("json")) {
      return "json";
    }
    if (type.contains("toml")) {
      return "toml";
    }
    if (type.contains("properties")) {
      return "properties";
    }
    return "yaml";
  }

  private void sendEvent(HttpExchange exchange, ReloadEvent event) throws IOException {
    int status = event instanceof ReloadEvent.Rejected ? 422 : event instanceof ReloadEvent.Skipped ? 409 : 200;
    sendJson(exchange, status, AdminJson.event(event));
  }

  private ObjectNode health() {
    ObjectNode out = AdminJson.object();
    ObjectNode each = AdminJson.object();
    boolean degraded = false;
    for (Map.Entry<String, LiveConfig<?>> e : configs.entrySet()) {
      var s = e.getValue().status();
      degraded |= s.degraded();
      each.putObject(e.getKey()).put("version", s.servingVersion())
          .put("status", s.degraded() ? "DEGRADED" : s.pinned() ? "PINNED" : "OK");
    }
    out.put("status", degraded ? "DEGRADED" : "UP");
    out.set("configs", each);
    return out;
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = sha256(header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(tokenDigest, given);
  }

  private byte[] body(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxRequestBytes) {
          throw new HttpError(413, "request body is larger than " + maxRequestBytes + " bytes");
        }
      } catch (NumberFormatException e) {
        throw new HttpError(400, "bad Content-Length");
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readNBytes(maxRequestBytes + 1);
      if (bytes.length > maxRequestBytes) {
        throw new HttpError(413, "request body is larger than " + maxRequestBytes + " bytes");
      }
      return bytes;
    }
  }

  private static void requireMethod(boolean ok, String allowed) {
    if (!ok) {
      throw new HttpError(405, "use " + allowed);
    }
  }

  private static String relativePath(HttpExchange exchange) {
    String path = exchange.getRequestURI().getPath();
    String context = exchange.getHttpContext().getPath();
    if (!context.equals("/") && path.startsWith(context)) {
      path = path.substring(context.length());
    }
    return path.isEmpty() ? "/" : path;
  }

  private static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> out = new HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&", -1)) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
      }
    }
    return out;
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
    try {
      send(exchange, status, JSON, AdminJson.MAPPER.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sendPage(HttpExchange exchange, String type, String content) throws IOException {
    exchange.getResponseHeaders().set("Content-Security-Policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    send(exchange, 200, type, content);
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = AdminRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
