package dev.relive.config.internal.watch;

import dev.relive.config.Registration;
import dev.relive.config.spi.ChangeTrigger;

/** SIGHUP as a change trigger: every SIGHUP asks every config that has this trigger to reload. */
public final class SighupTrigger implements ChangeTrigger {
  @Override
  public String name() {
    return "SIGHUP";
  }

  @Override
  public Registration start(Changes changes) {
    return Signals.onSighup(() -> changes.changed("SIGHUP"));
  }
}
