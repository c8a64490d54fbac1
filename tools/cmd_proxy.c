// tlsmirror proxy: the TLS-terminating mirror proxy.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy.h"
#include "tools/cli.h"

static const char kProxyHelp[] =
    "Usage: tlsmirror proxy --origin HOST[:PORT]|sni[:PORT] [--listen ADDR:PORT]\n"
    "                       [--resolve HOST:PORT:ADDR]... [--as PROFILE] [--log FILE|-]\n"
    "                       [--ca-dir DIR] [--cert PEM --key PEM] [--trust PEM]\n"
    "                       [--profile LIST] [--keylog FILE] [--workers N]\n"
    "                       [--metrics ADDR:PORT] [--timeout-handshake S]\n"
    "                       [--timeout-idle S] [--timeout-connect S] [--max-conns N]\n"
    "                       [--client-auth none|request|require] [--client-trust PEM]\n"
    "                       [--mtls-mode passthrough|verify] [--upstream-cert PEM --upstream-key PEM]\n"
    "\n"
    "Sit between a client and an origin: read the client's ClientHello, open the\n"
    "origin connection with the same SNI (or none), ALPN list and versions,\n"
    "record the origin's chain, judge it for every platform, then finish the\n"
    "client's handshake with a mirrored chain (same names, dates, key sizes and\n"
    "shape, re-signed by the mirror CA) and relay the traffic. Each connection\n"
    "writes one JSON record (ECS field names) saying who would reject it, and why.\n"
    "\n"
    "Point the client at tlsmirror (hosts file or --resolve) and make it trust the\n"
    "mirror root ('tlsmirror ca path'); it then accepts or rejects exactly as it\n"
    "would with the real origin.\n"
    "\n"
    "Options:\n"
    "  --origin HOST[:PORT]   the origin (default port 443); 'sni' routes each\n"
    "                         connection to the name the client sent\n"
    "  --listen ADDR:PORT     where clients connect (default 127.0.0.1:8443)\n"
    "  --resolve H:P:ADDR     connect to ADDR for H:P, like curl; needed when the\n"
    "                         hosts file points the origin's name at tlsmirror\n"
    "  --upstream-sni NAME    send this SNI to the origin instead of the client's\n"
    "                         ('none' sends none; default: mirror the client)\n"
    "  --as PROFILE           answer as that platform when its profile rejects the\n"
    "                         origin: cloudfront-origin (502), apigateway (500),\n"
    "                         akamai-origin (503); clients get a valid certificate.\n"
    "                         'alb' (or alb:ignore-expiry) is an ALB listener: it\n"
    "                         never checks the target's certificate, and with\n"
    "                         --mtls-mode it does mutual TLS as ALB does\n"
    "  --log FILE|-           connection records, one JSON object per line\n"
    "                         (default: stdout)\n"
    "  --ca-dir DIR           mirror CA directory (created if missing; see\n"
    "                         'tlsmirror ca --help')\n"
    "  --cert PEM --key PEM   serve this chain and key instead of mirroring\n"
    "  --trust PEM            trust anchors for the verdicts (default: Debian's bundle)\n"
    "  --profile LIST         profiles to judge with (default: all)\n"
    "  --keylog FILE          NSS key log of both legs, for Wireshark\n"
    "  --workers N            event loops (default: one per CPU)\n"
    "  --metrics ADDR:PORT    serve Prometheus /metrics and /healthz\n"
    "  --timeout-handshake S  each handshake (default 10)\n"
    "  --timeout-idle S       no traffic (default 60)\n"
    "  --timeout-connect S    connecting to the origin (default 5)\n"
    "  --max-conns N          open client connections (default 10000)\n"
    "  --log-secrets          log Authorization and Cookie values (redacted by default)\n"
    "\n"
    "Mutual TLS:\n"
    "  --client-auth MODE     ask clients for a certificate: none (default), request\n"
    "                         (record it if sent) or require (fail without one); the\n"
    "                         chain is logged as sent and judged by alb-mtls and\n"
    "                         apigateway-mtls (tls_verify_status, 403 reasons)\n"
    "  --client-trust PEM     the trust store client chains are judged against\n"
    "                         (required with --mtls-mode verify)\n"
    "  --client-profile LIST  profiles for client chains (default\n"
    "                         alb-mtls,apigateway-mtls)\n"
    "  --mtls-mode MODE       with --as alb: passthrough forwards the chain in\n"
    "                         X-Amzn-Mtls-Clientcert; verify refuses what ALB\n"
    "                         refuses and forwards X-Amzn-Mtls-Clientcert-Serial-Number,\n"
    "                         -Issuer, -Subject, -Validity and -Leaf\n"
    "  --upstream-cert PEM    client certificate chain to present to an origin\n"
    "  --upstream-key PEM     that demands one, and its key\n"
    "  -h, --help             show this help\n"
    "\n"
    "SIGINT or SIGTERM stops accepting and waits up to 10 s for open connections;\n"
    "a second signal stops at once.\n"
    "\n"
    "Example (an origin the hosts file points at 127.0.0.1):\n"
    "  tlsmirror proxy --origin api.example.com --resolve api.example.com:443:203.0.113.7 \\\n"
    "      --listen 127.0.0.1:443 --as cloudfront-origin\n";

static int parse_resolve(const char *text, proxy_resolve_t *out) {
  const char *c1 = strchr(text, ':');
  const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
  if (c1 == NULL || c2 == NULL || c1 == text || (size_t)(c1 - text) >= sizeof(out->host)) {
    return 0;
  }
  char port[8];
  if (c2 - c1 - 1 <= 0 || (size_t)(c2 - c1 - 1) >= sizeof(port)) {
    return 0;
  }
  snprintf(port, sizeof(port), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
  uint64_t p;
  const char *addr = c2 + 1;
  size_t alen = strlen(addr);
  if (alen > 2 && addr[0] == '[' && addr[alen - 1] == ']') {
    addr++;
    alen -= 2;
  }
  if (!cli_parse_u64(port, 1, 65535, &p) || alen == 0 || alen >= sizeof(out->addr)) {
    return 0;
  }
  snprintf(out->host, sizeof(out->host), "%.*s", (int)(c1 - text), text);
  snprintf(out->addr, sizeof(out->addr), "%.*s", (int)alen, addr);
  out->port = (uint16_t)p;
  return 1;
}

static int load_pem_file(const char *what, const char *path, inspect_trust_t *trust) {
  uint8_t *data;
  size_t len;
  int err = tls_file_read(path, INSPECT_INPUT_MAX, &data, &len);
  if (err != TLS_OK) {
    return cli_error("proxy", "cannot read %s %s: %s", what, path, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  size_t index;
  err = inspect_trust_load(trust, data, len, &index);
  free(data);
  if (err != INSPECT_OK) {
    return cli_error("proxy", "%s %s: %s", what, path, inspect_strerror(err));
  }
  return CLI_EXIT_OK;
}

static void on_ready(void *arg, const char *listen, const char *metrics) {
  const char **info = arg;
  fprintf(stderr, "tlsmirror proxy: listening on %s, origin %s%s%s%s\n", listen, info[0],
          info[1] != NULL ? "; clients must trust " : "", info[1] != NULL ? info[1] : "",
          metrics != NULL ? "" : "");
  if (metrics != NULL) {
    fprintf(stderr, "tlsmirror proxy: metrics on http://%s/metrics\n", metrics);
  }
  fflush(stderr);
}

int cmd_proxy(int argc, char **argv) {
  static const struct option kOptions[] = {
      {"origin", required_argument, NULL, 'o'},
      {"listen", required_argument, NULL, 'l'},
      {"resolve", required_argument, NULL, 'r'},
      {"upstream-sni", required_argument, NULL, 'U'},
      {"as", required_argument, NULL, 'a'},
      {"log", required_argument, NULL, 'L'},
      {"ca-dir", required_argument, NULL, 'C'},
      {"cert", required_argument, NULL, 'c'},
      {"key", required_argument, NULL, 'k'},
      {"trust", required_argument, NULL, 't'},
      {"profile", required_argument, NULL, 'p'},
      {"keylog", required_argument, NULL, 'K'},
      {"workers", required_argument, NULL, 'w'},
      {"metrics", required_argument, NULL, 'm'},
      {"timeout-handshake", required_argument, NULL, 'H'},
      {"timeout-idle", required_argument, NULL, 'I'},
      {"timeout-connect", required_argument, NULL, 'T'},
      {"max-conns", required_argument, NULL, 'M'},
      {"log-secrets", no_argument, NULL, 'S'},
      {"client-auth", required_argument, NULL, 'A'},
      {"client-trust", required_argument, NULL, 'Y'},
      {"client-profile", required_argument, NULL, 'P'},
      {"mtls-mode", required_argument, NULL, 'D'},
      {"upstream-cert", required_argument, NULL, 'u'},
      {"upstream-key", required_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  static proxy_resolve_t resolves[PROXY_MAX_RESOLVE];
  proxy_config_t cfg = {
      .listen = "127.0.0.1:8443",
      .origin_port = 443,
      .resolves = resolves,
      .timeout_handshake = 10,
      .timeout_idle = 60,
      .timeout_connect = 5,
      .drain = 10,
      .max_conns = 10000,
      .max_header = 64 * 1024,
  };
  const char *origin = NULL, *as = NULL, *ca_dir = NULL, *cert = NULL, *key = NULL, *trust_path = NULL;
  const char *profiles = "all";
  const char *client_auth = NULL, *client_trust_path = NULL, *client_profiles = NULL, *mtls_mode = NULL;
  const char *upstream_cert = NULL, *upstream_key = NULL;
  uint64_t n;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 'o': origin = optarg; break;
      case 'l': cfg.listen = optarg; break;
      case 'r':
        if (cfg.num_resolves >= PROXY_MAX_RESOLVE || !parse_resolve(optarg, &resolves[cfg.num_resolves])) {
          return cli_usage_error("proxy", "--resolve needs HOST:PORT:ADDR (at most 64)");
        }
        cfg.num_resolves++;
        break;
      case 'a': as = optarg; break;
      case 'U': cfg.upstream_sni = strcmp(optarg, "none") == 0 ? "" : optarg; break;
      case 'L': cfg.log_path = optarg; break;
      case 'C': ca_dir = optarg; break;
      case 'c': cert = optarg; break;
      case 'k': key = optarg; break;
      case 't': trust_path = optarg; break;
      case 'p': profiles = optarg; break;
      case 'K': cfg.keylog_path = optarg; break;
      case 'w':
        if (!cli_parse_u64(optarg, 1, 64, &n)) {
          return cli_usage_error("proxy", "--workers needs a number from 1 to 64");
        }
        cfg.workers = (unsigned)n;
        break;
      case 'm': cfg.metrics_listen = optarg; break;
      case 'H':
      case 'I':
      case 'T': {
        double s;
        if (!cli_parse_seconds(optarg, 86400, &s) || s <= 0) {
          return cli_usage_error("proxy", "timeouts need a positive number of seconds");
        }
        *(c == 'H' ? &cfg.timeout_handshake : c == 'I' ? &cfg.timeout_idle : &cfg.timeout_connect) = s;
        break;
      }
      case 'M':
        if (!cli_parse_u64(optarg, 1, 1000000, &n)) {
          return cli_usage_error("proxy", "--max-conns needs a number from 1 to 1000000");
        }
        cfg.max_conns = (unsigned)n;
        break;
      case 'S': cfg.log_headers_unredacted = 1; break;
      case 'A': client_auth = optarg; break;
      case 'Y': client_trust_path = optarg; break;
      case 'P': client_profiles = optarg; break;
      case 'D': mtls_mode = optarg; break;
      case 'u': upstream_cert = optarg; break;
      case 'v': upstream_key = optarg; break;
      case 'h':
        fputs(kProxyHelp, stdout);
        return CLI_EXIT_OK;
      case ':':
        return cli_usage_error("proxy", "an option is missing its value");
      default:
        return cli_usage_error("proxy", "unknown option");
    }
  }
  if (optind < argc) {
    return cli_usage_error("proxy", "unexpected argument");
  }
  if (origin == NULL) {
    return cli_usage_error("proxy", "--origin HOST[:PORT] (or 'sni') is required");
  }
  if ((cert == NULL) != (key == NULL)) {
    return cli_usage_error("proxy", "--cert and --key go together");
  }
  if ((upstream_cert == NULL) != (upstream_key == NULL)) {
    return cli_usage_error("proxy", "--upstream-cert and --upstream-key go together");
  }
  // --origin: HOST[:PORT], [V6]:PORT or sni[:PORT].
  static char origin_host[256];
  const char *colon = origin[0] == '[' ? strstr(origin, "]:") : strrchr(origin, ':');
  if (colon != NULL && origin[0] != '[' && strchr(origin, ':') != colon) {
    colon = NULL;  // a bare IPv6 address
  }
  size_t host_len = colon != NULL ? (size_t)(colon - origin) + (origin[0] == '[') : strlen(origin);
  if (colon != NULL) {
    if (!cli_parse_u64(colon + 1 + (origin[0] == '['), 1, 65535, &n)) {
      return cli_usage_error("proxy", "--origin port must be 1-65535");
    }
    cfg.origin_port = (uint16_t)n;
  }
  if (origin[0] == '[') {
    const char *close = strchr(origin, ']');
    if (close == NULL) {
      return cli_usage_error("proxy", "--origin: unterminated [IPv6] address");
    }
    snprintf(origin_host, sizeof(origin_host), "%.*s", (int)(close - origin - 1), origin + 1);
  } else if (host_len == 0 || host_len >= sizeof(origin_host)) {
    return cli_usage_error("proxy", "--origin needs a host name");
  } else {
    snprintf(origin_host, sizeof(origin_host), "%.*s", (int)host_len, origin);
  }
  cfg.origin_host = strcmp(origin_host, "sni") == 0 ? NULL : origin_host;

  inspect_selection_t sel;
  char bad[80];
  if (inspect_selection_parse(profiles, &sel, bad, sizeof(bad)) != INSPECT_OK) {
    return cli_usage_error("proxy", "unknown profile or option in --profile");
  }
  int alb = as != NULL && (strcmp(as, "alb") == 0 || strncmp(as, "alb:", 4) == 0);
  if (alb) {
    cfg.enforce = PROXY_ENFORCE_ALB;
    if (strcmp(as, "alb") != 0 && strcmp(as, "alb:ignore-expiry") != 0) {
      return cli_usage_error("proxy", "--as alb takes one option: alb:ignore-expiry");
    }
  } else if (as != NULL) {
    static const struct {
      const char *id;
      proxy_enforce_t mode;
    } kAs[] = {{"cloudfront-origin", PROXY_ENFORCE_CLOUDFRONT},
               {"apigateway", PROXY_ENFORCE_APIGATEWAY},
               {"akamai-origin", PROXY_ENFORCE_AKAMAI}};
    for (size_t i = 0; i < sizeof(kAs) / sizeof(kAs[0]); i++) {
      size_t len = strlen(kAs[i].id);
      if (strncmp(as, kAs[i].id, len) == 0 && (as[len] == '\0' || as[len] == ':')) {
        cfg.enforce = kAs[i].mode;
      }
    }
    if (cfg.enforce == PROXY_ENFORCE_NONE) {
      return cli_usage_error("proxy", "--as supports cloudfront-origin, apigateway, akamai-origin and alb");
    }
    // The enforced profile is always judged.
    inspect_selection_t one;
    int found = 0;
    for (size_t i = 0; i < sel.num; i++) {
      found |= strcmp(sel.items[i].label, as) == 0;
    }
    if (!found) {
      if (inspect_selection_parse(as, &one, bad, sizeof(bad)) != INSPECT_OK || sel.num >= INSPECT_SELECTION_MAX) {
        return cli_usage_error("proxy", "unknown option in --as");
      }
      sel.items[sel.num++] = one.items[0];
    }
    cfg.enforce_profile = as;
  }
  cfg.selection = &sel;

  // Mutual TLS towards clients.
  if (mtls_mode != NULL) {
    if (!alb) {
      return cli_usage_error("proxy", "--mtls-mode applies to --as alb");
    }
    if (strcmp(mtls_mode, "passthrough") == 0) {
      cfg.mtls_mode = PROXY_MTLS_PASSTHROUGH;
    } else if (strcmp(mtls_mode, "verify") == 0) {
      cfg.mtls_mode = PROXY_MTLS_VERIFY;
      if (client_trust_path == NULL) {
        return cli_usage_error("proxy", "--mtls-mode verify needs --client-trust PEM (the ALB trust store)");
      }
    } else {
      return cli_usage_error("proxy", "--mtls-mode is passthrough or verify");
    }
  }
  if (client_auth != NULL) {
    cfg.client_auth = strcmp(client_auth, "none") == 0      ? PROXY_CLIENT_AUTH_NONE
                      : strcmp(client_auth, "request") == 0 ? PROXY_CLIENT_AUTH_REQUEST
                      : strcmp(client_auth, "require") == 0 ? PROXY_CLIENT_AUTH_REQUIRE
                                                            : (proxy_client_auth_t)-1;
    if ((int)cfg.client_auth < 0) {
      return cli_usage_error("proxy", "--client-auth is none, request or require");
    }
  } else if (cfg.mtls_mode != PROXY_MTLS_OFF) {
    // ALB asks every client for a certificate in both modes; verify mode fails without one.
    cfg.client_auth = cfg.mtls_mode == PROXY_MTLS_VERIFY ? PROXY_CLIENT_AUTH_REQUIRE : PROXY_CLIENT_AUTH_REQUEST;
  }
  static inspect_selection_t client_sel;
  if (cfg.client_auth != PROXY_CLIENT_AUTH_NONE) {
    char list[128];
    snprintf(list, sizeof(list), "%s", client_profiles != NULL ? client_profiles
                                       : alb && strcmp(as, "alb:ignore-expiry") == 0
                                           ? "alb-mtls:ignore-expiry,apigateway-mtls"
                                           : "alb-mtls,apigateway-mtls");
    if (inspect_selection_parse(list, &client_sel, bad, sizeof(bad)) != INSPECT_OK) {
      return cli_usage_error("proxy", "unknown profile in --client-profile");
    }
    cfg.client_selection = &client_sel;
  }

  int rc = CLI_EXIT_OK;
  inspect_trust_t *trust = inspect_trust_new(trust_path == NULL);
  if (trust == NULL) {
    return cli_error("proxy", "out of memory");
  }
  rc = load_pem_file("trust anchors", trust_path != NULL ? trust_path : INSPECT_SYSTEM_TRUST_PATH, trust);
  cfg.trust = trust;
  inspect_trust_t *client_trust = NULL;
  if (rc == CLI_EXIT_OK && cfg.client_auth != PROXY_CLIENT_AUTH_NONE) {
    client_trust = inspect_trust_new(client_trust_path == NULL);
    rc = client_trust == NULL ? cli_error("proxy", "out of memory")
                              : load_pem_file("client trust anchors",
                                              client_trust_path != NULL ? client_trust_path : INSPECT_SYSTEM_TRUST_PATH,
                                              client_trust);
    cfg.client_trust = client_trust;
  }
  STACK_OF(CRYPTO_BUFFER) *upstream_chain = NULL;
  EVP_PKEY *upstream_pkey = NULL;
  tls_identity_t upstream_id;
  if (rc == CLI_EXIT_OK && upstream_cert != NULL) {
    int err = tls_pem_read_certs(upstream_cert, INSPECT_CHAIN_MAX, &upstream_chain);
    if (err != TLS_OK) {
      rc = cli_error("proxy", "--upstream-cert %s: %s", upstream_cert, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
    } else if ((err = tls_pem_read_key(upstream_key, &upstream_pkey)) != TLS_OK) {
      rc = cli_error("proxy", "--upstream-key %s: %s", upstream_key, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
    } else {
      static CRYPTO_BUFFER *upstream_certs[INSPECT_CHAIN_MAX];
      upstream_id.chain_len = sk_CRYPTO_BUFFER_num(upstream_chain);
      for (size_t i = 0; i < upstream_id.chain_len; i++) {
        upstream_certs[i] = sk_CRYPTO_BUFFER_value(upstream_chain, i);
      }
      upstream_id.chain = upstream_certs;
      upstream_id.key = upstream_pkey;
      cfg.upstream_identity = &upstream_id;
    }
  }

  tls_mirror_ca_t *ca = NULL;
  STACK_OF(CRYPTO_BUFFER) *fixed_chain = NULL;
  EVP_PKEY *fixed_key = NULL;
  tls_identity_t fixed;
  char dir[4096] = "", root[4200] = "";
  if (rc == CLI_EXIT_OK && cert != NULL) {
    int err = tls_pem_read_certs(cert, INSPECT_CHAIN_MAX, &fixed_chain);
    if (err != TLS_OK) {
      rc = cli_error("proxy", "--cert %s: %s", cert, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
    } else if ((err = tls_pem_read_key(key, &fixed_key)) != TLS_OK) {
      rc = cli_error("proxy", "--key %s: %s", key, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
    } else {
      static CRYPTO_BUFFER *fixed_certs[INSPECT_CHAIN_MAX];
      fixed.chain_len = sk_CRYPTO_BUFFER_num(fixed_chain);
      for (size_t i = 0; i < fixed.chain_len; i++) {
        fixed_certs[i] = sk_CRYPTO_BUFFER_value(fixed_chain, i);
      }
      fixed.chain = fixed_certs;
      fixed.key = fixed_key;
      cfg.fixed = &fixed;
    }
  }
  // The mirror CA also signs stand-in certificates (--as, unreachable origins).
  if (rc == CLI_EXIT_OK) {
    if (ca_dir != NULL) {
      snprintf(dir, sizeof(dir), "%s", ca_dir);
    } else if (!cli_ca_default_dir(dir, sizeof(dir))) {
      rc = cli_error("proxy", "no HOME or XDG_DATA_HOME: give --ca-dir DIR");
    }
  }
  if (rc == CLI_EXIT_OK && (rc = cli_ca_ensure("proxy", dir, 1)) == CLI_EXIT_OK) {
    int err = tls_mirror_ca_load(dir, &ca);
    if (err != TLS_OK) {
      rc = cli_error("proxy", "mirror CA %s: %s", dir, tls_strerror(err));
    }
    cfg.ca = ca;
    snprintf(root, sizeof(root), "%s/%s", dir, TLS_MIRROR_ROOT_FILE);
  }
  if (rc == CLI_EXIT_OK) {
    char origin_desc[300];
    snprintf(origin_desc, sizeof(origin_desc), "%s:%u", cfg.origin_host != NULL ? cfg.origin_host : "(by SNI)",
             cfg.origin_port);
    const char *info[2] = {origin_desc, cfg.fixed == NULL ? root : NULL};
    cfg.on_ready = on_ready;
    cfg.arg = info;
    char detail[512];
    int r = proxy_run(&cfg, detail, sizeof(detail));
    if (r == PROXY_ELOOPBACK) {
      rc = cli_error("proxy", "%s: refusing to connect to myself; give the origin's real address with --resolve "
                              "HOST:PORT:ADDR",
                     detail);
    } else if (r != 0) {
      rc = cli_error("proxy", "%s: %s", detail, proxy_strerror(r));
    }
  }
  tls_mirror_ca_free(ca);
  sk_CRYPTO_BUFFER_pop_free(upstream_chain, CRYPTO_BUFFER_free);
  EVP_PKEY_free(upstream_pkey);
  inspect_trust_free(client_trust);
  sk_CRYPTO_BUFFER_pop_free(fixed_chain, CRYPTO_BUFFER_free);
  EVP_PKEY_free(fixed_key);
  inspect_trust_free(trust);
  return rc;
}
