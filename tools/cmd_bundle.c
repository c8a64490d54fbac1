// tlsmirror bundle: lint a CA bundle the way a platform checks its mTLS trust
// store before accepting it, write a cleaned copy, or split it into files.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/tls.h"
#include "tools/cli.h"

static const char kBundleHelp[] =
    "Usage: tlsmirror bundle FILE --profile PROFILE [--at TIME] [--json] [--fix OUT]\n"
    "       tlsmirror bundle split FILE DIR\n"
    "\n"
    "Lint a CA bundle (the PEM file an mTLS trust store is made of) the way the\n"
    "platform checks it before accepting it, and say what each client would see.\n"
    "\n"
    "Each certificate: X.509 v3 (ALB), basicConstraints CA:TRUE (no leaves),\n"
    "valid at TIME, key (RSA 2048+, up to 8192 for ALB; ECDSA P-256/384/521),\n"
    "signature (SHA-256/384/512), size (16 KB for ALB). The bundle: PEM only;\n"
    "for ALB no blank lines and only '#' comments without '-' besides the blocks,\n"
    "for API Gateway blank lines are fine but no other text; no duplicates; every\n"
    "issuer present up to a self-signed root; at most 4 CAs per chain; for ALB at\n"
    "most 25 CAs and 10000 bytes of subject names.\n"
    "\n"
    "Every certificate is listed (index, subject, issuer, key, signature, CA flag,\n"
    "validity), then each violation with the platform's own words where they are\n"
    "known and what to do about it.\n"
    "\n"
    "Options:\n"
    "  --profile PROFILE  whose rules to apply:\n"
    "%s"
    "  --at TIME          judge validity at this RFC 3339 time instead of now\n"
    "  --json             one JSON object on stdout: {file, fix_written, lint:\n"
    "                     {profile, platform, at, pem, entries, violations,\n"
    "                     compliant, fix: {keeps, removes}}}\n"
    "  --fix OUT          also write a cleaned bundle to OUT: the certificates that\n"
    "                     pass, as PEM without comments or blank lines, and say what\n"
    "                     was removed (a CA whose issuer is removed goes too); the\n"
    "                     cleaned bundle passes the lint\n"
    "  -h, --help         show this help\n"
    "\n"
    "bundle split FILE DIR writes each certificate of FILE to its own file in DIR\n"
    "(created if missing; existing files are replaced), named by index and subject\n"
    "CN, e.g. DIR/00-Example-Root-CA.pem, byte for byte as in FILE. To split a\n"
    "file named 'split', write ./split.\n"
    "\n"
    "Exit status: 0 compliant (split: every block written), 1 violations (split:\n"
    "some blocks were not certificates), 2 usage error or unreadable input (no\n"
    "PEM block and no DER certificate at all). With --fix the status is the\n"
    "original file's.\n"
    "\n"
    "Examples:\n"
    "  tlsmirror bundle ca-bundle.pem --profile alb-mtls\n"
    "  tlsmirror bundle truststore.pem --profile apigateway-mtls --fix truststore-fixed.pem\n"
    "  tlsmirror bundle split ca-bundle.pem certs/\n"
    "  tlsmirror inspect client.pem --profile alb-mtls --trust ca-bundle.pem\n"
    "      (judge a client's certificate chain against the bundle)\n";

static void print_help(void) {
  char list[1024];
  size_t len = 0;
  for (size_t i = 0; i < inspect_profile_count() && len < sizeof(list); i++) {
    const inspect_profile_t *p = inspect_profile_get(i);
    if (inspect_profile_has_bundle_rules(p)) {
      len += (size_t)snprintf(list + len, sizeof(list) - len, "                       %-16s %s\n",
                              inspect_profile_id(p), inspect_profile_platform(p));
    }
  }
  printf(kBundleHelp, list);
}

// read_input reads FILE; on failure it prints one line and returns 2.
static int read_input(const char *path, uint8_t **data, size_t *len) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    return cli_error("bundle", "cannot read %s: it is a directory", path);
  }
  int err = tls_file_read(path, INSPECT_INPUT_MAX, data, len);
  if (err != TLS_OK) {
    return cli_error("bundle", "cannot read %s: %s", path, err == TLS_EOPEN ? strerror(errno) : tls_strerror(err));
  }
  return CLI_EXIT_OK;
}

// write_file writes `len` bytes to `path` through a temporary file, so a
// failed write never leaves half a bundle.
static int write_file(const char *path, const void *data, size_t len) {
  char tmp[4096];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return 0;
  }
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) {
    return 0;
  }
  int ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return 0;
  }
  return 1;
}

static const char *short_name(const inspect_cert_info_t *info) {
  return info->common_name != NULL ? info->common_name : info->subject;
}

static void print_text(const char *file, const inspect_bundle_t *b) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  const inspect_profile_t *profile = inspect_bundle_get0_profile(b);
  char at[INSPECT_TIME_STR_LEN];
  int64_t now = inspect_bundle_time(b);
  inspect_time_format_rfc3339(now, at);
  size_t n = inspect_bundle_num_entries(b);
  inspect_buf_printf(&out, "bundle     %s (%s, %zu block%s, %zu certificate%s)\n", file,
                     inspect_bundle_is_pem(b) ? "PEM" : "DER", n, n == 1 ? "" : "s", inspect_bundle_num_certs(b),
                     inspect_bundle_num_certs(b) == 1 ? "" : "s");
  inspect_buf_printf(&out, "profile    %s (%s)\nat         %s\n\ncertificates\n", inspect_profile_id(profile),
                     inspect_profile_platform(profile), at);
  for (size_t i = 0; i < n; i++) {
    const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
    if (e->cert == NULL) {
      inspect_buf_printf(&out, "  #%zu line %zu: %s block, not a usable certificate\n", i, e->line,
                         e->label[0] ? e->label : "DER");
      continue;
    }
    const inspect_cert_info_t *c = inspect_cert_get0_info(e->cert);
    char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
    inspect_time_format_rfc3339(c->not_before, nb);
    inspect_time_format_rfc3339(c->not_after, na);
    const char *state = now > c->not_after ? "EXPIRED" : now < c->not_before ? "NOT YET VALID" : "valid";
    const char *role = !c->is_ca                              ? "not a CA (leaf)"
                       : inspect_cert_is_self_signed(e->cert) ? "CA, self-signed root"
                                                              : "CA";
    inspect_buf_printf(&out,
                       "  #%zu line %zu: %s\n     issuer   %s\n     key      %s, %s\n     role     %s, X.509 v%d, "
                       "depth %d%s\n     valid    %s .. %s (%s)\n",
                       i, e->line, c->subject, c->issuer, c->key_desc, c->sig_alg, role, c->version, e->depth,
                       e->has_root ? "" : " (no root in the bundle)", nb, na, state);
  }
  size_t nv = inspect_bundle_num_violations(b);
  inspect_buf_printf(&out, "\nviolations (%zu)\n", nv);
  if (nv == 0) {
    inspect_buf_puts(&out, "  (none)\n");
  }
  for (size_t i = 0; i < nv; i++) {
    const inspect_bundle_violation_t *v = inspect_bundle_get0_violation(b, i);
    inspect_buf_printf(&out, "  %-21s %s\n", v->code, v->detail);  // details name the certificate or line
    if (v->platform_text != NULL) {
      inspect_buf_printf(&out, "  %-21s platform says: %s\n", "", v->platform_text);
    }
    inspect_buf_printf(&out, "  %-21s fix: %s\n", "", v->suggestion);
  }
  if (nv == 0) {
    inspect_buf_printf(&out, "\n%s accepts this bundle as it is.\n", inspect_profile_id(profile));
  } else {
    inspect_buf_printf(&out,
                       "\n%zu violation%s: fix them before uploading the bundle to %s (--fix OUT writes a "
                       "cleaned bundle with %zu of %zu certificates).\n",
                       nv, nv == 1 ? "" : "s", inspect_profile_id(profile), inspect_bundle_num_kept(b),
                       inspect_bundle_num_certs(b));
  }
  fwrite(out.data, 1, out.len, stdout);
  inspect_buf_cleanup(&out);
}

// fix writes the cleaned bundle to `out_path`, checks that it passes and
// says what it removed. It returns CLI_EXIT_OK or prints one error line.
static int fix(const inspect_bundle_t *b, const char *out_path, int quiet) {
  if (inspect_bundle_num_kept(b) == 0) {
    // A verdict, not an I/O error: every certificate breaks a rule.
    fprintf(stderr, "tlsmirror bundle: --fix: no certificate passes, so nothing was written to %s\n", out_path);
    return CLI_EXIT_REJECT;
  }
  inspect_buf_t fixed;
  inspect_buf_init(&fixed, 0);
  int rc = CLI_EXIT_OK;
  if (inspect_bundle_write_fixed(b, &fixed) != INSPECT_OK) {
    rc = cli_error("bundle", "out of memory");
  }
  // The cleaned bundle must pass the same rules at the same time.
  inspect_bundle_t *check = NULL;
  if (rc == CLI_EXIT_OK && inspect_bundle_lint((const uint8_t *)fixed.data, fixed.len, inspect_bundle_get0_profile(b),
                                               inspect_bundle_time(b), &check) != INSPECT_OK) {
    rc = cli_error("bundle", "--fix: the cleaned bundle does not parse (a bug: please report it)");
  } else if (rc == CLI_EXIT_OK && inspect_bundle_num_violations(check) > 0) {
    rc = cli_error("bundle", "--fix: the cleaned bundle still breaks %s (a bug: please report it)",
                   inspect_bundle_get0_violation(check, 0)->code);
  }
  inspect_bundle_free(check);
  if (rc == CLI_EXIT_OK && !write_file(out_path, fixed.data, fixed.len)) {
    rc = cli_error("bundle", "cannot write %s: %s", out_path, strerror(errno));
  }
  inspect_buf_cleanup(&fixed);
  if (rc != CLI_EXIT_OK || quiet) {
    return rc;
  }
  printf("\nfix: wrote %s with %zu certificate%s\n", out_path, inspect_bundle_num_kept(b),
         inspect_bundle_num_kept(b) == 1 ? "" : "s");
  for (size_t i = 0; i < inspect_bundle_num_entries(b); i++) {
    const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
    if (e->removed != NULL) {
      printf("  removed #%zu (%s): %s\n", i,
             e->cert != NULL ? short_name(inspect_cert_get0_info(e->cert))
             : e->label[0]   ? e->label
                             : "DER",
             e->removed);
    }
  }
  if (!inspect_bundle_is_pem(b)) {
    printf("  converted DER to PEM\n");
  }
  return CLI_EXIT_OK;
}

static int no_certificate(const char *path) {
  return cli_error("bundle",
                   "%s: no certificate found: expected PEM blocks (-----BEGIN CERTIFICATE-----) or one "
                   "DER certificate",
                   path);
}

// load_bundle reads and lints `path` (with `profile`'s rules, or none when
// NULL), printing what went wrong; on CLI_EXIT_OK *out holds the bundle.
static int load_bundle(const char *path, const inspect_profile_t *profile, int64_t now, inspect_bundle_t **out) {
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = read_input(path, &data, &len);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  int err = inspect_bundle_lint(data, len, profile, now, out);
  free(data);
  if (err == INSPECT_ENO_CERTIFICATE) {
    return no_certificate(path);
  }
  if (err != INSPECT_OK) {
    return cli_error("bundle", "%s: %s", path, inspect_strerror(err));
  }
  return CLI_EXIT_OK;
}

static int cmd_split(int argc, char **argv) {
  if (argc != 4) {
    return cli_usage_error("bundle", argc < 4 ? "split needs FILE and DIR" : "split takes exactly FILE and DIR");
  }
  const char *path = argv[2];
  const char *dir = argv[3];
  inspect_bundle_t *b = NULL;
  int rc = load_bundle(path, NULL, 0, &b);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  if (inspect_bundle_num_certs(b) == 0) {
    inspect_bundle_free(b);
    return no_certificate(path);
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    rc = cli_error("bundle", "cannot create %s: %s", dir, strerror(errno));
  }
  size_t skipped = 0;
  for (size_t i = 0; rc == CLI_EXIT_OK && i < inspect_bundle_num_entries(b); i++) {
    const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
    if (e->cert == NULL) {
      const inspect_bundle_violation_t *why = NULL;
      for (size_t k = 0; k < inspect_bundle_num_violations(b); k++) {
        if (inspect_bundle_get0_violation(b, k)->entry == (int)i) {
          why = inspect_bundle_get0_violation(b, k);
        }
      }
      printf("skipped #%zu (line %zu): %s\n", i, e->line, why != NULL ? why->detail : "not a certificate");
      skipped++;
      continue;
    }
    char name[128], file[4096];
    inspect_bundle_file_name(b, i, name, sizeof(name));
    if (snprintf(file, sizeof(file), "%s/%s", dir, name) >= (int)sizeof(file)) {
      rc = cli_error("bundle", "the directory name %s is too long", dir);
      break;
    }
    inspect_buf_t pem;
    inspect_buf_init(&pem, 0);
    if (e->text != NULL) {
      inspect_buf_append(&pem, e->text, e->text_len);
      if (e->text_len > 0 && e->text[e->text_len - 1] != '\n') {
        inspect_buf_puts(&pem, "\n");
      }
    } else {
      const inspect_cert_info_t *c = inspect_cert_get0_info(e->cert);
      pem.failed |= inspect_pem_append_cert(&pem, c->der, c->der_len) != INSPECT_OK;  // DER input
    }
    if (pem.failed) {
      rc = cli_error("bundle", "out of memory");
    } else if (!write_file(file, pem.data, pem.len)) {
      rc = cli_error("bundle", "cannot write %s: %s", file, strerror(errno));
    } else {
      printf("%s  %s\n", file, inspect_cert_get0_info(e->cert)->subject);
    }
    inspect_buf_cleanup(&pem);
  }
  inspect_bundle_free(b);
  if (rc == CLI_EXIT_OK && skipped > 0) {
    rc = CLI_EXIT_REJECT;
  }
  return rc;
}

int cmd_bundle(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "split") == 0) {
    return cmd_split(argc, argv);
  }
  static const struct option kOptions[] = {
      {"profile", required_argument, NULL, 'p'}, {"at", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'},
      {"fix", required_argument, NULL, 'f'},     {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
  };
  const char *profile_id = NULL, *at = NULL, *fix_path = NULL;
  int json = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", kOptions, NULL)) != -1) {
    switch (c) {
      case 'p': profile_id = optarg; break;
      case 'a': at = optarg; break;
      case 'j': json = 1; break;
      case 'f': fix_path = optarg; break;
      case 'h': print_help(); return CLI_EXIT_OK;
      case ':': return cli_usage_error("bundle", "an option is missing its value");
      default: return cli_usage_error("bundle", "unknown option");
    }
  }
  if (optind != argc - 1) {
    return cli_usage_error("bundle", optind >= argc ? "missing FILE" : "give exactly one FILE");
  }
  const char *path = argv[optind];
  if (profile_id == NULL) {
    return cli_usage_error("bundle", "missing --profile (alb-mtls or apigateway-mtls)");
  }
  const inspect_profile_t *profile = inspect_profile_find(profile_id);
  if (!inspect_profile_has_bundle_rules(profile)) {
    return cli_usage_error("bundle", "--profile must be a profile with bundle rules (alb-mtls or apigateway-mtls)");
  }
  int64_t now = cli_now();
  if (at != NULL && !inspect_time_parse_rfc3339(at, &now)) {
    return cli_usage_error("bundle", "--at needs an RFC 3339 time such as 2026-01-31T12:00:00Z");
  }
  inspect_bundle_t *b = NULL;
  int rc = load_bundle(path, profile, now, &b);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  if (!json) {
    print_text(path, b);
  }
  if (fix_path != NULL) {
    rc = fix(b, fix_path, json);
  }
  if (json) {
    inspect_buf_t out;
    inspect_buf_init(&out, 0);
    inspect_buf_puts(&out, "{\"file\":");
    inspect_buf_json_string(&out, path);
    inspect_buf_puts(&out, ",\"fix_written\":");
    inspect_buf_json_string(&out, fix_path != NULL && rc == CLI_EXIT_OK ? fix_path : NULL);
    inspect_buf_puts(&out, ",\"lint\":");
    inspect_json_bundle(&out, b);
    inspect_buf_puts(&out, "}\n");
    fwrite(out.data, 1, out.len, stdout);
    inspect_buf_cleanup(&out);
  }
  if (rc == CLI_EXIT_OK && inspect_bundle_num_violations(b) > 0) {
    rc = CLI_EXIT_REJECT;
  }
  inspect_bundle_free(b);
  return rc;
}
