package dev.relive.devloop;

import dev.relive.config.ConfigSources;
import dev.relive.config.Default;
import dev.relive.config.LiveConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@code relive dev} runs a project: read from {@code relive-dev.toml} in the project (through the
 * engine, so a mistake there is reported with its line and column), then overridden by command-line flags.
 * Empty values mean "from the project": a Maven project's standard layout, classpath and main class; see
 * {@link #sourceDirs()}, {@link #resourceDirs()}, {@link #ignored()} for the defaults of the lists.
 *
 * @param main          the main class ({@code com.example.Main}); from the pom when empty
 * @param src           source directories, relative to the project
 * @param resources     resource directories
 * @param classpath     dependency jars and directories; resolved through Maven (pom.xml) or
 *                      {@code classpathCmd} when empty
 * @param classpathCmd  a shell command printing the classpath (Gradle and others)
 * @param maven         how to run Maven for the classpath; {@code ./mvnw} if the project has it, else {@code mvn}
 * @param jvmArgs       the application JVM's options
 * @param args          the application's arguments
 * @param env           extra environment for the application
 * @param quietPeriod   how long the files must stay unchanged before a build
 * @param include       globs of the watched files that trigger a build (relative to the project)
 * @param exclude       globs of files that never do
 * @param watch         more directories whose changes restart the application (configuration, templates)
 * @param beforeBuild   shell commands run before each build (code generation); one failing fails the build
 * @param stopSignal    TERM, INT or KILL
 * @param killDelay     how long after the stop signal the application is killed
 * @param fence         environment variables that, naming staging or production, make the runner refuse
 * @param listen        {@code HOST:PORT} the runner binds and holds across restarts: every generation gets the
 *                      socket as fd 0 ({@code System.inheritedChannel()}, {@code Handoff.listen}), so a request
 *                      sent during a restart waits and is answered by the new code; empty: the app binds
 * @param hotswap       whether method-body changes are redefined in the running JVM (relive dev's agent) rather
 *                      than restarting it
 * @param test          whether the tests a build affects run after it (in a JVM of their own)
 * @param testSrc       test source directories (default src/test/java)
 * @param testClasspath the tests' classpath; from Maven's test scope (pom.xml) when empty
 */
public record DevSettings(
    @Default("") String main,
    List<String> src,
    List<String> resources,
    List<String> classpath,
    @Default("") String classpathCmd,
    @Default("") String maven,
    List<String> jvmArgs,
    List<String> args,
    Map<String, String> env,
    @Default("100ms") Duration quietPeriod,
    List<String> include,
    List<String> exclude,
    List<String> watch,
    List<String> beforeBuild,
    @Default("TERM") String stopSignal,
    @Default("5s") Duration killDelay,
    List<String> fence,
    @Default("") String listen,
    @Default("true") boolean hotswap,
    @Default("false") boolean test,
    List<String> testSrc,
    List<String> testClasspath) {

  /** {@code testSrc}, or {@code src/test/java}. */
  public List<String> testSourceDirs() {
    return testSrc.isEmpty() ? List.of("src/test/java") : testSrc;
  }

  /** {@code src}, or {@code src/main/java}. */
  public List<String> sourceDirs() {
    return src.isEmpty() ? List.of("src/main/java") : src;
  }

  /** {@code resources}, or {@code src/main/resources}. */
  public List<String> resourceDirs() {
    return resources.isEmpty() ? List.of("src/main/resources") : resources;
  }

  /** {@code include}, or everything. */
  public List<String> included() {
    return include.isEmpty() ? List.of("**") : include;
  }

  /** {@code exclude}, or editors' backup, swap and temporary files. */
  public List<String> ignored() {
    return exclude.isEmpty() ? List.of("**/*~", "**/.#*", "**/*.swp", "**/*.swx", "**/*.tmp", "**/4913") : exclude;
  }

  /** The file in the project that holds these settings. */
  public static final String FILE = "relive-dev.toml";
  private static final Pattern NOT_DEVELOPMENT = Pattern.compile("(?i)prod|production|stag|stage|staging|live");

  /**
   * The settings of the project in {@code dir}: {@code relive-dev.toml} if it exists, else the defaults.
   *
   * @throws dev.relive.config.ConfigException naming the file, line and column of what is wrong in it
   */
  public static DevSettings load(Path dir) {
    Path file = dir.resolve(FILE);
    try (LiveConfig<DevSettings> config = LiveConfig.builder(DevSettings.class).name(FILE)
        .source(ConfigSources.optionalFile(file)).reloadOnSighup(false).executor(Runnable::run).build()) {
      return config.get();
    }
  }

  /**
   * Why the runner must not run here, or empty: a fence variable naming staging or production.
   */
  public Optional<String> fenced(Map<String, String> environment) {
    List<String> variables = new ArrayList<>(List.of("RELIVE_ENV"));
    variables.addAll(fence);
    for (String variable : variables) {
      String value = environment.get(variable);
      if (value != null && NOT_DEVELOPMENT.matcher(value.trim()).matches()) {
        return Optional.of(variable + "=" + value + " says this is not a development environment; relive dev "
            + "runs code as it is saved and is for development only");
      }
    }
    return Optional.empty();
  }

  /**
   * The main class: {@link #main()} if set, else the first {@code <mainClass>} of the project's pom
   * (exec, jar or Spring Boot plugin configuration) or its {@code relive.main} property.
   */
  public Optional<String> mainClass(Path dir) throws IOException {
    if (!main.isBlank()) {
      return Optional.of(main.trim());
    }
    Path pom = dir.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return Optional.empty();
    }
    String text = Files.readString(pom);
    for (String tag : List.of("relive.main", "mainClass", "start-class")) {
      Matcher m = Pattern.compile("<" + Pattern.quote(tag) + ">\\s*([\\w.$]+)\\s*</" + Pattern.quote(tag) + ">")
          .matcher(text);
      if (m.find()) {
        return Optional.of(m.group(1));
      }
    }
    return Optional.empty();
  }

  /** The stop signal, checked. */
  public String signal() {
    String s = stopSignal.trim().toUpperCase(Locale.ROOT);
    if (!List.of("TERM", "INT", "KILL").contains(s)) {
      throw new IllegalArgumentException("stop-signal is TERM, INT or KILL, was " + stopSignal);
    }
    return s;
  }

  /** A copy with the given non-empty values in place of these. */
  public DevSettings with(Map<String, Object> overrides) {
    List<Object> values = new ArrayList<>(List.of(main, src, resources, classpath, classpathCmd, maven, jvmArgs, args,
        env, quietPeriod, include, exclude, watch, beforeBuild, stopSignal, killDelay, fence, listen, hotswap, test, testSrc, testClasspath));
    List<String> names = List.of("main", "src", "resources", "classpath", "classpathCmd", "maven", "jvmArgs", "args",
        "env", "quietPeriod", "include", "exclude", "watch", "beforeBuild", "stopSignal", "killDelay", "fence", "listen", "hotswap", "test", "testSrc", "testClasspath");
    overrides.forEach((k, v) -> {
      int i = names.indexOf(k);
      if (i < 0) {
        throw new IllegalArgumentException("no setting " + k);
      }
      values.set(i, v);
    });
    @SuppressWarnings("unchecked")
    DevSettings s = new DevSettings((String) values.get(0), (List<String>) values.get(1), (List<String>) values.get(2),
        (List<String>) values.get(3), (String) values.get(4), (String) values.get(5), (List<String>) values.get(6),
        (List<String>) values.get(7), (Map<String, String>) values.get(8), (Duration) values.get(9),
        (List<String>) values.get(10), (List<String>) values.get(11), (List<String>) values.get(12),
        (List<String>) values.get(13), (String) values.get(14), (Duration) values.get(15), (List<String>) values.get(16),
        (String) values.get(17), (Boolean) values.get(18), (Boolean) values.get(19), (List<String>) values.get(20),
        (List<String>) values.get(21));
    return s;
  }

  /** A commented relive-dev.toml for {@code relive dev --init}. */
  public static String template() {
    return """
        # relive dev settings (https://github.com/relive). Flags given to relive dev override these.
        # For a Maven project everything is optional: sources, resources, classpath and main class come
        # from the standard layout and pom.xml.

        # main = "com.example.Main"             # the main class (default: <mainClass> in pom.xml)
        # src = ["src/main/java"]
        # resources = ["src/main/resources"]
        # classpath = ["lib/a.jar", "lib/b.jar"]  # instead of resolving it through Maven
        # classpath-cmd = "gradle -q printClasspath"
        # maven = "./mvnw"                       # how to run Maven (default: ./mvnw if present, else mvn)

        # jvm-args = ["-Xmx256m"]
        # args = ["--port", "8080"]
        # env = { GREETING = "hello" }

        # quiet-period = "100ms"                 # a burst of saves is one build
        # include = ["**"]
        # exclude = ["**/*~", "**/*.swp", "**/*.tmp"]
        # watch = ["config"]                     # more directories whose changes restart the app
        # before-build = ["./generate-sources.sh"]

        # stop-signal = "TERM"                   # TERM, INT or KILL
        # kill-delay = "5s"

        # Hold the app's port across restarts: relive dev binds it and each generation adopts it from fd 0
        # (System.inheritedChannel(): Jetty setInheritChannel, Tomcat/Spring Boot with relive-handoff, Netty).
        # listen = "127.0.0.1:8080"

        # Redefine method-body changes in the running JVM (relive dev's agent) instead of restarting it.
        # hotswap = true

        # After each good build, run the tests that reach a changed class (JUnit Platform, a JVM of their own).
        # test = false
        # test-src = ["src/test/java"]
        # test-classpath = []                   # default: Maven's test scope

        # Refuse to run when one of these variables names staging or production.
        # fence = ["RELIVE_ENV", "APP_ENV"]
        """;
  }
}
