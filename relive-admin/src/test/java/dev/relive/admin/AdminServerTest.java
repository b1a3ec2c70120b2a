package dev.relive.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relive.config.ConfigSources;
import dev.relive.config.InMemorySource;
import dev.relive.config.LiveConfig;
import dev.relive.config.Participant;
import dev.relive.config.Secret;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every admin endpoint over real HTTP, with the auth, size and secrecy rules. */
class AdminServerTest {
  record Db(String url, @Secret String password, int pool) {}

  record App(String greeting, Db db) {}

  static final String TOKEN = "test-token-0123456789abcdef";
  static final String SECRET = "hunter2-super-secret";
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final InMemorySource source = new InMemorySource("admin");
  private final InMemorySource otherSource = new InMemorySource("other");
  private final AtomicBoolean failPool = new AtomicBoolean();
  private final List<String> seen = new ArrayList<>();
  private PrintStream originalErr;
  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private LiveConfig<App> config;
  private LiveConfig<App> other;
  private PrometheusMeterRegistry registry;
  private AdminServer admin;

  private static Map<String, Object> app(String greeting, String url, int pool) {
    return Map.of("greeting", greeting, "db.url", url, "db.password", SECRET, "db.pool", pool);
  }

  @BeforeEach
  void start() {
    originalErr = System.err;
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    config = LiveConfig.builder(App.class).name("app").source(source.set(app("hello", "jdbc:one", 4)))
        .validator((c, problems) -> {
          if (c.db().pool() < 1) {
            problems.add("db.pool", "must be at least 1");
          }
        }).executor(Runnable::run).reloadOnSighup(false).build();
    config.participate(App::db, (old, neu) -> {
      if (failPool.get()) {
        throw new IllegalStateException("cannot open a pool to " + neu.db().url());
      }
      return new Participant.Prepared() {
        @Override
        public void commit() {}

        @Override
        public void abort() {}
      };
    });
    config.subscribe(e -> seen.add(e.toString()));
    other = LiveConfig.builder(App.class).name("other").source(otherSource.set(app("other", "jdbc:x", 1)))
        .executor(Runnable::run).reloadOnSighup(false).build();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ReliveMetrics(Map.of("app", config, "other", other)).bindTo(registry);
    admin = AdminServer.builder().config("app", config).config("other", other).token(TOKEN)
        .maxRequestBytes(4096).metrics(registry::scrape).build();
  }

  @AfterEach
  void stop() {
    admin.close();
    config.close();
    other.close();
    System.setErr(originalErr);
  }

  private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    seen.add(response.body());
    return response;
  }

  private JsonNode ok(String method, String path, String body) throws Exception {
    HttpResponse<String> r = call(method, path, body, TOKEN);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  @Test
  void bindsToLoopback_andEveryEndpointNeedsTheToken() throws Exception {
    assertThat(admin.address().getAddress().isLoopbackAddress()).isTrue();
    for (String[] endpoint : new String[][] {{"GET", "/config"}, {"GET", "/config/status"}, {"GET", "/config/history"},
        {"GET", "/config/diff?from=1&to=1"}, {"POST", "/config/reload"}, {"POST", "/config/validate"},
        {"POST", "/config/rollback/1"}, {"POST", "/config/pin"}, {"POST", "/config/unpin"}, {"GET", "/health"},
        {"GET", "/metrics"}, {"GET", "/configs"}, {"GET", "/configs/other/status"}}) {
      List<HttpResponse<String>> failures = List.of(call(endpoint[0], endpoint[1], null, null),
          call(endpoint[0], endpoint[1], null, "wrong-token-but-long-enough"),
          call(endpoint[0], endpoint[1], null, TOKEN + "x"));
      for (HttpResponse<String> r : failures) {
        assertThat(r.statusCode()).as(endpoint[1]).isEqualTo(401);
        assertThat(r.body()).isEqualTo("{\"error\":\"unauthorized\"}");
        assertThat(r.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"relive\"");
      }
    }
    HttpResponse<String> basic = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort()
        + "/config")).header("Authorization", "Basic " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(basic.statusCode()).isEqualTo(401);
    assertThat(config.status().pinned()).isFalse();
    assertThat(logs.toString(StandardCharsets.UTF_8)).contains("unauthorized").doesNotContain(TOKEN);
  }

  @Test
  void readEndpoints_showTheConfigRedacted_statusHistoryAndDiff() throws Exception {
    JsonNode current = ok("GET", "/config", null);
    assertThat(current.get("name").asText()).isEqualTo("app");
    assertThat(current.get("version").asLong()).isEqualTo(1);
    assertThat(current.at("/config/db/url").asText()).isEqualTo("jdbc:one");
    assertThat(current.at("/config/db/password").asText()).isEqualTo("<redacted>");

    source.set(app("bonjour", "jdbc:two", 4));
    assertThat(ok("POST", "/config/reload", null).get("event").asText()).isEqualTo("applied");
    JsonNode status = ok("GET", "/config/status", null);
    assertThat(status.get("version").asLong()).isEqualTo(2);
    assertThat(status.get("status").asText()).isEqualTo("OK");
    assertThat(status.at("/lastResult/event").asText()).isEqualTo("applied");
    assertThat(status.at("/lastResult/changed")).extracting(JsonNode::asText).containsExactlyInAnyOrder("greeting", "db.url");
    assertThat(ok("GET", "/config/history", null).get("versions")).extracting(v -> v.get("version").asLong())
        .containsExactly(2L, 1L);
    JsonNode diff = ok("GET", "/config/diff?from=1&to=2", null);
    assertThat(diff.get("changes")).extracting(c -> c.get("path").asText() + "=" + c.get("before") + "->" + c.get("after"))
        .containsExactlyInAnyOrder("greeting=\"hello\"->\"bonjour\"", "db.url=\"jdbc:one\"->\"jdbc:two\"");
    assertThat(ok("GET", "/configs", null).get("configs")).extracting(JsonNode::asText).containsExactly("app", "other");
    assertThat(ok("GET", "/configs/other", null).at("/config/greeting").asText()).isEqualTo("other");
    JsonNode health = ok("GET", "/health", null);
    assertThat(health.get("status").asText()).isEqualTo("UP");
    assertThat(health.at("/configs/app/version").asLong()).isEqualTo(2);
  }

  @Test
  void unknownThings_are404_badParameters400_wrongMethods405() throws Exception {
    assertThat(call("GET", "/config/diff?from=1&to=9", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/config/diff?from=1&to=9", null, TOKEN).body()).contains("version 9 is not in the history (kept: 1..1)");
    assertThat(call("POST", "/config/rollback/42", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/config/diff?from=x&to=1", null, TOKEN).statusCode()).isEqualTo(400);
    assertThat(call("GET", "/config/diff", null, TOKEN).statusCode()).isEqualTo(400);
    assertThat(call("GET", "/configs/nope/status", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/nothing", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/config/reload", null, TOKEN).statusCode()).isEqualTo(405);
    assertThat(call("DELETE", "/config", null, TOKEN).statusCode()).isEqualTo(405);
  }

  @Test
  void oversizedBodies_are413_andNothingIsApplied() throws Exception {
    String big = "greeting: " + "x".repeat(5000) + "\n";
    HttpResponse<String> r = call("POST", "/config/validate", big, TOKEN);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("larger than 4096 bytes");
    assertThat(config.snapshot().version()).isEqualTo(1);
  }

  @Test
  void validate_reportsProblemsWithOrigins_orTheDiff_andAppliesNothing() throws Exception {
    JsonNode bad = ok("POST", "/config/validate", "greeting: hi\ndb:\n  url: jdbc:z\n  password: p\n  pool: 0\n");
    assertThat(bad.get("valid").asBoolean()).isFalse();
    assertThat(bad.get("problems")).extracting(p -> p.get("origin").asText() + " " + p.get("path").asText() + ": "
        + p.get("message").asText()).containsExactly("candidate.yaml:5:9 db.pool: must be at least 1");
    JsonNode syntax = ok("POST", "/config/validate?format=json", "{\"greeting\": ");
    assertThat(syntax.at("/problems/0/origin").asText()).startsWith("candidate.json:1:");
    JsonNode good = ok("POST", "/config/validate", "greeting: hi\ndb:\n  url: jdbc:one\n  password: " + SECRET + "-new\n  pool: 4\n");
    assertThat(good.get("valid").asBoolean()).isTrue();
    // A changed secret is listed as changed, its values redacted.
    assertThat(good.get("changes")).extracting(c -> c.get("path").asText() + " " + c.get("before") + " " + c.get("after"))
        .containsExactlyInAnyOrder("greeting \"hello\" \"hi\"", "db.password \"<redacted>\" \"<redacted>\"");
    assertThat(config.get().greeting()).isEqualTo("hello");
    assertThat(call("POST", "/config/validate", null, TOKEN).statusCode()).isEqualTo(400);
  }

  @Test
  void rollbackThroughAFailingParticipant_isRejected_andTheOldVersionServes() throws Exception {
    source.set(app("hello", "jdbc:two", 4));
    ok("POST", "/config/reload", null);
    failPool.set(true);
    HttpResponse<String> r = call("POST", "/config/rollback/1", null, TOKEN);
    assertThat(r.statusCode()).isEqualTo(422);
    JsonNode event = JSON.readTree(r.body());
    assertThat(event.get("event").asText()).isEqualTo("rejected");
    assertThat(event.get("stage").asText()).isEqualTo("prepare");
    assertThat(event.at("/problems/0/message").asText()).contains("cannot open a pool to jdbc:one");
    assertThat(config.get().db().url()).isEqualTo("jdbc:two");
    failPool.set(false);
    JsonNode rolledBack = ok("POST", "/config/rollback/1", null);
    assertThat(rolledBack.get("event").asText()).isEqualTo("rolled_back");
    assertThat(rolledBack.get("restoredVersion").asLong()).isEqualTo(1);
    assertThat(config.get().db().url()).isEqualTo("jdbc:one");
  }

  @Test
  void pinAndUnpin_andAReloadWhilePinnedIsAConflict() throws Exception {
    assertThat(ok("POST", "/config/pin", null).get("status").asText()).isEqualTo("PINNED");
    source.set(app("changed", "jdbc:one", 4));
    HttpResponse<String> skipped = call("POST", "/config/reload", null, TOKEN);
    assertThat(skipped.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(skipped.body()).get("reason").asText()).isEqualTo("pinned");
    JsonNode unpinned = ok("POST", "/config/unpin", null);
    assertThat(unpinned.get("pinned").asBoolean()).isFalse();
    assertThat(config.get().greeting()).isEqualTo("changed");
  }

  @Test
  void rejectedReload_is422_withEveryProblem() throws Exception {
    source.set(app("hello", "jdbc:one", 0));
    HttpResponse<String> r = call("POST", "/config/reload", null, TOKEN);
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).at("/problems/0/path").asText()).isEqualTo("db.pool");
    assertThat(ok("GET", "/config/status", null).at("/lastRejection/problems/0/origin").asText())
        .isEqualTo("memory:admin:db.pool");
  }

  @Test
  void metrics_arePrometheusText_withTheReliveMeters() throws Exception {
    source.set(app("metrics", "jdbc:one", 4));
    ok("POST", "/config/reload", null);
    source.set(app("metrics", "jdbc:one", 0));
    call("POST", "/config/reload", null, TOKEN);
    HttpResponse<String> r = call("GET", "/metrics", null, TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body()).contains(
        "relive_reloads_total{config=\"app\",result=\"applied\"} 2.0",
        "relive_reloads_total{config=\"app\",result=\"rejected\"} 1.0",
        "relive_rejections_total{config=\"app\",reason=\"validate\"} 1.0",
        "relive_config_version{config=\"app\"} 2.0",
        "relive_config_version{config=\"other\"} 1.0",
        "relive_reload_duration_seconds_count{config=\"app\",result=\"applied\"} 1",
        "relive_listener_duration_seconds_count{config=\"app\"} 1",
        "relive_config_last_success_seconds{config=\"app\"}",
        "relive_config_degraded{config=\"app\"} 0.0",
        "relive_listener_failures_total{config=\"app\"} 0.0");
  }

  @Test
  void statusCounts_andMetrics_countTheSameRuns() throws Exception {
    source.set(app("counts", "jdbc:one", 4));
    ok("POST", "/config/reload", null);
    source.set(app("counts", "jdbc:one", 0));
    call("POST", "/config/reload", null, TOKEN);
    call("POST", "/config/reload", null, TOKEN);
    ok("POST", "/config/rollback/1", null);
    JsonNode counts = ok("GET", "/config/status", null).get("counts");
    String metrics = call("GET", "/metrics", null, TOKEN).body();
    assertThat(counts.get("rejected").asLong()).isEqualTo(2);
    assertThat(metrics).contains("relive_reloads_total{config=\"app\",result=\"rejected\"} 2.0");
    assertThat(counts.get("applied").asLong()).isEqualTo(3);
    // applied counts versions, rolled_back ones included; the metrics split them by how they came
    assertThat(metrics).contains("relive_reloads_total{config=\"app\",result=\"applied\"} 2.0",
        "relive_reloads_total{config=\"app\",result=\"rolled_back\"} 1.0");
  }

  @Test
  void openReadOnly_letsReadsThrough_butNotActions() throws Exception {
    try (AdminServer open = AdminServer.builder().config("app", config).openReadOnly(true).build()) {
      String base = "http://127.0.0.1:" + open.address().getPort();
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/config/status")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/config/pin")).POST(HttpRequest.BodyPublishers.noBody())
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      assertThat(open.token()).hasSizeGreaterThanOrEqualTo(40);
    }
  }

  @Test
  void openReadOnly_answersOnlyLoopbackOrAllowedHosts_soARebindingPageReadsNothing() throws Exception {
    try (AdminServer open = AdminServer.builder().config("app", config).openReadOnly(true).allowedHosts("admin.internal")
        .build()) {
      int port = open.address().getPort();
      assertThat(rawGet(port, "/config/status", "127.0.0.1:" + port)).startsWith("HTTP/1.1 200");
      assertThat(rawGet(port, "/config/status", "localhost")).startsWith("HTTP/1.1 200");
      assertThat(rawGet(port, "/config/status", "[::1]:" + port)).startsWith("HTTP/1.1 200");
      assertThat(rawGet(port, "/config/status", "Admin.Internal:" + port)).startsWith("HTTP/1.1 200");
      assertThat(rawGet(port, "/config/status", "attacker.example:" + port)).startsWith("HTTP/1.1 403")
          .doesNotContain("jdbc:one");
      assertThat(rawGet(port, "/config", "127.0.0.1.attacker.example")).startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void requestDataInLogLines_hasItsControlCharactersEscaped() throws Exception {
    call("GET", "/config%0A2026-11-29%20INFO%20admin:%20forged%0D", null, null);
    String logged = logs.toString(StandardCharsets.UTF_8);
    assertThat(logged).contains("unauthorized GET /config\\u000a2026-11-29 INFO admin: forged\\u000d")
        .doesNotContain("\n2026-11-29 INFO admin: forged");
  }

  private static String rawGet(int port, String path, String host) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void statusPage_isServedWithoutTheTokenAndCarriesNoData() throws Exception {
    HttpResponse<String> page = call("GET", "/config/ui", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(t -> assertThat(t).contains("default-src 'self'"));
    assertThat(page.body()).contains("<script src=\"ui/status.js\">").doesNotContain("jdbc:one");
    assertThat(call("GET", "/config/ui/", null, null).statusCode()).isEqualTo(301);
    assertThat(call("GET", "/config/ui/status.js", null, null).body()).contains("textContent");
    assertThat(call("GET", "/favicon.ico", null, null).statusCode()).isEqualTo(204);
    assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain("favicon");
  }

  @Test
  void theHandler_mountsUnderAContextPathOfAnExistingServer() throws Exception {
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/admin", AdminServer.builder().config("app", config).token(TOKEN).buildHandler());
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/admin";
      HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/config/status"))
          .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(status.body()).get("name").asText()).isEqualTo("app");
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/config/ui/status.js")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/config")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void builder_failsFast() {
    assertThatThrownBy(() -> AdminServer.builder().build()).hasMessageContaining("at least one config");
    assertThatThrownBy(() -> AdminServer.builder().token("short")).hasMessageContaining("at least 16 characters");
    assertThatThrownBy(() -> AdminServer.builder().config("a b", config)).hasMessageContaining("config names");
    assertThatThrownBy(() -> AdminServer.builder().config("app", config).config("app", other)).hasMessageContaining("already");
  }

  @Test
  void validate_isNoOracle_aGuessEqualToTheServingSecretIsAnsweredLikeAnyOther() throws Exception {
    String body = "greeting: y\ndb:\n  url: u\n  password: p\n  pool: %s\n";
    JsonNode right = ok("POST", "/config/validate", String.format(body, SECRET));
    JsonNode wrong = ok("POST", "/config/validate", String.format(body, "winter2023"));
    assertThat(right.toString().replace(SECRET, "GUESS")).isEqualTo(wrong.toString().replace("winter2023", "GUESS"));
    assertThat(wrong.at("/problems/0/message").asText()).isEqualTo("must be a whole number, was 'winter2023'");
  }

  @Test
  void noSecretValue_inAnyResponse_logLine_orEvent() throws Exception {
    ok("GET", "/config", null);
    source.set(app("x", "jdbc:two", 4));
    ok("POST", "/config/reload", null);
    source.set(Map.of("greeting", "x", "db.url", "jdbc:two", "db.password", SECRET + "-2", "db.pool", "many"));
    call("POST", "/config/reload", null, TOKEN);
    ok("POST", "/config/validate", "greeting: y\ndb:\n  url: u\n  password: " + SECRET + "-3\n  pool: lots\n");
    ok("POST", "/config/validate", "greeting: y\ndb:\n  url: u\n  password: " + SECRET + "-4\n  pool: 2\n");
    ok("GET", "/config/status", null);
    ok("GET", "/config/history", null);
    ok("GET", "/config/diff?from=1&to=2", null);
    ok("POST", "/config/rollback/1", null);
    call("GET", "/metrics", null, TOKEN);
    call("GET", "/health", null, TOKEN);
    seen.add(logs.toString(StandardCharsets.UTF_8));
    assertThat(logs.toString(StandardCharsets.UTF_8)).contains("applied version", "rejected a candidate", "rolled back");
    assertThat(seen).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(SECRET).doesNotContain(TOKEN));
  }
}
