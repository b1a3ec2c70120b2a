package com.example.hello;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Answers http://127.0.0.1:8090/ with a greeting. Edit it while relive dev runs it. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8090"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      byte[] body = (Greeting.of(name()) + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    // Stopping the server on SIGTERM lets the JVM exit at once (without it, about 300 ms), so restarts are quick.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
    System.out.println("listening on http://127.0.0.1:" + port + "/ (build " + System.getenv("RELIVE_DEV_GENERATION") + ")");
  }

  /** The name, from the resource file name.txt. */
  static String name() throws IOException {
    try (InputStream in = Hello.class.getResourceAsStream("/name.txt")) {
      return in == null ? "world" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }
}
