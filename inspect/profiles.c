// The profile registry and --profile selections.

#include <stdio.h>
#include <string.h>

#include "inspect/inspect_internal.h"

static const inspect_profile_t *const kProfiles[] = {
    &inspect_profile_openssl,
    &inspect_profile_node,
    &inspect_profile_java,
    &inspect_profile_browser,
    &inspect_profile_cloudfront_origin,
    &inspect_profile_cloudfront_viewer,
    &inspect_profile_apigateway,
    &inspect_profile_akamai_origin,
    &inspect_profile_alb_mtls,
    &inspect_profile_apigateway_mtls,
};

#define NUM_PROFILES (sizeof(kProfiles) / sizeof(kProfiles[0]))

size_t inspect_profile_count(void) { return NUM_PROFILES; }

const inspect_profile_t *inspect_profile_get(size_t index) { return index < NUM_PROFILES ? kProfiles[index] : NULL; }

const inspect_profile_t *inspect_profile_find(const char *id) {
  for (size_t i = 0; i < NUM_PROFILES; i++) {
    if (strcmp(kProfiles[i]->id, id) == 0) {
      return kProfiles[i];
    }
  }
  return NULL;
}

const char *inspect_profile_id(const inspect_profile_t *profile) { return profile->id; }

const char *inspect_profile_platform(const inspect_profile_t *profile) { return profile->platform; }

const char *const *inspect_profile_options(const inspect_profile_t *profile) { return profile->options; }

int inspect_profile_is_default(const inspect_profile_t *profile) { return profile->is_default; }

static int add_choice(inspect_selection_t *out, const inspect_profile_t *profile, unsigned options, const char *label) {
  for (size_t i = 0; i < out->num; i++) {
    if (strcmp(out->items[i].label, label) == 0) {
      return 1;  // listed twice: once is enough
    }
  }
  if (out->num >= INSPECT_SELECTION_MAX) {
    return 0;
  }
  inspect_choice_t *c = &out->items[out->num++];
  c->profile = profile;
  c->options = options;
  snprintf(c->label, sizeof(c->label), "%s", label);
  return 1;
}

void inspect_selection_all(inspect_selection_t *out) {
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < NUM_PROFILES; i++) {
    if (kProfiles[i]->is_default) {
      add_choice(out, kProfiles[i], 0, kProfiles[i]->id);
    }
  }
}

int inspect_selection_parse(const char *list, inspect_selection_t *out, char *bad, size_t bad_len) {
  memset(out, 0, sizeof(*out));
  if (bad_len > 0) {
    bad[0] = '\0';
  }
  const char *p = list;
  while (*p != '\0') {
    size_t len = strcspn(p, ",");
    char item[64];
    if (len == 0 || len >= sizeof(item)) {
      snprintf(bad, bad_len, "%.*s", (int)(len < 60 ? len : 60), p);
      return INSPECT_EBAD_PROFILE;
    }
    memcpy(item, p, len);
    item[len] = '\0';
    if (strcmp(item, "all") == 0) {
      for (size_t i = 0; i < NUM_PROFILES; i++) {
        if (kProfiles[i]->is_default && !add_choice(out, kProfiles[i], 0, kProfiles[i]->id)) {
          snprintf(bad, bad_len, "%s", item);
          return INSPECT_EBAD_PROFILE;
        }
      }
    } else {
      char work[64];  // parsed in place; `item` stays whole for the label
      memcpy(work, item, len + 1);
      char *opt = strchr(work, ':');
      if (opt != NULL) {
        *opt++ = '\0';
      }
      const inspect_profile_t *profile = inspect_profile_find(work);
      unsigned options = 0;
      while (profile != NULL && opt != NULL) {
        char *next = strchr(opt, ':');
        if (next != NULL) {
          *next++ = '\0';
        }
        int found = -1;
        for (int k = 0; profile->options != NULL && profile->options[k] != NULL; k++) {
          if (strcmp(profile->options[k], opt) == 0) {
            found = k;
          }
        }
        if (found < 0) {
          profile = NULL;
          break;
        }
        options |= 1u << found;
        opt = next;
      }
      if (profile == NULL || !add_choice(out, profile, options, item)) {
        snprintf(bad, bad_len, "%s", item);
        return INSPECT_EBAD_PROFILE;
      }
    }
    p += len;
    if (*p == ',') {
      p++;
    }
  }
  if (out->num == 0) {
    snprintf(bad, bad_len, "(empty list)");
    return INSPECT_EBAD_PROFILE;
  }
  return INSPECT_OK;
}
