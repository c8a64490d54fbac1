// The proxy's configuration: the one place its defaults live, and the check
// proxy_run makes before starting.

#include <stdio.h>
#include <string.h>

#include "proxy/proxy_internal.h"

void proxy_config_init(proxy_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->listen = PROXY_DEFAULT_LISTEN;
  cfg->origin_port = 443;
  cfg->timeout_handshake = 10;
  cfg->timeout_idle = 60;
  cfg->timeout_connect = 5;
  cfg->timeout_request = 20;
  cfg->timeout_keepalive = 60;
  cfg->aia_timeout = TLS_AIA_TIMEOUT;
  cfg->drain = 10;
  cfg->max_conns = 10000;
  cfg->max_header = 64 * 1024;
  cfg->ui_ring = 10000;
}

int proxy_config_check(const proxy_config_t *cfg, char *err, size_t err_len) {
  const char *bad = NULL;
  if (cfg->listen == NULL) {
    bad = "no listen address";
  } else if (cfg->trust == NULL || cfg->selection == NULL) {
    bad = "no trust anchors or profiles to judge with";
  } else if (cfg->ca == NULL && cfg->fixed == NULL) {
    bad = "no mirror CA and no fixed certificate";
  } else if (!(cfg->timeout_handshake > 0 && cfg->timeout_idle > 0 && cfg->timeout_connect > 0 &&
               cfg->timeout_request > 0 && cfg->timeout_keepalive > 0 && cfg->aia_timeout > 0)) {
    bad = "timeouts must be positive";
  } else if (!(cfg->drain >= 0)) {
    bad = "the drain time must not be negative";
  } else if (cfg->max_conns == 0 || cfg->max_header == 0) {
    bad = "--max-conns and the request head limit must be positive";
  } else if (cfg->origin_host != NULL && cfg->origin_port == 0) {
    bad = "the origin port must be 1-65535";
  } else if (cfg->ui_listen != NULL && cfg->ui_ring == 0) {
    bad = "the web view's ring must hold at least one record";
  } else if (cfg->client_auth != PROXY_CLIENT_AUTH_NONE &&
             (cfg->client_trust == NULL || cfg->client_selection == NULL)) {
    bad = "client authentication needs client trust anchors and client profiles";
  }
  if (bad != NULL) {
    snprintf(err, err_len, "%s", bad);
    return PROXY_ECONFIG;
  }
  return 0;
}
