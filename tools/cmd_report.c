// tlsmirror report: a record file as one self-contained HTML page, to attach
// to a ticket. Also the writer behind `inspect --html`.

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "tools/cli.h"
#include "view/view.h"

static const char kReportHelp[] =
    "Usage: tlsmirror report RECORDS.jsonl|- [-o FILE.html] [--limit N] [--title TEXT]\n"
    "\n"
    "Write the connections of a proxy log (one JSON record per line, as\n"
    "'tlsmirror proxy --log' writes it) into one HTML file that works offline\n"
    "and without JavaScript: the list, each connection's timeline, the origin's\n"
    "and the mirrored chain drawn as cards with the verified path (missing,\n"
    "misordered, expired, duplicate and unrelated certificates marked), the\n"
    "verdict of every platform, the client's offer and the origin's choice, and\n"
    "the HTTP request. The same views as 'tlsmirror proxy --ui'.\n"
    "\n"
    "The file is read line by line: lines that are cut short, not JSON or not\n"
    "tlsmirror records are skipped and counted, with a message naming them.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  where to write the page (default: stdout)\n"
    "  --limit N          show the newest N records (default 2000); all are counted\n"
    "  --title TEXT       the page's subtitle (default: the file's name)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 written, 2 usage or I/O error, or no record in the file.\n";

#define REPORT_DEFAULT_LIMIT 2000
#define REPORT_MESSAGES_MAX 10  // skipped lines named one by one; the rest are counted

static int write_file(void *arg, const char *data, size_t len) { return fwrite(data, 1, len, arg) == len ? 0 : -1; }

// report_save writes `report` to `path` ("-": stdout).
static int report_save(const char *cmd, const view_report_t *report, const char *path) {
  FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
  if (out == NULL) {
    return cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
  }
  int err = view_report_write(report, write_file, out);
  if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
    err = -1;
  }
  if (err != 0) {
    return cli_error(cmd, "cannot write %s: %s", path, err == VIEW_ENOMEM ? view_strerror(err) : strerror(errno));
  }
  return CLI_EXIT_OK;
}

// read_records feeds `in` to `report` line by line; a line longer than a
// record can be is skipped without being held.
static void read_records(FILE *in, const char *name, view_report_t *report, size_t *messages) {
  size_t cap = 1 << 16, len = 0;
  char *line = malloc(cap);
  int too_long = 0;
  uint64_t number = 0;
  int ch = 0;
  while (line != NULL && ch != EOF) {
    ch = getc_unlocked(in);  // one reader: no per-character lock
    if (ch != EOF && ch != '\n') {
      if (too_long) {
        continue;
      }
      if (len + 1 >= cap) {
        if (cap > VIEW_RECORD_MAX) {
          too_long = 1;
          continue;
        }
        char *bigger = realloc(line, cap * 2);
        if (bigger == NULL) {
          too_long = 1;
          continue;
        }
        line = bigger;
        cap *= 2;
      }
      line[len++] = (char)ch;
      continue;
    }
    if (ch == EOF && len == 0 && !too_long) {
      break;
    }
    number++;
    int err;
    if (too_long) {
      view_report_add_long(report);
      err = VIEW_ETOO_LONG;
    } else {
      err = view_report_add(report, line, len);
    }
    if (err != 0 && (*messages)++ < REPORT_MESSAGES_MAX) {
      fprintf(stderr, "tlsmirror report: %s line %llu: %s\n", name, (unsigned long long)number, view_strerror(err));
    }
    len = 0;
    too_long = 0;
    if (cap > (1 << 20)) {  // give back what one long record took
      free(line);
      cap = 1 << 16;
      line = malloc(cap);
    }
  }
  free(line);
}

int cmd_report(int argc, char **argv) {
  static const struct option kOptions[] = {
      {"output", required_argument, NULL, 'o'},
      {"limit", required_argument, NULL, 'l'},
      {"title", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *output = "-", *title = NULL;
  uint64_t limit = REPORT_DEFAULT_LIMIT;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":ho:", kOptions, NULL)) != -1) {
    switch (c) {
      case 'o': output = optarg; break;
      case 't': title = optarg; break;
      case 'l':
        if (!cli_parse_u64(optarg, 1, 1000000, &limit)) {
          return cli_usage_error("report", "--limit needs a number from 1 to 1000000");
        }
        break;
      case 'h': fputs(kReportHelp, stdout); return CLI_EXIT_OK;
      case ':': return cli_usage_error("report", "an option is missing its value");
      default: return cli_usage_error("report", "unknown option");
    }
  }
  if (optind != argc - 1) {
    return cli_usage_error(
        "report", optind >= argc ? "missing RECORDS (a proxy log, or - for stdin)" : "give exactly one RECORDS file");
  }
  const char *path = argv[optind];
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  if (in == NULL) {
    return cli_error("report", "cannot read %s: %s", path, strerror(errno));
  }
  view_report_t *report = view_report_new(title != NULL ? title : path, (size_t)limit);
  if (report == NULL) {
    if (in != stdin) {
      fclose(in);
    }
    return cli_error("report", "out of memory");
  }
  size_t messages = 0;
  read_records(in, path, report, &messages);
  int read_error = ferror(in);
  if (in != stdin) {
    fclose(in);
  }
  size_t skipped = view_report_num_skipped(report), records = view_report_num_records(report);
  int rc = CLI_EXIT_OK;
  if (read_error) {
    rc = cli_error("report", "cannot read %s: %s", path, strerror(errno));
  } else if (records == 0 && skipped > 0) {
    rc = cli_error("report", "%s holds no tlsmirror record (%zu line%s skipped): is it a 'proxy --log' file?", path,
                   skipped, skipped == 1 ? "" : "s");
  } else {
    if (skipped > 0) {
      fprintf(stderr, "tlsmirror report: %zu line%s of %s skipped (named above%s)\n", skipped, skipped == 1 ? "" : "s",
              path, skipped > REPORT_MESSAGES_MAX ? ", the first ten" : "");
    }
    rc = report_save("report", report, output);
    if (rc == CLI_EXIT_OK && strcmp(output, "-") != 0) {
      fprintf(stderr, "tlsmirror report: %zu connection%s (%zu shown) written to %s\n", records,
              records == 1 ? "" : "s", view_report_num_kept(report), output);
    }
  }
  view_report_free(report);
  return rc;
}

int cli_report_inspect(const char *path, const cli_inspect_result_t *r) {
  static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
  const inspect_input_t *in = r->input;
  inspect_buf_t rec;
  inspect_buf_init(&rec, VIEW_RECORD_MAX);
  char at[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(in->now, at);
  inspect_buf_printf(&rec, "{\"@timestamp\":\"%s\"", at);
  if (r->host != NULL && r->host[0] != '\0') {
    inspect_buf_puts(&rec, ",\"destination\":{\"address\":");
    inspect_buf_json_string(&rec, r->host);
    inspect_buf_printf(&rec, ",\"port\":%u}", r->port);
  }
  inspect_buf_puts(&rec, ",\"tls\":{\"client\":{");
  if (r->sni != NULL) {
    inspect_buf_puts(&rec, "\"server_name\":");
    inspect_buf_json_string(&rec, r->sni);
    inspect_buf_puts(&rec, ",");
  }
  inspect_buf_printf(&rec, "\"sni_sent\":%s},\"server\":{\"certificate_chain\":[", r->sni != NULL ? "true" : "false");
  inspect_buf_t pem;
  inspect_buf_init(&pem, 1 << 20);
  for (size_t i = 0; i < inspect_chain_num(in->chain); i++) {
    const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(in->chain, i));
    inspect_buf_reset(&pem);
    if (inspect_pem_append_cert(&pem, info->der, info->der_len) != INSPECT_OK) {
      rec.failed = 1;
    }
    inspect_buf_puts(&rec, i ? "," : "");
    inspect_buf_json_string(&rec, pem.data != NULL ? pem.data : "");
  }
  inspect_buf_cleanup(&pem);
  inspect_buf_puts(&rec, "]}},\"tlsmirror\":{\"target\":");
  inspect_buf_json_string(&rec, r->target);
  if (in->handshake.status != INSPECT_HS_NONE) {
    inspect_buf_printf(&rec, ",\"origin\":{\"handshake\":\"%s\"", kStatus[in->handshake.status]);
    if (r->version != NULL && r->version[0] != '\0') {
      inspect_buf_puts(&rec, ",\"version\":");
      inspect_buf_json_string(&rec, strncmp(r->version, "TLSv", 4) == 0 ? r->version + 4 : r->version);
      inspect_buf_puts(&rec, ",\"cipher\":");
      inspect_buf_json_string(&rec, r->cipher);
    }
    if (r->alpn != NULL && r->alpn[0] != '\0') {
      inspect_buf_puts(&rec, ",\"next_protocol\":");
      inspect_buf_json_string(&rec, r->alpn);
    }
    if (in->handshake.alert >= 0) {
      inspect_buf_printf(&rec, ",\"alert\":{\"number\":%d,\"name\":", in->handshake.alert);
      inspect_buf_json_string(&rec, tls_alert_name(in->handshake.alert));
      inspect_buf_puts(&rec, "}");
    }
    if (r->detail != NULL && r->detail[0] != '\0' && in->handshake.status != INSPECT_HS_OK) {
      inspect_buf_puts(&rec, ",\"detail\":");
      inspect_buf_json_string(&rec, r->detail);
    }
    inspect_buf_puts(&rec, "}");
  }
  inspect_buf_puts(&rec, ",\"findings\":");
  inspect_json_findings(&rec, r->report);
  inspect_buf_puts(&rec, ",\"verdicts\":");
  inspect_json_verdicts(&rec, r->report);
  const char *who = "none";
  for (size_t i = 0; i < inspect_report_num_verdicts(r->report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(r->report, i);
    if (!v->accept) {
      who = v->profile;
      break;
    }
  }
  inspect_buf_puts(&rec, ",\"rejected_by\":");
  inspect_buf_json_string(&rec, who);
  inspect_buf_puts(&rec, ",\"summary\":");
  inspect_buf_json_string(&rec, inspect_report_get0_summary(r->report));
  inspect_buf_puts(&rec, "}}");
  int rc = CLI_EXIT_OK;
  view_report_t *report = view_report_new(r->target, 1);
  if (rec.failed || report == NULL || view_report_add(report, rec.data, rec.len) != 0) {
    rc = cli_error("inspect", "out of memory");
  } else {
    rc = report_save("inspect", report, path);
  }
  view_report_free(report);
  inspect_buf_cleanup(&rec);
  return rc;
}
