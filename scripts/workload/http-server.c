/*
 * The e2e suite's workload (scripts/build-workload-image.sh): a static HTTP server for WebApps'
 * own Pods, so they run a real container without a registry. It answers every request with 200
 * and "hello from <hostname>", one connection at a time, on $PORT (default 8080), and exits 0 on
 * SIGTERM, so a Pod's deletion does not wait out its grace period. Not for production.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

int main(void) {
  const char *port_env = getenv("PORT");
  int port = port_env ? atoi(port_env) : 8080;
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  char body[320];
  int body_len = snprintf(body, sizeof body, "hello from %s\n", host);
  char response[512];
  int response_len = snprintf(response, sizeof response,
                              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                              "Connection: close\r\n\r\n%s",
                              body_len, body);

  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGPIPE, SIG_IGN);

  int listener = socket(AF_INET6, SOCK_STREAM, 0);
  int off = 0, on = 1;
  setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in6 addr = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 64) != 0) {
    perror("listen");
    return 1;
  }
  fprintf(stderr, "listening on %d\n", port);

  for (;;) {
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) continue;
    /* A client that never sends its request is dropped after 2 s. */
    struct timeval timeout = {.tv_sec = 2};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char request[4096];
    size_t got = 0;
    while (got < sizeof request - 1) {
      ssize_t n = recv(conn, request + got, sizeof request - 1 - got, 0);
      if (n <= 0) break;
      got += (size_t)n;
      request[got] = '\0';
      if (strstr(request, "\r\n\r\n")) break;
    }
    if (got > 0) send(conn, response, (size_t)response_len, 0);
    close(conn);
  }
}
