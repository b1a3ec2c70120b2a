package dev.relive.devloop.tests;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintStream;
import java.util.Arrays;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The test JVM's main: runs the named test classes through the JUnit Platform launcher and prints, after the
 * tests' own output, {@code relive-tests passed=N failed=M} and one {@code relive-test-failure} line per
 * failure, which the runner reads.
 */
public final class RunTests {
  /** The prefix of the lines the runner reads. */
  public static final String RESULT = "relive-tests ";
  public static final String FAILURE = "relive-test-failure ";

  private RunTests() {}

  public static void main(String[] classes) {
    PrintStream out = System.out;
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(Arrays.stream(classes).map(c -> selectClass(c)).toList()).build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    launcher.execute(request, summary);
    TestExecutionSummary s = summary.getSummary();
    for (TestExecutionSummary.Failure f : s.getFailures()) {
      String where = f.getTestIdentifier().getLegacyReportingName();
      String parent = f.getTestIdentifier().getParentId().map(p -> p.replaceAll(".*class:([^\\]]+)\\].*", "$1"))
          .orElse("");
      out.println(FAILURE + (parent.isEmpty() ? "" : parent.substring(parent.lastIndexOf('.') + 1) + ".") + where
          + ": " + String.valueOf(f.getException().getMessage()).replace('\n', ' '));
    }
    out.println(RESULT + "passed=" + s.getTestsSucceededCount() + " failed=" + s.getTestsFailedCount());
    out.flush();
    System.exit(0);
  }
}
