package dev.relive.handoff.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP/1.1 keep-alive clients that count every failure: a refused or reset connection, a connection closed
 * before a whole response, a non-200. A connection the server closes with {@code Connection: close} is
 * reopened (as every HTTP client does) and is not a failure.
 */
public final class LoadClient implements AutoCloseable {
  private final int port;
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final LongAdder ok = new LongAdder();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<String, LongAdder> bodies = new ConcurrentHashMap<>();
  private final AtomicLong maxNanos = new AtomicLong();
  private volatile boolean running = true;

  public LoadClient(int port, int connections) {
    this.port = port;
    for (int i = 0; i < connections; i++) {
      Thread t = new Thread(this::run, "load-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  public long ok() {
    return ok.sum();
  }

  public List<String> failures() {
    return failures;
  }

  /** How many responses carried each body ("v1", "v2"). */
  public Map<String, Long> bodies() {
    Map<String, Long> out = new java.util.TreeMap<>();
    bodies.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  public long maxMillis() {
    return maxNanos.get() / 1_000_000;
  }

  private void run() {
    while (running) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        boolean open = true;
        while (running && open) {
          long t0 = System.nanoTime();
          out.write("GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          String head = readHead(in);
          if (head == null) {
            failures.add("connection closed before a response");
            break;
          }
          int length = 0;
          for (String line : head.split("\r\n")) {
            String l = line.toLowerCase(java.util.Locale.ROOT);
            if (l.startsWith("content-length:")) {
              length = Integer.parseInt(l.substring(15).trim());
            } else if (l.equals("connection: close")) {
              open = false;
            }
          }
          byte[] body = in.readNBytes(length);
          if (body.length < length) {
            failures.add("response cut short");
            break;
          }
          if (!head.startsWith("HTTP/1.1 200")) {
            failures.add(head.lines().findFirst().orElse("?"));
          } else {
            ok.increment();
            bodies.computeIfAbsent(new String(body, StandardCharsets.UTF_8).trim(), k -> new LongAdder()).increment();
          }
          maxNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
        }
      } catch (IOException e) {
        if (running) {
          failures.add(e.toString());
        }
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Stops every client after its current request. */
  public void stop() {
    running = false;
    try {
      for (Thread t : threads) {
        t.join(35_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
