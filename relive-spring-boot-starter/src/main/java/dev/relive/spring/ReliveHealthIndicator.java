package dev.relive.spring;

import dev.relive.config.ConfigStatus;
import dev.relive.config.Problem;
import java.util.Locale;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code relive} in {@code /actuator/health}: UP; when a record is degraded (serving its last good version
 * after a rejected change, or rolled back by a health gate), the configured status (UP by default, or
 * OUT_OF_SERVICE), with each record's version and last rejection as details.
 */
final class ReliveHealthIndicator extends AbstractHealthIndicator {
  private final LiveRecords records;
  private final Status degraded;

  ReliveHealthIndicator(LiveRecords records, String degradedStatus) {
    this.records = records;
    this.degraded = new Status(degradedStatus.trim().toUpperCase(Locale.ROOT));
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    boolean any = false;
    for (var e : records.configs().entrySet()) {
      ConfigStatus s = e.getValue().status();
      any |= s.degraded();
      builder.withDetail(e.getKey(), (Object) s.lastRejection().map(r -> java.util.Map.<String, Object>of("version", s.servingVersion(),
          "degraded", s.degraded(), "lastRejection", r.problems().stream().map(Problem::toString).toList()))
          .orElse(java.util.Map.<String, Object>of("version", s.servingVersion(), "degraded", s.degraded())));
    }
    builder.status(any ? degraded : Status.UP);
  }
}
