package dev.relive.cli;

import dev.relive.config.HealthCheck;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** A health check that GETs a URL the user gave: healthy on a 2xx answer within the timeout. */
final class UrlHealth implements HealthCheck {
  private final URI url;
  private final int timeoutMillis;

  UrlHealth(URI url, Duration timeout) {
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException("--health-url must be http or https, was " + url);
    }
    this.url = url;
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  @Override
  public Optional<String> problem() {
    try {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      try {
        int code = c.getResponseCode();
        return code / 100 == 2 ? Optional.empty() : Optional.of(url + " answered " + code);
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return Optional.of(url + " did not answer: " + e.getMessage());
    }
  }
}
