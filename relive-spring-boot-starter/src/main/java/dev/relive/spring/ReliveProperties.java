package dev.relive.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The starter's own settings, under {@code relive.*}. */
@ConfigurationProperties("relive")
public class ReliveProperties {
  /** Record classes to make live, besides those annotated {@code @LiveProperties}. */
  private List<String> properties = new ArrayList<>();

  /** Watch the files behind Boot's config data locations and reload when they change. */
  private boolean watch = true;

  /** Reload on SIGHUP. */
  private boolean sighup = true;

  /** How long a changed file must stay unchanged before it is read. */
  private Duration quietPeriod = Duration.ofMillis(100);

  /** The health status while a record serves its last good version after a rejected change: UP or OUT_OF_SERVICE. */
  private String degradedStatus = "UP";

  public List<String> getProperties() {
    return properties;
  }

  public void setProperties(List<String> properties) {
    this.properties = properties;
  }

  public boolean isWatch() {
    return watch;
  }

  public void setWatch(boolean watch) {
    this.watch = watch;
  }

  public boolean isSighup() {
    return sighup;
  }

  public void setSighup(boolean sighup) {
    this.sighup = sighup;
  }

  public Duration getQuietPeriod() {
    return quietPeriod;
  }

  public void setQuietPeriod(Duration quietPeriod) {
    this.quietPeriod = quietPeriod;
  }

  public String getDegradedStatus() {
    return degradedStatus;
  }

  public void setDegradedStatus(String degradedStatus) {
    this.degradedStatus = degradedStatus;
  }
}
