// tlsmirror inspect: which platform would reject this chain, and why.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tls/tls.h"
#include "tools/cli.h"

#define INSPECT_RESOLVE_MAX 16

static const char kInspectHelp[] =
    "Usage: tlsmirror inspect TARGET [--sni NAME | --no-sni] [--name HOST]\n"
    "                         [--resolve HOST:PORT:ADDR] [--profile LIST|all] [--trust PEM]\n"
    "                         [--intermediates PEM] [--no-aia] [--aia-timeout SECONDS]\n"
    "                         [--at TIME] [--json] [--timeout SECONDS]\n"
    "\n"
    "Judge a server's certificate chain the way each client and platform would:\n"
    "who accepts it, who rejects it, and the message each one shows.\n"
    "\n"
    "TARGET is host[:port] (default port 443: a live handshake) or a PEM/DER file\n"
    "holding the chain as a server sends it, leaf first.\n"
    "\n"
    "Options:\n"
    "  --sni NAME          SNI to send (default: the target host)\n"
    "  --no-sni            send no SNI, as an Akamai edge with 'Use SNI TLS Extension'\n"
    "                      off or an old client does\n"
    "  --name HOST         name the certificate must match (default: the SNI, else\n"
    "                      the host)\n"
    "  --resolve H:P:ADDR  connect to ADDR for H:P, like curl (test a name while\n"
    "                      the hosts file points it elsewhere); repeat it for the\n"
    "                      hosts of AIA URLs\n"
    "  --profile LIST      comma-separated profiles, or 'all' (default); options\n"
    "                      follow a colon: apigateway:insecure-skip-verification\n"
    "  --trust PEM         trust these anchors instead of Debian's bundle\n"
    "                      (" INSPECT_SYSTEM_TRUST_PATH ")\n"
    "  --intermediates PEM intermediates an AIA-fetching client (browser) can obtain\n"
    "  --no-aia            do not fetch a missing issuer from the caIssuers URL of\n"
    "                      the certificate's AIA extension, as browsers do (by\n"
    "                      default: plain HTTP, each URL once, 64 KiB at most)\n"
    "  --aia-timeout SECS  give up on one AIA URL after this long (default 10,\n"
    "                      Chromium's)\n"
    "  --at TIME           validate at this RFC 3339 time instead of now\n"
    "  --json              one JSON object on stdout\n"
    "  --html FILE         also write the chains and verdicts as one HTML page\n"
    "  --timeout SECONDS   connect + handshake timeout (default 10)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Profiles:\n"
    "%s"
    "\n"
    "Exit status: 0 every profile accepts, 1 at least one rejects (a failed\n"
    "handshake is a verdict), 2 usage or I/O error (cannot resolve, cannot connect,\n"
    "unreadable file).\n"
    "\n"
    "Examples:\n"
    "  tlsmirror inspect example.com\n"
    "  tlsmirror inspect origin.example.com --no-sni --profile akamai-origin\n"
    "  tlsmirror inspect chain.pem --name api.example.com --json\n";

typedef struct {
  const char *target;
  const char *sni;
  int no_sni;
  const char *name;
  tls_resolve_t resolves[INSPECT_RESOLVE_MAX];
  size_t num_resolves;
  const char *profiles;
  const char *trust;
  const char *intermediates;
  const char *at;
  int json;
  double timeout;
  int no_aia;
  double aia_timeout;
  const char *html;
} inspect_args_t;

static void print_help(void) {
  char list[2048];
  size_t len = 0;
  for (size_t i = 0; i < inspect_profile_count(); i++) {
    const inspect_profile_t *p = inspect_profile_get(i);
    len += (size_t)snprintf(list + len, sizeof(list) - len, "  %-19s %s\n", inspect_profile_id(p),
                            inspect_profile_platform(p));
    if (len >= sizeof(list)) {
      break;
    }
  }
  printf(kInspectHelp, list);
}

static int looks_like_file(const char *target) {
  struct stat st;
  if (stat(target, &st) == 0) {
    return 1;
  }
  const char *dot = strrchr(target, '.');
  return strchr(target, '/') != NULL ||
         (dot != NULL && (strcmp(dot, ".pem") == 0 || strcmp(dot, ".crt") == 0 || strcmp(dot, ".der") == 0 ||
                          strcmp(dot, ".cer") == 0));
}

// split_host_port parses "host", "host:port", "[v6]" or "[v6]:port".
static int split_host_port(const char *target, char *host, size_t host_len, uint16_t *port) {
  uint64_t p = 443;
  const char *colon;
  if (target[0] == '[') {
    const char *close = strchr(target, ']');
    if (close == NULL || (size_t)(close - target - 1) >= host_len || close == target + 1) {
      return 0;
    }
    snprintf(host, host_len, "%.*s", (int)(close - target - 1), target + 1);
    colon = close[1] == ':' ? close + 1 : NULL;
    if (close[1] != '\0' && colon == NULL) {
      return 0;
    }
  } else {
    colon = strrchr(target, ':');
    if (colon != NULL && strchr(target, ':') != colon) {
      colon = NULL;  // a bare IPv6 address
    }
    size_t n = colon != NULL ? (size_t)(colon - target) : strlen(target);
    if (n == 0 || n >= host_len) {
      return 0;
    }
    snprintf(host, host_len, "%.*s", (int)n, target);
  }
  if (colon != NULL && !cli_parse_u64(colon + 1, 1, 65535, &p)) {
    return 0;
  }
  *port = (uint16_t)p;
  return 1;
}

static int load_file_into(const char *what, const char *path, inspect_chain_t *chain, inspect_trust_t *trust) {
  uint8_t *data;
  size_t len;
  int err = tls_file_read(path, INSPECT_INPUT_MAX, &data, &len);
  if (err != TLS_OK) {
    return cli_error("inspect", "cannot read %s %s: %s", what, path,
                     err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  size_t index = 0;
  err = chain != NULL ? inspect_chain_load(chain, data, len, &index) : inspect_trust_load(trust, data, len, &index);
  free(data);
  if (err != INSPECT_OK) {
    if (err == INSPECT_ENO_CERTIFICATE || err == INSPECT_ETOO_LARGE) {
      return cli_error("inspect", "%s %s: %s", what, path, inspect_strerror(err));
    }
    return cli_error("inspect", "%s %s, certificate #%zu: %s", what, path, index, inspect_strerror(err));
  }
  return CLI_EXIT_OK;
}

static const char *severity_label(inspect_severity_t s) {
  return s == INSPECT_SEVERITY_ERROR ? "error" : s == INSPECT_SEVERITY_WARNING ? "warning" : "info";
}

static void print_text(const inspect_args_t *args, const char *target_desc, const tls_probe_result_t *probe,
                       const inspect_input_t *in, const inspect_report_t *report) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  char at[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(in->now, at);
  inspect_buf_printf(&out, "target     %s\n", target_desc);
  if (probe != NULL) {
    const inspect_handshake_t *hs = &probe->handshake;
    inspect_buf_printf(&out, "handshake  SNI %s", args->no_sni ? "(none)" : args->sni);
    if (hs->status == INSPECT_HS_OK) {
      inspect_buf_printf(&out, ", %s, %s, ALPN %s", probe->version, probe->cipher,
                         probe->alpn[0] ? probe->alpn : "(none)");
    }
    if (hs->alert >= 0) {
      inspect_buf_printf(&out, ", alert %d%s", hs->alert, hs->alert_after_handshake ? " after the handshake" : "");
    }
    if (hs->status != INSPECT_HS_OK) {
      inspect_buf_printf(&out, ", failed: %s", probe->detail);
    }
    inspect_buf_puts(&out, "\n");
  }
  inspect_buf_printf(&out, "name       %s\nat         %s\n", in->name != NULL ? in->name : "(none)", at);
  size_t n = inspect_chain_num(in->chain);
  inspect_buf_printf(&out, "\nchain as sent (%zu certificate%s)\n", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    const inspect_cert_info_t *c = inspect_cert_get0_info(inspect_chain_get0(in->chain, i));
    char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
    inspect_time_format_rfc3339(c->not_before, nb);
    inspect_time_format_rfc3339(c->not_after, na);
    inspect_buf_printf(&out, "  #%zu %s\n     issuer   %s\n     names    ", i, c->subject, c->issuer);
    for (size_t k = 0; k < c->num_dns_names; k++) {
      inspect_buf_printf(&out, "%sDNS:%s", k ? ", " : "", c->dns_names[k]);
    }
    for (size_t k = 0; k < c->num_ip_addrs; k++) {
      inspect_buf_printf(&out, "%sIP:%s", k || c->num_dns_names ? ", " : "", c->ip_addrs[k]);
    }
    if (c->num_dns_names + c->num_ip_addrs == 0) {
      inspect_buf_puts(&out, "(no subjectAltName)");
    }
    inspect_buf_printf(&out, "\n     valid    %s .. %s\n     key      %s, %s%s\n     sha256   %s\n", nb, na,
                       c->key_desc, c->sig_alg, c->is_ca ? ", CA" : "", c->sha256_hex);
  }
  if (in->num_aia_fetches > 0) {
    inspect_buf_puts(&out, "\nAIA fetches (as Chrome would)\n");
  }
  for (size_t i = 0; i < in->num_aia_fetches; i++) {
    const inspect_aia_fetch_t *f = &in->aia_fetches[i];
    inspect_buf_printf(&out, "  %-13s %s\n                %s\n", inspect_aia_status_name(f->status), f->url,
                       f->detail);
  }
  inspect_buf_puts(&out, "\nfindings\n");
  if (inspect_report_num_findings(report) == 0) {
    inspect_buf_puts(&out, "  (none)\n");
  }
  for (size_t i = 0; i < inspect_report_num_findings(report); i++) {
    const inspect_finding_t *f = inspect_report_get0_finding(report, i);
    char where[16] = "";
    if (f->cert_index >= 0) {
      snprintf(where, sizeof(where), "#%d ", f->cert_index);
    }
    inspect_buf_printf(&out, "  %-7s  %-20s %s%s\n", severity_label(f->severity), f->code, where, f->detail);
  }
  int width = 7, reason_width = 20;
  for (size_t i = 0; i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    int len = (int)strlen(v->profile), reason_len = (int)strlen(inspect_reason_name(v->reason));
    width = len > width ? len : width;
    reason_width = reason_len > reason_width ? reason_len : reason_width;
  }
  inspect_buf_printf(&out, "\nverdicts\n  %-*s  %-7s %-*s %s\n", width, "profile", "verdict", reason_width, "reason",
                     "message");
  for (size_t i = 0; i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    inspect_buf_printf(&out, "  %-*s  %-7s %-*s %s\n", width, v->profile, v->accept ? "ACCEPT" : "REJECT",
                       reason_width, inspect_reason_name(v->reason), v->accept ? v->effect : v->message);
  }
  inspect_buf_printf(&out, "\n%s\n", inspect_report_get0_summary(report));
  fwrite(out.data, 1, out.len, stdout);
  inspect_buf_cleanup(&out);
}

static void print_json(const inspect_args_t *args, const char *target_desc, const tls_probe_result_t *probe,
                       const inspect_input_t *in, const inspect_report_t *report) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  char at[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(in->now, at);
  inspect_buf_puts(&out, "{\"target\":");
  inspect_buf_json_string(&out, target_desc);
  inspect_buf_puts(&out, ",\"name\":");
  inspect_buf_json_string(&out, in->name);
  inspect_buf_printf(&out, ",\"at\":\"%s\",\"handshake\":", at);
  if (probe == NULL) {
    inspect_buf_puts(&out, "null");
  } else {
    const inspect_handshake_t *hs = &probe->handshake;
    static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
    inspect_buf_puts(&out, "{\"sni_sent\":");
    inspect_buf_json_string(&out, args->no_sni ? NULL : args->sni);
    inspect_buf_printf(&out, ",\"status\":\"%s\",\"peer\":", kStatus[hs->status]);
    inspect_buf_json_string(&out, probe->peer);
    inspect_buf_puts(&out, ",\"version\":");
    inspect_buf_json_string(&out, probe->version[0] ? probe->version : NULL);
    inspect_buf_puts(&out, ",\"cipher\":");
    inspect_buf_json_string(&out, probe->cipher[0] ? probe->cipher : NULL);
    inspect_buf_puts(&out, ",\"alpn\":");
    inspect_buf_json_string(&out, probe->alpn[0] ? probe->alpn : NULL);
    inspect_buf_puts(&out, ",\"alert\":");
    if (hs->alert >= 0) {
      inspect_buf_printf(&out, "{\"number\":%d,\"name\":", hs->alert);
      inspect_buf_json_string(&out, tls_alert_name(hs->alert));
      inspect_buf_printf(&out, ",\"after_handshake\":%s}", hs->alert_after_handshake ? "true" : "false");
    } else {
      inspect_buf_puts(&out, "null");
    }
    inspect_buf_printf(&out, ",\"client_certificate_requested\":%s,\"detail\":",
                       probe->cert_requested ? "true" : "false");
    inspect_buf_json_string(&out, hs->status == INSPECT_HS_OK && hs->alert < 0 ? NULL : probe->detail);
    inspect_buf_puts(&out, ",\"tlsmirror_limit\":");
    inspect_buf_json_string(&out, hs->own_limit);
    inspect_buf_puts(&out, "}");
  }
  inspect_buf_puts(&out, ",\"chain\":");
  inspect_json_chain(&out, in->chain);
  inspect_buf_puts(&out, ",\"aia\":[");
  for (size_t i = 0; i < in->num_aia_fetches; i++) {
    const inspect_aia_fetch_t *f = &in->aia_fetches[i];
    inspect_buf_puts(&out, i ? ",{\"url\":" : "{\"url\":");
    inspect_buf_json_string(&out, f->url);
    inspect_buf_printf(&out, ",\"status\":\"%s\",\"detail\":", inspect_aia_status_name(f->status));
    inspect_buf_json_string(&out, f->detail);
    inspect_buf_printf(&out, ",\"certificates\":%zu}", inspect_chain_num(f->certs));
  }
  inspect_buf_puts(&out, "],\"findings\":");
  inspect_json_findings(&out, report);
  inspect_buf_puts(&out, ",\"verdicts\":");
  inspect_json_verdicts(&out, report);
  inspect_buf_puts(&out, ",\"summary\":");
  inspect_buf_json_string(&out, inspect_report_get0_summary(report));
  inspect_buf_puts(&out, "}\n");
  fwrite(out.data, 1, out.len, stdout);
  inspect_buf_cleanup(&out);
}

// parse_resolve parses "HOST:PORT:ADDR" (ADDR may be a bracketed IPv6
// address). Like curl, an entry applies where host and port match: to the
// target, or to the host of an AIA URL.
static int parse_resolve(const char *resolve, tls_resolve_t *out) {
  const char *c1 = strchr(resolve, ':');
  const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
  uint64_t p;
  char port_text[8];
  if (c1 == NULL || c2 == NULL || c1 == resolve || (size_t)(c1 - resolve) >= sizeof(out->host) ||
      c2 - c1 - 1 <= 0 || (size_t)(c2 - c1 - 1) >= sizeof(port_text)) {
    return 0;
  }
  snprintf(port_text, sizeof(port_text), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
  const char *a = c2 + 1;
  size_t alen = strlen(a);
  if (alen > 1 && a[0] == '[' && a[alen - 1] == ']') {
    a++;
    alen -= 2;
  }
  if (!cli_parse_u64(port_text, 1, 65535, &p) || alen == 0 || alen >= sizeof(out->addr)) {
    return 0;
  }
  snprintf(out->host, sizeof(out->host), "%.*s", (int)(c1 - resolve), resolve);
  out->port = (uint16_t)p;
  snprintf(out->addr, sizeof(out->addr), "%.*s", (int)alen, a);
  return 1;
}

static int selects_browser(const inspect_selection_t *sel) {
  for (size_t i = 0; i < sel->num; i++) {
    if (strcmp(inspect_profile_id(sel->items[i].profile), "browser") == 0) {
      return 1;
    }
  }
  return 0;
}

static const char *resolve_lookup(const inspect_args_t *args, const char *host, uint16_t port) {
  for (size_t i = 0; i < args->num_resolves; i++) {
    if (args->resolves[i].port == port && strcasecmp(args->resolves[i].host, host) == 0) {
      return args->resolves[i].addr;
    }
  }
  return NULL;
}

int cmd_inspect(int argc, char **argv) {
  static const struct option kOptions[] = {
      {"sni", required_argument, NULL, 's'},           {"no-sni", no_argument, NULL, 'N'},
      {"name", required_argument, NULL, 'n'},          {"resolve", required_argument, NULL, 'r'},
      {"profile", required_argument, NULL, 'p'},       {"trust", required_argument, NULL, 't'},
      {"intermediates", required_argument, NULL, 'i'}, {"at", required_argument, NULL, 'a'},
      {"json", no_argument, NULL, 'j'},                {"timeout", required_argument, NULL, 'T'},
      {"no-aia", no_argument, NULL, 'A'},              {"aia-timeout", required_argument, NULL, 'O'},
      {"html", required_argument, NULL, 'H'},
      {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0},
  };
  inspect_args_t args = {.profiles = "all", .timeout = 10, .aia_timeout = TLS_AIA_TIMEOUT};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 's': args.sni = optarg; break;
      case 'N': args.no_sni = 1; break;
      case 'n': args.name = optarg; break;
      case 'r':
        if (args.num_resolves == INSPECT_RESOLVE_MAX) {
          return cli_usage_error("inspect", "too many --resolve entries (at most 16)");
        }
        if (!parse_resolve(optarg, &args.resolves[args.num_resolves++])) {
          return cli_usage_error("inspect", "--resolve needs HOST:PORT:ADDR");
        }
        break;
      case 'A': args.no_aia = 1; break;
      case 'O':
        if (!cli_parse_seconds(optarg, 3600, &args.aia_timeout) || args.aia_timeout <= 0) {
          return cli_usage_error("inspect", "--aia-timeout needs a positive number of seconds");
        }
        break;
      case 'p': args.profiles = optarg; break;
      case 't': args.trust = optarg; break;
      case 'i': args.intermediates = optarg; break;
      case 'a': args.at = optarg; break;
      case 'j': args.json = 1; break;
      case 'H': args.html = optarg; break;
      case 'T':
        if (!cli_parse_seconds(optarg, 3600, &args.timeout) || args.timeout <= 0) {
          return cli_usage_error("inspect", "--timeout needs a positive number of seconds");
        }
        break;
      case 'h':
        print_help();
        return CLI_EXIT_OK;
      case ':':
        return cli_usage_error("inspect", "an option is missing its value");
      default:
        return cli_usage_error("inspect", "unknown option");
    }
  }
  if (optind != argc - 1) {
    return cli_usage_error("inspect", optind >= argc ? "missing TARGET (host[:port] or a PEM file)"
                                                     : "give exactly one TARGET");
  }
  args.target = argv[optind];
  if (args.sni != NULL && args.no_sni) {
    return cli_usage_error("inspect", "--sni and --no-sni exclude each other");
  }
  inspect_selection_t sel;
  char bad[80];
  if (inspect_selection_parse(args.profiles, &sel, bad, sizeof(bad)) != INSPECT_OK) {
    return cli_usage_error("inspect", "unknown profile or option in --profile");
  }
  int64_t now = cli_now();
  if (args.at != NULL && !inspect_time_parse_rfc3339(args.at, &now)) {
    return cli_usage_error("inspect", "--at needs an RFC 3339 time such as 2026-01-31T12:00:00Z");
  }

  int rc = CLI_EXIT_OK;
  inspect_trust_t *trust = inspect_trust_new(args.trust == NULL);
  inspect_chain_t *pool = args.intermediates != NULL ? inspect_chain_new() : NULL;
  inspect_chain_t *file_chain = NULL;
  tls_probe_result_t probe;
  int have_probe = 0;
  char target_desc[512];
  char host[256] = "";
  uint16_t port = 443;
  if (trust == NULL || (args.intermediates != NULL && pool == NULL)) {
    rc = cli_error("inspect", "out of memory");
  }
  if (rc == CLI_EXIT_OK) {
    rc = load_file_into("trust anchors", args.trust != NULL ? args.trust : INSPECT_SYSTEM_TRUST_PATH, NULL, trust);
  }
  if (rc == CLI_EXIT_OK && pool != NULL) {
    rc = load_file_into("intermediates", args.intermediates, pool, NULL);
  }
  const inspect_chain_t *chain = NULL;
  if (rc == CLI_EXIT_OK && looks_like_file(args.target)) {
    if ((file_chain = inspect_chain_new()) == NULL) {
      rc = cli_error("inspect", "out of memory");
    } else {
      rc = load_file_into("chain", args.target, file_chain, NULL);
    }
    chain = file_chain;
    snprintf(target_desc, sizeof(target_desc), "%s", args.target);
    if (args.sni == NULL && !args.no_sni && args.name == NULL) {
      // A file has no host: check no name unless one is given.
      args.sni = NULL;
    }
  } else if (rc == CLI_EXIT_OK) {
    if (!split_host_port(args.target, host, sizeof(host), &port)) {
      rc = cli_usage_error("inspect", "TARGET must be host[:port] or an existing PEM file");
    }
    if (rc == CLI_EXIT_OK) {
      if (!args.no_sni && args.sni == NULL) {
        args.sni = host;
      }
      tls_probe_config_t cfg = {
          .host = host,
          .port = port,
          .connect_addr = resolve_lookup(&args, host, port),
          .sni = args.no_sni ? NULL : args.sni,
          .alpn = "h2,http/1.1",
          .timeout = args.timeout,
      };
      int err = tls_probe_run(&cfg, &probe);
      have_probe = 1;
      if (err != TLS_OK) {
        rc = cli_error("inspect", "%s: %s", tls_strerror(err), probe.detail);
      }
      chain = probe.chain;
      snprintf(target_desc, sizeof(target_desc), "%s:%u (%s)", host, port, probe.peer[0] ? probe.peer : "-");
    }
  }
  // Browsers fetch a missing issuer through AIA; no other profile's platform
  // does, so fetch only for them.
  tls_aia_t *aia = NULL;
  if (rc == CLI_EXIT_OK && !args.no_aia && selects_browser(&sel) && inspect_chain_num(chain) > 0) {
    tls_aia_config_t aia_cfg = {
        .timeout = args.aia_timeout,
        .resolves = args.resolves,
        .num_resolves = args.num_resolves,
    };
    if ((pool == NULL && (pool = inspect_chain_new()) == NULL) || (aia = tls_aia_new(&aia_cfg)) == NULL ||
        tls_aia_gather(aia, chain, trust, now, pool) != TLS_OK) {
      rc = cli_error("inspect", "out of memory");
    }
  }
  if (rc == CLI_EXIT_OK) {
    inspect_input_t in = {
        .chain = chain,
        .name = args.name != NULL ? args.name : args.sni != NULL ? args.sni : host[0] ? host : NULL,
        .sni_sent = !args.no_sni,
        .trust = trust,
        .aia_pool = pool,
        .now = now,
        .handshake = have_probe ? probe.handshake : (inspect_handshake_t){.status = INSPECT_HS_NONE, .alert = -1},
    };
    if (aia != NULL) {
      in.aia_fetches = tls_aia_get0_fetches(aia, &in.num_aia_fetches);
    }
    inspect_report_t *report = NULL;
    int err = inspect_report_new(&in, &sel, &report);
    if (err != INSPECT_OK) {
      rc = cli_error("inspect", "%s", inspect_strerror(err));
    } else {
      if (args.json) {
        print_json(&args, target_desc, have_probe ? &probe : NULL, &in, report);
      } else {
        print_text(&args, target_desc, have_probe ? &probe : NULL, &in, report);
      }
      rc = inspect_report_num_rejects(report) > 0 ? CLI_EXIT_REJECT : CLI_EXIT_OK;
      if (args.html != NULL) {
        cli_inspect_result_t result = {target_desc, host, port, args.no_sni ? NULL : args.sni,
                                       have_probe ? probe.version : NULL, have_probe ? probe.cipher : NULL,
                                       have_probe ? probe.alpn : NULL, have_probe ? probe.detail : NULL, &in, report};
        rc = cli_report_inspect(args.html, &result) != CLI_EXIT_OK ? CLI_EXIT_USAGE : rc;
      }
      inspect_report_free(report);
    }
  }
  if (have_probe) {
    tls_probe_result_cleanup(&probe);
  }
  tls_aia_free(aia);
  inspect_chain_free(file_chain);
  inspect_chain_free(pool);
  inspect_trust_free(trust);
  return rc;
}
