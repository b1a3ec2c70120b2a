package dev.relive.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.relive.config.LiveConfig;
import dev.relive.config.Participant;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The small service {@code relive demo} runs: a greeting that follows its config, a rate limit rebuilt when
 * its part changes, a feature flag, and a connection-pool-like resource rebuilt through a participant.
 */
final class DemoService implements AutoCloseable {
  private final LiveConfig<DemoConfig> config;
  private final Pools pools;
  private volatile RateLimiter limiter;
  private final HttpServer server;

  /**
   * The pool, as a participant given to the config's builder: it opens the first pool while the first version
   * is prepared, so a configuration whose pool cannot connect is rejected at start-up (and never reaches the
   * last-good cache) instead of being applied.
   */
  static final class Pools implements Participant<DemoConfig> {
    private volatile @Nullable DemoPool current;

    @Override
    public Participant.Prepared prepare(@Nullable DemoConfig serving, DemoConfig candidate) {
      DemoPool opened = current;
      DemoPool next = DemoPool.open(opened == null ? 1 : opened.generation() + 1, candidate.pool());
      return new Participant.Prepared() {
        @Override
        public void commit() {
          DemoPool replaced = current;
          current = next;
          if (replaced != null) {
            replaced.close();
          }
        }

        @Override
        public void abort() {
          next.close();
        }
      };
    }

    DemoPool current() {
      return Objects.requireNonNull(current, "the first version opens the pool");
    }

    void close() {
      DemoPool p = current;
      if (p != null) {
        p.close();
      }
    }
  }

  DemoService(LiveConfig<DemoConfig> config, Pools pools, int port) throws IOException {
    this.config = config;
    this.pools = pools;
    DemoConfig c = config.get();
    this.limiter = new RateLimiter(c.rateLimit().requestsPerSecond(), c.rateLimit().burst());
    config.onChange(DemoConfig::rateLimit, (old, neu) -> limiter = new RateLimiter(neu.requestsPerSecond(), neu.burst()));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext("/", this::greet);
    server.createContext("/pool", this::describePool);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "relive-demo-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void greet(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        send(exchange, 404, "text/plain", "not found\n");
        return;
      }
      if (!limiter.tryAcquire()) {
        send(exchange, 429, "text/plain", "rate limited: at most " + config.get().rateLimit().requestsPerSecond()
            + " requests per second\n");
        return;
      }
      var snapshot = config.snapshot();
      DemoConfig c = snapshot.value();
      String text = c.greeting().text() + ", " + c.greeting().name() + "!";
      if (c.features().shout()) {
        text = text.toUpperCase(Locale.ROOT);
      }
      if (c.features().showVersion()) {
        text += " (config version " + snapshot.version() + ")";
      }
      send(exchange, 200, "text/plain; charset=utf-8", text + "\n");
    }
  }

  private void describePool(HttpExchange exchange) throws IOException {
    try (exchange) {
      DemoPool p = pools.current();
      ObjectNode out = Loading.JSON.createObjectNode();
      out.put("generation", p.generation());
      out.put("size", p.connections().size());
      out.put("target", p.target());
      p.connections().forEach(out.putArray("connections")::add);
      send(exchange, 200, "application/json", Loading.JSON.writeValueAsString(out) + "\n");
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pools.close();
  }

  /** A pretend connection pool: opening it "connects" each connection to the target. */
  record DemoPool(int generation, String target, List<String> connections) {
    static DemoPool open(int generation, DemoConfig.Pool config) {
      if (config.target().contains("unreachable")) {
        throw new IllegalStateException("cannot connect to " + config.target());
      }
      List<String> connections = new ArrayList<>();
      for (int i = 1; i <= config.size(); i++) {
        connections.add("conn-" + generation + "-" + i);
      }
      return new DemoPool(generation, config.target(), List.copyOf(connections));
    }

    void close() {
      // Nothing real to release: a real pool would close its connections here.
    }
  }

  /** A token bucket: {@code rate} tokens per second, holding at most {@code burst}. */
  static final class RateLimiter {
    private final double rate;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    RateLimiter(int rate, int burst) {
      this.rate = rate;
      this.burst = burst;
      this.tokens = burst;
    }

    synchronized boolean tryAcquire() {
      long now = System.nanoTime();
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
