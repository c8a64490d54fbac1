// A chain as the connection view draws it (see render.c): each certificate
// a card, the verified path as a strip of links, the findings as badges.
//
// A chain as sent, each certificate parsed from its PEM, with the verified
// path built over the certificates sent: from the leaf, each step to a sent
// certificate whose key signed it, until a self-signed one or none.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view_internal.h"

#define CHAIN_MAX INSPECT_CHAIN_MAX

typedef struct {
  const char *pem;
  inspect_cert_t *cert;  // NULL: not a certificate
  const inspect_cert_info_t *info;
  int issuer;  // sent index of its issuer, -1 if none was sent
  int path;    // position on the verified path (0 = leaf), -1 off it
  int dup_of;  // sent index of an identical earlier certificate, -1
} chain_cert_t;

typedef struct {
  chain_cert_t certs[CHAIN_MAX];
  int num;
  int path[CHAIN_MAX];  // sent indexes, leaf first
  int path_len;
  int top_self_signed;  // the path ends at a self-signed certificate that was sent
} chain_t;

static void chain_load(chain_t *c, const view_json_t *pems) {
  memset(c, 0, sizeof(*c));
  for (const view_json_t *p = pems != NULL ? pems->child : NULL; p != NULL && c->num < CHAIN_MAX; p = p->next) {
    chain_cert_t *cc = &c->certs[c->num++];
    cc->pem = p->type == VIEW_JSON_STRING ? p->str : "";
    cc->issuer = cc->path = cc->dup_of = -1;
    inspect_chain_t *one = inspect_chain_new();
    if (one != NULL && inspect_chain_load(one, (const uint8_t *)cc->pem, strlen(cc->pem), NULL) == INSPECT_OK &&
        inspect_chain_num(one) == 1) {
      cc->cert = (inspect_cert_t *)inspect_chain_get0(one, 0);
      inspect_cert_up_ref(cc->cert);
      cc->info = inspect_cert_get0_info(cc->cert);
    }
    inspect_chain_free(one);
  }
  for (int i = 0; i < c->num; i++) {
    chain_cert_t *a = &c->certs[i];
    for (int j = 0; a->info != NULL && j < i && a->dup_of < 0; j++) {
      if (c->certs[j].info != NULL && memcmp(c->certs[j].info->sha256, a->info->sha256, 32) == 0) {
        a->dup_of = j;
      }
    }
    // Its issuer: the first other sent certificate (not a duplicate) whose
    // subject is its issuer and whose key verifies its signature.
    for (int j = 0; a->info != NULL && j < c->num && a->issuer < 0; j++) {
      const chain_cert_t *b = &c->certs[j];
      if (j != i && b->info != NULL && b->dup_of < 0 && strcmp(a->info->issuer, b->info->subject) == 0 &&
          inspect_cert_is_issued_by(a->cert, b->cert)) {
        a->issuer = j;
      }
    }
  }
  for (int cur = c->num > 0 && c->certs[0].info != NULL ? 0 : -1; cur >= 0 && c->path_len < c->num;) {
    chain_cert_t *cc = &c->certs[cur];
    if (cc->path >= 0) {
      break;  // a loop (two cross-signed CAs)
    }
    cc->path = c->path_len;
    c->path[c->path_len++] = cur;
    if (inspect_cert_is_self_signed(cc->cert)) {
      c->top_self_signed = 1;
      break;
    }
    cur = cc->issuer;
  }
}

static void chain_free(chain_t *c) {
  for (int i = 0; i < c->num; i++) {
    inspect_cert_free(c->certs[i].cert);
  }
}

// Findings about one certificate (by sent index), or the chain (-1).
static int finding_has(const view_json_t *f, int index, const char *code) {
  for (const view_json_t *i = f != NULL ? f->child : NULL; i != NULL; i = i->next) {
    const char *c = view_json_str(i, "code");
    if (c != NULL && strcmp(c, code) == 0 && (index == -2 || (int)view_json_num(i, "cert_index", -1) == index)) {
      return 1;
    }
  }
  return 0;
}

static int missing_intermediate(const view_judged_t *j) {
  if (finding_has(j->findings, -2, "MISSING_INTERMEDIATE")) {
    return 1;
  }
  const view_json_t *all = j->verdicts;
  for (const view_json_t *v = all != NULL ? all->child : NULL; v != NULL; v = v->next) {
    const char *r = view_json_str(v, "reason");
    if (r != NULL && strcmp(r, "MISSING_INTERMEDIATE") == 0) {
      return 1;
    }
  }
  return 0;
}

static const char *short_name(const inspect_cert_info_t *info) {
  if (info->common_name != NULL) {
    return info->common_name;
  }
  return info->num_dns_names > 0 ? info->dns_names[0] : info->subject;
}

// The issuer's CN from a DN ("CN=x,O=y" -> "x"), for the ghost of a certificate not sent.
static void dn_cn(const char *dn, char *out, size_t len) {
  const char *cn = strstr(dn, "CN=");
  if (cn == NULL) {
    snprintf(out, len, "%s", dn);
    return;
  }
  cn += 3;
  size_t n = 0;
  while (cn[n] != '\0' && !(cn[n] == ',' && (n == 0 || cn[n - 1] != '\\'))) {
    n++;
  }
  snprintf(out, len, "%.*s", (int)n, cn);
}

static void validity(inspect_buf_t *out, const inspect_cert_info_t *info, int64_t at) {
  char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(info->not_before, nb);
  inspect_time_format_rfc3339(info->not_after, na);
  const char *cls = at < info->not_before || at > info->not_after ? "bad" : "ok";
  inspect_buf_printf(out, "<dt>Valid</dt><dd class=\"%s\">%s \xE2\x86\x92 %s<br>", cls, nb, na);
  if (at == 0) {
    return;
  }
  if (at > info->not_after) {
    inspect_buf_printf(out, "<b>expired</b> %lld days before this connection",
                       (long long)((at - info->not_after) / 86400));
  } else if (at < info->not_before) {
    inspect_buf_printf(out, "<b>not yet valid</b>: starts %lld days after this connection",
                       (long long)((info->not_before - at) / 86400));
  } else {
    inspect_buf_printf(out, "valid at this connection, %lld days left", (long long)((info->not_after - at) / 86400));
  }
  inspect_buf_puts(out, "</dd>");
}

static void card(inspect_buf_t *out, const view_judged_t *j, const chain_t *c, int i) {
  int64_t at = j->at;
  const chain_cert_t *cc = &c->certs[i];
  const inspect_cert_info_t *info = cc->info;
  int expired = info != NULL && at != 0 && (at > info->not_after || at < info->not_before);
  int off_path = info != NULL && cc->path < 0;
  int anchor = finding_has(j->findings, i, "ANCHOR_INCLUDED");
  inspect_buf_printf(out, "<div class=\"card%s%s%s%s\" data-sent=\"%d\">", expired ? " m-expired" : "",
                     off_path ? " m-off" : "", cc->path >= 0 && cc->path != i ? " m-order" : "",
                     anchor ? " m-anchor" : "", i);
  inspect_buf_printf(out, "<div class=\"card-head\"><span class=\"pos\">sent #%d</span>", i);
  if (cc->path >= 0) {
    inspect_buf_printf(out, "<span class=\"pos%s\">path %d</span>", cc->path != i ? " bad" : "", cc->path);
  }
  inspect_buf_puts(out, "<b class=\"cn\">");
  view_html_text(out, info != NULL ? short_name(info) : "not a certificate");
  inspect_buf_puts(out, "</b></div><div class=\"marks\">");
  if (info == NULL) {
    view_html_badge(out, "bad", "unparsable");
  } else {
    if (expired) {
      view_html_badge(out, "bad", at > info->not_after ? "EXPIRED" : "NOT YET VALID");
    }
    if (cc->dup_of >= 0) {
      char text[48];
      snprintf(text, sizeof(text), "DUPLICATE of #%d", cc->dup_of);
      view_html_badge(out, "bad", text);
    } else if (off_path) {
      view_html_badge(out, "bad", "UNRELATED: not on the path");
    }
    if (cc->path >= 0 && cc->path != i) {
      char text[48];
      snprintf(text, sizeof(text), "OUT OF ORDER: belongs at #%d", cc->path);
      view_html_badge(out, "bad", text);
    }
    if (anchor) {
      view_html_badge(out, "warn", "SENT ANCHOR");
    }
    if (info->is_ca) {
      view_html_badge(out, "info", "CA");
    }
    if (inspect_cert_is_self_signed(cc->cert)) {
      view_html_badge(out, "info", "self-signed");
    }
  }
  const view_json_t *f = j->findings;
  for (const view_json_t *fi = f != NULL ? f->child : NULL; fi != NULL; fi = fi->next) {
    if ((int)view_json_num(fi, "cert_index", -1) == i && view_json_str(fi, "code") != NULL) {
      view_html_badge(out, view_severity_class(view_json_str(fi, "severity")), view_json_str(fi, "code"));
    }
  }
  inspect_buf_puts(out, "</div>");
  if (info != NULL) {
    inspect_buf_puts(out, "<dl><dt>Subject</dt><dd>");
    view_html_text(out, info->subject);
    inspect_buf_puts(out, "</dd><dt>Issuer</dt><dd>");
    view_html_text(out, info->issuer);
    inspect_buf_puts(out, "</dd>");
    if (info->num_dns_names + info->num_ip_addrs > 0) {
      inspect_buf_puts(out, "<dt>Names</dt><dd class=\"names\">");
      size_t shown = 0;
      for (size_t k = 0; k < info->num_dns_names && shown < 8; k++, shown++) {
        inspect_buf_puts(out, shown ? ", " : "");
        view_html_text(out, info->dns_names[k]);
      }
      for (size_t k = 0; k < info->num_ip_addrs && shown < 8; k++, shown++) {
        inspect_buf_puts(out, shown ? ", " : "");
        view_html_text(out, info->ip_addrs[k]);
      }
      size_t all = info->num_dns_names + info->num_ip_addrs;
      if (all > shown) {
        inspect_buf_printf(out, " (+%zu more)", all - shown);
      }
      inspect_buf_puts(out, "</dd>");
    } else if (!info->is_ca) {
      inspect_buf_puts(out, "<dt>Names</dt><dd class=\"bad\">no subjectAltName</dd>");
    }
    validity(out, info, at);
    inspect_buf_puts(out, "<dt>Key</dt><dd>");
    view_html_text(out, info->key_desc);
    inspect_buf_puts(out, "</dd><dt>Signature</dt><dd>");
    view_html_text(out, info->sig_alg);
    inspect_buf_printf(out, "</dd><dt>SHA-256</dt><dd class=\"mono\">%.16s\xE2\x80\xA6</dd></dl>", info->sha256_hex);
  }
  inspect_buf_puts(out, "</div>");
}

// link says whether the next certificate sent issued this one: the arrow
// from issuer to subject, or the break a glance should find.
static void link(inspect_buf_t *out, const chain_t *c, int i) {
  const chain_cert_t *cc = &c->certs[i];
  if (cc->info == NULL || c->certs[i + 1].info == NULL) {
    return;
  }
  if (cc->issuer == i + 1) {
    inspect_buf_printf(out, "<div class=\"link ok\">\xE2\x86\x91 #%d issued #%d</div>", i + 1, i);
  } else if (cc->issuer >= 0) {
    inspect_buf_printf(out, "<div class=\"link bad\">\xE2\x9C\x97 #%d did not issue #%d: its issuer is #%d</div>",
                       i + 1, i, cc->issuer);
  } else if (!inspect_cert_is_self_signed(cc->cert)) {
    inspect_buf_printf(out, "<div class=\"link bad\">\xE2\x9C\x97 #%d did not issue #%d: its issuer was not sent</div>",
                       i + 1, i);
  } else {
    inspect_buf_printf(out, "<div class=\"link bad\">\xE2\x9C\x97 #%d did not issue #%d: #%d is self-signed</div>",
                       i + 1, i, i);
  }
}

static void path_chip(inspect_buf_t *out, const chain_t *c, int sent) {
  const chain_cert_t *cc = &c->certs[sent];
  inspect_buf_printf(out, "<span class=\"chip%s\">#%d ", cc->path != sent ? " m-order" : "", sent);
  view_html_text(out, short_name(cc->info));
  inspect_buf_puts(out, "</span>");
}

// path_strip draws the verified path from its anchor down to the leaf, each
// arrow from an issuer to what it signed.
static void path_strip(inspect_buf_t *out, const view_judged_t *j, const chain_t *c) {
  inspect_buf_puts(out, "<div class=\"path\"><span class=\"label\">Verified path</span>");
  if (c->path_len == 0) {
    inspect_buf_puts(out, "<span class=\"chip ghost\">no certificate</span></div>");
    return;
  }
  const chain_cert_t *top = &c->certs[c->path[c->path_len - 1]];
  if (!c->top_self_signed) {
    char cn[256];
    dn_cn(top->info->issuer, cn, sizeof(cn));
    if (missing_intermediate(j)) {
      inspect_buf_puts(out, "<span class=\"chip ghost missing\">MISSING: ");
    } else {
      inspect_buf_puts(out, "<span class=\"chip ghost\">anchor, not sent: ");
    }
    view_html_text(out, cn);
    inspect_buf_puts(out, "</span><span class=\"arrow\">\xE2\x86\x92</span>");
  }
  for (int k = c->path_len - 1; k >= 0; k--) {
    path_chip(out, c, c->path[k]);
    if (k > 0) {
      inspect_buf_puts(out, "<span class=\"arrow\">\xE2\x86\x92</span>");
    }
  }
  inspect_buf_puts(out, "</div>");
}

void view_chain_panel(inspect_buf_t *out, const view_judged_t *j, const char *title, const char *note,
                      const view_json_t *pems) {
  chain_t *c = malloc(sizeof(*c));
  if (c == NULL) {
    return;
  }
  chain_load(c, pems);
  inspect_buf_puts(out, "<div class=\"chain\"><h4>");
  view_html_text(out, title);
  inspect_buf_printf(out, " <small>%d certificate%s", c->num, c->num == 1 ? "" : "s");
  if (note != NULL) {
    inspect_buf_puts(out, " \xC2\xB7 ");
    view_html_text(out, note);
  }
  inspect_buf_puts(out, "</small></h4>");
  path_strip(out, j, c);
  inspect_buf_puts(out, "<div class=\"cards\">");
  for (int i = 0; i < c->num; i++) {
    card(out, j, c, i);
    if (i + 1 < c->num) {
      link(out, c, i);
    }
  }
  if (c->num > 0 && c->certs[c->num - 1].issuer < 0 && c->certs[c->num - 1].info != NULL && missing_intermediate(j) &&
      !c->top_self_signed) {
    char cn[256];
    dn_cn(c->certs[c->path_len > 0 ? c->path[c->path_len - 1] : 0].info->issuer, cn, sizeof(cn));
    inspect_buf_puts(out,
                     "<div class=\"link bad\">\xE2\x86\x91 issued by</div><div class=\"card ghost missing\">"
                     "<div class=\"card-head\"><b class=\"cn\">MISSING intermediate</b></div><dl><dt>Subject</dt><dd>");
    view_html_text(out, c->certs[c->path_len > 0 ? c->path[c->path_len - 1] : 0].info->issuer);
    inspect_buf_puts(out, "</dd></dl><p>Not sent: send it after the certificate it issued.</p></div>");
  }
  inspect_buf_puts(out, "</div></div>");
  chain_free(c);
  free(c);
}
