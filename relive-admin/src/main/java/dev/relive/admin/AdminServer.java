package dev.relive.admin;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.relive.config.LiveConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An embeddable admin server for live configs, on the JDK's built-in HTTP server. Secure by default: it binds
 * to 127.0.0.1, every endpoint needs {@code Authorization: Bearer <token>} (compared in constant time), and
 * no response, log line or event carries a secret value or the token.
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.builder().config("app", config).port(8081)
 *     .metrics(prometheusRegistry::scrape).build();
 * }</pre>
 *
 * <p>Endpoints, for the default (first) config under {@code /config} and for any config under
 * {@code /configs/{name}}: {@code GET} the effective config, {@code /status}, {@code /history},
 * {@code /diff?from=N&to=M}; {@code POST /reload}, {@code /validate} (a candidate document in the body),
 * {@code /rollback/{version}}, {@code /pin}, {@code /unpin}. Also {@code GET /configs}, {@code GET /health},
 * {@code GET /metrics} (Prometheus text, when metrics are given) and the status page {@code GET /config/ui}
 * (static; it asks for the token and keeps it in the page's session storage).
 *
 * <p>Thread-safe. {@link #close()} stops the server.
 */
public final class AdminServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final String token;

  private AdminServer(HttpServer server, ExecutorService executor, String token) {
    this.server = server;
    this.executor = executor;
    this.token = token;
  }

  /** Starts configuring an admin server. */
  public static Builder builder() {
    return new Builder();
  }

  /** The address the server listens on (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The Bearer token clients must send; generated when none was given. Never logged. */
  public String token() {
    return token;
  }

  /** Stops accepting requests and releases the port. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** Configures an {@link AdminServer}, or a handler to mount in an existing HTTP server. Not thread-safe. */
  public static final class Builder {
    private final Map<String, LiveConfig<?>> configs = new LinkedHashMap<>();
    private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private @Nullable String token;
    private boolean openReadOnly;
    private final java.util.Set<String> allowedHosts = new java.util.HashSet<>();
    private int maxRequestBytes = 1 << 20;
    private @Nullable Supplier<String> metrics;

    private Builder() {}

    /** Serves a live config under {@code /configs/{name}}; the first one is also served under {@code /config}. */
    public Builder config(String name, LiveConfig<?> config) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException(String.format("config names are letters, digits, '.', '_' and '-', was '%s'", name));
      }
      if (configs.putIfAbsent(name, Objects.requireNonNull(config, "config")) != null) {
        throw new IllegalArgumentException(String.format("a config named '%s' is already registered", name));
      }
      return this;
    }

    /** Listens on 127.0.0.1 at this port (0, the default, picks a free one). */
    public Builder port(int port) {
      return bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Listens on this address. Anything but loopback exposes the admin API to the network: the token guards it. */
    public Builder bind(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The Bearer token (at least 16 characters). Without one, a random 256-bit token is generated. */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      if (token.length() < 16) {
        throw new IllegalArgumentException(String.format("the token must be at least 16 characters, was %d", token.length()));
      }
      this.token = token;
      return this;
    }

    /**
     * Lets GET endpoints (config, status, history, diff, health, metrics) answer without the token. Off by
     * default. Then every request must also name a loopback host ({@code localhost}, {@code 127.0.0.1},
     * {@code [::1]}) or one given to {@link #allowedHosts} in its {@code Host} header, so that a web page
     * cannot read the API through a DNS name rebound to this machine.
     */
    public Builder openReadOnly(boolean open) {
      this.openReadOnly = open;
      return this;
    }

    /** Host names (without port) accepted beside the loopback names when {@link #openReadOnly} is on. */
    public Builder allowedHosts(String... hosts) {
      for (String h : hosts) {
        allowedHosts.add(Objects.requireNonNull(h, "host").toLowerCase(java.util.Locale.ROOT));
      }
      return this;
    }

    /** Largest request body accepted (default 1 MiB); larger requests get 413. */
    public Builder maxRequestBytes(int max) {
      if (max < 1) {
        throw new IllegalArgumentException(String.format("maxRequestBytes must be >= 1, was %d", max));
      }
      this.maxRequestBytes = max;
      return this;
    }

    /** Serves {@code GET /metrics} with this text, typically {@code prometheusRegistry::scrape}. */
    public Builder metrics(Supplier<String> scrape) {
      this.metrics = Objects.requireNonNull(scrape, "scrape");
      return this;
    }

    /** The admin API as a handler, to mount at the root context of an existing {@link HttpServer}. */
    public HttpHandler buildHandler() {
      if (configs.isEmpty()) {
        throw new IllegalArgumentException("at least one config is required");
      }
      if (token == null) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      }
      return new AdminRoutes(configs, token, openReadOnly, allowedHosts, maxRequestBytes, metrics);
    }

    /**
     * Binds and starts the server.
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public AdminServer build() {
      HttpHandler handler = buildHandler();
      AtomicInteger n = new AtomicInteger();
      ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "relive-admin-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      try {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        return new AdminServer(server, executor, Objects.requireNonNull(token, "buildHandler() sets the token"));
      } catch (IOException e) {
        executor.shutdownNow();
        throw new UncheckedIOException("cannot bind the admin server to " + address, e);
      }
    }
  }
}
