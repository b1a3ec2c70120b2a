package dev.relive.cli.serveapp;

import dev.relive.handoff.Handoff;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The Jetty recipe for relive serve, as the README gives it: a connector that adopts the inherited channel
 * ({@code setInheritChannel}) and accepts through its selector ({@code acceptors = 0}, so pausing it with
 * {@code setAccepting(false)} just stops selecting for accept: no thread is left blocked in {@code accept()});
 * drain = stop accepting, {@code Connection: close} on every response, stop when no connection is left.
 */
public final class JettyApp {
  private JettyApp() {}

  public static void main(String[] args) throws Exception {
    String version = Files.readString(Path.of(args[0])).trim();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server, 0, -1);
    connector.setInheritChannel(Handoff.supervised());
    connector.setHost("127.0.0.1");
    connector.setPort(8080);
    server.addConnector(connector);
    boolean[] draining = {false};
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        if (draining[0]) {
          response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
        }
        Content.Sink.write(response, true, version + "\n", callback);
        return true;
      }
    });
    server.start();
    Handoff handoff = Handoff.connect(new Handoff.Listener() {
      @Override
      public void pause() {
        connector.setAccepting(false);
      }

      @Override
      public void resume() {
        connector.setAccepting(true);
      }

      @Override
      public void drain() {
        draining[0] = true;
        connector.setAccepting(false);
        long start = System.nanoTime();
        try {
          while (!connector.getConnectedEndPoints().isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(20);
          }
          System.out.println("drained");
          server.stop(); // closes the inherited channel: the JDK then points stdout and stderr at /dev/null
        } catch (Exception e) {
          e.printStackTrace();
        }
        System.exit(0);
      }
    });
    handoff.ready();
    System.out.println("ready " + version);
    if (version.equals("dies")) { // a release that fails a second after it said it was ready
      Thread.sleep(1000);
      System.exit(4);
    }
    server.join();
  }
}
