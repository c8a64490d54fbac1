// tlsmirror lab: serve the catalogue of broken origins on loopback.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/proxy.h"
#include "tools/cli.h"
#include "tools/lab.h"

#define LAB_DEFAULT_PORT_BASE 44300

static const char kLabHelp[] =
    "Usage: tlsmirror lab [--out DIR] [--port-base N] [--only NAME,...] [--handshake]\n"
    "                     [--duration SECONDS] [--listen ADDR] [--list]\n"
    "\n"
    "Serve the built-in lab: HTTPS origins on loopback, each broken in one way that\n"
    "some client or platform rejects (missing intermediate, wrong order, expired,\n"
    "SNI required...). The lab's private PKI is minted at start-up; lab.json lists\n"
    "every scenario with its port, host name, trust anchor and expected problem.\n"
    "It also writes CA bundles (bundles/*.pem, for 'tlsmirror bundle') and mTLS\n"
    "client certificates (clients/*.pem + .key, for the alb-mtls and\n"
    "apigateway-mtls profiles), listed in lab.json too.\n"
    "\n"
    "Options:\n"
    "  --out DIR           write the PKI and lab.json to DIR (default: a new\n"
    "                      temporary directory)\n"
    "  --port-base N       serve scenario i of the catalogue on port N+i, and the\n"
    "                      AIA URLs on the port after the last scenario's\n"
    "                      (default 44300; 0 = any free port)\n"
    "  --only NAMES        serve only these scenarios (comma-separated)\n"
    "  --handshake         serve the handshake scenarios (origins that accept only\n"
    "                      one version, suite, group or signature algorithm)\n"
    "                      instead of the certificate scenarios\n"
    "  --duration SECONDS  stop after this long (default: until Ctrl-C)\n"
    "  --listen ADDR       listen address (default 127.0.0.1)\n"
    "  --list              print the catalogue and exit\n"
    "  -h, --help          show this help\n"
    "\n"
    "Example:\n"
    "  tlsmirror lab --out /tmp/lab &\n"
    "  curl --cacert /tmp/lab/root.pem --resolve good.lab.test:44300:127.0.0.1 \\\n"
    "       https://good.lab.test:44300/\n";

typedef struct {
  const char *dir;
  const char *listen;
  size_t *indexes;  // catalogue index of each served site
  size_t num;
  lab_t *lab;
  proxy_origins_config_t *cfg;
  lab_aia_object_t objects[64];  // what the served sites' AIA URLs serve
  proxy_http_route_t routes[64];
} lab_run_t;

static int print_list(void) {
  printf("%-26s %-36s %s\n", "scenario", "host", "what is wrong");
  for (size_t i = 0; i < lab_scenario_count(); i++) {
    const lab_scenario_t *s = lab_scenario_get(i);
    printf("%-26s %-36s %s\n", s->name, s->host, s->what);
  }
  printf("\nhandshake scenarios (--handshake):\n");
  for (size_t i = 0; i < lab_handshake_count(); i++) {
    const lab_scenario_t *s = lab_scenario_get(lab_scenario_count() + i);
    printf("%-26s %-36s %s\n", s->name, s->host, s->what);
  }
  printf(
      "\nnot served (BoringSSL refuses to serve them; DIR/NAME/chain.pem and key.pem are written for another "
      "TLS server):\n");
  for (size_t i = 0; i < lab_offline_count(); i++) {
    const lab_scenario_t *s = lab_offline_get(i);
    printf("%-26s %-36s %s\n", s->name, s->host, s->what);
  }
  return CLI_EXIT_OK;
}

// parse_only turns "a,b" into catalogue indexes; unknown names are an error.
static int parse_only(const char *list, size_t *indexes, size_t *num) {
  char *copy = strdup(list);
  if (copy == NULL) {
    return cli_error("lab", "out of memory");
  }
  *num = 0;
  int rc = CLI_EXIT_OK;
  char *save = NULL;
  for (char *name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
    int idx = lab_scenario_find(name);
    if (idx < 0) {
      rc = cli_error("lab", "unknown scenario '%s' (see 'tlsmirror lab --list')", name);
      break;
    }
    int seen = 0;
    for (size_t k = 0; k < *num; k++) {
      seen |= indexes[k] == (size_t)idx;
    }
    if (!seen) {
      indexes[(*num)++] = (size_t)idx;
    }
  }
  free(copy);
  if (rc == CLI_EXIT_OK && *num == 0) {
    rc = cli_error("lab", "--only needs at least one scenario name");
  }
  return rc;
}

// select_scenarios picks what is served: --only's names, else the
// certificate scenarios or, with --handshake, the handshake scenarios.
static int select_scenarios(int handshake, const char *only, size_t *indexes, size_t *num) {
  if (only != NULL) {
    return parse_only(only, indexes, num);
  }
  size_t first = handshake ? lab_scenario_count() : 0;
  *num = handshake ? lab_handshake_count() : lab_scenario_count();
  for (size_t i = 0; i < *num; i++) {
    indexes[i] = first + i;
  }
  return CLI_EXIT_OK;
}

// json_scenario appends the fields of scenario `s` (catalogue index `index`)
// after its name and port.
static void json_scenario(inspect_buf_t *buf, const lab_run_t *run, const lab_scenario_t *s, size_t index) {
  char path[4096];
  inspect_buf_puts(buf, ",\"host\":");
  inspect_buf_json_string(buf, s->host);
  snprintf(path, sizeof(path), "%s/root.pem", run->dir);
  inspect_buf_puts(buf, ",\"trust_anchor\":");
  inspect_buf_json_string(buf, path);
  snprintf(path, sizeof(path), "%s/%s/chain.pem", run->dir, s->name);
  inspect_buf_puts(buf, ",\"chain\":");
  inspect_buf_json_string(buf, path);
  snprintf(path, sizeof(path), "%s/%s/key.pem", run->dir, s->name);
  inspect_buf_puts(buf, ",\"key\":");
  inspect_buf_json_string(buf, path);
  inspect_buf_puts(buf, ",\"problem\":");
  inspect_buf_json_string(buf, s->problem);
  inspect_buf_puts(buf, ",\"what\":");
  inspect_buf_json_string(buf, s->what);
  inspect_buf_puts(buf, ",\"expect_openssl\":");
  inspect_buf_json_string(buf, s->expect_openssl);
  char aia[256];
  inspect_buf_puts(buf, ",\"aia_url\":");
  inspect_buf_json_string(buf, lab_aia_url(run->lab, index, aia, sizeof(aia)) ? aia : NULL);
  inspect_buf_puts(buf, ",\"expect_openssl_no_sni\":");
  inspect_buf_json_string(buf, s->expect_openssl_no_sni);
  inspect_buf_printf(buf, ",\"hello_delay_ms\":%u}", s->hello_delay_ms);
}

static int write_json(const lab_run_t *run, const proxy_origin_site_t *sites) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 0);
  char path[4096];
  inspect_buf_puts(&buf, "{\"version\":1,\"dir\":");
  inspect_buf_json_string(&buf, run->dir);
  inspect_buf_puts(&buf, ",\"listen\":");
  inspect_buf_json_string(&buf, run->listen);
#define JSON_PATH(key, file)                               \
  snprintf(path, sizeof(path), "%s/%s", run->dir, (file)); \
  inspect_buf_puts(&buf, ",\"" key "\":");                 \
  inspect_buf_json_string(&buf, path)
  JSON_PATH("trust_anchor", "root.pem");
  JSON_PATH("untrusted_root", "untrusted-root.pem");
  JSON_PATH("intermediates", "intermediates.pem");
  JSON_PATH("client_cert", "client.pem");
  JSON_PATH("client_key", "client.key");
  inspect_buf_puts(&buf, ",\"bundles\":[");
  for (size_t i = 0; i < lab_bundle_count(); i++) {
    const lab_fixture_t *f = lab_bundle_get(i);
    char file[128];
    inspect_buf_puts(&buf, i ? ",{\"name\":" : "{\"name\":");
    inspect_buf_json_string(&buf, f->name);
    snprintf(file, sizeof(file), "bundles/%s.pem", f->name);
    JSON_PATH("path", file);
    inspect_buf_puts(&buf, ",\"problem\":");
    inspect_buf_json_string(&buf, f->problem);
    inspect_buf_puts(&buf, ",\"what\":");
    inspect_buf_json_string(&buf, f->what);
    inspect_buf_puts(&buf, "}");
  }
  inspect_buf_puts(&buf, "],\"mtls_clients\":[");
  for (size_t i = 0; i < lab_mtls_client_count(); i++) {
    const lab_fixture_t *f = lab_mtls_client_get(i);
    char file[128];
    inspect_buf_puts(&buf, i ? ",{\"name\":" : "{\"name\":");
    inspect_buf_json_string(&buf, f->name);
    snprintf(file, sizeof(file), "clients/%s.pem", f->name);
    JSON_PATH("cert", file);
    snprintf(file, sizeof(file), "clients/%s.key", f->name);
    JSON_PATH("key", file);
    inspect_buf_puts(&buf, ",\"problem\":");
    inspect_buf_json_string(&buf, f->problem);
    inspect_buf_puts(&buf, ",\"what\":");
    inspect_buf_json_string(&buf, f->what);
    inspect_buf_puts(&buf, "}");
  }
  inspect_buf_printf(&buf, "],\"aia\":{\"host\":\"%s\",\"port\":%u},\"scenarios\":[", LAB_AIA_HOST,
                     run->cfg->http_port);
  for (size_t i = 0; i < run->num; i++) {
    const lab_scenario_t *s = lab_scenario_get(run->indexes[i]);
    inspect_buf_puts(&buf, i ? ",{\"name\":" : "{\"name\":");
    inspect_buf_json_string(&buf, s->name);
    inspect_buf_printf(&buf, ",\"port\":%u", sites[i].port);
    json_scenario(&buf, run, s, run->indexes[i]);
  }
  // Offline fixtures: the same fields, without a port.
  inspect_buf_puts(&buf, "],\"offline\":[");
  for (size_t i = 0; i < lab_offline_count(); i++) {
    inspect_buf_puts(&buf, i ? ",{\"name\":" : "{\"name\":");
    inspect_buf_json_string(&buf, lab_offline_get(i)->name);
    json_scenario(&buf, run, lab_offline_get(i), lab_scenario_count() + lab_handshake_count() + i);
  }
  inspect_buf_puts(&buf, "]}\n");
#undef JSON_PATH
  char tmp[4200];
  snprintf(path, sizeof(path), "%s/lab.json", run->dir);
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = buf.failed ? NULL : fopen(tmp, "w");
  int ok = f != NULL && fwrite(buf.data, 1, buf.len, f) == buf.len;
  ok = (f != NULL && fclose(f) == 0) && ok && rename(tmp, path) == 0;
  inspect_buf_cleanup(&buf);
  if (!ok) {
    return cli_error("lab", "cannot write %s: %s", path, strerror(errno));
  }
  return CLI_EXIT_OK;
}

// prepare mints the leaves with AIA URLs now that the AIA port is known,
// writes the lab and builds each site's TLS context and the AIA routes.
static int prepare(lab_run_t *run) {
  int err = lab_set_aia_port(run->lab, run->cfg->http_port);
  if (err != TLS_OK) {
    return cli_error("lab", "cannot mint the lab PKI: %s", tls_strerror(err));
  }
  char detail[4300];
  if (lab_write(run->lab, run->dir, detail, sizeof(detail)) != TLS_OK) {
    return cli_error("lab", "cannot write the lab to %s: %s", run->dir, detail);
  }
  run->cfg->num_routes = 0;
  for (size_t i = 0; i < run->num; i++) {
    proxy_origin_site_t *site = &run->cfg->sites[i];
    site->ctx = lab_origin_ctx_new(run->lab, run->indexes[i], &err);
    if (site->ctx == NULL) {
      return cli_error("lab", "cannot build the TLS context for %s: %s", site->name, tls_strerror(err));
    }
    lab_aia_object_t *obj = &run->objects[run->cfg->num_routes];
    if (lab_aia_object(run->lab, run->indexes[i], obj)) {
      run->routes[run->cfg->num_routes++] =
          (proxy_http_route_t){obj->path, obj->content_type, obj->body, obj->body_len};
    }
  }
  run->cfg->routes = run->routes;
  return CLI_EXIT_OK;
}

static int on_ready(void *arg, const proxy_origin_site_t *sites, size_t num) {
  lab_run_t *run = arg;
  if (prepare(run) != CLI_EXIT_OK || write_json(run, sites) != CLI_EXIT_OK) {
    return 1;
  }
  printf("%-26s %-6s %s\n", "scenario", "port", "what is wrong");
  for (size_t i = 0; i < num; i++) {
    printf("%-26s %-6u %s\n", sites[i].name, sites[i].port, sites[i].description);
  }
  const lab_scenario_t *first = lab_scenario_get(run->indexes[0]);
  printf("\ntrust anchor: %s/root.pem\nscenarios:    %s/lab.json\nmTLS:         %s/bundles/*.pem, %s/clients/*.pem\n",
         run->dir, run->dir, run->dir, run->dir);
  printf("try:          curl --cacert %s/root.pem --resolve %s:%u:%s https://%s:%u/\n", run->dir, first->host,
         sites[0].port, run->listen, first->host, sites[0].port);
  printf("AIA URLs:     http://%s:%u/... (map %s to %s)\n", LAB_AIA_HOST, run->cfg->http_port, LAB_AIA_HOST,
         run->listen);
  printf("serving %zu scenario%s on %s; Ctrl-C stops\n", num, num == 1 ? "" : "s", run->listen);
  fflush(stdout);
  return 0;
}

static char *make_temp_dir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof(tmpl), "%s/tlsmirror-lab-XXXXXX", base != NULL && base[0] ? base : "/tmp");
  char *dir = mkdtemp(tmpl);
  return dir != NULL ? strdup(dir) : NULL;
}

// lab_args_t is what the command line asked for.
typedef struct {
  const char *out;
  const char *only;
  const char *listen;
  uint64_t port_base;
  double duration;
  int list, handshake;
} lab_args_t;

// parse_options fills `args`: CLI_EXIT_OK, CLI_HELP_SHOWN or a usage error.
static int parse_options(int argc, char **argv, lab_args_t *args) {
  static const struct option kOptions[] = {
      {"out", required_argument, NULL, 'o'},
      {"port-base", required_argument, NULL, 'p'},
      {"only", required_argument, NULL, 'n'},
      {"duration", required_argument, NULL, 'd'},
      {"listen", required_argument, NULL, 'l'},
      {"list", no_argument, NULL, 'L'},
      {"handshake", no_argument, NULL, 'H'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  *args = (lab_args_t){.listen = "127.0.0.1", .port_base = LAB_DEFAULT_PORT_BASE};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 'o': args->out = optarg; break;
      case 'p':
        if (!cli_parse_u64(optarg, 0, 65535, &args->port_base)) {
          return cli_usage_error("lab", "--port-base needs a port number 0-65535");
        }
        break;
      case 'n': args->only = optarg; break;
      case 'd':
        if (!cli_parse_seconds(optarg, 1e9, &args->duration)) {
          return cli_usage_error("lab", "--duration needs a number of seconds");
        }
        break;
      case 'l': args->listen = optarg; break;
      case 'L': args->list = 1; break;
      case 'H': args->handshake = 1; break;
      case 'h': fputs(kLabHelp, stdout); return CLI_HELP_SHOWN;
      case ':': return cli_usage_error("lab", "an option is missing its value");
      default: return cli_usage_error("lab", "unknown option");
    }
  }
  if (optind < argc) {
    return cli_usage_error("lab", "unexpected argument");
  }
  return CLI_EXIT_OK;
}

// serve runs the origins of the scenarios at `indexes` until --duration
// ends or a signal stops them; `count` is the whole served catalogue, whose
// indexes the ports follow.
static int serve(const lab_args_t *args, lab_t *lab, char *dir, size_t *indexes, size_t num, size_t count) {
  proxy_origin_site_t sites[64];
  memset(sites, 0, sizeof(sites));
  for (size_t i = 0; i < num; i++) {
    const lab_scenario_t *s = lab_scenario_get(indexes[i]);
    sites[i].name = s->name;
    sites[i].description = s->what;
    sites[i].port = args->port_base == 0 ? 0 : (uint16_t)(args->port_base + indexes[i]);
    sites[i].hello_delay_ms = s->hello_delay_ms;
  }
  lab_run_t run;
  proxy_origins_config_t cfg = {
      .listen_addr = args->listen,
      .sites = sites,
      .num_sites = num,
      // The AIA listener takes the port after the catalogue's.
      .http = 1,
      .http_port = args->port_base == 0 ? 0 : (uint16_t)(args->port_base + count),
      .duration = args->duration,
      .on_ready = on_ready,
      .arg = &run,
  };
  run = (lab_run_t){.dir = dir, .listen = args->listen, .indexes = indexes, .num = num, .lab = lab, .cfg = &cfg};
  char detail[4300];
  int rc = CLI_EXIT_OK;
  int r = proxy_origins_run(&cfg, detail, sizeof(detail));
  if (r == PROXY_EADDRINUSE) {
    rc = cli_error("lab", "port in use: %s; stop what holds it or pick another --port-base (0 = any)", detail);
  } else if (r == PROXY_EREADY) {
    rc = CLI_EXIT_USAGE;  // on_ready said why
  } else if (r != 0) {
    rc = cli_error("lab", "cannot serve %s: %s", detail, proxy_strerror(r));
  }
  for (size_t i = 0; i < num; i++) {
    SSL_CTX_free(sites[i].ctx);
  }
  return rc;
}

int cmd_lab(int argc, char **argv) {
  lab_args_t args;
  int rc = parse_options(argc, argv, &args);
  if (rc != CLI_EXIT_OK) {
    return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
  }
  if (args.list) {
    return print_list();
  }
  // Ports follow catalogue indexes: the whole served catalogue counts.
  size_t count = lab_scenario_count() + lab_handshake_count();
  size_t indexes[64];
  size_t num;
  rc = select_scenarios(args.handshake, args.only, indexes, &num);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  if (args.port_base != 0 && args.port_base + count > 65535) {
    char what[96];
    snprintf(what, sizeof(what), "--port-base is too high for the whole catalogue (at most %zu)", 65535 - count);
    return cli_usage_error("lab", what);
  }
  char *dir = args.out != NULL ? strdup(args.out) : make_temp_dir();
  if (dir == NULL) {
    return cli_error("lab", "cannot create a temporary directory: %s", strerror(errno));
  }
  int err;
  lab_t *lab = lab_new(cli_now(), &err);
  if (lab == NULL) {
    free(dir);
    return cli_error("lab", "cannot mint the lab PKI: %s", tls_strerror(err));
  }
  rc = serve(&args, lab, dir, indexes, num, count);
  lab_free(lab);
  free(dir);
  return rc;
}
