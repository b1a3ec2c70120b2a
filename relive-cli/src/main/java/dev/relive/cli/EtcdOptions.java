package dev.relive.cli;

import dev.relive.etcd.Etcd;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How to reach etcd, shared by {@code watch --etcd} and the fleet commands. Every option also reads an
 * environment variable, so a password need not be on the command line (where {@code ps} shows it). The
 * password is never printed: not in help (no default is shown), errors or output.
 */
final class EtcdOptions {
  @Option(names = "--etcd", paramLabel = "ENDPOINTS", defaultValue = "${env:RELIVE_ETCD_ENDPOINTS}",
      description = "etcd client URLs, comma-separated (host:port means http://host:port); env RELIVE_ETCD_ENDPOINTS")
  @Nullable String endpoints;

  @Option(names = "--app", paramLabel = "APP", defaultValue = "${env:RELIVE_APP}",
      description = "the application whose versions these are: /relive/APP/...; env RELIVE_APP")
  @Nullable String app;

  @Option(names = "--etcd-user", paramLabel = "USER", defaultValue = "${env:RELIVE_ETCD_USER}",
      description = "etcd user; env RELIVE_ETCD_USER")
  @Nullable String user;

  @Option(names = "--etcd-password", paramLabel = "PASSWORD", defaultValue = "${env:RELIVE_ETCD_PASSWORD}",
      description = "etcd password; prefer env RELIVE_ETCD_PASSWORD, which ps does not show")
  @Nullable String password;

  @Option(names = "--etcd-ca", paramLabel = "CA.pem", defaultValue = "${env:RELIVE_ETCD_CA}",
      description = "verify etcd's TLS certificate against this CA (turns TLS on); env RELIVE_ETCD_CA")
  @Nullable Path ca;

  @Option(names = "--etcd-cert", paramLabel = "CERT.pem", defaultValue = "${env:RELIVE_ETCD_CERT}",
      description = "client certificate for mutual TLS, with --etcd-key; env RELIVE_ETCD_CERT")
  @Nullable Path cert;

  @Option(names = "--etcd-key", paramLabel = "KEY.pem", defaultValue = "${env:RELIVE_ETCD_KEY}",
      description = "the client certificate's private key; env RELIVE_ETCD_KEY")
  @Nullable Path key;

  @Option(names = "--etcd-timeout", paramLabel = "MILLIS", defaultValue = "5000",
      description = "how long one etcd request may take before etcd counts as unreachable (default ${DEFAULT-VALUE})")
  long timeoutMillis;

  /** True when endpoints are given, by flag or environment. */
  boolean present() {
    return endpoints != null && !endpoints.isBlank();
  }

  /**
   * The application name, required with etcd.
   *
   * @throws IllegalArgumentException (a usage error) when it is missing
   */
  String app() {
    if (app == null || app.isBlank()) {
      throw new IllegalArgumentException("--app is required with etcd (or set RELIVE_APP)");
    }
    return app;
  }

  /**
   * A connection, not yet connected.
   *
   * @throws IllegalArgumentException (a usage error) for missing endpoints, a user without password, a
   *     certificate without its key, or TLS files that cannot be read
   */
  Etcd connect() {
    if (!present()) {
      throw new IllegalArgumentException("no etcd endpoints: pass --etcd or set RELIVE_ETCD_ENDPOINTS");
    }
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("--etcd-timeout must be > 0, was " + timeoutMillis);
    }
    Etcd.Builder b = Etcd.builder().endpoints(java.util.Objects.requireNonNull(endpoints))
        .timeout(Duration.ofMillis(timeoutMillis));
    String u = user;
    String p = password;
    if (u != null && !u.isEmpty()) {
      if (p == null) {
        throw new IllegalArgumentException("--etcd-user needs a password: --etcd-password or RELIVE_ETCD_PASSWORD");
      }
      b.user(u, p);
    }
    Path c = cert;
    Path k = key;
    if ((c == null) != (k == null)) {
      throw new IllegalArgumentException("--etcd-cert and --etcd-key go together");
    }
    if (ca != null) {
      b.trustedCa(ca);
    }
    if (c != null && k != null) {
      b.clientCertificate(c, k);
    }
    return b.build();
  }
}
