// A small JSON reader for records: the whole text is parsed into nodes in
// one arena, strings decoded to NUL-terminated UTF-8. Untrusted input: depth
// and size are bounded, and a text that ends early is told apart from one
// that is not JSON (a truncated last line is the common case in a log).

#include <stdlib.h>
#include <string.h>

#include "view/view_internal.h"

#define JSON_MAX_DEPTH 64

typedef struct {
  const char *p;
  const char *end;
  view_arena_t *arena;
  int err;
  int depth;
} parser_t;

static void *arena_alloc(view_arena_t *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (a->used + n > a->cap) {
    size_t cap = a->cap == 0 ? 8192 : a->cap;
    while (cap < n + sizeof(void *) * 2) {
      cap *= 2;
    }
    // A new block: the old one is kept on a list, freed with the arena.
    char *block = malloc(cap + 16);
    if (block == NULL) {
      return NULL;
    }
    *(char **)block = a->blocks;
    a->blocks = block;
    a->base = block + 16;
    a->cap = cap;
    a->used = 0;
  }
  void *r = a->base + a->used;
  a->used += n;
  return r;
}

void view_arena_free(view_arena_t *a) {
  char *b = a->blocks;
  while (b != NULL) {
    char *next = *(char **)b;
    free(b);
    b = next;
  }
  memset(a, 0, sizeof(*a));
}

static void fail(parser_t *ps, int err) {
  if (ps->err == 0) {
    ps->err = ps->p >= ps->end ? VIEW_ETRUNCATED : err;
  }
}

static void skip_ws(parser_t *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
    ps->p++;
  }
}

static int hex4(parser_t *ps, unsigned *out) {
  if (ps->end - ps->p < 4) {
    ps->p = ps->end;
    return 0;
  }
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = *ps->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= (unsigned)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= (unsigned)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= (unsigned)(c - 'A' + 10);
    } else {
      return 0;
    }
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *out, unsigned cp) {
  if (cp == 0) {
    cp = 0xFFFD;  // keep strings NUL-terminated
  }
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

// parse_string reads a string after its opening quote.
static char *parse_string(parser_t *ps, size_t *out_len) {
  const char *start = ps->p;
  size_t raw = 0;
  while (start + raw < ps->end && start[raw] != '"') {
    raw += start[raw] == '\\' ? 2 : 1;
  }
  char *s = arena_alloc(ps->arena, raw + 1);  // decoding never grows a string
  if (s == NULL) {
    fail(ps, VIEW_ENOMEM);
    return NULL;
  }
  size_t n = 0;
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p++;
    if (c < 0x20) {
      fail(ps, VIEW_ENOT_JSON);
      return NULL;
    }
    if (c != '\\') {
      s[n++] = (char)c;
      continue;
    }
    if (ps->p >= ps->end) {
      break;
    }
    char e = *ps->p++;
    unsigned cp;
    switch (e) {
      case '"':
      case '\\':
      case '/': s[n++] = e; break;
      case 'b': s[n++] = '\b'; break;
      case 'f': s[n++] = '\f'; break;
      case 'n': s[n++] = '\n'; break;
      case 'r': s[n++] = '\r'; break;
      case 't': s[n++] = '\t'; break;
      case 'u':
        if (!hex4(ps, &cp)) {
          fail(ps, VIEW_ENOT_JSON);
          return NULL;
        }
        if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
          unsigned lo;
          ps->p += 2;
          if (hex4(ps, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        n += put_utf8(s + n, cp);
        break;
      default: fail(ps, VIEW_ENOT_JSON); return NULL;
    }
  }
  if (ps->p >= ps->end) {
    fail(ps, VIEW_ETRUNCATED);
    return NULL;
  }
  ps->p++;  // closing quote
  s[n] = '\0';
  *out_len = n;
  return s;
}

static view_json_t *new_node(parser_t *ps, view_json_type_t type) {
  view_json_t *n = arena_alloc(ps->arena, sizeof(*n));
  if (n == NULL) {
    fail(ps, VIEW_ENOMEM);
    return NULL;
  }
  memset(n, 0, sizeof(*n));
  n->type = type;
  return n;
}

static view_json_t *parse_value(parser_t *ps);

static int literal(parser_t *ps, const char *word) {
  size_t len = strlen(word);
  size_t have = (size_t)(ps->end - ps->p);
  if (have < len) {
    if (memcmp(ps->p, word, have) == 0) {
      ps->p = ps->end;
      fail(ps, VIEW_ETRUNCATED);
    } else {
      fail(ps, VIEW_ENOT_JSON);
    }
    return 0;
  }
  if (memcmp(ps->p, word, len) != 0) {
    fail(ps, VIEW_ENOT_JSON);
    return 0;
  }
  ps->p += len;
  return 1;
}

static view_json_t *parse_container(parser_t *ps, int object) {
  view_json_t *node = new_node(ps, object ? VIEW_JSON_OBJECT : VIEW_JSON_ARRAY);
  if (node == NULL || ++ps->depth > JSON_MAX_DEPTH) {
    fail(ps, VIEW_ENOT_JSON);
    return NULL;
  }
  view_json_t **tail = &node->child;
  char close = object ? '}' : ']';
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return node;
  }
  for (;;) {
    const char *key = NULL;
    skip_ws(ps);
    if (object) {
      size_t klen;
      if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, VIEW_ENOT_JSON);
        return NULL;
      }
      ps->p++;
      if ((key = parse_string(ps, &klen)) == NULL) {
        return NULL;
      }
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        fail(ps, VIEW_ENOT_JSON);
        return NULL;
      }
      ps->p++;
    }
    view_json_t *item = parse_value(ps);
    if (item == NULL) {
      return NULL;
    }
    item->key = key;
    *tail = item;
    tail = &item->next;
    node->len++;
    skip_ws(ps);
    if (ps->p >= ps->end) {
      fail(ps, VIEW_ETRUNCATED);
      return NULL;
    }
    char c = *ps->p++;
    if (c == close) {
      break;
    }
    if (c != ',') {
      fail(ps, VIEW_ENOT_JSON);
      return NULL;
    }
  }
  ps->depth--;
  return node;
}

static view_json_t *parse_value(parser_t *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) {
    fail(ps, VIEW_ETRUNCATED);
    return NULL;
  }
  view_json_t *node;
  char c = *ps->p;
  switch (c) {
    case '{':
    case '[': ps->p++; return parse_container(ps, c == '{');
    case '"':
      ps->p++;
      node = new_node(ps, VIEW_JSON_STRING);
      if (node != NULL && (node->str = parse_string(ps, &node->len)) == NULL) {
        return NULL;
      }
      return node;
    case 't':
    case 'f':
      node = new_node(ps, VIEW_JSON_BOOL);
      if (node == NULL || !literal(ps, c == 't' ? "true" : "false")) {
        return NULL;
      }
      node->num = c == 't';
      return node;
    case 'n': node = new_node(ps, VIEW_JSON_NULL); return node != NULL && literal(ps, "null") ? node : NULL;
    default: break;
  }
  if (c != '-' && (c < '0' || c > '9')) {
    fail(ps, VIEW_ENOT_JSON);
    return NULL;
  }
  const char *start = ps->p;
  while (ps->p < ps->end && strchr("+-.eE0123456789", *ps->p) != NULL) {
    ps->p++;
  }
  size_t len = (size_t)(ps->p - start);
  char num[64];
  if (len >= sizeof(num)) {
    fail(ps, VIEW_ENOT_JSON);
    return NULL;
  }
  memcpy(num, start, len);
  num[len] = '\0';
  char *endp;
  node = new_node(ps, VIEW_JSON_NUMBER);
  if (node == NULL) {
    return NULL;
  }
  node->num = strtod(num, &endp);
  if (*endp != '\0') {
    fail(ps, VIEW_ENOT_JSON);
    return NULL;
  }
  return node;
}

int view_json_parse(const char *text, size_t len, view_arena_t *arena, view_json_t **out) {
  parser_t ps = {.p = text, .end = text + len, .arena = arena};
  *out = parse_value(&ps);
  if (ps.err == 0) {
    skip_ws(&ps);
    if (ps.p != ps.end) {
      ps.err = VIEW_ENOT_JSON;
    }
  }
  if (ps.err != 0) {
    *out = NULL;
  }
  return ps.err;
}

const view_json_t *view_json_get(const view_json_t *node, const char *path) {
  while (node != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t seg = dot != NULL ? (size_t)(dot - path) : strlen(path);
    if (node->type != VIEW_JSON_OBJECT) {
      return NULL;
    }
    const view_json_t *child = node->child;
    while (child != NULL && !(strlen(child->key) == seg && memcmp(child->key, path, seg) == 0)) {
      child = child->next;
    }
    node = child;
    path += seg + (dot != NULL);
  }
  return node;
}

const char *view_json_str(const view_json_t *node, const char *path) {
  const view_json_t *n = view_json_get(node, path);
  return n != NULL && n->type == VIEW_JSON_STRING ? n->str : NULL;
}

double view_json_num(const view_json_t *node, const char *path, double dflt) {
  const view_json_t *n = view_json_get(node, path);
  return n != NULL && (n->type == VIEW_JSON_NUMBER || n->type == VIEW_JSON_BOOL) ? n->num : dflt;
}
