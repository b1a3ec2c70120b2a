package dev.relive.springtest;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot web app (Tomcat) for relive serve: it answers with the release in the file its first argument
 * names; the release {@code broken} fails at start, as a release with a bad setting would.
 */
@SpringBootApplication
@RestController
public class ServedApp {
  private static String release = "";

  @GetMapping("/")
  String hello() {
    return release;
  }

  public static void main(String[] args) throws Exception {
    release = Files.readString(Path.of(args[0])).trim();
    if (release.equals("broken")) {
      throw new IllegalStateException("release broken: a required setting is missing");
    }
    SpringApplication.run(ServedApp.class, "--spring.main.banner-mode=off", "--logging.level.root=warn",
        "--server.port=0");
  }
}
