/* SPDX-License-Identifier: BSD-3-Clause */
/* The application's own options, those after EAL's "--". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

void
sl_args_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -f FILE [-i] [--cmdline-file FILE] [--cli-socket PATH]\n"
		"                [--profile-dir DIR]\n"
		"       %s --check -f FILE [--profile-dir DIR]\n"
		"\n"
		"  -f, --config FILE      gateway configuration (INI)\n"
		"  -i, --interactive      command prompt on the terminal ('sluice> ')\n"
		"      --cmdline-file F   run the CLI commands in F once ready, then keep running\n"
		"                         (unless F says quit)\n"
		"      --cli-socket PATH  serve the CLI on a unix socket, one session per connection\n"
		"      --profile-dir DIR  where drivers-config profiles are (default %s)\n"
		"      --check            validate the configuration and exit: 0 valid, 1 not;\n"
		"                         touches no device and does not initialise EAL\n"
		"  -h, --help             this text\n"
		"  -v, --version          print the version\n",
		prog, prog, SL_PROFILE_DIR);
}

int
sl_args_parse(int argc, char **argv, struct sl_args *args)
{
	enum { OPT_CMDLINE_FILE = 256, OPT_CLI_SOCKET, OPT_PROFILE_DIR, OPT_CHECK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cmdline-file", required_argument, NULL, OPT_CMDLINE_FILE },
		{ "cli-socket", required_argument, NULL, OPT_CLI_SOCKET },
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argc > 0 ? argv[0] : "sluice";
	int opt;

	memset(args, 0, sizeof(*args));
	args->profile_dir = SL_PROFILE_DIR;
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "f:ihv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			args->config = optarg;
			break;
		case 'i':
			args->interactive = true;
			break;
		case OPT_CMDLINE_FILE:
			args->cmdline_file = optarg;
			break;
		case OPT_CLI_SOCKET:
			args->cli_socket = optarg;
			break;
		case OPT_PROFILE_DIR:
			args->profile_dir = optarg;
			break;
		case OPT_CHECK:
			args->check = true;
			break;
		case 'h':
			sl_args_usage(prog);
			return 1;
		case 'v':
			printf("sluice %s\n", SL_VERSION);
			return 1;
		default:
			sl_args_usage(prog);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		sl_args_usage(prog);
		return -EINVAL;
	}
	if (args->config == NULL) {
		fprintf(stderr, "%s: no configuration: give -f FILE\n", prog);
		sl_args_usage(prog);
		return -EINVAL;
	}
	return 0;
}
