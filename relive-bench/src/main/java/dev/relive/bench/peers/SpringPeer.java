package dev.relive.bench.peers;

import java.nio.file.Path;
import java.util.Properties;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.support.ResourcePropertySource;

/**
 * Spring's Environment (spring-core only): the file as the first property source; the read is
 * {@code getProperty(key)}; an update replaces the property source, which is what a refresh does.
 */
final class SpringPeer implements Peer {
  private final StandardEnvironment environment = new StandardEnvironment();

  SpringPeer(Path file) throws Exception {
    environment.getPropertySources().addFirst(new ResourcePropertySource("app", new FileSystemResource(file)));
  }

  @Override
  public String read() {
    return environment.getProperty("app.greeting");
  }

  @Override
  public void update(String greeting) throws Exception {
    Properties properties = new Properties();
    properties.load(new java.io.StringReader(Peer.properties(greeting)));
    environment.getPropertySources().replace("app", new PropertiesPropertySource("app", properties));
  }
}
