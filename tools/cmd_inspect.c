// tlsmirror inspect: which platform would reject this chain, and why.

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
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
    "                      (" INSPECT_SYSTEM_TRUST_PATH
    ")\n"
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
  return strchr(target, '/') != NULL || (dot != NULL && (strcmp(dot, ".pem") == 0 || strcmp(dot, ".crt") == 0 ||
                                                         strcmp(dot, ".der") == 0 || strcmp(dot, ".cer") == 0));
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
  if (in->with_sni != NULL) {
    const inspect_handshake_t *hs = &in->with_sni->handshake;
    inspect_buf_printf(&out, "with SNI   %s: %s%s\n", in->with_sni->sni,
                       hs->status == INSPECT_HS_OK ? "the handshake completes" : "failed too: ",
                       hs->status == INSPECT_HS_OK || hs->detail == NULL ? "" : hs->detail);
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
    inspect_buf_printf(&out, "  %-13s %s\n                %s\n", inspect_aia_status_name(f->status), f->url, f->detail);
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
    inspect_buf_printf(&out, "  %-*s  %-7s %-*s %s\n", width, v->profile, v->accept ? "ACCEPT" : "REJECT", reason_width,
                       inspect_reason_name(v->reason), v->accept ? v->effect : v->message);
    if (v->fix != NULL) {
      inspect_buf_printf(&out, "  %-*s  %-7s %-*s fix: %s\n", width, "", "", reason_width, "", v->fix);
    }
    const inspect_offer_t *h = v->handshake;
    if (h != NULL && h->spec != NULL) {  // the platform's own ClientHello got this
      if (h->handshake.status == INSPECT_HS_OK) {
        inspect_buf_printf(&out, "  %-*s  %-7s %-*s its handshake: %s, %s%s%s\n", width, "", "", reason_width, "",
                           h->version_name ? h->version_name : "?", h->cipher_name ? h->cipher_name : "?",
                           h->group_name ? ", " : "", h->group_name ? h->group_name : "");
      } else if (h->handshake.detail != NULL && strstr(v->message, h->handshake.detail) == NULL) {
        inspect_buf_printf(&out, "  %-*s  %-7s %-*s its handshake failed: %s\n", width, "", "", reason_width, "",
                           h->handshake.detail);
      }
    }
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
    inspect_buf_printf(&out,
                       ",\"client_certificate_requested\":%s,\"detail\":", probe->cert_requested ? "true" : "false");
    inspect_buf_json_string(&out, hs->status == INSPECT_HS_OK && hs->alert < 0 ? NULL : probe->detail);
    if (in->with_sni != NULL) {
      const inspect_handshake_t *retry = &in->with_sni->handshake;
      inspect_buf_puts(&out, ",\"with_sni\":{\"sni\":");
      inspect_buf_json_string(&out, in->with_sni->sni);
      inspect_buf_printf(&out, ",\"status\":\"%s\",\"detail\":", kStatus[retry->status]);
      inspect_buf_json_string(&out, retry->status == INSPECT_HS_OK ? NULL : retry->detail);
      inspect_buf_puts(&out, "}");
    }
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
  if (c1 == NULL || c2 == NULL || c1 == resolve || (size_t)(c1 - resolve) >= sizeof(out->host) || c2 - c1 - 1 <= 0 ||
      (size_t)(c2 - c1 - 1) >= sizeof(port_text)) {
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

// probe_with_sni makes the one extra handshake that names the cause of a
// failure without SNI (inspect_retry_t): the same target with SNI `host`,
// only after a refusal and only when the host is a name. It returns 1 when
// `out` holds a result (freed with tls_probe_result_cleanup).
static int probe_with_sni(const tls_probe_config_t *cfg, const tls_probe_result_t *first, tls_probe_result_t *out) {
  inspect_hs_status_t st = first->handshake.status;
  if (cfg->sni != NULL || (st != INSPECT_HS_ALERT && st != INSPECT_HS_CLOSED && st != INSPECT_HS_PROTOCOL) ||
      inspect_name_is_ip(cfg->host)) {
    return 0;
  }
  tls_probe_config_t with = *cfg;
  with.sni = cfg->host;
  if (tls_probe_run(&with, out) != TLS_OK) {
    tls_probe_result_cleanup(out);
    return 0;
  }
  return 1;
}

// Each platform's ClientHello goes out while tlsmirror's own handshake runs,
// so both fit in one --timeout.
typedef struct {
  const tls_probe_config_t *cfg;
  const char *host;
  const inspect_selection_t *sel;
  cli_offers_t *out;
  int err;
} offers_job_t;

static void *offers_thread(void *arg) {
  offers_job_t *job = arg;
  job->err = cli_inspect_offers(job->cfg, job->host, job->sel, job->out);
  return NULL;
}

// probe_all runs tlsmirror's own handshake and every platform's at once. It
// returns tls_probe_run's result; `*have_offers` says whether `offers` holds
// the platforms' answers.
static int probe_all(const tls_probe_config_t *cfg, const char *host, const inspect_selection_t *sel,
                     tls_probe_result_t *probe, cli_offers_t *offers, int *have_offers) {
  offers_job_t job = {cfg, host, sel, offers, TLS_OK};
  pthread_t thread;
  int started = pthread_create(&thread, NULL, offers_thread, &job) == 0;
  tls_probe_config_t own = *cfg;
  own.spec = &cli_inspect_wide_offer;
  int err = tls_probe_run(&own, probe);
  if (started) {
    pthread_join(thread, NULL);
  }
  *have_offers = started && job.err == TLS_OK && offers->num > 0;
  return err;
}

static const char *resolve_lookup(const inspect_args_t *args, const char *host, uint16_t port) {
  for (size_t i = 0; i < args->num_resolves; i++) {
    if (args->resolves[i].port == port && strcasecmp(args->resolves[i].host, host) == 0) {
      return args->resolves[i].addr;
    }
  }
  return NULL;
}

// parse_options fills `args` (TARGET included): CLI_EXIT_OK, CLI_HELP_SHOWN
// or a usage error.
static int parse_options(int argc, char **argv, inspect_args_t *args) {
  static const struct option kOptions[] = {
      {"sni", required_argument, NULL, 's'},
      {"no-sni", no_argument, NULL, 'N'},
      {"name", required_argument, NULL, 'n'},
      {"resolve", required_argument, NULL, 'r'},
      {"profile", required_argument, NULL, 'p'},
      {"trust", required_argument, NULL, 't'},
      {"intermediates", required_argument, NULL, 'i'},
      {"at", required_argument, NULL, 'a'},
      {"json", no_argument, NULL, 'j'},
      {"timeout", required_argument, NULL, 'T'},
      {"no-aia", no_argument, NULL, 'A'},
      {"aia-timeout", required_argument, NULL, 'O'},
      {"html", required_argument, NULL, 'H'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  *args = (inspect_args_t){.profiles = "all", .timeout = 10, .aia_timeout = TLS_AIA_TIMEOUT};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 's': args->sni = optarg; break;
      case 'N': args->no_sni = 1; break;
      case 'n': args->name = optarg; break;
      case 'r':
        if (args->num_resolves == INSPECT_RESOLVE_MAX) {
          return cli_usage_error("inspect", "too many --resolve entries (at most 16)");
        }
        if (!parse_resolve(optarg, &args->resolves[args->num_resolves++])) {
          return cli_usage_error("inspect", "--resolve needs HOST:PORT:ADDR");
        }
        break;
      case 'A': args->no_aia = 1; break;
      case 'O':
        if (!cli_parse_seconds(optarg, 3600, &args->aia_timeout) || args->aia_timeout <= 0) {
          return cli_usage_error("inspect", "--aia-timeout needs a positive number of seconds");
        }
        break;
      case 'p': args->profiles = optarg; break;
      case 't': args->trust = optarg; break;
      case 'i': args->intermediates = optarg; break;
      case 'a': args->at = optarg; break;
      case 'j': args->json = 1; break;
      case 'H': args->html = optarg; break;
      case 'T':
        if (!cli_parse_seconds(optarg, 3600, &args->timeout) || args->timeout <= 0) {
          return cli_usage_error("inspect", "--timeout needs a positive number of seconds");
        }
        break;
      case 'h': print_help(); return CLI_HELP_SHOWN;
      case ':': return cli_usage_error("inspect", "an option is missing its value");
      default: return cli_usage_error("inspect", "unknown option");
    }
  }
  if (optind != argc - 1) {
    return cli_usage_error("inspect",
                           optind >= argc ? "missing TARGET (host[:port] or a PEM file)" : "give exactly one TARGET");
  }
  args->target = argv[optind];
  if (args->sni != NULL && args->no_sni) {
    return cli_usage_error("inspect", "--sni and --no-sni exclude each other");
  }
  return CLI_EXIT_OK;
}

// inspect_run_t is one inspection's state: what it read or probed, and what
// its cleanup frees.
typedef struct {
  inspect_args_t *args;
  int64_t now;
  inspect_trust_t *trust;
  inspect_chain_t *pool;        // --intermediates, and what AIA fetched
  inspect_chain_t *file_chain;  // TARGET as a file
  const inspect_chain_t *chain;
  tls_probe_result_t probe, sni_probe;
  int have_probe, have_retry, have_offers;
  cli_offers_t offers;
  inspect_retry_t retry;
  tls_aia_t *aia;
  char target_desc[512];
  char host[256];
  uint16_t port;
} inspect_run_t;

// probe_target makes the live handshakes (tlsmirror's own, one per distinct
// platform ClientHello, and one with SNI when the origin refused a client
// without it).
static int probe_target(inspect_run_t *run, const inspect_selection_t *sel) {
  inspect_args_t *args = run->args;
  if (!split_host_port(args->target, run->host, sizeof(run->host), &run->port)) {
    return cli_usage_error("inspect", "TARGET must be host[:port] or an existing PEM file");
  }
  if (!args->no_sni && args->sni == NULL) {
    args->sni = run->host;
  }
  tls_probe_config_t cfg = {
      .host = run->host,
      .port = run->port,
      .connect_addr = resolve_lookup(args, run->host, run->port),
      .sni = args->no_sni ? NULL : args->sni,
      .alpn = "h2,http/1.1",
      .timeout = args->timeout,
  };
  int rc = CLI_EXIT_OK;
  int err = probe_all(&cfg, run->host, sel, &run->probe, &run->offers, &run->have_offers);
  run->have_probe = 1;
  if (err != TLS_OK) {
    rc = cli_error("inspect", "%s: %s", tls_strerror(err), run->probe.detail);
  } else if (probe_with_sni(&cfg, &run->probe, &run->sni_probe)) {
    run->retry = (inspect_retry_t){run->host, run->sni_probe.handshake, run->sni_probe.chain};
    run->have_retry = 1;
  }
  run->chain = run->probe.chain;
  snprintf(run->target_desc, sizeof(run->target_desc), "%s:%u (%s)", run->host, run->port,
           run->probe.peer[0] ? run->probe.peer : "-");
  return rc;
}

// gather reads the trust anchors, the extra intermediates and the chain (from
// the file, or from the live handshakes), then fetches AIA issuers for the
// browser profile.
static int gather(inspect_run_t *run, const inspect_selection_t *sel) {
  inspect_args_t *args = run->args;
  run->trust = inspect_trust_new(args->trust == NULL);
  run->pool = args->intermediates != NULL ? inspect_chain_new() : NULL;
  if (run->trust == NULL || (args->intermediates != NULL && run->pool == NULL)) {
    return cli_error("inspect", "out of memory");
  }
  int rc =
      load_file_into("trust anchors", args->trust != NULL ? args->trust : INSPECT_SYSTEM_TRUST_PATH, NULL, run->trust);
  if (rc == CLI_EXIT_OK && run->pool != NULL) {
    rc = load_file_into("intermediates", args->intermediates, run->pool, NULL);
  }
  if (rc == CLI_EXIT_OK && looks_like_file(args->target)) {
    // A file has no host: no name is checked unless one is given.
    if ((run->file_chain = inspect_chain_new()) == NULL) {
      rc = cli_error("inspect", "out of memory");
    } else {
      rc = load_file_into("chain", args->target, run->file_chain, NULL);
    }
    run->chain = run->file_chain;
    snprintf(run->target_desc, sizeof(run->target_desc), "%s", args->target);
  } else if (rc == CLI_EXIT_OK) {
    rc = probe_target(run, sel);
  }
  // Browsers fetch a missing issuer through AIA; no other profile's platform
  // does, so fetch only for them.
  if (rc == CLI_EXIT_OK && !args->no_aia && selects_browser(sel) && inspect_chain_num(run->chain) > 0) {
    tls_aia_config_t aia_cfg = {
        .timeout = args->aia_timeout,
        .resolves = args->resolves,
        .num_resolves = args->num_resolves,
    };
    if ((run->pool == NULL && (run->pool = inspect_chain_new()) == NULL) ||
        (run->aia = tls_aia_new(&aia_cfg)) == NULL ||
        tls_aia_gather(run->aia, run->chain, run->trust, run->now, run->pool) != TLS_OK) {
      rc = cli_error("inspect", "out of memory");
    }
  }
  return rc;
}

// judge runs the profiles and prints the verdicts (text or JSON, and the
// HTML report with --html).
static int judge(inspect_run_t *run, const inspect_selection_t *sel) {
  inspect_args_t *args = run->args;
  const char *host = run->host[0] ? run->host : NULL;
  const tls_probe_result_t *probe = run->have_probe ? &run->probe : NULL;
  inspect_input_t in = {
      .chain = run->chain,
      .name = args->name != NULL  ? args->name
              : args->sni != NULL ? args->sni
                                  : host,
      .sni_sent = !args->no_sni,
      .trust = run->trust,
      .aia_pool = run->pool,
      .now = run->now,
      .handshake = probe != NULL ? probe->handshake : (inspect_handshake_t){.status = INSPECT_HS_NONE, .alert = -1},
  };
  in.with_sni = run->have_retry ? &run->retry : NULL;
  if (run->have_offers) {
    in.offers = run->offers.offers;
    in.num_offers = run->offers.num;
    cli_inspect_own(&run->probe, &in.own);
  }
  if (run->aia != NULL) {
    in.aia_fetches = tls_aia_get0_fetches(run->aia, &in.num_aia_fetches);
  }
  inspect_report_t *report = NULL;
  int err = inspect_report_new(&in, sel, &report);
  if (err != INSPECT_OK) {
    return cli_error("inspect", "%s", inspect_strerror(err));
  }
  if (args->json) {
    print_json(args, run->target_desc, probe, &in, report);
  } else {
    print_text(args, run->target_desc, probe, &in, report);
  }
  int rc = inspect_report_num_rejects(report) > 0 ? CLI_EXIT_REJECT : CLI_EXIT_OK;
  if (args->html != NULL) {
    cli_inspect_result_t result = {run->target_desc,
                                   run->host,
                                   run->port,
                                   args->no_sni ? NULL : args->sni,
                                   probe != NULL ? probe->version : NULL,
                                   probe != NULL ? probe->cipher : NULL,
                                   probe != NULL ? probe->alpn : NULL,
                                   probe != NULL ? probe->detail : NULL,
                                   &in,
                                   report};
    rc = cli_report_inspect(args->html, &result) != CLI_EXIT_OK ? CLI_EXIT_USAGE : rc;
  }
  inspect_report_free(report);
  return rc;
}

static void run_cleanup(inspect_run_t *run) {
  if (run->have_probe) {
    tls_probe_result_cleanup(&run->probe);
  }
  if (run->have_retry) {
    tls_probe_result_cleanup(&run->sni_probe);
  }
  tls_aia_free(run->aia);
  inspect_chain_free(run->file_chain);
  inspect_chain_free(run->pool);
  inspect_trust_free(run->trust);
}

int cmd_inspect(int argc, char **argv) {
  inspect_args_t args;
  int rc = parse_options(argc, argv, &args);
  if (rc != CLI_EXIT_OK) {
    return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
  }
  inspect_selection_t sel;
  char bad[80];
  if (inspect_selection_parse(args.profiles, &sel, bad, sizeof(bad)) != INSPECT_OK) {
    return cli_usage_error("inspect", "unknown profile or option in --profile");
  }
  inspect_run_t run = {.args = &args, .now = cli_now(), .port = 443};
  if (args.at != NULL && !inspect_time_parse_rfc3339(args.at, &run.now)) {
    return cli_usage_error("inspect", "--at needs an RFC 3339 time such as 2026-01-31T12:00:00Z");
  }
  rc = gather(&run, &sel);
  if (rc == CLI_EXIT_OK) {
    rc = judge(&run, &sel);
  }
  run_cleanup(&run);
  return rc;
}
