package dev.relive.spring;

import dev.relive.handoff.Handoff;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot (Tomcat) application under {@code relive serve}, with nothing to write: Tomcat adopts the
 * socket the supervisor holds ({@code useInheritedChannel}), the application reports ready when Boot says it
 * is, and on the supervisor's request it pauses, resumes or drains.
 *
 * <p>Drain: this process stops accepting at once by closing its copy of the inherited socket ({@link
 * Handoff#stopAccepting}: Tomcat's own pause would wake its acceptor with a connection that, on a shared socket,
 * another generation may take, and a real connection reaching the paused acceptor would then be closed); every
 * response from then on carries {@code Connection: close}, so keep-alive clients reconnect — to the new
 * generation — after their next response rather than being cut; when no connection is left (or none has made a
 * request for a second), the application context closes (Boot's graceful shutdown) and the JVM exits.
 */
final class ReliveServe implements TomcatConnectorCustomizer, Filter, ApplicationListener<ApplicationReadyEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(ReliveServe.class);

  private final List<Connector> connectors = new CopyOnWriteArrayList<>();
  private volatile boolean draining;
  private volatile long lastRequest = System.nanoTime();
  private @org.jspecify.annotations.Nullable Handoff handoff;

  @Override
  public void customize(Connector connector) {
    connector.setProperty("useInheritedChannel", "true");
    connectors.add(connector);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (draining && response instanceof HttpServletResponse http) {
      http.setHeader("Connection", "close");
    }
    try {
      chain.doFilter(request, response);
    } finally {
      lastRequest = System.nanoTime();
    }
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    ConfigurableApplicationContext context = event.getApplicationContext();
    try {
      handoff = Handoff.connect(new Handoff.Listener() {
        @Override
        public void pause() {
          connectors.forEach(Connector::pause);
        }

        @Override
        public void resume() {
          connectors.forEach(Connector::resume);
        }

        @Override
        public void drain() {
          ReliveServe.this.drain(context);
        }
      });
      handoff.ready();
    } catch (IOException e) {
      LOG.warn("relive serve: cannot reach the supervisor's handoff socket ({}); it will use SIGTERM to stop this "
          + "generation", e.toString());
    }
  }

  private void drain(ConfigurableApplicationContext context) {
    draining = true;
    // Tomcat's acceptor reports the closed channel as an error and retries until the context closes: expected.
    LoggingSystem.get(getClass().getClassLoader()).setLogLevel("org.apache.tomcat.util.net.Acceptor", LogLevel.OFF);
    try {
      Handoff.stopAccepting();
    } catch (IOException e) {
      LOG.warn("relive serve: cannot close the inherited socket: {}", e.toString());
    }
    // Not Connector.pause(): it would wake the acceptor with a connection of its own and forget the count.
    long quiet = TimeUnit.SECONDS.toNanos(1);
    try {
      // Until no connection is left, or (the count is unknown after a pause, or clients idle) none asked for a second.
      while (openConnections() != 0 && System.nanoTime() - lastRequest < quiet) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("relive serve: drained ({} connections left); closing", openConnections());
    System.exit(SpringApplication.exit(context));
  }

  /** Open connections, or -1 when Tomcat does not count them (after a pause it drops its counter). */
  private long openConnections() {
    long n = 0;
    for (Connector c : connectors) {
      long count = c.getProtocolHandler() instanceof AbstractProtocol<?> p ? p.getConnectionCount() : -1;
      if (count < 0) {
        return -1;
      }
      n += count;
    }
    return n;
  }
}
