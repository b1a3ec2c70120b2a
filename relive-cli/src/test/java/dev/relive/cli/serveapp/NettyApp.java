package dev.relive.cli.serveapp;

import dev.relive.handoff.Handoff;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Netty recipe for relive serve: a {@link NioServerSocketChannel} made on the inherited channel and
 * registered (not bound: it is bound already); pause and resume with the server channel's auto-read (Netty
 * accepts through its selector, so nothing is left blocked in {@code accept()}); drain = stop reading accepts,
 * {@code Connection: close} on every response, exit when no child channel is left.
 */
public final class NettyApp {
  private NettyApp() {}

  public static void main(String[] args) throws Exception {
    byte[] body = (Files.readString(Path.of(args[0])).trim() + "\n").getBytes(StandardCharsets.UTF_8);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    boolean[] draining = {false};
    java.nio.channels.ServerSocketChannel inherited =
        Handoff.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080));
    ServerBootstrap bootstrap = new ServerBootstrap().group(group)
        .channelFactory(() -> new NioServerSocketChannel(inherited))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            children.add(ch);
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new SimpleChannelInboundHandler<FullHttpRequest>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    if (draining[0]) {
                      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    } else {
                      ctx.writeAndFlush(response);
                    }
                  }
                });
          }
        });
    Channel server = bootstrap.register().sync().channel();
    Handoff handoff = Handoff.connect(new Handoff.Listener() {
      @Override
      public void pause() {
        server.config().setAutoRead(false);
      }

      @Override
      public void resume() {
        server.config().setAutoRead(true);
      }

      @Override
      public void drain() {
        draining[0] = true;
        server.config().setAutoRead(false);
        long start = System.nanoTime();
        try {
          while (!children.isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(20);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        group.shutdownGracefully();
        System.out.println("drained");
        System.exit(0);
      }
    });
    handoff.ready();
    String version = new String(body, StandardCharsets.UTF_8).trim();
    System.out.println("ready " + version);
    if (version.equals("dies")) { // a release that fails a second after it said it was ready
      Thread.sleep(1000);
      System.exit(4);
    }
    server.closeFuture().sync();
  }
}
