package dev.relive.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to an etcd cluster, shared by the sources, member records and fleet operations made from it:
 * endpoints, optional user and password, optional TLS (a CA, and a client certificate and key for mutual
 * TLS). Nothing reaches the network until something is read or watched. The password never appears in
 * {@link #toString()}, logs or messages.
 *
 * <p>Thread-safe. {@link #close()} closes the client; sources and members made from it must be closed first.
 */
public final class Etcd implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Etcd.class);

  private final List<String> endpoints;
  private final Duration timeout;
  private final ClientBuilder clientBuilder;
  private volatile Client client;
  private volatile boolean closed;

  private Etcd(List<String> endpoints, Duration timeout, ClientBuilder clientBuilder) {
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
    this.clientBuilder = clientBuilder;
    this.client = clientBuilder.build();
  }

  /** Starts configuring a connection. */
  public static Builder builder() {
    return new Builder();
  }

  /** The endpoints, as given ({@code http://127.0.0.1:2379}). */
  public List<String> endpoints() {
    return endpoints;
  }

  /** How long one request may take before it counts as etcd being unreachable. */
  public Duration timeout() {
    return timeout;
  }

  /** The current client; {@link #recover} may replace it, so callers ask for it at every use. */
  Client client() {
    return client;
  }

  /**
   * After a call on {@code failed} could not reach etcd: if an endpoint accepts connections again, replaces
   * the client. gRPC waits out its reconnect backoff (growing to minutes) before it tries a server that has
   * come back, and fails every call at once meanwhile; a new client connects now. The old client's watches
   * and keep-alives end, and their owners start again on the new one. Nothing happens while etcd is still
   * away, or when another caller has replaced {@code failed} already.
   */
  void recover(Client failed) {
    if (closed || client != failed || !anEndpointAnswers()) {
      return;
    }
    synchronized (this) {
      if (closed || client != failed) {
        return;
      }
      client = clientBuilder.build();
    }
    LOG.info("etcd {} is back; reconnecting without waiting out the client's backoff", String.join(",", endpoints));
    failed.close();
  }

  /**
   * True when etcd answered a call with a refusal (bad or missing credentials, a role without the permission)
   * rather than not answering: retrying will not help, and the message should say so.
   */
  static boolean refused(Throwable cause) {
    String code = cause instanceof EtcdException e ? e.getErrorCode().name() : Status.fromThrowable(cause).getCode().name();
    return code.equals("UNAUTHENTICATED") || code.equals("PERMISSION_DENIED") || code.equals("INVALID_ARGUMENT");
  }

  /**
   * One sentence for a call that failed with {@code cause} (the cause of an ExecutionException, or a
   * TimeoutException), naming the endpoints; never the password.
   */
  String failure(Throwable cause) {
    String at = String.join(",", endpoints);
    if (cause instanceof TimeoutException) {
      return "etcd is unreachable at " + at + " (no answer within " + timeout.toMillis() + " ms)";
    }
    if (refused(cause)) {
      return "etcd at " + at + " refused the request (" + cause.getMessage() + "); check the user, the password "
          + "and the user's permissions";
    }
    return "etcd is unreachable at " + at + " (" + cause.getMessage() + ")";
  }

  /** A TCP connection to some endpoint succeeds within a short bound. */
  private boolean anEndpointAnswers() {
    for (String endpoint : endpoints) {
      URI uri = URI.create(endpoint);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2379 : uri.getPort()),
            (int) Math.min(timeout.toMillis(), 500));
        return true;
      } catch (IOException | IllegalArgumentException e) {
        // not this one
      }
    }
    return false;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    client.close();
  }

  @Override
  public String toString() {
    return "etcd " + String.join(",", endpoints);
  }

  /** Configures an {@link Etcd}. Not thread-safe. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private @Nullable String user;
    private @Nullable String password;
    private @Nullable Path ca;
    private @Nullable Path cert;
    private @Nullable Path key;
    private Duration timeout = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * The cluster's client URLs; {@code host:port} means {@code http://host:port}.
     *
     * @throws IllegalArgumentException for an empty endpoint
     */
    public Builder endpoints(List<String> urls) {
      for (String url : urls) {
        String u = Objects.requireNonNull(url, "endpoint").trim();
        if (u.isEmpty()) {
          throw new IllegalArgumentException("an etcd endpoint is empty");
        }
        endpoints.add(u.contains("://") ? u : "http://" + u);
      }
      return this;
    }

    /** Comma-separated endpoints, as {@code --etcd} and {@code RELIVE_ETCD_ENDPOINTS} take them. */
    public Builder endpoints(String commaSeparated) {
      return endpoints(List.of(Objects.requireNonNull(commaSeparated, "endpoints").split(",", -1)));
    }

    /** Authenticates as this etcd user. */
    public Builder user(String user, String password) {
      this.user = Objects.requireNonNull(user, "user");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** Verifies the server against this CA certificate (PEM): TLS on. */
    public Builder trustedCa(Path caCertificate) {
      this.ca = Objects.requireNonNull(caCertificate, "caCertificate");
      return this;
    }

    /** Presents this client certificate and key (PEM) for mutual TLS. */
    public Builder clientCertificate(Path certificate, Path privateKey) {
      this.cert = Objects.requireNonNull(certificate, "certificate");
      this.key = Objects.requireNonNull(privateKey, "privateKey");
      return this;
    }

    /** How long one request may take (default 5 s). */
    public Builder timeout(Duration requestTimeout) {
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException(String.format("timeout must be > 0, was %s", requestTimeout));
      }
      this.timeout = requestTimeout;
      return this;
    }

    /**
     * Makes the client. Connects lazily: an unreachable cluster shows at the first read.
     *
     * @throws IllegalArgumentException without endpoints, or when a certificate cannot be read
     */
    public Etcd build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("no etcd endpoint given (--etcd or RELIVE_ETCD_ENDPOINTS)");
      }
      ClientBuilder b = Client.builder().endpoints(endpoints.toArray(String[]::new))
          .connectTimeout(timeout).waitForReady(false)
          // jetcd retries a failed call itself; the retries stay inside the one timeout every call is bounded by
          .retryDelay(50).retryMaxDelay(1_000).retryChronoUnit(ChronoUnit.MILLIS).retryMaxDuration(timeout.plusMillis(100))
          .keepaliveTime(Duration.ofSeconds(10)).keepaliveTimeout(Duration.ofSeconds(5));
      if (user != null && password != null) {
        b.user(ByteSequence.from(user, StandardCharsets.UTF_8)).password(ByteSequence.from(password, StandardCharsets.UTF_8));
      }
      Path caFile = ca;
      Path certFile = cert;
      Path keyFile = key;
      if (caFile != null || certFile != null) {
        try {
          SslContextBuilder ssl = io.grpc.netty.GrpcSslContexts.forClient();
          if (caFile != null) {
            ssl.trustManager(Files.newInputStream(caFile));
          }
          if (certFile != null && keyFile != null) {
            ssl.keyManager(Files.newInputStream(certFile), Files.newInputStream(keyFile));
          }
          SslContext context = ssl.build();
          b.sslContext(context);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read the etcd TLS files: " + e.getMessage(), e);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("invalid etcd TLS files: " + e.getMessage(), e);
        }
      }
      try {
        return new Etcd(endpoints, timeout, b);
      } catch (UncheckedIOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot configure etcd " + String.join(",", endpoints) + ": " + e.getMessage(), e);
      }
    }
  }
}
