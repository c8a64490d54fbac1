// tlsmirror: entry point and subcommand table.

#include <http_parser.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"
#include "tools/cli.h"

typedef struct {
  const char *name;
  cli_command_fn fn;
  const char *summary;
} command_t;

static const command_t kCommands[] = {
    {"demo", cmd_demo, "run the lab and the proxy, send curl through it, show who would reject what"},
    {"proxy", cmd_proxy, "mirror a client's handshake to an origin and log who would reject it"},
    {"inspect", cmd_inspect, "judge a server's chain (live or from a file) for every platform"},
    {"lab", cmd_lab, "serve the built-in lab of deliberately broken TLS origins"},
    {"bundle", cmd_bundle, "lint a CA bundle for an mTLS trust store (ALB, API Gateway), fix or split it"},
    {"ca", cmd_ca, "manage the mirror CA that signs what clients see through the proxy"},
    {"report", cmd_report, "write a proxy log's connections as one self-contained HTML page"},
};

static void usage(FILE *out) {
  fprintf(out,
          "Usage: tlsmirror <command> [options]\n"
          "\n"
          "tlsmirror sits between a client and an origin, mirrors the TLS handshake and\n"
          "says which side would reject the connection, and why, in the words of the\n"
          "platform that would reject it (CloudFront, API Gateway, ALB, Akamai, browsers,\n"
          "OpenSSL/curl, Node/Postman, Java).\n"
          "\n"
          "Commands:\n");
  for (size_t i = 0; i < sizeof(kCommands) / sizeof(kCommands[0]); i++) {
    fprintf(out, "  %-9s %s\n", kCommands[i].name, kCommands[i].summary);
  }
  fprintf(out,
          "\n"
          "Run 'tlsmirror <command> --help' for a command's options.\n"
          "Exit status: 0 success or every profile accepts, 1 a profile rejects or a lint\n"
          "found violations, 2 usage or I/O error.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    unsigned long hp = http_parser_version();
    printf("tlsmirror %s (%s, http-parser %lu.%lu.%lu)\n", TLSMIRROR_VERSION, OpenSSL_version(OPENSSL_VERSION),
           (hp >> 16) & 255, (hp >> 8) & 255, hp & 255);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof(kCommands) / sizeof(kCommands[0]); i++) {
    if (strcmp(name, kCommands[i].name) == 0) {
      return kCommands[i].fn(argc - 1, argv + 1);
    }
  }
  fprintf(stderr, "tlsmirror: unknown command '%s' (see 'tlsmirror --help')\n", name);
  return CLI_EXIT_USAGE;
}
