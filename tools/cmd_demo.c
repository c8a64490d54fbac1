// tlsmirror demo: the built-in lab seen through the mirror proxy, in one
// command. The lab's origins and one proxy (routing each name to its origin)
// run in this process; curl, trusting the mirror root, connects through the
// proxy to every scenario; the table shows what curl saw and what tlsmirror
// says about who would reject the connection, and why.

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy/proxy.h"
#include "tools/cli.h"
#include "tools/lab.h"

extern char **environ;

static const char kDemoHelp[] =
    "Usage: tlsmirror demo [--keep]\n"
    "\n"
    "Run the built-in lab of broken origins and the mirror proxy in front of it,\n"
    "send curl (trusting the mirror root) through the proxy to every scenario,\n"
    "and show what curl saw next to tlsmirror's verdict: who would reject the\n"
    "connection (curl, CloudFront, API Gateway, Akamai, browsers, Node, Java...)\n"
    "and why. Every connection's full JSON record is in the proxy log.\n"
    "\n"
    "  --keep      keep the lab directory (PKI, mirror CA, proxy log) afterwards\n"
    "  -h, --help  show this help\n";

#define MAX_SITES 64

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int lab_ready, lab_failed;
  char proxy_listen[80];
  int proxy_failed;
  size_t records;
  struct {
    char sni[256];
    char rejected_by[64];
    char *summary;
    char *browser, *cloudfront;  // those profiles' verdicts: "accepts. <effect>" or "rejects. <effect>"
  } rec[MAX_SITES * 2];
} demo_state_t;

typedef struct {
  demo_state_t *st;
  lab_t *lab;
  proxy_origins_config_t cfg;
  proxy_origin_site_t sites[MAX_SITES];
  lab_aia_object_t objects[MAX_SITES];
  proxy_http_route_t routes[MAX_SITES];
  char err[512];
  int rc;
} lab_thread_t;

typedef struct {
  demo_state_t *st;
  proxy_config_t cfg;
  char err[512];
  int rc;
} proxy_thread_t;

// on_lab_ready mints the leaves whose AIA URLs name the lab's AIA port, now
// bound, and builds every origin's context and the AIA routes before the lab
// serves anything.
static int on_lab_ready(void *arg, const proxy_origin_site_t *sites, size_t num) {
  (void)sites;
  lab_thread_t *t = arg;
  int err = lab_set_aia_port(t->lab, t->cfg.http_port);
  for (size_t i = 0; err == TLS_OK && i < num; i++) {
    t->sites[i].ctx = lab_origin_ctx_new(t->lab, i, &err);
    if (lab_aia_object(t->lab, i, &t->objects[t->cfg.num_routes])) {
      const lab_aia_object_t *obj = &t->objects[t->cfg.num_routes];
      t->routes[t->cfg.num_routes++] = (proxy_http_route_t){obj->path, obj->content_type, obj->body, obj->body_len};
    }
  }
  t->cfg.routes = t->routes;
  if (err != TLS_OK) {
    snprintf(t->err, sizeof(t->err), "cannot build the lab's origins: %s", tls_strerror(err));
  }
  pthread_mutex_lock(&t->st->lock);
  t->st->lab_ready = err == TLS_OK;
  pthread_cond_broadcast(&t->st->cond);
  pthread_mutex_unlock(&t->st->lock);
  return err != TLS_OK;
}

static void *lab_main(void *arg) {
  lab_thread_t *t = arg;
  t->rc = proxy_origins_run(&t->cfg, t->err, sizeof(t->err));
  pthread_mutex_lock(&t->st->lock);
  t->st->lab_failed = t->rc != 0;
  pthread_cond_broadcast(&t->st->cond);
  pthread_mutex_unlock(&t->st->lock);
  return NULL;
}

static void on_proxy_ready(void *arg, const char *listen, const char *metrics) {
  (void)metrics;
  demo_state_t *st = arg;
  pthread_mutex_lock(&st->lock);
  snprintf(st->proxy_listen, sizeof(st->proxy_listen), "%s", listen);
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
}

// verdict_line returns "accepts. <effect>" or "rejects. <effect>" for
// `profile`'s verdict in `verdicts`, or NULL.
static char *verdict_line(const inspect_report_t *verdicts, const char *profile) {
  for (size_t i = 0; verdicts != NULL && i < inspect_report_num_verdicts(verdicts); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(verdicts, i);
    if (strcmp(v->profile, profile) == 0) {
      char text[2048];
      snprintf(text, sizeof(text), "%s %s", v->accept ? "accepts." : "rejects.", v->effect);
      return strdup(text);
    }
  }
  return NULL;
}

static void on_record(void *arg, const char *sni, const char *rejected_by, const char *summary,
                      const inspect_report_t *verdicts) {
  demo_state_t *st = arg;
  pthread_mutex_lock(&st->lock);
  if (st->records < sizeof(st->rec) / sizeof(st->rec[0])) {
    snprintf(st->rec[st->records].sni, sizeof(st->rec[0].sni), "%s", sni != NULL ? sni : "");
    snprintf(st->rec[st->records].rejected_by, sizeof(st->rec[0].rejected_by), "%s", rejected_by);
    st->rec[st->records].summary = strdup(summary);
    st->rec[st->records].browser = verdict_line(verdicts, "browser");
    st->rec[st->records].cloudfront = verdict_line(verdicts, "cloudfront-origin");
  }
  st->records++;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
}

static void *proxy_main(void *arg) {
  proxy_thread_t *t = arg;
  t->rc = proxy_run(&t->cfg, t->err, sizeof(t->err));
  pthread_mutex_lock(&t->st->lock);
  t->st->proxy_failed = t->rc != 0 || t->st->proxy_listen[0] == '\0';
  pthread_cond_broadcast(&t->st->cond);
  pthread_mutex_unlock(&t->st->lock);
  return NULL;
}

// run_curl runs curl and keeps the first line of what it says.
static int run_curl(const char *const argv[], char *line, size_t line_len) {
  int fds[2];
  if (pipe(fds) != 0) {
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid;
  // posix_spawn's argv is not const-qualified but is never written to.
  int r = posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (r != 0) {
    close(fds[0]);
    return -1;
  }
  char buf[4096];
  size_t len = 0;
  ssize_t n;
  while ((n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0 && len < sizeof(buf) - 1) {
    len += (size_t)n;
  }
  close(fds[0]);
  buf[len] = '\0';
  int status = 0;
  waitpid(pid, &status, 0);
  char *nl = strchr(buf, '\n');
  if (nl != NULL) {
    *nl = '\0';
  }
  // The first line, cut to fit (a copy: gcc -O2 warns on a truncating snprintf).
  size_t keep = strlen(buf) < line_len - 1 ? strlen(buf) : line_len - 1;
  memcpy(line, buf, keep);
  line[keep] = '\0';
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void print_wrapped(const char *label, const char *text) {
  const size_t width = 76;
  printf("  %-11s", label);
  size_t col = 0;
  const char *p = text;
  while (*p != '\0') {
    const char *sp = strchr(p, ' ');
    size_t word = sp != NULL ? (size_t)(sp - p) : strlen(p);
    if (col > 0 && col + 1 + word > width) {
      printf("\n  %-11s", "");
      col = 0;
    } else if (col > 0) {
      putchar(' ');
      col++;
    }
    fwrite(p, 1, word, stdout);
    col += word;
    p += word;
    while (*p == ' ') {
      p++;
    }
  }
  putchar('\n');
}

// print_aia_story shows, from the proxy's record, what the browser (which
// fetches the missing issuer, as the proxy did for its verdicts) and
// CloudFront (which does not) make of a chain that needs AIA.
static void print_aia_story(const char *browser, const char *cloudfront, const char *verdict) {
  print_wrapped("browser", browser);
  print_wrapped("CloudFront", cloudfront);
  char text[4200];
  snprintf(text, sizeof(text), "(fetching AIA as Chrome does) %s", verdict);
  print_wrapped("tlsmirror", text);
}

static void remove_tree(const char *dir) {
  const char *const argv[] = {"rm", "-rf", dir, NULL};
  pid_t pid;
  if (posix_spawnp(&pid, "rm", NULL, NULL, (char *const *)argv, environ) == 0) {
    waitpid(pid, NULL, 0);
  }
}

// One run of the demo: its directory, the lab and the proxy on their
// threads, and what they share. Static storage, as the threads use it.
typedef struct {
  int keep;
  char dir[4096], ca_dir[4200], log_path[4200];
  lab_t *lab;
  tls_mirror_ca_t *ca;
  inspect_trust_t *trust;
  inspect_selection_t sel;
  size_t num;
  demo_state_t st;
  lab_thread_t lt;
  proxy_thread_t pt;
  proxy_resolve_t resolves[MAX_SITES + 1];
  pthread_t lab_thread, proxy_thread;
  int lab_started, proxy_started;
} demo_t;

// parse_options reads the flags: CLI_EXIT_OK, CLI_HELP_SHOWN or a usage error.
static int parse_options(int argc, char **argv, int *keep) {
  static const struct option kOptions[] = {
      {"keep", no_argument, NULL, 'k'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 'k': *keep = 1; break;
      case 'h': fputs(kDemoHelp, stdout); return CLI_HELP_SHOWN;
      default: return cli_usage_error("demo", "unknown option");
    }
  }
  if (optind < argc) {
    return cli_usage_error("demo", "unexpected argument");
  }
  return CLI_EXIT_OK;
}

// start_lab serves every scenario on its own thread and writes the lab's
// files (PKI, chains) into the demo's directory.
static int start_lab(demo_t *d) {
  char detail[4400];
  d->lt.st = &d->st;
  d->lt.lab = d->lab;
  d->lt.cfg = (proxy_origins_config_t){
      .sites = d->lt.sites, .num_sites = d->num, .http = 1, .on_ready = on_lab_ready, .arg = &d->lt};
  d->lab_started = pthread_create(&d->lab_thread, NULL, lab_main, &d->lt) == 0;
  pthread_mutex_lock(&d->st.lock);
  while (d->lab_started && !d->st.lab_ready && !d->st.lab_failed) {
    pthread_cond_wait(&d->st.cond, &d->st.lock);
  }
  pthread_mutex_unlock(&d->st.lock);
  if (!d->lab_started || d->st.lab_failed || !d->st.lab_ready) {
    return cli_error("demo", "cannot start the lab: %s", d->lt.err);
  }
  if (lab_write(d->lab, d->dir, detail, sizeof(detail)) != TLS_OK) {
    return cli_error("demo", "cannot write the lab: %s", detail);
  }
  return CLI_EXIT_OK;
}

// trust_lab_root makes the lab's root the trust store the proxy judges with.
static int trust_lab_root(demo_t *d) {
  CRYPTO_BUFFER *root = lab_get0_root(d->lab);
  int trust_err = d->trust != NULL
                      ? inspect_trust_load(d->trust, CRYPTO_BUFFER_data(root), CRYPTO_BUFFER_len(root), NULL)
                      : INSPECT_ENOMEM;
  if (trust_err != INSPECT_OK) {
    return cli_error("demo", "cannot trust the lab's root: %s", inspect_strerror(trust_err));
  }
  return CLI_EXIT_OK;
}

// start_proxy runs the mirror proxy on its own thread, each scenario's name
// routed to its origin in the lab, and waits until it listens.
static int start_proxy(demo_t *d) {
  size_t num = d->num;
  inspect_selection_all(&d->sel);
  for (size_t i = 0; i < num; i++) {
    snprintf(d->resolves[i].host, sizeof(d->resolves[i].host), "%s", lab_scenario_get(i)->host);
    d->resolves[i].port = d->lt.sites[i].port;
    snprintf(d->resolves[i].addr, sizeof(d->resolves[i].addr), "127.0.0.1");
  }
  proxy_thread_t *pt = &d->pt;
  pt->st = &d->st;
  proxy_config_init(&pt->cfg);
  pt->cfg.listen = "127.0.0.1:0";
  // The proxy fetches the AIA URLs a browser would, from the lab's plain-HTTP listener.
  snprintf(d->resolves[num].host, sizeof(d->resolves[num].host), "%s", LAB_AIA_HOST);
  d->resolves[num].port = d->lt.cfg.http_port;
  snprintf(d->resolves[num].addr, sizeof(d->resolves[num].addr), "127.0.0.1");
  pt->cfg.resolves = d->resolves;
  pt->cfg.num_resolves = num + 1;
  pt->cfg.trust = d->trust;
  pt->cfg.selection = &d->sel;
  pt->cfg.log_path = d->log_path;
  pt->cfg.ca = d->ca;
  pt->cfg.workers = 1;
  pt->cfg.timeout_idle = 30;  // the demo's clients are quick
  pt->cfg.drain = 5;
  pt->cfg.on_ready = on_proxy_ready;
  pt->cfg.on_record = on_record;
  pt->cfg.arg = &d->st;
  d->proxy_started = pthread_create(&d->proxy_thread, NULL, proxy_main, pt) == 0;
  pthread_mutex_lock(&d->st.lock);
  while (d->proxy_started && d->st.proxy_listen[0] == '\0' && !d->st.proxy_failed) {
    pthread_cond_wait(&d->st.cond, &d->st.lock);
  }
  pthread_mutex_unlock(&d->st.lock);
  if (!d->proxy_started || d->st.proxy_failed) {
    return cli_error("demo", "cannot start the proxy: %s: %s", pt->err, proxy_strerror(pt->rc));
  }
  return CLI_EXIT_OK;
}

// show_scenario sends curl through the proxy to scenario `i` and prints what
// curl saw next to the connection's record.
static void show_scenario(demo_t *d, size_t i, const char *port, const char *root_pem) {
  demo_state_t *st = &d->st;
  const lab_scenario_t *s = lab_scenario_get(i);
  char resolve[512], url[512], line[512];
  snprintf(resolve, sizeof(resolve), "%s:%s:127.0.0.1", s->host, port);
  snprintf(url, sizeof(url), "https://%s:%s/", s->host, port);
  const char *const curl[] = {"curl",       "-sS", "-o",       "/dev/null", "-w",        "HTTP %{http_code}",
                              "--max-time", "15",  "--cacert", root_pem,    "--resolve", resolve,
                              url,          NULL};
  int code = run_curl(curl, line, sizeof(line));
  char aia_url[256];
  int aia = lab_aia_url(d->lab, i, aia_url, sizeof(aia_url));
  // Wait for this connection's record (curl has closed by now).
  pthread_mutex_lock(&st->lock);
  while (st->records < i + 1) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    if (pthread_cond_timedwait(&st->cond, &st->lock, &ts) != 0) {
      break;
    }
  }
  const char *who = st->records > i ? st->rec[i].rejected_by : "?";
  const char *summary = st->records > i && st->rec[i].summary != NULL ? st->rec[i].summary : "(no record)";
  printf("%s - %s\n", s->name, s->what);
  char curl_says[600];
  snprintf(curl_says, sizeof(curl_says), "%s%s", code == 0 ? "" : "fails: ", line);
  print_wrapped("curl", curl_says);
  char verdict[64 + 16];
  snprintf(verdict, sizeof(verdict), "rejected by %s.", who);
  char both[4096];
  snprintf(both, sizeof(both), "%s %s", strcmp(who, "none") == 0 ? "nobody rejects." : verdict, summary);
  if (aia && st->records > i && st->rec[i].browser != NULL && st->rec[i].cloudfront != NULL) {
    print_aia_story(st->rec[i].browser, st->rec[i].cloudfront, both);
  } else {
    print_wrapped("tlsmirror", both);
  }
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&st->lock);
}

// show_all prints the demo: every scenario, then where to go next.
static void show_all(demo_t *d) {
  const char *port = strrchr(d->st.proxy_listen, ':') + 1;
  printf(
      "tlsmirror demo: %zu deliberately broken HTTPS origins (the lab) on 127.0.0.1, and the mirror\n"
      "proxy on %s in front of them. curl trusts the mirror root and goes through the proxy:\n"
      "it accepts or rejects exactly as it would against each origin, while tlsmirror judges the\n"
      "origin's real chain for every platform.\n\n",
      d->num, d->st.proxy_listen);
  fflush(stdout);
  char root_pem[4300];
  snprintf(root_pem, sizeof(root_pem), "%s/%s", d->ca_dir, TLS_MIRROR_ROOT_FILE);
  for (size_t i = 0; i < d->num; i++) {
    show_scenario(d, i, port, root_pem);
  }
  printf(
      "Every connection is one JSON record (ECS fields, both chains, all verdicts) in\n  %s\n\n"
      "Next:\n"
      "  tlsmirror inspect %s/missing-intermediate/chain.pem --trust %s/root.pem \\\n"
      "      --name missing-intermediate.lab.test   # the same verdicts, offline\n"
      "  tlsmirror lab                                 # serve the lab yourself\n"
      "  tlsmirror proxy --help                        # put it in front of your own origin\n",
      d->log_path, d->dir, d->dir);
  if (!d->keep) {
    printf("\n(run 'tlsmirror demo --keep' to keep %s)\n", d->dir);
  }
}

// stop ends both threads and releases the run (its directory too, unless --keep).
static void stop(demo_t *d) {
  // Stop both event loops: each handles SIGTERM by closing cleanly.
  if (d->lab_started || d->proxy_started) {
    raise(SIGTERM);
  }
  if (d->proxy_started) {
    pthread_join(d->proxy_thread, NULL);
  }
  if (d->lab_started) {
    pthread_join(d->lab_thread, NULL);
  }
  for (size_t i = 0; i < d->num; i++) {
    SSL_CTX_free(d->lt.sites[i].ctx);
  }
  for (size_t i = 0; i < d->st.records && i < sizeof(d->st.rec) / sizeof(d->st.rec[0]); i++) {
    free(d->st.rec[i].summary);
    free(d->st.rec[i].browser);
    free(d->st.rec[i].cloudfront);
  }
  inspect_trust_free(d->trust);
  tls_mirror_ca_free(d->ca);
  lab_free(d->lab);
  if (!d->keep) {
    remove_tree(d->dir);
  }
}

int cmd_demo(int argc, char **argv) {
  static demo_t d;
  int rc = parse_options(argc, argv, &d.keep);
  if (rc != CLI_EXIT_OK) {
    return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
  }
  const char *const probe[] = {"curl", "--version", NULL};
  char line[512];
  if (run_curl(probe, line, sizeof(line)) != 0) {
    return cli_error("demo", "curl is needed as the demo's client: run tools/install-deps");
  }
  const char *base = getenv("TMPDIR");
  snprintf(d.dir, sizeof(d.dir), "%s/tlsmirror-demo-XXXXXX", base != NULL && base[0] ? base : "/tmp");
  if (mkdtemp(d.dir) == NULL) {
    return cli_error("demo", "cannot create a temporary directory: %s", strerror(errno));
  }
  int err;
  int64_t now = cli_now();
  d.lab = lab_new(now, &err);
  if (d.lab == NULL) {
    return cli_error("demo", "cannot mint the lab: %s", tls_strerror(err));
  }
  snprintf(d.ca_dir, sizeof(d.ca_dir), "%s/mirror-ca", d.dir);
  snprintf(d.log_path, sizeof(d.log_path), "%s/proxy.log", d.dir);
  if ((err = tls_mirror_ca_create(d.ca_dir, now)) != TLS_OK || (err = tls_mirror_ca_load(d.ca_dir, &d.ca)) != TLS_OK) {
    rc = cli_error("demo", "cannot create the mirror CA: %s", tls_strerror(err));
  }
  pthread_mutex_init(&d.st.lock, NULL);
  pthread_cond_init(&d.st.cond, NULL);
  d.num = lab_scenario_count();
  for (size_t i = 0; i < d.num; i++) {
    d.lt.sites[i].name = lab_scenario_get(i)->name;
    d.lt.sites[i].description = lab_scenario_get(i)->what;
    d.lt.sites[i].hello_delay_ms = lab_scenario_get(i)->hello_delay_ms;
  }
  // Signals stop both event loops at the end: block them here so only the
  // loops' own handlers (and the final raise) see them.
  if (rc == CLI_EXIT_OK) {
    rc = start_lab(&d);
  }
  d.trust = inspect_trust_new(0);
  if (rc == CLI_EXIT_OK) {
    rc = trust_lab_root(&d);
  }
  if (rc == CLI_EXIT_OK) {
    rc = start_proxy(&d);
  }
  if (rc == CLI_EXIT_OK) {
    show_all(&d);
  }
  stop(&d);
  return rc;
}
