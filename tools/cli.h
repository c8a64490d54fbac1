// Shared helpers for the command-line entry points: consistent one-line
// errors, strict number parsing, and the subcommand signature.

#ifndef TLSMIRROR_TOOLS_CLI_H
#define TLSMIRROR_TOOLS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"
#include "tls/tls.h"

// Exit codes shared by every subcommand.
#define CLI_EXIT_OK 0
#define CLI_EXIT_REJECT 1  // a verdict: some profile rejects, a lint found violations
#define CLI_EXIT_USAGE 2   // usage or I/O error
// What a command's option parser returns when it printed --help: the
// command then exits CLI_EXIT_OK.
#define CLI_HELP_SHOWN (-1)

#define TLSMIRROR_VERSION "0.1.0"

typedef int (*cli_command_fn)(int argc, char **argv);

// cli_error prints "tlsmirror <cmd>: <message>" on stderr and returns
// CLI_EXIT_USAGE.
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// cli_usage_error reports a bad option and points to --help.
int cli_usage_error(const char *cmd, const char *what);
// cli_parse_u64 parses a whole decimal number in [min, max].
int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
// cli_parse_seconds parses a non-negative decimal number of seconds.
int cli_parse_seconds(const char *text, double max, double *out);
// cli_env_apply lets the environment set a command's long options, for platforms that
// configure containers with variables: TLSMIRROR_<OPTION> (upper case, '-' as '_', e.g.
// TLSMIRROR_TIMEOUT_IDLE) becomes --option=VALUE in front of the command-line arguments, unless
// that option is on the command line (which wins). Options named in `lists` (NULL-terminated)
// may repeat: their variable holds several values separated by white space. An option without
// a value takes 1/true/yes or 0/false/no. An empty variable counts as unset. Any other
// TLSMIRROR_ variable is an error, so a typo is not silently ignored (TLSMIRROR_TEST_* and
// TLSMIRROR_FUZZ_* belong to the test suite). With --help or -h the environment is not read.
// Replaces *argc/*argv (kept until exit); returns CLI_EXIT_OK, or CLI_EXIT_USAGE after saying why.
int cli_env_apply(const char *cmd, const struct option *opts, const char *const *lists, int *argc, char ***argv);
// cli_now returns the current time in Unix seconds.
int64_t cli_now(void);

// cli_ca_default_dir writes the default mirror CA directory; 0 if unknown.
int cli_ca_default_dir(char *out, size_t len);
// cli_ca_ensure creates the mirror CA in `dir` unless one exists.
int cli_ca_ensure(const char *cmd, const char *dir, int announce);

int cmd_lab(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);

// What `inspect` judged, for `inspect --html` (cmd_report.c writes it as a
// one-connection report).
typedef struct {
  const char *target;  // as shown to the user
  const char *host;    // "" or NULL for a file
  uint16_t port;
  const char *sni;                               // sent, or NULL
  const char *version, *cipher, *alpn, *detail;  // the live handshake's, or NULL
  const inspect_input_t *input;
  const inspect_report_t *report;
} cli_inspect_result_t;

// Each platform's own handshake for a live inspect (cmd_inspect_offers.c).
typedef struct {
  inspect_offer_t offers[INSPECT_SELECTION_MAX];  // one per selected profile with a ClientHello
  size_t num;
  tls_offer_result_t results[INSPECT_SELECTION_MAX];  // one per distinct ClientHello sent
  size_t num_probes;
} cli_offers_t;

// What tlsmirror's own handshake offers in a live inspect: all it can speak.
extern const inspect_hello_spec_t cli_inspect_wide_offer;
// cli_inspect_offers sends each distinct ClientHello of the selected
// profiles to `cfg`'s target at once (SNI by each one's rule: `host` or
// cfg->sni) and fills `out`. It returns 0 or a TLS_E* code.
int cli_inspect_offers(const tls_probe_config_t *cfg, const char *host, const inspect_selection_t *sel,
                       cli_offers_t *out);
// cli_inspect_own names what tlsmirror's own handshake negotiated.
void cli_inspect_own(const tls_probe_result_t *probe, inspect_offer_t *own);

// cli_report_inspect writes `result` as an HTML report to `path`.
int cli_report_inspect(const char *path, const cli_inspect_result_t *result);

#endif  // TLSMIRROR_TOOLS_CLI_H
