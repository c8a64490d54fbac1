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
