package dev.relive.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.function.Supplier;

/**
 * Each reload as a {@code relive.reload} observation on Boot's {@link ObservationRegistry}: timed, tagged with
 * its cause and outcome ({@code applied}, {@code unchanged}, {@code refused}) — never with a value or a
 * problem's text, which may carry a secret.
 */
final class ReliveObservations implements LiveRecords.Observer {
  static final String NAME = "relive.reload";

  private final ObservationRegistry registry;

  ReliveObservations(ObservationRegistry registry) {
    this.registry = registry;
  }

  @Override
  public LiveRecords.Reload observe(String cause, Supplier<LiveRecords.Reload> reload) {
    Observation observation = Observation.createNotStarted(NAME, registry).contextualName("relive reload")
        .lowCardinalityKeyValue("relive.cause", cause);
    return observation.observe(() -> {
      LiveRecords.Reload r = reload.get();
      observation.lowCardinalityKeyValue("relive.outcome",
          !r.ok() ? "refused" : r.applied().isEmpty() ? "unchanged" : "applied");
      observation.highCardinalityKeyValue("relive.records", String.join(",", r.applied()));
      return r;
    });
  }
}
