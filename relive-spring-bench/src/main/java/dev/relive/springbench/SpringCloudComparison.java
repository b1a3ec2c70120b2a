package dev.relive.springbench;

import dev.relive.config.LiveConfig;
import dev.relive.spring.LiveProperties;
import dev.relive.spring.LiveRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ResolvableType;

/**
 * The starter beside Spring Cloud's refresh on one Spring Boot app (not a test): two properties that are always
 * written equal ({@code a == b}), read by two threads while the file is rewritten and refreshed N times —
 * through a live record ({@code LiveConfig<Pair>}) and through a mutable {@code @ConfigurationProperties} bean
 * that Spring Cloud's {@code ContextRefresher} rebinds (spring-cloud-commons #1727). Counts torn reads (a != b,
 * or the unbound 0 after the first write), times write → new value readable, and shows what each serves after a
 * value that does not convert.
 *
 * <pre>java -cp "$(cat relive-spring-bench/target/classpath.txt):relive-spring-bench/target/classes" \
 *     dev.relive.springbench.SpringCloudComparison [refreshes]</pre>
 */
public final class SpringCloudComparison {
  private SpringCloudComparison() {}

  @ConfigurationProperties("pair")
  @LiveProperties
  public record Pair(int a, int b) {}

  @ConfigurationProperties("mutable")
  public static class MutablePair {
    private int a;
    private int b;

    public int getA() {
      return a;
    }

    public void setA(int a) {
      this.a = a;
    }

    public int getB() {
      return b;
    }

    public void setB(int b) {
      this.b = b;
    }
  }

  @SpringBootApplication
  @EnableConfigurationProperties({Pair.class, MutablePair.class})
  public static class App {}

  public static void main(String[] args) throws Exception {
    int refreshes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("relive-spring-cloud");
    Path yml = dir.resolve("application.yml");
    write(yml, 1);
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).properties(
        "spring.config.location=file:" + yml, "relive.watch=false", "relive.sighup=false",
        "spring.main.web-application-type=none", "logging.level.root=warn").run()) {
      @SuppressWarnings("unchecked")
      LiveConfig<Pair> live = (LiveConfig<Pair>) context.getBeanProvider(
          ResolvableType.forClassWithGenerics(LiveConfig.class, Pair.class)).getObject();
      LiveRecords records = context.getBean(LiveRecords.class);
      MutablePair mutable = context.getBean(MutablePair.class);
      ContextRefresher refresher = context.getBean(ContextRefresher.class);

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong reliveReads = new AtomicLong();
      AtomicLong reliveTorn = new AtomicLong();
      AtomicLong cloudReads = new AtomicLong();
      AtomicLong cloudTorn = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread reader = new Thread(() -> {
          while (running.get()) {
            Pair p = live.get();
            reliveReads.incrementAndGet();
            if (p.a() != p.b() || p.a() == 0) {
              reliveTorn.incrementAndGet();
            }
            int a = mutable.getA();
            int b = mutable.getB();
            cloudReads.incrementAndGet();
            if (a != b || a == 0) {
              cloudTorn.incrementAndGet();
            }
          }
        });
        reader.start();
        readers.add(reader);
      }
      long reliveNanos = 0;
      long cloudNanos = 0;
      for (int i = 2; i <= refreshes + 1; i++) {
        write(yml, i);
        long start = System.nanoTime();
        records.reload("benchmark");
        reliveNanos += System.nanoTime() - start;
        require(live.get().a() == i, "relive did not take " + i);
        start = System.nanoTime();
        refresher.refresh();
        cloudNanos += System.nanoTime() - start;
        require(mutable.getA() == i, "spring cloud did not take " + i);
      }
      running.set(false);
      for (Thread r : readers) {
        r.join();
      }
      System.out.printf("%d refreshes, 2 reader threads%n%n", refreshes);
      System.out.println("| | reads | torn reads (a != b, or the unbound 0) | mean write → readable, ms |");
      System.out.println("|---|---:|---:|---:|");
      System.out.printf("| Relive live record | %,d | %,d | %.2f |%n", reliveReads.get(), reliveTorn.get(),
          reliveNanos / 1e6 / refreshes);
      System.out.printf("| Spring Cloud ContextRefresher, mutable @ConfigurationProperties | %,d | %,d | %.2f |%n",
          cloudReads.get(), cloudTorn.get(), cloudNanos / 1e6 / refreshes);

      // A value that does not convert.
      int last = refreshes + 1;
      Files.writeString(yml.resolveSibling("bad.tmp"), "pair:\n  a: lots\n  b: lots\nmutable:\n  a: lots\n  b: lots\n");
      Files.move(yml.resolveSibling("bad.tmp"), yml, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LiveRecords.Reload r = records.reload("benchmark");
      String cloud;
      try {
        refresher.refresh();
        cloud = "refresh returned; serves a=" + mutable.getA() + ", b=" + mutable.getB();
      } catch (RuntimeException e) {
        cloud = "refresh threw " + e.getClass().getSimpleName() + "; serves a=" + mutable.getA() + ", b="
            + mutable.getB();
      }
      System.out.printf("%nAfter `a: lots` (last good a = b = %d):%n", last);
      System.out.println("- Relive: " + (r.ok() ? "applied?!" : "refused: " + r.problems().get(0)) + "; serves "
          + live.get());
      System.out.println("- Spring Cloud: " + cloud);
    }
    TimeUnit.MILLISECONDS.sleep(10);
  }

  private static void write(Path yml, int n) throws Exception {
    Path tmp = yml.resolveSibling("next.tmp");
    Files.writeString(tmp, "pair:\n  a: " + n + "\n  b: " + n + "\nmutable:\n  a: " + n + "\n  b: " + n + "\n");
    Files.move(tmp, yml, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
