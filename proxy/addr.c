// Address parsing shared by every listener and connector.

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_internal.h"

int proxy_parse_host_port(const char *text, uint16_t default_port, struct sockaddr_storage *out) {
  char host[INET6_ADDRSTRLEN + 2];
  const char *port_text = NULL;
  memset(out, 0, sizeof(*out));
  if (text[0] == '[') {
    const char *close = strchr(text, ']');
    if (close == NULL || (size_t)(close - text - 1) >= sizeof(host)) {
      return PROXY_EBAD_ADDR;
    }
    memcpy(host, text + 1, (size_t)(close - text - 1));
    host[close - text - 1] = '\0';
    if (close[1] == ':') {
      port_text = close + 2;
    } else if (close[1] != '\0') {
      return PROXY_EBAD_ADDR;
    }
  } else {
    const char *colon = strrchr(text, ':');
    if (colon != NULL && strchr(text, ':') != colon) {
      colon = NULL;  // a bare IPv6 address
    }
    size_t host_len = colon != NULL ? (size_t)(colon - text) : strlen(text);
    if (host_len >= sizeof(host)) {
      return PROXY_EBAD_ADDR;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    if (colon != NULL) {
      port_text = colon + 1;
    } else if (strspn(text, "0123456789") == strlen(text) && text[0] != '\0') {
      port_text = text;  // just a port
      strcpy(host, "127.0.0.1");
    }
  }
  unsigned long port = default_port;
  if (port_text != NULL) {
    char *end;
    port = strtoul(port_text, &end, 10);
    if (port_text[0] == '\0' || *end != '\0' || port > 65535) {
      return PROXY_EBAD_ADDR;
    }
  }
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    return 0;
  }
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return 0;
  }
  return PROXY_EBAD_ADDR;
}
