package dev.relive.maven;

import dev.relive.devloop.DevEvents;
import dev.relive.devloop.DevRunner;
import dev.relive.devloop.DevSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

/**
 * {@code mvn relive:dev}: runs the project with {@code relive dev}, on the classpath, sources, resources and main
 * class Maven has for it — resolved once by the Maven already running, not by a second Maven. Settings in
 * {@code relive-dev.toml} apply; these parameters override them. Stop with Ctrl-C.
 */
@Mojo(name = "dev", requiresDependencyResolution = ResolutionScope.RUNTIME, requiresProject = true, threadSafe = true)
public final class DevMojo extends AbstractMojo {
  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  private MavenProject project;

  /** The main class (default: relive-dev.toml, then the pom's {@code relive.main} or a plugin's mainClass). */
  @Parameter(property = "relive.main")
  private String main;

  /** {@code HOST:PORT} to hold across restarts (see relive dev's {@code --listen}). */
  @Parameter(property = "relive.listen")
  private String listen;

  /** Restart on every change instead of redefining method bodies in the running JVM. */
  @Parameter(property = "relive.noHotswap", defaultValue = "false")
  private boolean noHotswap;

  @Override
  public void execute() throws MojoExecutionException {
    Path dir = project.getBasedir().toPath();
    Map<String, Object> overrides = new HashMap<>();
    List<String> classpath = new ArrayList<>();
    try {
      for (String element : project.getRuntimeClasspathElements()) {
        if (!Path.of(element).equals(Path.of(project.getBuild().getOutputDirectory()))) {
          classpath.add(element); // relive dev compiles the project's own classes itself
        }
      }
    } catch (org.apache.maven.artifact.DependencyResolutionRequiredException e) {
      throw new MojoExecutionException("the runtime classpath is not resolved: " + e.getMessage(), e);
    }
    // An empty classpath would make relive dev resolve it through Maven again: name the JDK's own instead.
    overrides.put("classpath", classpath.isEmpty() ? List.of(dir.resolve(".relive-dev/no-dependencies").toString())
        : classpath);
    overrides.put("src", project.getCompileSourceRoots());
    overrides.put("resources", project.getResources().stream().map(Resource::getDirectory).toList());
    if (main != null && !main.isBlank()) {
      overrides.put("main", main);
    }
    if (listen != null && !listen.isBlank()) {
      overrides.put("listen", listen);
    }
    if (noHotswap) {
      overrides.put("hotswap", false);
    }
    DevSettings settings;
    try {
      settings = DevSettings.load(dir).with(overrides);
    } catch (RuntimeException e) {
      throw new MojoExecutionException(e.getMessage(), e);
    }
    settings.fenced(System.getenv()).ifPresent(why -> {
      throw new IllegalStateException(why);
    });
    DevRunner runner = new DevRunner(dir, settings, new LogEvents());
    Thread stop = new Thread(runner::close, "relive-dev-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      runner.run();
    } catch (Exception e) {
      throw new MojoExecutionException("relive dev: " + e.getMessage(), e);
    }
  }

  /** relive dev's events on Maven's log; the application's lines as they come. */
  private final class LogEvents implements DevEvents {
    @Override
    public synchronized void started(int generation, long pid, Map<String, Long> ms) {
      getLog().info("relive dev: build " + generation + " serving (pid " + pid + ") in " + ms.get("total") + " ms");
    }

    @Override
    public synchronized void reloaded(int generation, long pid, String tier, String reason, List<String> changed,
        Map<String, Long> ms) {
      getLog().info("relive dev: build " + generation + " serving (" + tier + ", pid " + pid + ") after "
          + String.join(", ", changed) + ": " + ms.get("total") + " ms; " + reason);
    }

    @Override
    public synchronized void buildFailed(int generation, List<Problem> problems, int serving) {
      getLog().error("relive dev: BUILD " + generation + " FAILED (" + problems.size() + " problem"
          + (problems.size() == 1 ? "" : "s") + ")");
      problems.forEach(p -> getLog().error(p.rendered()));
      getLog().error("relive dev: serving build " + serving + " (last good); build " + generation + " failed");
    }

    @Override
    public synchronized void appExited(int generation, int code) {
      getLog().warn("relive dev: the application (build " + generation + ") exited with code " + code
          + "; waiting for the next change");
    }

    @Override
    public synchronized void output(String line) {
      System.out.println(line);
    }

    @Override
    public synchronized void info(String message) {
      getLog().info("relive dev: " + message);
    }
  }
}
