// Report-lifetime string arena, and the reason-code names.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

struct inspect_arena_block_st {
  inspect_arena_block_t *next;
  char data[];
};

static char *arena_alloc(inspect_arena_t *arena, size_t len) {
  inspect_arena_block_t *block = malloc(sizeof(*block) + len);
  if (block == NULL) {
    return NULL;
  }
  block->next = arena->head;
  arena->head = block;
  return block->data;
}

char *inspect__arena_strdup(inspect_arena_t *arena, const char *str) {
  size_t len = strlen(str);
  char *out = arena_alloc(arena, len + 1);
  if (out == NULL) {
    return (char *)"(out of memory)";
  }
  memcpy(out, str, len + 1);
  return out;
}

char *inspect__arena_printf(inspect_arena_t *arena, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *out = n >= 0 ? arena_alloc(arena, (size_t)n + 1) : NULL;
  if (out == NULL) {
    return (char *)"(out of memory)";
  }
  va_start(ap, fmt);
  vsnprintf(out, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return out;
}

void inspect__arena_free(inspect_arena_t *arena) {
  while (arena->head != NULL) {
    inspect_arena_block_t *next = arena->head->next;
    free(arena->head);
    arena->head = next;
  }
}

static const char *const kReasonNames[] = {
#define INSPECT_REASON_NAME(name) #name,
    INSPECT_REASON_MAP(INSPECT_REASON_NAME)
#undef INSPECT_REASON_NAME
};

const char *inspect_reason_name(inspect_reason_t reason) {
  return (unsigned)reason < INSPECT_REASON_COUNT ? kReasonNames[reason] : "UNKNOWN";
}

int inspect_reason_from_name(const char *name) {
  for (int i = 0; i < INSPECT_REASON_COUNT; i++) {
    if (strcmp(kReasonNames[i], name) == 0) {
      return i;
    }
  }
  return -1;
}
