package dev.relive.spring;

import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.Problems;
import dev.relive.config.ReloadEvent;
import dev.relive.config.StagedChange;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.ParseLimits;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The live records of one application and what reloads them: each record has its {@code LiveConfig}, bound
 * by Boot's {@link Binder}; a reload reads Boot's config data again into one fresh Environment, stages every
 * record from it, and commits them all only if every one bound and validated (otherwise none changes, and
 * the problems name the property and its origin, {@code application.yml:12:7}). A record whose bound value did
 * not change gets no new version. Files behind the config data are watched with Relive's file watching, and
 * SIGHUP reloads.
 *
 * <p>Thread-safe: reloads are serialised.
 */
public final class LiveRecords implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveRecords.class);
  private static final Duration STAGE_TIMEOUT = Duration.ofSeconds(30);

  private final ConfigurableEnvironment original;
  private final ResourceLoader resourceLoader;
  private final @Nullable Validator validator;
  private final Map<Class<?>, Entry<?>> entries = new LinkedHashMap<>();
  private final Object reloading = new Object();
  private volatile ConfigurableEnvironment snapshot;
  private @Nullable LiveConfig<ConfigTree> watcher;
  private volatile Observer observer = (cause, reload) -> reload.get();

  /** Wraps each reload, to time and tag it (Micrometer observations); the default just runs it. */
  @FunctionalInterface
  public interface Observer {
    /** Runs {@code reload} and returns its result. */
    Reload observe(String cause, java.util.function.Supplier<Reload> reload);
  }

  /** One live record: its type, prefix, the layer that gives it its properties, and its config. */
  private record Entry<R>(Class<R> type, String prefix, EnvironmentLayer layer, LiveConfig<R> config) {}

  /**
   * The outcome of a reload: which records got a new version (none for a check), the property paths that
   * change in each record (paths only: values may be secrets), and the problems if it was refused.
   */
  public record Reload(List<String> applied, Map<String, List<String>> changed, List<Problem> problems) {
    /** True when nothing was refused. */
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  LiveRecords(ConfigurableEnvironment environment, ResourceLoader resourceLoader, List<Class<?>> types,
      @Nullable Validator validator) {
    this.original = environment;
    this.resourceLoader = resourceLoader;
    this.validator = validator;
    this.snapshot = environment;
    for (Class<?> type : types) {
      add(type);
    }
  }

  private <R> void add(Class<R> type) {
    String prefix = prefix(type);
    EnvironmentLayer layer = new EnvironmentLayer(prefix);
    LiveConfig<R> config = LiveConfig.builder(type, (tree, problems) -> bind(type, prefix, problems))
        .name(type.getSimpleName()).source(layer).reloadOnSighup(false).beanValidation(false).build();
    entries.put(type, new Entry<>(type, prefix, layer, config));
  }

  /** The prefix of a {@code @ConfigurationProperties} type. */
  static String prefix(Class<?> type) {
    ConfigurationProperties cp = AnnotatedElementUtils.findMergedAnnotation(type, ConfigurationProperties.class);
    if (cp == null) {
      throw new IllegalArgumentException(type.getName() + " is not a @ConfigurationProperties type");
    }
    String p = !cp.prefix().isEmpty() ? cp.prefix() : cp.value();
    return p;
  }

  /** The live config of a record type. */
  @SuppressWarnings("unchecked")
  public <R> LiveConfig<R> config(Class<R> type) {
    Entry<?> e = entries.get(type);
    if (e == null) {
      throw new IllegalArgumentException(type.getName() + " is not live (annotate it @LiveProperties)");
    }
    return (LiveConfig<R>) e.config();
  }

  /** Every live config, by record name. */
  public Map<String, LiveConfig<?>> configs() {
    Map<String, LiveConfig<?>> out = new LinkedHashMap<>();
    entries.values().forEach(e -> out.put(e.type().getSimpleName(), e.config()));
    return out;
  }

  /** The live config's record types. */
  public Set<Class<?>> types() {
    return entries.keySet();
  }

  /**
   * Reads Boot's config data again and swaps every record whose bound value changed, all or none.
   *
   * @param cause for events and logs ({@code application.yml changed}, {@code SIGHUP}, {@code actuator})
   */
  public Reload reload(String cause) {
    return observer.observe(cause, () -> reloadNow(cause, true));
  }

  /**
   * A dry run of {@link #reload}: reads, binds, validates and prepares every record as a reload would, reports
   * what would change or the problems, and aborts; nothing is swapped.
   */
  public Reload check(String cause) {
    return reloadNow(cause, false);
  }

  /** Each reload from now on runs inside {@code observer}. */
  public void observeWith(Observer observer) {
    this.observer = observer;
  }

  private Reload reloadNow(String cause, boolean apply) {
    synchronized (reloading) {
      ConfigurableEnvironment fresh;
      try {
        fresh = load();
      } catch (RuntimeException e) {
        Problem p = new Problem("", Origin.of("spring config data"), "cannot be read: " + rootMessage(e));
        LOG.warn("relive: {} refused; nothing changes: {}", cause, p);
        return new Reload(List.of(), Map.of(), List.of(p));
      }
      ConfigurableEnvironment previous = snapshot;
      snapshot = fresh; // what the records bind from
      List<StagedChange<?>> staged = new ArrayList<>();
      Map<String, List<String>> changed = new LinkedHashMap<>();
      List<Problem> problems = new ArrayList<>();
      List<String> applied = new ArrayList<>();
      for (Entry<?> e : entries.values()) {
        StagedChange<?> s = e.config().stage(cause, STAGE_TIMEOUT,
            Map.of(e.layer(), e.layer().data(fresh)));
        if (s.prepared()) {
          staged.add(s);
          changed.put(e.type().getSimpleName(), s.changedPaths());
        } else {
          problems.addAll(s.problems());
        }
      }
      if (!problems.isEmpty() || !apply) {
        staged.forEach(StagedChange::abort);
        snapshot = previous;
        if (!problems.isEmpty()) {
          LOG.warn("relive: {} refused; every record keeps its version:\n  {}", cause,
              String.join("\n  ", problems.stream().map(Problem::toString).toList()));
        }
        return new Reload(List.of(), Map.copyOf(changed), List.copyOf(problems));
      }
      for (StagedChange<?> s : staged) {
        ReloadEvent outcome = s.commit();
        if (outcome instanceof ReloadEvent.Applied) {
          applied.add(s.value().map(v -> v.getClass().getSimpleName()).orElse("?"));
        }
      }
      return new Reload(List.copyOf(applied), Map.copyOf(changed), List.of());
    }
  }

  /** Boot's config data, read again: the same property sources but the config files, then those files loaded. */
  private ConfigurableEnvironment load() {
    StandardEnvironment fresh = new StandardEnvironment();
    MutablePropertySources sources = fresh.getPropertySources();
    List.copyOf(sources.stream().map(PropertySource::getName).toList()).forEach(sources::remove);
    for (PropertySource<?> ps : original.getPropertySources()) {
      if (!isConfigData(ps) && !ps.getName().equals("configurationProperties")) {
        sources.addLast(ps);
      }
    }
    fresh.setActiveProfiles(original.getActiveProfiles());
    fresh.setDefaultProfiles(original.getDefaultProfiles());
    ConfigDataEnvironmentPostProcessor.applyTo(fresh, resourceLoader, null, List.of(original.getActiveProfiles()));
    return fresh;
  }

  private static boolean isConfigData(PropertySource<?> ps) {
    return ps instanceof OriginTrackedMapPropertySource && ps.getName().startsWith("Config resource");
  }

  /** Binds one record from the current snapshot exactly as Boot does, reporting failures at their properties. */
  private <R> @Nullable R bind(Class<R> type, String prefix, Problems problems) {
    ConfigurableEnvironment env = snapshot;
    Binder binder = new Binder(ConfigurationPropertySources.get(env), new PropertySourcesPlaceholdersResolver(env),
        ApplicationConversionService.getSharedInstance(), null, null);
    BindHandler handler = BindHandler.DEFAULT;
    Validator v = validator;
    if (v != null && AnnotatedElementUtils.hasAnnotation(type, Validated.class)) {
      handler = new ValidationBindHandler(handler, v);
    }
    try {
      return binder.bindOrCreate(prefix, Bindable.of(type), handler);
    } catch (BindException e) {
      if (e.getCause() instanceof BindValidationException invalid) {
        for (ObjectError error : invalid.getValidationErrors()) {
          String path = error instanceof FieldError f ? prefix + "." + dashed(f.getField()) : prefix;
          problems.add(path, String.valueOf(error.getDefaultMessage()));
        }
      } else {
        ConfigurationProperty property = e.getProperty();
        String path = property != null ? property.getName().toString() : e.getName().toString();
        problems.add(path, rootMessage(e));
      }
      return null;
    }
  }

  /** {@code poolSize} → {@code pool-size}, as Boot names properties. */
  static String dashed(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    return m.lines().findFirst().orElse(m);
  }

  /**
   * The files behind Boot's config data as read now (application.yml, profile files, imported files), for
   * watching.
   */
  List<Path> configFiles() {
    Set<Path> out = new LinkedHashSet<>();
    for (PropertySource<?> ps : snapshot.getPropertySources()) {
      if (!isConfigData(ps) || !(ps.getSource() instanceof Map<?, ?> map)) {
        continue;
      }
      for (Object value : map.values()) {
        if (value instanceof OriginTrackedValue tracked && tracked.getOrigin() instanceof TextResourceOrigin t) {
          Resource r = t.getResource();
          if (r != null && r.isFile()) {
            try {
              out.add(r.getFile().toPath().toAbsolutePath().normalize());
            } catch (IOException e) {
              // not a file after all
            }
          }
          break;
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Watches the config files (Relive's watcher: editors, Kubernetes volume swaps, deleted files) and SIGHUP;
   * any change reloads.
   */
  void watch(boolean files, boolean sighup, Duration quietPeriod) {
    if (entries.isEmpty()) {
      return; // nothing live: no watcher, no SIGHUP handler (a Boot app using the starter only under relive serve)
    }
    List<Path> paths = files ? configFiles() : List.of();
    if (paths.isEmpty() && !sighup) {
      return;
    }
    LiveConfig.Builder<ConfigTree> b = LiveConfig.builder(ConfigTree.class).name("relive-spring-files")
        .format(new Fingerprint()).watchFiles(files).quietPeriod(quietPeriod).reloadOnSighup(sighup)
        .subscriber(event -> {
          boolean hup = event.cause().equals("SIGHUP");
          if ((event instanceof ReloadEvent.Applied a && a.version() > 1) || hup) {
            Thread t = new Thread(() -> reload(hup ? "SIGHUP" : "config files changed"), "relive-spring-reload");
            t.setDaemon(true);
            t.start();
          }
        });
    paths.forEach(p -> b.source(ConfigSources.file(p, Fingerprint.NAME)));
    if (paths.isEmpty()) {
      b.source(ConfigSources.document("sighup", new byte[] {1}, Fingerprint.NAME));
    }
    watcher = b.build();
    LOG.info("relive: {} live record(s) {}, watching {}", entries.size(),
        entries.keySet().stream().map(Class::getSimpleName).toList(), paths);
  }

  @Override
  public void close() {
    LiveConfig<ConfigTree> w = watcher;
    if (w != null) {
      w.close();
    }
    entries.values().forEach(e -> e.config().close());
  }

  /**
   * The properties under a prefix, from an Environment, as a tree with Boot's origins: what the engine compares
   * (no change under the prefix, no new version) and where problems point.
   */
  final class EnvironmentLayer implements ConfigSource {
    private final String prefix;
    private final ConfigurationPropertyName name;

    EnvironmentLayer(String prefix) {
      this.prefix = prefix;
      this.name = ConfigurationPropertyName.of(prefix);
    }

    @Override
    public String name() {
      return "spring:" + prefix;
    }

    /** The properties in the current snapshot (a reload gives the fresh one to the stage directly). */
    @Override
    public SourceData read() {
      return data(snapshot);
    }

    SourceData data(ConfigurableEnvironment env) {
      Map<String, Object> root = new LinkedHashMap<>();
      StringBuilder stamp = new StringBuilder();
      Set<String> seen = new LinkedHashSet<>();
      for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
        if (!(source instanceof IterableConfigurationPropertySource iterable)) {
          continue;
        }
        iterable.stream().filter(n -> name.isAncestorOf(n) || name.equals(n)).forEach(n -> {
          if (!seen.add(n.toString())) {
            return; // an earlier source wins, as in the Environment
          }
          ConfigurationProperty p = source.getConfigurationProperty(n);
          if (p == null) {
            return;
          }
          String value = String.valueOf(p.getValue());
          stamp.append(n).append('=').append(value).append('\n');
          insert(root, n.toString().split("\\.", -1), ScalarNode.string(value, origin(p)));
        });
      }
      return new SourceData.Tree(toNode(root, Origin.of("spring:" + prefix)), sha(stamp.toString()));
    }

    private static Origin origin(ConfigurationProperty p) {
      org.springframework.boot.origin.Origin o = p.getOrigin();
      while (o instanceof PropertySourceOrigin pso && pso.getOrigin() != null && pso.getOrigin() != o) {
        o = pso.getOrigin();
      }
      if (o instanceof TextResourceOrigin t && t.getLocation() != null) {
        Resource r = t.getResource();
        String file = r == null ? "?" : (r.getFilename() != null && !r.isFile()) ? r.getFilename() : fileName(r);
        return new Origin(file, t.getLocation().getLine() + 1, t.getLocation().getColumn() + 1);
      }
      return Origin.of(o == null ? "spring" : o.toString());
    }

    private static String fileName(Resource r) {
      try {
        return r.getFile().getPath();
      } catch (IOException e) {
        return String.valueOf(r.getFilename());
      }
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> node, String[] segments, ScalarNode value) {
      Map<String, Object> at = node;
      for (int i = 0; i < segments.length - 1; i++) {
        Object next = at.get(segments[i]);
        if (!(next instanceof Map)) {
          Map<String, Object> child = new LinkedHashMap<>();
          if (next != null) {
            child.put("", next);
          }
          at.put(segments[i], child);
          next = child;
        }
        at = (Map<String, Object>) next;
      }
      at.put(segments[segments.length - 1], value);
    }

    @SuppressWarnings("unchecked")
    private static ObjectNode toNode(Map<String, Object> map, Origin origin) {
      Map<String, ConfigNode> fields = new LinkedHashMap<>();
      map.forEach((k, v) -> fields.put(k, v instanceof Map<?, ?> m ? toNode((Map<String, Object>) m, origin) : (ConfigNode) v));
      return new ObjectNode(fields, origin);
    }
  }

  /** A format that reads any bytes as their digest: the watcher only needs to know that a file changed. */
  static final class Fingerprint implements ConfigFormat {
    static final String NAME = "relive-fingerprint";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public Set<String> extensions() {
      return Set.of(NAME);
    }

    @Override
    public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
      return new ObjectNode(Map.of("sha256", ScalarNode.string(sha(new String(bytes, StandardCharsets.ISO_8859_1)),
          Origin.of(sourceName))), Origin.of(sourceName));
    }
  }

  static String sha(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
