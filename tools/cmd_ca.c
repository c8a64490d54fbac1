// tlsmirror ca: the mirror CA that signs what clients see through the proxy.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tls/tls.h"
#include "tools/cli.h"

static const char kCaHelp[] =
    "Usage: tlsmirror ca init|path|export [--ca-dir DIR]\n"
    "\n"
    "Manage the mirror CA. The proxy re-signs every origin chain with it, so a\n"
    "client that trusts its root sees exactly what it would see from the origin.\n"
    "\n"
    "  init     create the CA (a trusted root and a deliberately untrusted one);\n"
    "           refuses to replace an existing CA\n"
    "  path     print the path of the root certificate clients should trust\n"
    "  export   print the root certificate (PEM) on stdout\n"
    "\n"
    "Options:\n"
    "  --ca-dir DIR   where the CA lives (default $XDG_DATA_HOME/tlsmirror/ca,\n"
    "                 else ~/.local/share/tlsmirror/ca); keys are mode 0600\n"
    "  -h, --help     show this help\n"
    "\n"
    "Examples:\n"
    "  tlsmirror ca init\n"
    "  curl --cacert \"$(tlsmirror ca path)\" --resolve api.example.com:8443:127.0.0.1 \\\n"
    "       https://api.example.com:8443/\n";

// mkdir_parents creates every missing directory of `path` (mode 0700).
static int mkdir_parents(const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
    return -1;
  }
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
        return -1;
      }
      *p = '/';
    }
  }
  return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int cli_ca_default_dir(char *out, size_t len) {
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (xdg != NULL && xdg[0] == '/') {
    n = snprintf(out, len, "%s/tlsmirror/ca", xdg);
  } else if (home != NULL && home[0] == '/') {
    n = snprintf(out, len, "%s/.local/share/tlsmirror/ca", home);
  } else {
    return 0;
  }
  return n > 0 && (size_t)n < len;
}

int cli_ca_ensure(const char *cmd, const char *dir, int announce) {
  char parent[4096];
  snprintf(parent, sizeof(parent), "%s", dir);
  char *slash = strrchr(parent, '/');
  if (slash != NULL && slash != parent) {
    *slash = '\0';
    if (mkdir_parents(parent) != 0) {
      return cli_error(cmd, "cannot create %s: %s", parent, strerror(errno));
    }
  }
  int err = tls_mirror_ca_create(dir, cli_now());
  if (err == TLS_EEXISTS) {
    return CLI_EXIT_OK;
  }
  if (err != TLS_OK) {
    return cli_error(cmd, "cannot create the mirror CA in %s: %s", dir, tls_strerror(err));
  }
  if (announce) {
    fprintf(stderr, "tlsmirror %s: created a mirror CA in %s; clients must trust %s/%s\n", cmd, dir, dir,
            TLS_MIRROR_ROOT_FILE);
  }
  return CLI_EXIT_OK;
}

int cmd_ca(int argc, char **argv) {
  static const struct option kOptions[] = {
      {"ca-dir", required_argument, NULL, 'd'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  char dir[4096] = "";
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 'd': snprintf(dir, sizeof(dir), "%s", optarg); break;
      case 'h': fputs(kCaHelp, stdout); return CLI_EXIT_OK;
      case ':': return cli_usage_error("ca", "an option is missing its value");
      default: return cli_usage_error("ca", "unknown option");
    }
  }
  if (optind != argc - 1) {
    return cli_usage_error("ca", "give one action: init, path or export");
  }
  const char *action = argv[optind];
  if (dir[0] == '\0' && !cli_ca_default_dir(dir, sizeof(dir))) {
    return cli_error("ca", "no HOME or XDG_DATA_HOME: give --ca-dir DIR");
  }
  char root[4200];
  snprintf(root, sizeof(root), "%s/%s", dir, TLS_MIRROR_ROOT_FILE);
  if (strcmp(action, "init") == 0) {
    struct stat st;
    if (stat(root, &st) == 0) {
      return cli_error("ca", "a mirror CA already exists in %s (remove the directory to start over)", dir);
    }
    int rc = cli_ca_ensure("ca", dir, 0);
    if (rc == CLI_EXIT_OK) {
      printf("created the mirror CA in %s\ntrust this root in your clients: %s\n", dir, root);
    }
    return rc;
  }
  if (strcmp(action, "path") != 0 && strcmp(action, "export") != 0) {
    return cli_usage_error("ca", "unknown action (init, path or export)");
  }
  tls_mirror_ca_t *ca = NULL;
  int err = tls_mirror_ca_load(dir, &ca);
  if (err != TLS_OK) {
    return cli_error("ca", "%s: %s", dir, tls_strerror(err));
  }
  if (strcmp(action, "path") == 0) {
    printf("%s\n", root);
  } else {
    inspect_buf_t pem;
    inspect_buf_init(&pem, 0);
    CRYPTO_BUFFER *cert = tls_mirror_ca_get0_root(ca);
    if (inspect_pem_append_cert(&pem, CRYPTO_BUFFER_data(cert), CRYPTO_BUFFER_len(cert)) != INSPECT_OK) {
      inspect_buf_cleanup(&pem);
      tls_mirror_ca_free(ca);
      return cli_error("ca", "out of memory");
    }
    fwrite(pem.data, 1, pem.len, stdout);
    inspect_buf_cleanup(&pem);
  }
  tls_mirror_ca_free(ca);
  return CLI_EXIT_OK;
}
