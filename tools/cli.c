#include "tools/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tlsmirror %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *what) {
  return cli_error(cmd, "%s (see 'tlsmirror %s --help')", what, cmd);
}

int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  if (text == NULL || text[0] < '0' || text[0] > '9') {
    return 0;
  }
  errno = 0;
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

int cli_parse_seconds(const char *text, double max, double *out) {
  if (text == NULL || ((text[0] < '0' || text[0] > '9') && text[0] != '.')) {
    return 0;
  }
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

#define ENV_PREFIX "TLSMIRROR_"
#define ENV_NAME_MAX 64

// env_name writes TLSMIRROR_<NAME> for the long option `opt`.
static void env_name(const char *opt, char out[ENV_NAME_MAX]) {
  size_t n = strlen(ENV_PREFIX);
  memcpy(out, ENV_PREFIX, n);
  for (const char *p = opt; *p != '\0' && n + 1 < ENV_NAME_MAX; p++) {
    out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
  }
  out[n] = '\0';
}

// env_option finds the option whose variable is the first `len` bytes of `var` (never --help).
static const struct option *env_option(const struct option *opts, const char *var, size_t len) {
  char name[ENV_NAME_MAX];
  for (const struct option *o = opts; o->name != NULL; o++) {
    env_name(o->name, name);
    if (strcmp(o->name, "help") != 0 && strlen(name) == len && strncmp(name, var, len) == 0) {
      return o;
    }
  }
  return NULL;
}

// find_option reads an argument's option as getopt_long does: the exact name, else the only
// option that the first `len` bytes of `name` begin.
static const struct option *find_option(const struct option *opts, const char *name, size_t len) {
  const struct option *prefixed = NULL;
  int matches = 0;
  for (const struct option *o = opts; o->name != NULL; o++) {
    if (strncmp(o->name, name, len) == 0) {
      if (o->name[len] == '\0') {
        return o;
      }
      prefixed = o;
      matches++;
    }
  }
  return matches == 1 ? prefixed : NULL;
}

// on_command_line says whether `opt` is among the arguments (before any "--").
static int on_command_line(const struct option *opts, const struct option *opt, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      return 0;
    }
    if (strncmp(argv[i], "--", 2) != 0) {
      continue;
    }
    const char *name = argv[i] + 2;
    size_t len = strcspn(name, "=");
    const struct option *o = find_option(opts, name, len);
    if (o == opt) {
      return 1;
    }
    if (o != NULL && o->has_arg == required_argument && name[len] == '\0') {
      i++;  // its value
    }
  }
  return 0;
}

// edit_distance counts the single-character edits between a and b (capped for long names).
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la >= ENV_NAME_MAX || lb >= ENV_NAME_MAX) {
    return ENV_NAME_MAX;
  }
  size_t row[ENV_NAME_MAX];
  for (size_t j = 0; j <= lb; j++) {
    row[j] = j;
  }
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      best = up + 1 < best ? up + 1 : best;
      best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

static int unknown_variable(const char *cmd, const struct option *opts, const char *var, size_t len) {
  char given[ENV_NAME_MAX], name[ENV_NAME_MAX], best[ENV_NAME_MAX] = "";
  snprintf(given, sizeof(given), "%.*s", (int)len, var);
  size_t best_distance = 3;  // suggest only close names
  for (const struct option *o = opts; o->name != NULL; o++) {
    env_name(o->name, name);
    size_t d = edit_distance(given, name);
    if (strcmp(o->name, "help") != 0 && d < best_distance) {
      best_distance = d;
      snprintf(best, sizeof(best), "%s", name);
    }
  }
  if (best[0] != '\0') {
    return cli_error(cmd, "%.*s is not a setting of 'tlsmirror %s': did you mean %s?", (int)len, var, cmd, best);
  }
  return cli_error(cmd, "%.*s is not a setting of 'tlsmirror %s' (see 'tlsmirror %s --help' for the TLSMIRROR_ names)",
                   (int)len, var, cmd, cmd);
}

// parse_bool reads an environment value for an option without a value.
static int parse_bool(const char *v, int *out) {
  static const char *const kTrue[] = {"1", "true", "yes", "on"}, *const kFalse[] = {"0", "false", "no", "off"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(v, kTrue[i]) == 0 || strcasecmp(v, kFalse[i]) == 0) {
      *out = strcasecmp(v, kTrue[i]) == 0;
      return 1;
    }
  }
  return 0;
}

typedef struct {
  char **items;
  size_t num, cap;
} arg_list_t;

// arg_push appends `arg` (0 when it is NULL or memory runs out; the caller still owns it then).
static int arg_push(arg_list_t *l, char *arg) {
  if (arg == NULL) {
    return 0;
  }
  if (l->num + 2 > l->cap) {
    size_t cap = l->cap == 0 ? 16 : l->cap * 2;
    char **items = realloc(l->items, cap * sizeof(*items));
    if (items == NULL) {
      return 0;
    }
    l->items = items;
    l->cap = cap;
  }
  l->items[l->num++] = arg;
  l->items[l->num] = NULL;
  return 1;
}

// push_option appends "--name" or "--name=value" (an owned copy).
static int push_option(arg_list_t *l, const char *name, const char *value, size_t value_len) {
  char *arg = NULL;
  if (value == NULL ? asprintf(&arg, "--%s", name) < 0 : asprintf(&arg, "--%s=%.*s", name, (int)value_len, value) < 0) {
    return 0;
  }
  if (!arg_push(l, arg)) {
    free(arg);
    return 0;
  }
  return 1;
}

static int is_list(const char *const *lists, const char *name) {
  for (size_t i = 0; lists != NULL && lists[i] != NULL; i++) {
    if (strcmp(lists[i], name) == 0) {
      return 1;
    }
  }
  return 0;
}

// env_args appends the options the environment sets to `out`.
static int env_args(const char *cmd, const struct option *opts, const char *const *lists, int argc, char **argv,
                    arg_list_t *out) {
  static const char *const kReserved[] = {ENV_PREFIX "TEST_", ENV_PREFIX "FUZZ_"};
  for (char **e = environ; *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (strncmp(*e, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 || eq == NULL ||
        strncmp(*e, kReserved[0], strlen(kReserved[0])) == 0 || strncmp(*e, kReserved[1], strlen(kReserved[1])) == 0) {
      continue;
    }
    if (env_option(opts, *e, (size_t)(eq - *e)) == NULL) {
      return unknown_variable(cmd, opts, *e, (size_t)(eq - *e));
    }
  }
  char name[ENV_NAME_MAX];
  for (const struct option *o = opts; o->name != NULL; o++) {
    env_name(o->name, name);
    const char *v = getenv(name);
    if (strcmp(o->name, "help") == 0 || v == NULL || v[0] == '\0' || on_command_line(opts, o, argc, argv)) {
      continue;
    }
    if (o->has_arg == no_argument) {
      int on;
      if (!parse_bool(v, &on)) {
        return cli_error(cmd, "%s must be 1, true or yes (or 0, false or no), not '%s'", name, v);
      }
      if (on && !push_option(out, o->name, NULL, 0)) {
        return cli_error(cmd, "out of memory");
      }
    } else if (is_list(lists, o->name)) {
      for (const char *p = v + strspn(v, " \t\n"); *p != '\0'; p += strspn(p, " \t\n")) {
        size_t len = strcspn(p, " \t\n");
        if (!push_option(out, o->name, p, len)) {
          return cli_error(cmd, "out of memory");
        }
        p += len;
      }
    } else if (!push_option(out, o->name, v, strlen(v))) {
      return cli_error(cmd, "out of memory");
    }
  }
  return CLI_EXIT_OK;
}

int cli_env_apply(const char *cmd, const struct option *opts, const char *const *lists, int *argc, char ***argv) {
  static arg_list_t args;  // kept until exit: the parsed options point into it
  const struct option *help = find_option(opts, "help", 4);
  for (int i = 1; i < *argc && strcmp((*argv)[i], "--") != 0; i++) {
    if (strcmp((*argv)[i], "-h") == 0) {
      return CLI_EXIT_OK;  // help, whatever the environment says
    }
  }
  if (help != NULL && on_command_line(opts, help, *argc, *argv)) {
    return CLI_EXIT_OK;
  }
  arg_list_t env = {0};
  int rc = env_args(cmd, opts, lists, *argc, *argv, &env);
  if (rc == CLI_EXIT_OK && env.num > 0) {
    fprintf(stderr, "tlsmirror %s: from the environment:", cmd);
    for (size_t i = 0; i < env.num; i++) {
      fprintf(stderr, " %s", env.items[i]);
    }
    fputc('\n', stderr);
    // argv[0], the environment's options, then the command line's (which getopt reads last).
    int ok = arg_push(&args, (*argv)[0]);
    for (size_t i = 0; ok && i < env.num; i++) {
      if ((ok = arg_push(&args, env.items[i]))) {
        env.items[i] = NULL;
      }
    }
    for (int i = 1; ok && i < *argc; i++) {
      ok = arg_push(&args, (*argv)[i]);
    }
    if (!ok) {
      rc = cli_error(cmd, "out of memory");
    } else {
      *argc = (int)args.num;
      *argv = args.items;
    }
  }
  for (size_t i = 0; i < env.num; i++) {
    free(env.items[i]);
  }
  free(env.items);
  return rc;
}

int64_t cli_now(void) { return (int64_t)time(NULL); }
