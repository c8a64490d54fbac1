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
    "                       [--timeout-idle S] [--timeout-connect S] [--timeout-request S]\n"
    "                       [--timeout-keepalive S] [--aia-timeout S] [--max-conns N]\n"
    "                       [--client-auth none|request|require] [--client-trust PEM]\n"
    "                       [--mtls-mode passthrough|verify] [--upstream-cert PEM --upstream-key PEM]\n"
    "                       [--ui ADDR:PORT [--ui-token TOKEN] [--ui-ring N]]\n"
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
    "  --timeout-request S    from a request head's first byte to its end, however\n"
    "                         slowly it trickles in (default 20; then 408)\n"
    "  --timeout-keepalive S  from the handshake or a response's end to the next\n"
    "                         request's first byte (default 60)\n"
    "  --aia-timeout S        one AIA URL that tlsmirror fetches as a browser would\n"
    "                         (default 10); the client's handshake waits for them,\n"
    "                         up to --timeout-connect + --timeout-handshake - 1 s\n"
    "  --max-conns N          open client connections (default 10000)\n"
    "  --log-secrets          log Authorization and Cookie values (redacted by default)\n"
    "  --ui ADDR:PORT         serve a live web view of the connections (off by\n"
    "                         default): the list, each one's chains as pictures,\n"
    "                         every platform's verdict; loopback unless --ui-token\n"
    "  --ui-token TOKEN       required for --ui on another address: the page asks\n"
    "                         for it once\n"
    "  --ui-ring N            records the view keeps in memory (default 10000,\n"
    "                         about 12 KB each); the log keeps them all\n"
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
    "Environment (for containers): every option can be set as TLSMIRROR_<OPTION>,\n"
    "upper case with '_' for '-': TLSMIRROR_ORIGIN, TLSMIRROR_CA_DIR,\n"
    "TLSMIRROR_TIMEOUT_IDLE... TLSMIRROR_RESOLVE takes several entries separated by\n"
    "spaces; TLSMIRROR_LOG_SECRETS takes 1/true/yes or 0/false/no; an empty variable\n"
    "is unset. An option on the command line wins over its variable. Any other\n"
    "TLSMIRROR_ variable is an error (a typo would otherwise go unnoticed).\n"
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
    return cli_error("proxy", "cannot read %s %s: %s", what, path,
                     err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  size_t index;
  err = inspect_trust_load(trust, data, len, &index);
  free(data);
  if (err != INSPECT_OK) {
    return cli_error("proxy", "%s %s: %s", what, path, inspect_strerror(err));
  }
  return CLI_EXIT_OK;
}

static void on_ui_ready(void *arg, const char *url) {
  (void)arg;
  fprintf(stderr, "tlsmirror proxy: web view on %s\n", url);
}

static void on_ready(void *arg, const char *listen, const char *metrics) {
  const char **info = arg;
  fprintf(stderr, "tlsmirror proxy: listening on %s, origin %s%s%s%s\n", listen, info[0],
          info[1] != NULL ? "; clients must trust " : "", info[1] != NULL ? info[1] : "", metrics != NULL ? "" : "");
  if (metrics != NULL) {
    fprintf(stderr, "tlsmirror proxy: metrics on http://%s/metrics\n", metrics);
  }
  fflush(stderr);
}

// What `proxy` parses and loads: flags as given, then everything loaded
// from them, released once by setup_cleanup.
typedef struct {
  const char *origin, *as, *ca_dir, *cert, *key, *trust, *profiles;
  const char *client_auth, *client_trust, *client_profiles, *mtls_mode, *upstream_cert, *upstream_key;
} proxy_args_t;

typedef struct {
  proxy_resolve_t resolves[PROXY_MAX_RESOLVE];
  char origin_host[256];
  inspect_selection_t sel, client_sel;
  inspect_trust_t *trust, *client_trust;
  STACK_OF(CRYPTO_BUFFER) * fixed_chain, *upstream_chain;
  EVP_PKEY *fixed_key, *upstream_key;
  CRYPTO_BUFFER *fixed_certs[INSPECT_CHAIN_MAX], *upstream_certs[INSPECT_CHAIN_MAX];
  tls_identity_t fixed, upstream;
  tls_mirror_ca_t *ca;
  char ca_root[4200];
} proxy_setup_t;

// The options of `tlsmirror proxy`.
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
    {"timeout-request", required_argument, NULL, 'R'},
    {"timeout-keepalive", required_argument, NULL, 'J'},
    {"aia-timeout", required_argument, NULL, 'O'},
    {"max-conns", required_argument, NULL, 'M'},
    {"log-secrets", no_argument, NULL, 'S'},
    {"client-auth", required_argument, NULL, 'A'},
    {"client-trust", required_argument, NULL, 'Y'},
    {"client-profile", required_argument, NULL, 'P'},
    {"mtls-mode", required_argument, NULL, 'D'},
    {"upstream-cert", required_argument, NULL, 'u'},
    {"upstream-key", required_argument, NULL, 'v'},
    {"ui", required_argument, NULL, 'W'},
    {"ui-token", required_argument, NULL, 'X'},
    {"ui-ring", required_argument, NULL, 'N'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

// take_option takes option `c` (its value in optarg) into `args`, `cfg` and
// `setup`: CLI_EXIT_OK, a usage error, or CLI_HELP_SHOWN.
static int take_option(int c, proxy_args_t *args, proxy_config_t *cfg, proxy_setup_t *setup) {
  uint64_t n;
  switch (c) {
    case 'o': args->origin = optarg; break;
    case 'l': cfg->listen = optarg; break;
    case 'r':
      if (cfg->num_resolves >= PROXY_MAX_RESOLVE || !parse_resolve(optarg, &setup->resolves[cfg->num_resolves])) {
        return cli_usage_error("proxy", "--resolve needs HOST:PORT:ADDR (at most 64)");
      }
      cfg->num_resolves++;
      break;
    case 'a': args->as = optarg; break;
    case 'U': cfg->upstream_sni = strcmp(optarg, "none") == 0 ? "" : optarg; break;
    case 'L': cfg->log_path = optarg; break;
    case 'C': args->ca_dir = optarg; break;
    case 'c': args->cert = optarg; break;
    case 'k': args->key = optarg; break;
    case 't': args->trust = optarg; break;
    case 'p': args->profiles = optarg; break;
    case 'K': cfg->keylog_path = optarg; break;
    case 'w':
      if (!cli_parse_u64(optarg, 1, 64, &n)) {
        return cli_usage_error("proxy", "--workers needs a number from 1 to 64");
      }
      cfg->workers = (unsigned)n;
      break;
    case 'm': cfg->metrics_listen = optarg; break;
    case 'H':
    case 'I':
    case 'T':
    case 'R':
    case 'J':
    case 'O': {
      double s;
      if (!cli_parse_seconds(optarg, 86400, &s) || s <= 0) {
        return cli_usage_error("proxy", "timeouts need a positive number of seconds");
      }
      *(c == 'H'   ? &cfg->timeout_handshake
        : c == 'I' ? &cfg->timeout_idle
        : c == 'T' ? &cfg->timeout_connect
        : c == 'R' ? &cfg->timeout_request
        : c == 'J' ? &cfg->timeout_keepalive
                   : &cfg->aia_timeout) = s;
      break;
    }
    case 'M':
      if (!cli_parse_u64(optarg, 1, 1000000, &n)) {
        return cli_usage_error("proxy", "--max-conns needs a number from 1 to 1000000");
      }
      cfg->max_conns = (unsigned)n;
      break;
    case 'S': cfg->log_headers_unredacted = 1; break;
    case 'A': args->client_auth = optarg; break;
    case 'Y': args->client_trust = optarg; break;
    case 'P': args->client_profiles = optarg; break;
    case 'D': args->mtls_mode = optarg; break;
    case 'u': args->upstream_cert = optarg; break;
    case 'v': args->upstream_key = optarg; break;
    case 'W': cfg->ui_listen = optarg; break;
    case 'X': cfg->ui_token = optarg; break;
    case 'N':
      if (!cli_parse_u64(optarg, 1, 1000000, &n)) {
        return cli_usage_error("proxy", "--ui-ring needs a number from 1 to 1000000");
      }
      cfg->ui_ring = (size_t)n;
      break;
    case 'h': fputs(kProxyHelp, stdout); return CLI_HELP_SHOWN;
    case ':': return cli_usage_error("proxy", "an option is missing its value");
    default: return cli_usage_error("proxy", "unknown option");
  }
  return CLI_EXIT_OK;
}

// check_options refuses options that do not go together, or a missing --origin.
static int check_options(const proxy_args_t *args, const proxy_config_t *cfg) {
  if (args->origin == NULL) {
    return cli_usage_error("proxy", "--origin HOST[:PORT] (or 'sni') is required");
  }
  if (cfg->ui_listen == NULL && cfg->ui_token != NULL) {
    return cli_usage_error("proxy", "--ui-token goes with --ui ADDR:PORT");
  }
  if ((args->cert == NULL) != (args->key == NULL)) {
    return cli_usage_error("proxy", "--cert and --key go together");
  }
  if ((args->upstream_cert == NULL) != (args->upstream_key == NULL)) {
    return cli_usage_error("proxy", "--upstream-cert and --upstream-key go together");
  }
  return CLI_EXIT_OK;
}

// parse_options reads the flags into `args` and `cfg`. It returns
// CLI_EXIT_OK, CLI_HELP_SHOWN, or a usage error.
static int parse_options(int argc, char **argv, proxy_args_t *args, proxy_config_t *cfg, proxy_setup_t *setup) {
  if (cli_env_apply("proxy", kOptions, (const char *const[]){"resolve", NULL}, &argc, &argv) != CLI_EXIT_OK) {
    return CLI_EXIT_USAGE;
  }
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    int rc = take_option(c, args, cfg, setup);
    if (rc != CLI_EXIT_OK) {
      return rc;
    }
  }
  if (optind < argc) {
    return cli_usage_error("proxy", "unexpected argument");
  }
  return check_options(args, cfg);
}

// parse_origin reads --origin: HOST[:PORT], [V6]:PORT or sni[:PORT].
static int parse_origin(const char *origin, proxy_config_t *cfg, char *host, size_t host_size) {
  const char *colon = origin[0] == '[' ? strstr(origin, "]:") : strrchr(origin, ':');
  if (colon != NULL && origin[0] != '[' && strchr(origin, ':') != colon) {
    colon = NULL;  // a bare IPv6 address
  }
  size_t host_len = colon != NULL ? (size_t)(colon - origin) + (origin[0] == '[') : strlen(origin);
  if (colon != NULL) {
    uint64_t n;
    if (!cli_parse_u64(colon + 1 + (origin[0] == '['), 1, 65535, &n)) {
      return cli_usage_error("proxy", "--origin port must be 1-65535");
    }
    cfg->origin_port = (uint16_t)n;
  }
  if (origin[0] == '[') {
    const char *close = strchr(origin, ']');
    if (close == NULL) {
      return cli_usage_error("proxy", "--origin: unterminated [IPv6] address");
    }
    snprintf(host, host_size, "%.*s", (int)(close - origin - 1), origin + 1);
  } else if (host_len == 0 || host_len >= host_size) {
    return cli_usage_error("proxy", "--origin needs a host name");
  } else {
    snprintf(host, host_size, "%.*s", (int)host_len, origin);
  }
  cfg->origin_host = strcmp(host, "sni") == 0 ? NULL : host;
  return CLI_EXIT_OK;
}

static int is_alb(const char *as) { return as != NULL && (strcmp(as, "alb") == 0 || strncmp(as, "alb:", 4) == 0); }

// choose_profiles reads --profile and --as: the profiles to judge with (the
// --as profile always among them) and the platform to answer as.
static int choose_profiles(const proxy_args_t *args, proxy_config_t *cfg, inspect_selection_t *sel) {
  char bad[80];
  if (inspect_selection_parse(args->profiles, sel, bad, sizeof(bad)) != INSPECT_OK) {
    return cli_usage_error("proxy", "unknown profile or option in --profile");
  }
  cfg->selection = sel;
  const char *as = args->as;
  if (as == NULL) {
    return CLI_EXIT_OK;
  }
  if (is_alb(as)) {
    cfg->enforce = PROXY_ENFORCE_ALB;
    if (strcmp(as, "alb") != 0 && strcmp(as, "alb:ignore-expiry") != 0) {
      return cli_usage_error("proxy", "--as alb takes one option: alb:ignore-expiry");
    }
    return CLI_EXIT_OK;
  }
  static const struct {
    const char *id;
    proxy_enforce_t mode;
  } kAs[] = {{"cloudfront-origin", PROXY_ENFORCE_CLOUDFRONT},
             {"apigateway", PROXY_ENFORCE_APIGATEWAY},
             {"akamai-origin", PROXY_ENFORCE_AKAMAI}};
  for (size_t i = 0; i < sizeof(kAs) / sizeof(kAs[0]); i++) {
    size_t len = strlen(kAs[i].id);
    if (strncmp(as, kAs[i].id, len) == 0 && (as[len] == '\0' || as[len] == ':')) {
      cfg->enforce = kAs[i].mode;
    }
  }
  if (cfg->enforce == PROXY_ENFORCE_NONE) {
    return cli_usage_error("proxy", "--as supports cloudfront-origin, apigateway, akamai-origin and alb");
  }
  // The enforced profile is always judged.
  int found = 0;
  for (size_t i = 0; i < sel->num; i++) {
    found |= strcmp(sel->items[i].label, as) == 0;
  }
  if (!found) {
    inspect_selection_t one;
    if (inspect_selection_parse(as, &one, bad, sizeof(bad)) != INSPECT_OK || sel->num >= INSPECT_SELECTION_MAX) {
      return cli_usage_error("proxy", "unknown option in --as");
    }
    sel->items[sel->num++] = one.items[0];
  }
  cfg->enforce_profile = as;
  return CLI_EXIT_OK;
}

// choose_mtls reads --mtls-mode, --client-auth and --client-profile.
static int choose_mtls(const proxy_args_t *args, proxy_config_t *cfg, inspect_selection_t *client_sel) {
  int alb = is_alb(args->as);
  if (args->mtls_mode != NULL) {
    if (!alb) {
      return cli_usage_error("proxy", "--mtls-mode applies to --as alb");
    }
    if (strcmp(args->mtls_mode, "passthrough") == 0) {
      cfg->mtls_mode = PROXY_MTLS_PASSTHROUGH;
    } else if (strcmp(args->mtls_mode, "verify") == 0) {
      cfg->mtls_mode = PROXY_MTLS_VERIFY;
      if (args->client_trust == NULL) {
        return cli_usage_error("proxy", "--mtls-mode verify needs --client-trust PEM (the ALB trust store)");
      }
    } else {
      return cli_usage_error("proxy", "--mtls-mode is passthrough or verify");
    }
  }
  if (args->client_auth != NULL) {
    const char *a = args->client_auth;
    cfg->client_auth = strcmp(a, "none") == 0      ? PROXY_CLIENT_AUTH_NONE
                       : strcmp(a, "request") == 0 ? PROXY_CLIENT_AUTH_REQUEST
                       : strcmp(a, "require") == 0 ? PROXY_CLIENT_AUTH_REQUIRE
                                                   : (proxy_client_auth_t)-1;
    if ((int)cfg->client_auth < 0) {
      return cli_usage_error("proxy", "--client-auth is none, request or require");
    }
  } else if (cfg->mtls_mode != PROXY_MTLS_OFF) {
    // ALB asks every client for a certificate in both modes; verify mode fails without one.
    cfg->client_auth = cfg->mtls_mode == PROXY_MTLS_VERIFY ? PROXY_CLIENT_AUTH_REQUIRE : PROXY_CLIENT_AUTH_REQUEST;
  }
  if (cfg->client_auth == PROXY_CLIENT_AUTH_NONE) {
    return CLI_EXIT_OK;
  }
  const char *list = args->client_profiles != NULL                       ? args->client_profiles
                     : alb && strcmp(args->as, "alb:ignore-expiry") == 0 ? "alb-mtls:ignore-expiry,apigateway-mtls"
                                                                         : "alb-mtls,apigateway-mtls";
  char bad[80];
  if (inspect_selection_parse(list, client_sel, bad, sizeof(bad)) != INSPECT_OK) {
    return cli_usage_error("proxy", "unknown profile in --client-profile");
  }
  cfg->client_selection = client_sel;
  return CLI_EXIT_OK;
}

// load_trust reads the anchors the verdicts use (and, with client
// authentication, those client chains are judged against).
static int load_trust(const proxy_args_t *args, proxy_config_t *cfg, proxy_setup_t *setup) {
  setup->trust = inspect_trust_new(args->trust == NULL);
  if (setup->trust == NULL) {
    return cli_error("proxy", "out of memory");
  }
  cfg->trust = setup->trust;
  int rc = load_pem_file("trust anchors", args->trust != NULL ? args->trust : INSPECT_SYSTEM_TRUST_PATH, setup->trust);
  if (rc != CLI_EXIT_OK || cfg->client_auth == PROXY_CLIENT_AUTH_NONE) {
    return rc;
  }
  setup->client_trust = inspect_trust_new(args->client_trust == NULL);
  if (setup->client_trust == NULL) {
    return cli_error("proxy", "out of memory");
  }
  cfg->client_trust = setup->client_trust;
  return load_pem_file("client trust anchors",
                       args->client_trust != NULL ? args->client_trust : INSPECT_SYSTEM_TRUST_PATH,
                       setup->client_trust);
}

// load_identity reads a certificate chain and its key (--cert/--key,
// --upstream-cert/--upstream-key) into `id`.
static int load_identity(const char *cert_flag, const char *cert, const char *key_flag, const char *key,
                         STACK_OF(CRYPTO_BUFFER) * *chain, EVP_PKEY **pkey, CRYPTO_BUFFER **certs, tls_identity_t *id) {
  int err = tls_pem_read_certs(cert, INSPECT_CHAIN_MAX, chain);
  if (err != TLS_OK) {
    return cli_error("proxy", "%s %s: %s", cert_flag, cert, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  if ((err = tls_pem_read_key(key, pkey)) != TLS_OK) {
    return cli_error("proxy", "%s %s: %s", key_flag, key, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  id->chain_len = sk_CRYPTO_BUFFER_num(*chain);
  for (size_t i = 0; i < id->chain_len; i++) {
    certs[i] = sk_CRYPTO_BUFFER_value(*chain, i);
  }
  id->chain = certs;
  id->key = *pkey;
  return CLI_EXIT_OK;
}

static int load_identities(const proxy_args_t *args, proxy_config_t *cfg, proxy_setup_t *setup) {
  int rc = CLI_EXIT_OK;
  if (args->upstream_cert != NULL) {
    rc = load_identity("--upstream-cert", args->upstream_cert, "--upstream-key", args->upstream_key,
                       &setup->upstream_chain, &setup->upstream_key, setup->upstream_certs, &setup->upstream);
    cfg->upstream_identity = rc == CLI_EXIT_OK ? &setup->upstream : NULL;
  }
  if (rc == CLI_EXIT_OK && args->cert != NULL) {
    rc = load_identity("--cert", args->cert, "--key", args->key, &setup->fixed_chain, &setup->fixed_key,
                       setup->fixed_certs, &setup->fixed);
    cfg->fixed = rc == CLI_EXIT_OK ? &setup->fixed : NULL;
  }
  return rc;
}

// load_ca loads (creating it on first use) the mirror CA, which also signs
// stand-in certificates (--as, unreachable origins).
static int load_ca(const proxy_args_t *args, proxy_config_t *cfg, proxy_setup_t *setup) {
  char dir[4096];
  if (args->ca_dir != NULL) {
    snprintf(dir, sizeof(dir), "%s", args->ca_dir);
  } else if (!cli_ca_default_dir(dir, sizeof(dir))) {
    return cli_error("proxy", "no HOME or XDG_DATA_HOME: give --ca-dir DIR");
  }
  int rc = cli_ca_ensure("proxy", dir, 1);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  int err = tls_mirror_ca_load(dir, &setup->ca);
  if (err != TLS_OK) {
    return cli_error("proxy", "mirror CA %s: %s", dir, tls_strerror(err));
  }
  cfg->ca = setup->ca;
  snprintf(setup->ca_root, sizeof(setup->ca_root), "%s/%s", dir, TLS_MIRROR_ROOT_FILE);
  return CLI_EXIT_OK;
}

static int run(proxy_config_t *cfg, const proxy_setup_t *setup) {
  char origin_desc[300];
  snprintf(origin_desc, sizeof(origin_desc), "%s:%u", cfg->origin_host != NULL ? cfg->origin_host : "(by SNI)",
           cfg->origin_port);
  const char *info[2] = {origin_desc, cfg->fixed == NULL ? setup->ca_root : NULL};
  cfg->on_ready = on_ready;
  cfg->on_ui_ready = on_ui_ready;
  cfg->arg = info;
  char detail[512];
  int r = proxy_run(cfg, detail, sizeof(detail));
  if (r == PROXY_ELOOPBACK) {
    return cli_error("proxy",
                     "%s: refusing to connect to myself; give the origin's real address with --resolve "
                     "HOST:PORT:ADDR",
                     detail);
  }
  return r != 0 ? cli_error("proxy", "%s: %s", detail, proxy_strerror(r)) : CLI_EXIT_OK;
}

static void setup_cleanup(proxy_setup_t *setup) {
  tls_mirror_ca_free(setup->ca);
  sk_CRYPTO_BUFFER_pop_free(setup->upstream_chain, CRYPTO_BUFFER_free);
  EVP_PKEY_free(setup->upstream_key);
  sk_CRYPTO_BUFFER_pop_free(setup->fixed_chain, CRYPTO_BUFFER_free);
  EVP_PKEY_free(setup->fixed_key);
  inspect_trust_free(setup->client_trust);
  inspect_trust_free(setup->trust);
}

int cmd_proxy(int argc, char **argv) {
  static proxy_setup_t setup;  // large (certificate arrays, selections): not on the stack
  memset(&setup, 0, sizeof(setup));
  proxy_args_t args = {.profiles = "all"};
  proxy_config_t cfg;
  proxy_config_init(&cfg);
  cfg.resolves = setup.resolves;
  int rc = parse_options(argc, argv, &args, &cfg, &setup);
  if (rc == CLI_HELP_SHOWN) {
    return CLI_EXIT_OK;
  }
  if (rc == CLI_EXIT_OK)
    rc = parse_origin(args.origin, &cfg, setup.origin_host, sizeof(setup.origin_host));
  if (rc == CLI_EXIT_OK)
    rc = choose_profiles(&args, &cfg, &setup.sel);
  if (rc == CLI_EXIT_OK)
    rc = choose_mtls(&args, &cfg, &setup.client_sel);
  if (rc == CLI_EXIT_OK)
    rc = load_trust(&args, &cfg, &setup);
  if (rc == CLI_EXIT_OK)
    rc = load_identities(&args, &cfg, &setup);
  if (rc == CLI_EXIT_OK)
    rc = load_ca(&args, &cfg, &setup);
  if (rc == CLI_EXIT_OK)
    rc = run(&cfg, &setup);
  setup_cleanup(&setup);
  return rc;
}
