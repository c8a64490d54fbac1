// Records as HTML: a connection's row, and the connection opened (timeline,
// both chains as cards with the verified path (drawn by chain.c), verdicts,
// offer and choice, HTTP). The live view and the report both show exactly
// this.

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view_internal.h"

// Errors.
const char *view_strerror(int err) {
  switch (err) {
#define VIEW_ERRNO_MSG(name, value, msg) \
  case value: return msg;
    VIEW_ERRNO_MAP(VIEW_ERRNO_MSG)
#undef VIEW_ERRNO_MSG
    default: return inspect_strerror(err);
  }
}

const char *view_err_name(int err) {
  switch (err) {
#define VIEW_ERRNO_NAME(name, value, msg) \
  case value: return #name;
    VIEW_ERRNO_MAP(VIEW_ERRNO_NAME)
#undef VIEW_ERRNO_NAME
    default: return inspect_err_name(err);
  }
}

// Escaping.
void view_html_text(inspect_buf_t *out, const char *str) {
  if (str == NULL) {
    return;
  }
  const char *run = str;
  for (const char *p = str; *p != '\0'; p++) {
    const char *rep = NULL;
    switch (*p) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\'': rep = "&#39;"; break;
      default: continue;
    }
    inspect_buf_append(out, run, (size_t)(p - run));
    inspect_buf_puts(out, rep);
    run = p + 1;
  }
  inspect_buf_puts(out, run);
}

void view_html_printf(inspect_buf_t *out, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  view_html_text(out, text);
}

void view_html_badge(inspect_buf_t *out, const char *cls, const char *text) {
  inspect_buf_printf(out, "<span class=\"badge %s\">", cls);
  view_html_text(out, text);
  inspect_buf_puts(out, "</span>");
}

const char *view_severity_class(const char *severity) {
  return severity == NULL                   ? "info"
         : strcmp(severity, "error") == 0   ? "bad"
         : strcmp(severity, "warning") == 0 ? "warn"
                                            : "info";
}

// Records.
int view_record_parse(const char *text, size_t len, view_record_t **out) {
  *out = NULL;
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
    len--;
  }
  if (len > VIEW_RECORD_MAX) {
    return VIEW_ETOO_LONG;
  }
  view_record_t *rec = calloc(1, sizeof(*rec));
  if (rec == NULL) {
    return VIEW_ENOMEM;
  }
  int err = view_json_parse(text, len, &rec->arena, &rec->root);
  if (err == 0 && (rec->root->type != VIEW_JSON_OBJECT || view_json_get(rec->root, "tlsmirror") == NULL ||
                   view_json_get(rec->root, "tlsmirror")->type != VIEW_JSON_OBJECT)) {
    err = VIEW_EFOREIGN;
  }
  if (err != 0) {
    view_record_free(rec);
    return err;
  }
  char *copy = malloc(len + 1);
  if (copy == NULL) {
    view_record_free(rec);
    return VIEW_ENOMEM;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  rec->text = copy;
  rec->text_len = len;
  *out = rec;
  return 0;
}

void view_record_free(view_record_t *rec) {
  if (rec == NULL) {
    return;
  }
  view_arena_free(&rec->arena);
  free((char *)rec->text);
  free(rec);
}

static const char *str_or(const view_json_t *root, const char *path, const char *dflt) {
  const char *s = view_json_str(root, path);
  return s != NULL ? s : dflt;
}

const char *view_record_rejected_by(const view_record_t *rec) {
  return str_or(rec->root, "tlsmirror.rejected_by", "none");
}

// The name a connection is known by: its SNI, else the origin it went to
// (or the file inspect read).
static const char *record_name(const view_record_t *rec) {
  const char *sni = view_json_str(rec->root, "tls.client.server_name");
  if (sni != NULL) {
    return sni;
  }
  return str_or(rec->root, "destination.address", str_or(rec->root, "tlsmirror.target", "(no SNI)"));
}

static int64_t record_time(const view_record_t *rec) {
  int64_t t = 0;
  const char *ts = view_json_str(rec->root, "@timestamp");
  return ts != NULL && inspect_time_parse_rfc3339(ts, &t) ? t : 0;
}

// Verdicts.
static const view_json_t *verdicts(const view_record_t *rec) {
  const view_json_t *v = view_json_get(rec->root, "tlsmirror.verdicts");
  return v != NULL && v->type == VIEW_JSON_ARRAY ? v : NULL;
}

static int verdict_accepts(const view_json_t *v) {
  const view_json_t *a = view_json_get(v, "accept");
  return a != NULL && a->type == VIEW_JSON_BOOL && a->num != 0;
}

// reasons_summary appends the distinct reasons of rejecting verdicts with
// how many profiles give each, e.g. "MISSING_INTERMEDIATE ×8".
static void reasons_summary(const view_record_t *rec, inspect_buf_t *out) {
  const view_json_t *all = verdicts(rec);
  const char *seen[INSPECT_REASON_COUNT + 8];
  int counts[INSPECT_REASON_COUNT + 8];
  size_t n = 0;
  for (const view_json_t *v = all != NULL ? all->child : NULL; v != NULL; v = v->next) {
    const char *reason = view_json_str(v, "reason");
    if (verdict_accepts(v) || reason == NULL) {
      continue;
    }
    size_t i = 0;
    while (i < n && strcmp(seen[i], reason) != 0) {
      i++;
    }
    if (i == n && n < sizeof(seen) / sizeof(seen[0])) {
      seen[n] = reason;
      counts[n++] = 0;
    }
    if (i < n) {
      counts[i]++;
    }
  }
  for (size_t i = 0; i < n; i++) {
    inspect_buf_puts(out, i ? " " : "");
    inspect_buf_puts(out, "<span class=\"reason\">");
    view_html_text(out, seen[i]);
    inspect_buf_printf(out, "</span>\xC3\x97%d", counts[i]);
  }
}

static const char *who_class(const char *who) {
  if (strcmp(who, "none") == 0) {
    return "who-none";
  }
  if (strcmp(who, "client") == 0 || strcmp(who, "origin") == 0) {
    return "who-peer";
  }
  return "who-profile";
}

// Rows.
static void time_of_day(const view_record_t *rec, char out[16]) {
  const char *ts = str_or(rec->root, "@timestamp", "");
  const char *t = strchr(ts, 'T');
  snprintf(out, 16, "%.12s", t != NULL ? t + 1 : ts);
  char *z = strchr(out, 'Z');
  if (z != NULL) {
    *z = '\0';
  }
}

void view_row_html(const view_record_t *rec, uint64_t id, inspect_buf_t *out) {
  const char *who = view_record_rejected_by(rec);
  char tod[16];
  time_of_day(rec, tod);
  inspect_buf_printf(out, "<tr class=\"row\" id=\"r-%llu\" data-id=\"%llu\" data-rejected-by=\"",
                     (unsigned long long)id, (unsigned long long)id);
  view_html_text(out, who);
  inspect_buf_puts(out, "\" data-rejecting=\"");
  const view_json_t *all = verdicts(rec);
  int n = 0;
  for (const view_json_t *v = all != NULL ? all->child : NULL; v != NULL; v = v->next) {
    if (!verdict_accepts(v) && view_json_str(v, "profile") != NULL) {
      inspect_buf_puts(out, n++ ? " " : "");
      view_html_text(out, view_json_str(v, "profile"));
    }
  }
  inspect_buf_puts(out, "\" data-host=\"");
  view_html_text(out, view_json_str(rec->root, "destination.address"));
  inspect_buf_puts(out, "\" data-sni=\"");
  view_html_text(out, view_json_str(rec->root, "tls.client.server_name"));
  inspect_buf_puts(out, "\"><td class=\"t\">");
  view_html_text(out, tod);
  inspect_buf_printf(out, "</td><td class=\"host\"><a href=\"#c-%llu\">", (unsigned long long)id);
  view_html_text(out, record_name(rec));
  inspect_buf_puts(out, "</a>");
  if (view_json_str(rec->root, "tls.client.server_name") == NULL) {
    inspect_buf_puts(out, " <span class=\"tag\">no SNI</span>");
  }
  inspect_buf_printf(out, "</td><td><span class=\"who %s\">", who_class(who));
  view_html_text(out, strcmp(who, "none") == 0 ? "accepted" : who);
  inspect_buf_puts(out, "</span></td><td class=\"reasons\">");
  reasons_summary(rec, out);
  inspect_buf_puts(out, "</td><td class=\"status\">");
  double status = view_json_num(rec->root, "http.response.status_code", 0);
  if (status > 0) {
    inspect_buf_printf(out, "%d", (int)status);
  }
  inspect_buf_puts(out, "</td><td class=\"sum\">");
  view_html_text(out, str_or(rec->root, "tlsmirror.summary", ""));
  inspect_buf_puts(out, "</td></tr>");
}

void view_row_json(const view_record_t *rec, uint64_t id, inspect_buf_t *out) {
  inspect_buf_printf(out, "{\"id\":%llu,\"rejected_by\":", (unsigned long long)id);
  inspect_buf_json_string(out, view_record_rejected_by(rec));
  inspect_buf_puts(out, ",\"rejecting\":[");
  const view_json_t *all = verdicts(rec);
  int n = 0;
  for (const view_json_t *v = all != NULL ? all->child : NULL; v != NULL; v = v->next) {
    if (!verdict_accepts(v) && view_json_str(v, "profile") != NULL) {
      inspect_buf_puts(out, n++ ? "," : "");
      inspect_buf_json_string(out, view_json_str(v, "profile"));
    }
  }
  inspect_buf_puts(out, "],\"host\":");
  inspect_buf_json_string(out, view_json_str(rec->root, "destination.address"));
  inspect_buf_puts(out, ",\"sni\":");
  inspect_buf_json_string(out, view_json_str(rec->root, "tls.client.server_name"));
  inspect_buf_t html;
  inspect_buf_init(&html, 1 << 20);
  view_row_html(rec, id, &html);
  inspect_buf_puts(out, ",\"html\":");
  inspect_buf_json_string(out, html.data != NULL ? html.data : "");
  inspect_buf_cleanup(&html);
  inspect_buf_puts(out, "}");
}

// Sections of a connection.
static void section_head(inspect_buf_t *out, const char *title) {
  inspect_buf_puts(out, "<h3>");
  view_html_text(out, title);
  inspect_buf_puts(out, "</h3>");
}

static void timeline(inspect_buf_t *out, const view_record_t *rec) {
  static const struct {
    const char *key, *label;
  } kPhases[] = {
      {"client_hello", "ClientHello received"},
      {"origin_connected", "origin connected"},
      {"origin_handshake", "origin handshake done"},
      {"client_handshake", "client handshake done"},
      {"first_request", "first request"},
      {"closed", "closed"},
  };
  const view_json_t *tl = view_json_get(rec->root, "tlsmirror.timeline");
  double end = view_json_num(rec->root, "event.duration", 0) / 1e6;
  end = view_json_num(tl, "closed", end);
  section_head(out, "Timeline");
  if (tl == NULL || end <= 0) {
    inspect_buf_puts(out, "<p class=\"muted\">Not recorded.</p>");
    return;
  }
  inspect_buf_puts(out, "<table class=\"timeline\"><tr><td>accepted</td><td class=\"num\">0.000 ms</td><td></td></tr>");
  double prev = 0;
  for (size_t i = 0; i < sizeof(kPhases) / sizeof(kPhases[0]); i++) {
    double t = view_json_num(tl, kPhases[i].key, -1);
    if (t < 0 || !isfinite(t)) {
      continue;
    }
    double x = prev / end * 1000, w = (t - prev) / end * 1000;
    inspect_buf_printf(out,
                       "<tr><td>%s</td><td class=\"num\">%.3f ms</td><td class=\"bar\"><svg viewBox=\"0 0 1000 10\" "
                       "preserveAspectRatio=\"none\"><rect class=\"span\" x=\"%.1f\" y=\"1\" width=\"%.1f\" "
                       "height=\"8\"></rect></svg></td></tr>",
                       kPhases[i].label, t, x < 0 ? 0 : x, w < 2 ? 2 : w);
    prev = t > prev ? t : prev;
  }
  inspect_buf_puts(out, "</table>");
}

static void verdict_table(inspect_buf_t *out, const view_json_t *all, const char *who) {
  inspect_buf_puts(out,
                   "<table class=\"verdicts\"><thead><tr><th>Profile</th><th>Verdict</th><th>Reason</th><th>What the "
                   "platform says</th><th>What its user sees</th></tr></thead><tbody>");
  for (const view_json_t *v = all->child; v != NULL; v = v->next) {
    int ok = verdict_accepts(v);
    const char *profile = str_or(v, "profile", "?");
    inspect_buf_printf(out, "<tr class=\"%s%s\" data-profile=\"", ok ? "accept" : "reject",
                       who != NULL && strcmp(who, profile) == 0 ? " decisive" : "");
    view_html_text(out, profile);
    inspect_buf_puts(out, "\"><td><b>");
    view_html_text(out, profile);
    inspect_buf_puts(out, "</b><br><small>");
    view_html_text(out, view_json_str(v, "platform"));
    inspect_buf_printf(out, "</small></td><td class=\"verdict\">%s</td><td class=\"reason\">",
                       ok ? "\xE2\x9C\x93 accepts" : "\xE2\x9C\x97 rejects");
    view_html_text(out, view_json_str(v, "reason"));
    inspect_buf_puts(out, "</td><td>");
    view_html_text(out, ok ? "" : view_json_str(v, "message"));
    inspect_buf_puts(out, "</td><td>");
    view_html_text(out, ok ? "" : view_json_str(v, "effect"));
    inspect_buf_puts(out, "</td></tr>");
  }
  inspect_buf_puts(out, "</tbody></table>");
}

static void findings(inspect_buf_t *out, const view_json_t *f) {
  if (f == NULL || f->len == 0) {
    return;
  }
  inspect_buf_puts(out, "<ul class=\"findings\">");
  for (const view_json_t *i = f->child; i != NULL; i = i->next) {
    inspect_buf_puts(out, "<li>");
    view_html_badge(out, view_severity_class(view_json_str(i, "severity")), str_or(i, "code", "?"));
    int idx = (int)view_json_num(i, "cert_index", -1);
    if (idx >= 0) {
      inspect_buf_printf(out, " <span class=\"muted\">#%d</span>", idx);
    }
    inspect_buf_puts(out, " ");
    view_html_text(out, view_json_str(i, "detail"));
    inspect_buf_puts(out, "</li>");
  }
  inspect_buf_puts(out, "</ul>");
}

static void string_list(inspect_buf_t *out, const view_json_t *list, const char *chosen) {
  if (list == NULL || list->type != VIEW_JSON_ARRAY || list->len == 0) {
    inspect_buf_puts(out, "<span class=\"muted\">\xE2\x80\x94</span>");
    return;
  }
  int n = 0;
  for (const view_json_t *i = list->child; i != NULL; i = i->next) {
    if (i->type != VIEW_JSON_STRING) {
      continue;
    }
    int hit = chosen != NULL && strcmp(i->str, chosen) == 0;
    inspect_buf_puts(out, n++ ? " " : "");
    inspect_buf_puts(out, hit ? "<span class=\"item chosen\">" : "<span class=\"item\">");
    view_html_text(out, i->str);
    inspect_buf_puts(out, "</span>");
  }
}

static void cell(inspect_buf_t *out, const char *text) {
  inspect_buf_puts(out, "<td>");
  if (text != NULL) {
    view_html_text(out, text);
  } else {
    inspect_buf_puts(out, "<span class=\"muted\">\xE2\x80\x94</span>");
  }
  inspect_buf_puts(out, "</td>");
}

static const char *with_tls(const char *v, char *buf, size_t len) {
  if (v == NULL) {
    return NULL;
  }
  snprintf(buf, len, "TLS %s", v);
  return buf;
}

static void offer(inspect_buf_t *out, const view_record_t *rec) {
  const view_json_t *r = rec->root;
  char a[32], b[32];
  const char *origin_version = view_json_str(r, "tlsmirror.origin.version");
  section_head(out, "The client's offer, the origin's choice");
  inspect_buf_puts(out,
                   "<table class=\"offer\"><thead><tr><th></th><th>Client offered</th><th>Origin chose</th>"
                   "<th>Client got</th></tr></thead><tbody><tr><th>SNI</th><td>");
  const char *sni = view_json_str(r, "tls.client.server_name");
  if (sni != NULL) {
    view_html_text(out, sni);
  } else {
    inspect_buf_puts(out, "<b>none sent</b>");
  }
  inspect_buf_puts(out, "</td><td></td><td></td></tr><tr><th>Versions</th><td>");
  char chosen[32];
  snprintf(chosen, sizeof(chosen), "TLSv%s", origin_version != NULL ? origin_version : "?");
  string_list(out, view_json_get(r, "tlsmirror.client_hello.versions"), chosen);
  inspect_buf_puts(out, "</td>");
  cell(out, with_tls(origin_version, a, sizeof(a)));
  cell(out, with_tls(view_json_str(r, "tls.version"), b, sizeof(b)));
  const view_json_t *ciphers = view_json_get(r, "tls.client.supported_ciphers");
  inspect_buf_printf(out, "</tr><tr><th>Cipher suites</th><td><details><summary>%zu offered</summary>",
                     ciphers != NULL ? ciphers->len : 0);
  string_list(out, ciphers, view_json_str(r, "tlsmirror.origin.cipher"));
  inspect_buf_puts(out, "</details></td>");
  cell(out, view_json_str(r, "tlsmirror.origin.cipher"));
  cell(out, view_json_str(r, "tls.cipher"));
  inspect_buf_puts(out, "</tr><tr><th>ALPN</th><td>");
  string_list(out, view_json_get(r, "tlsmirror.client_hello.alpn"), view_json_str(r, "tlsmirror.origin.next_protocol"));
  inspect_buf_puts(out, "</td>");
  cell(out, view_json_str(r, "tlsmirror.origin.next_protocol"));
  cell(out, view_json_str(r, "tls.next_protocol"));
  inspect_buf_puts(out, "</tr><tr><th>Groups</th><td>");
  string_list(out, view_json_get(r, "tlsmirror.client_hello.groups"), NULL);
  inspect_buf_puts(out, "</td><td></td><td></td></tr><tr><th>Handshake</th><td>JA3 <span class=\"mono\">");
  view_html_text(out, view_json_str(r, "tls.client.ja3"));
  inspect_buf_puts(out, "</span><br>JA4 <span class=\"mono\">");
  view_html_text(out, view_json_str(r, "tls.client.ja4"));
  inspect_buf_puts(out, "</span></td><td>");
  view_html_text(out, view_json_str(r, "tlsmirror.origin.handshake"));
  const char *alert = view_json_str(r, "tlsmirror.origin.alert.name");
  if (alert != NULL) {
    inspect_buf_puts(out, "<br>alert: <b>");
    view_html_text(out, alert);
    inspect_buf_puts(out, "</b>");
  }
  if (view_json_str(r, "tlsmirror.origin.detail") != NULL) {
    inspect_buf_puts(out, "<br>");
    view_html_text(out, view_json_str(r, "tlsmirror.origin.detail"));
  }
  inspect_buf_puts(out, "</td><td>served: ");
  view_html_text(out, str_or(r, "tlsmirror.client.served", "?"));
  const char *received = view_json_str(r, "tlsmirror.client.alert_received.name");
  if (received != NULL) {
    inspect_buf_puts(out, "<br>client's alert: <b>");
    view_html_text(out, received);
    inspect_buf_puts(out, "</b>");
  }
  inspect_buf_printf(out, "<br>established: %s</td></tr></tbody></table>",
                     view_json_num(r, "tls.established", 0) != 0 ? "yes" : "no");
}

static void http_section(inspect_buf_t *out, const view_record_t *rec) {
  const view_json_t *r = rec->root;
  section_head(out, "HTTP");
  if (view_json_get(r, "http") == NULL) {
    inspect_buf_puts(out, "<p class=\"muted\">No request.</p>");
    return;
  }
  inspect_buf_puts(out, "<table class=\"http\"><tbody><tr><th>Request</th><td class=\"mono\">");
  view_html_text(out, view_json_str(r, "http.request.method"));
  inspect_buf_puts(out, " ");
  view_html_text(out, view_json_str(r, "url.original"));
  inspect_buf_puts(out, "</td></tr><tr><th>Status</th><td>");
  double status = view_json_num(r, "http.response.status_code", 0);
  if (status > 0) {
    inspect_buf_printf(out, "<b class=\"%s\">%d</b>", status >= 400 ? "bad" : "ok", (int)status);
  }
  inspect_buf_printf(out, " (%d request%s, %d response%s)</td></tr>", (int)view_json_num(r, "http.requests", 0),
                     view_json_num(r, "http.requests", 0) == 1 ? "" : "s", (int)view_json_num(r, "http.responses", 0),
                     view_json_num(r, "http.responses", 0) == 1 ? "" : "s");
  const view_json_t *headers = view_json_get(r, "http.request.headers");
  for (const view_json_t *h = headers != NULL ? headers->child : NULL; h != NULL; h = h->next) {
    inspect_buf_puts(out, "<tr><th class=\"hdr\">");
    view_html_text(out, h->key);
    inspect_buf_puts(out, "</th><td class=\"mono\">");
    view_html_text(out, h->type == VIEW_JSON_STRING ? h->str : "");
    inspect_buf_puts(out, "</td></tr>");
  }
  inspect_buf_puts(out, "</tbody></table>");
}

// Shell quoting for the inspect command.
static void shell_word(inspect_buf_t *out, const char *w) {
  if (w[0] != '\0' &&
      strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]/=,@") == strlen(w)) {
    inspect_buf_puts(out, w);
    return;
  }
  inspect_buf_puts(out, "'");
  for (const char *p = w; *p; p++) {
    if (*p == '\'') {
      inspect_buf_puts(out, "'\\''");
    } else {
      inspect_buf_append(out, p, 1);
    }
  }
  inspect_buf_puts(out, "'");
}

// inspect_command writes the `tlsmirror inspect` that judges the same origin
// with the same SNI (unescaped text).
static void inspect_command(inspect_buf_t *out, const view_record_t *rec) {
  const view_json_t *r = rec->root;
  const char *host = view_json_str(r, "destination.address");
  const char *ip = view_json_str(r, "destination.ip");
  int port = (int)view_json_num(r, "destination.port", 443);
  const char *sni = view_json_str(r, "tls.client.server_name");
  char target[320];
  inspect_buf_puts(out, "tlsmirror inspect ");
  if (host == NULL) {  // a chain read from a file (inspect --html)
    shell_word(out, str_or(r, "tlsmirror.target", sni != NULL ? sni : "HOST"));
    return;
  }
  snprintf(target, sizeof(target), port == 443 ? "%s" : "%s:%d", host, port);
  shell_word(out, target);
  if (ip != NULL && strcmp(ip, host) != 0) {
    snprintf(target, sizeof(target), "%s:%d:%s", host, port, ip);
    inspect_buf_puts(out, " --resolve ");
    shell_word(out, target);
  }
  if (sni == NULL) {
    inspect_buf_puts(out, " --no-sni");
  } else if (strcmp(sni, host) != 0) {
    inspect_buf_puts(out, " --sni ");
    shell_word(out, sni);
  }
}

void view_conn_html(const view_record_t *rec, uint64_t id, inspect_buf_t *out) {
  const view_json_t *r = rec->root;
  const char *who = view_record_rejected_by(rec);
  int64_t at = record_time(rec);
  inspect_buf_printf(out, "<section class=\"conn\" id=\"c-%llu\" data-id=\"%llu\"><header class=\"conn-head\"><h2>",
                     (unsigned long long)id, (unsigned long long)id);
  view_html_text(out, record_name(rec));
  inspect_buf_printf(out, " <span class=\"who %s\">", who_class(who));
  if (strcmp(who, "none") == 0) {
    inspect_buf_puts(out, "accepted");
  } else {
    inspect_buf_puts(out, "rejected by ");
    view_html_text(out, who);
  }
  inspect_buf_puts(out, "</span></h2><p class=\"meta\">");
  view_html_text(out, view_json_str(r, "@timestamp"));
  inspect_buf_puts(out, " \xC2\xB7 from ");
  view_html_text(out, view_json_str(r, "source.ip"));
  inspect_buf_printf(out, ":%d", (int)view_json_num(r, "source.port", 0));
  if (view_json_str(r, "destination.address") != NULL) {
    inspect_buf_puts(out, " \xC2\xB7 to ");
    view_html_text(out, view_json_str(r, "destination.address"));
    inspect_buf_printf(out, ":%d", (int)view_json_num(r, "destination.port", 0));
  }
  inspect_buf_puts(out, "</p><p class=\"summary\">");
  view_html_text(out, view_json_str(r, "tlsmirror.summary"));
  inspect_buf_puts(out, "</p><div class=\"actions\"><code class=\"cmd\">");
  inspect_buf_t cmd;
  inspect_buf_init(&cmd, 1 << 16);
  inspect_command(&cmd, rec);
  view_html_text(out, cmd.data);
  inspect_buf_cleanup(&cmd);
  inspect_buf_printf(
      out,
      "</code> <button type=\"button\" class=\"copy\" data-action=\"copy\">Copy inspect command</button> "
      "<button type=\"button\" data-action=\"download\" data-name=\"tlsmirror-%llu.json\">Download "
      "JSON</button></div></header>",
      (unsigned long long)id);
  timeline(out, rec);
  section_head(out, "Certificate chains");
  inspect_buf_puts(out, "<div class=\"chains\">");
  const view_json_t *origin = view_json_get(r, "tls.server.certificate_chain");
  view_judged_t judged = {view_json_get(r, "tlsmirror.findings"), verdicts(rec), at};
  view_chain_panel(out, &judged, "Origin sent", NULL, origin);
  const view_json_t *mirror = view_json_get(r, "tlsmirror.mirror.certificate_chain");
  const char *served = str_or(r, "tlsmirror.client.served", "nothing");
  if (mirror != NULL) {
    // The mirror keeps the origin chain's shape: the same findings mark it.
    view_chain_panel(out, &judged, "Client got",
                     strcmp(served, "mirror") == 0 ? "mirrored: same shape, re-signed" : served, mirror);
  } else {
    inspect_buf_puts(out, "<div class=\"chain\"><h4>Client got</h4><p class=\"muted\">");
    view_html_text(out, strcmp(served, "alert") == 0      ? "a fatal alert, as the origin sent"
                        : strcmp(served, "stand-in") == 0 ? "a stand-in certificate from tlsmirror itself"
                        : strcmp(served, "nothing") == 0  ? "no certificate"
                                                          : "not recorded");
    inspect_buf_puts(out, "</p></div>");
  }
  inspect_buf_puts(out, "</div>");
  findings(out, view_json_get(r, "tlsmirror.findings"));
  const view_json_t *all = verdicts(rec);
  section_head(out, "Verdicts");
  if (all != NULL) {
    verdict_table(out, all, who);
  } else {
    inspect_buf_puts(out, "<p class=\"muted\">No verdicts: the origin was never reached.</p>");
  }
  const view_json_t *client_verdicts = view_json_get(r, "tlsmirror.client_certificate.verdicts");
  if (client_verdicts != NULL && client_verdicts->type == VIEW_JSON_ARRAY) {
    section_head(out, "Client certificate (mutual TLS)");
    view_judged_t client = {view_json_get(r, "tlsmirror.client_certificate.findings"), client_verdicts, at};
    view_chain_panel(out, &client, "Client sent", NULL, view_json_get(r, "tls.client.certificate_chain"));
    verdict_table(out, client_verdicts, who);
  }
  offer(out, rec);
  http_section(out, rec);
  inspect_buf_puts(out, "<details class=\"raw\"><summary>The record (JSON)</summary><pre class=\"json\">");
  view_html_text(out, rec->text);
  inspect_buf_puts(out, "</pre></details></section>");
}
