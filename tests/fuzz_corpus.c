#include "tests/fuzz_corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_corpus_replay(const char *dir, void (*one)(const uint8_t *data, size_t size)) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    return -1;
  }
  int files = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') {
      continue;
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
      continue;
    }
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    uint8_t *copy = malloc(len > 0 ? len : 1);
    memcpy(copy, buf, len);
    one(copy, len);
    free(copy);
    files++;
  }
  closedir(d);
  return files;
}

size_t fuzz_corpus_mutate(const uint8_t *data, size_t size, size_t keep,
                          void (*one)(const uint8_t *data, size_t size)) {
  static const uint8_t kStructural[] = {'\r', '\n', ' ', ':', ';', '0', '\0', '_'};
  size_t calls = 0;
  for (size_t len = keep; len < size; len++) {
    uint8_t *copy = malloc(len > 0 ? len : 1);
    memcpy(copy, data, len);
    one(copy, len);
    free(copy);
    calls++;
  }
  uint8_t *copy = malloc(size > 0 ? size : 1);
  for (size_t pos = keep; pos < size; pos++) {
    for (int variant = 0; variant < 2; variant++) {
      memcpy(copy, data, size);
      copy[pos] = variant == 0 ? (uint8_t)(copy[pos] ^ (0x80 >> (pos % 8))) : kStructural[pos % sizeof(kStructural)];
      one(copy, size);
      calls++;
    }
  }
  free(copy);
  return calls;
}
