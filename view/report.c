// The self-contained report: the page (index.html) with its CSS and script
// inlined, the counts, the rows and every connection opened, rendered here
// so that the list, the chains and the verdicts read without JavaScript.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view_internal.h"

#define REPORT_MAX_OUTCOMES 64

typedef struct {
  char name[64];
  size_t count;
} outcome_t;

struct view_report_st {
  char title[256];
  size_t limit;
  view_record_t **kept;  // a ring of the newest `limit` records
  uint64_t *lines;       // their line numbers (the id in links)
  size_t next, num_kept;
  uint64_t line;
  size_t records;
  size_t skipped[8];  // by error, VIEW_E* - VIEW_ENOMEM
  uint64_t first_line[8];
  outcome_t outcomes[REPORT_MAX_OUTCOMES];
  size_t num_outcomes;
};

const view_asset_t *view_asset_find(const char *name) {
  for (const view_asset_t *a = view_assets; a->name != NULL; a++) {
    if (strcmp(a->name, name) == 0) {
      return a;
    }
  }
  return NULL;
}

view_report_t *view_report_new(const char *title, size_t limit) {
  view_report_t *r = calloc(1, sizeof(*r));
  if (r == NULL || limit == 0) {
    free(r);
    return NULL;
  }
  snprintf(r->title, sizeof(r->title), "%s", title);
  r->limit = limit;
  r->kept = calloc(limit, sizeof(*r->kept));
  r->lines = calloc(limit, sizeof(*r->lines));
  if (r->kept == NULL || r->lines == NULL) {
    view_report_free(r);
    return NULL;
  }
  return r;
}

void view_report_free(view_report_t *r) {
  if (r == NULL) {
    return;
  }
  for (size_t i = 0; r->kept != NULL && i < r->limit; i++) {
    view_record_free(r->kept[i]);
  }
  free(r->kept);
  free(r->lines);
  free(r);
}

static void count_skip(view_report_t *r, int err) {
  size_t k = (size_t)(VIEW_ENOMEM - err);
  if (k < sizeof(r->skipped) / sizeof(r->skipped[0])) {
    if (r->skipped[k]++ == 0) {
      r->first_line[k] = r->line;
    }
  }
}

static void count_outcome(view_report_t *r, const char *who) {
  size_t i = 0;
  while (i < r->num_outcomes && strcmp(r->outcomes[i].name, who) != 0) {
    i++;
  }
  if (i == r->num_outcomes) {
    if (r->num_outcomes == REPORT_MAX_OUTCOMES) {
      return;
    }
    snprintf(r->outcomes[r->num_outcomes++].name, sizeof(r->outcomes[0].name), "%s", who);
  }
  r->outcomes[i].count++;
}

int view_report_add(view_report_t *r, const char *line, size_t len) {
  r->line++;
  size_t blank = 0;
  while (blank < len && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r' || line[blank] == '\n')) {
    blank++;
  }
  if (blank == len) {
    return 0;  // blank lines are not records and not worth a note
  }
  view_record_t *rec;
  int err = view_record_parse(line, len, &rec);
  if (err != 0) {
    count_skip(r, err);
    return err;
  }
  r->records++;
  count_outcome(r, view_record_rejected_by(rec));
  view_record_free(r->kept[r->next]);
  r->kept[r->next] = rec;
  r->lines[r->next] = r->line;
  r->next = (r->next + 1) % r->limit;
  if (r->num_kept < r->limit) {
    r->num_kept++;
  }
  return 0;
}

void view_report_add_long(view_report_t *r) {
  r->line++;
  count_skip(r, VIEW_ETOO_LONG);
}

size_t view_report_num_records(const view_report_t *r) { return r->records; }
size_t view_report_num_kept(const view_report_t *r) { return r->num_kept; }

size_t view_report_num_skipped(const view_report_t *r) {
  size_t n = 0;
  for (size_t k = 0; k < sizeof(r->skipped) / sizeof(r->skipped[0]); k++) {
    n += r->skipped[k];
  }
  return n;
}

// The pieces that replace the page's markers.
typedef struct {
  const view_report_t *r;
  inspect_buf_t *out;
  int (*write)(void *arg, const char *data, size_t len);
  void *arg;
  int err;
} writer_t;

// flush hands what was rendered to the caller; large reports stream out.
static void flush(writer_t *w, int force) {
  if (w->err == 0 && w->out->len > 0 && (force || w->out->len > (1 << 20))) {
    w->err = w->out->failed ? VIEW_ENOMEM : w->write(w->arg, w->out->data, w->out->len);
    inspect_buf_reset(w->out);
    w->out->failed = 0;
  }
}

// Newest first, as the live list shows them.
static const view_record_t *nth_newest(const view_report_t *r, size_t k, uint64_t *line) {
  size_t i = (r->next + r->limit - 1 - k) % r->limit;
  *line = r->lines[i];
  return r->kept[i];
}

static void put_asset(writer_t *w, const char *name) {
  const view_asset_t *a = view_asset_find(name);
  if (a != NULL) {
    inspect_buf_append(w->out, a->data, a->len);
  }
}

static void put_notes(writer_t *w) {
  const view_report_t *r = w->r;
  size_t skipped = view_report_num_skipped(r);
  if (skipped == 0 && r->num_kept == r->records) {
    return;
  }
  inspect_buf_puts(w->out, "<p class=\"notes\">");
  if (r->num_kept < r->records) {
    inspect_buf_printf(w->out, "%zu records read; this report shows the newest %zu. ", r->records, r->num_kept);
  }
  for (size_t k = 0; k < sizeof(r->skipped) / sizeof(r->skipped[0]); k++) {
    if (r->skipped[k] > 0) {
      inspect_buf_printf(w->out, "%zu line%s skipped (first: line %llu): ", r->skipped[k],
                         r->skipped[k] == 1 ? "" : "s", (unsigned long long)r->first_line[k]);
      view_html_text(w->out, view_strerror(VIEW_ENOMEM - (int)k));
      inspect_buf_puts(w->out, " ");
    }
  }
  inspect_buf_puts(w->out, "</p>");
}

static void put_counts(writer_t *w) {
  const view_report_t *r = w->r;
  for (size_t i = 0; i < r->num_outcomes; i++) {
    const char *name = r->outcomes[i].name;
    inspect_buf_puts(w->out, "<span class=\"count\" data-rejected-by=\"");
    view_html_text(w->out, name);
    inspect_buf_puts(w->out, "\">");
    if (strcmp(name, "none") == 0) {
      inspect_buf_puts(w->out, "accepted");
    } else {
      inspect_buf_puts(w->out, "rejected by ");
      view_html_text(w->out, name);
    }
    inspect_buf_printf(w->out, "<b>%zu</b></span>", r->outcomes[i].count);
  }
}

static void put_records(writer_t *w, int rows) {
  const view_report_t *r = w->r;
  if (r->num_kept == 0 && !rows) {
    inspect_buf_puts(w->out, "<p class=\"empty\">No connection records.</p>");
  }
  for (size_t k = 0; k < r->num_kept && w->err == 0; k++) {
    uint64_t line;
    const view_record_t *rec = nth_newest(r, k, &line);
    if (rows) {
      view_row_html(rec, line, w->out);
    } else {
      view_conn_html(rec, line, w->out);
    }
    flush(w, 0);
  }
}

int view_report_write(const view_report_t *r, int (*write)(void *arg, const char *data, size_t len), void *arg) {
  static const char *const kMarkers[] = {
      "<link rel=\"stylesheet\" href=\"style.css\">",
      "<script src=\"app.js\"></script>",
      "<!--@mode-->",
      "<!--@subtitle-->",
      "<!--@notes-->",
      "<!--@counts-->",
      "<!--@rows-->",
      "<!--@conns-->",
  };
  inspect_buf_t out;
  inspect_buf_init(&out, INSPECT_BUF_DEFAULT_MAX);
  writer_t w = {.r = r, .out = &out, .write = write, .arg = arg};
  const view_asset_t *page = view_asset_find("index.html");
  const char *p = page != NULL ? (const char *)page->data : "";
  while (w.err == 0) {
    const char *hit = NULL;
    size_t which = 0;
    for (size_t i = 0; i < sizeof(kMarkers) / sizeof(kMarkers[0]); i++) {
      const char *at = strstr(p, kMarkers[i]);
      if (at != NULL && (hit == NULL || at < hit)) {
        hit = at;
        which = i;
      }
    }
    if (hit == NULL) {
      inspect_buf_puts(&out, p);
      break;
    }
    inspect_buf_append(&out, p, (size_t)(hit - p));
    p = hit + strlen(kMarkers[which]);
    switch (which) {
      case 0:
        inspect_buf_puts(&out, "<style>\n");
        put_asset(&w, "style.css");
        inspect_buf_puts(&out, "</style>");
        break;
      case 1:
        inspect_buf_puts(&out, "<script>\n");
        put_asset(&w, "app.js");
        inspect_buf_puts(&out, "</script>");
        break;
      case 2: inspect_buf_puts(&out, "<meta name=\"tlsmirror-mode\" content=\"report\">"); break;
      case 3:
        view_html_text(&out, r->title);
        inspect_buf_printf(&out, " \xC2\xB7 %zu connection%s", r->records, r->records == 1 ? "" : "s");
        break;
      case 4: put_notes(&w); break;
      case 5: put_counts(&w); break;
      default: put_records(&w, which == 6); break;
    }
    flush(&w, 0);
  }
  flush(&w, 1);
  inspect_buf_cleanup(&out);
  return w.err;
}
