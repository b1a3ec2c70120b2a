package dev.relive.handoff.serve;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The libc calls the JDK does not offer: a listening socket whose descriptor we own (to place it on a child's
 * fd 0, the one {@code System.inheritedChannel()} adopts), {@code dup2}, and datagram Unix sockets (systemd's
 * notify protocol). Linux constants (x86-64 and arm64 agree on all of them).
 */
interface Libc extends Library {
  Libc C = Native.load("c", Libc.class);

  int AF_UNIX = 1;
  int AF_INET = 2;
  int AF_INET6 = 10;
  int SOCK_STREAM = 1;
  int SOCK_DGRAM = 2;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SO_REUSEADDR = 2;
  int SO_TYPE = 3;
  int SO_RCVTIMEO = 20;
  int SO_ACCEPTCONN = 30;
  int IPPROTO_IPV6 = 41;
  int IPV6_V6ONLY = 26;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

  int getsockopt(int fd, int level, int name, byte[] value, int[] length) throws LastErrorException;

  int bind(int fd, byte[] address, int length) throws LastErrorException;

  int listen(int fd, int backlog) throws LastErrorException;

  int getsockname(int fd, byte[] address, int[] length) throws LastErrorException;

  int dup2(int from, int to) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength)
      throws LastErrorException;

  NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags) throws LastErrorException;
}
