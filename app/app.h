/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the pieces of the sluice executable share: the parsed command line,
 * the running state the CLI reads, and each file's entry points.
 */
#ifndef SL_APP_H
#define SL_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "sl_conf.h"
#include "sl_net.h"
#include "sl_rss.h"
#include "sl_worker.h"

extern int sl_app_logtype;
#define APP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_app_logtype, "sluice: " fmt "\n", ##__VA_ARGS__)

/* args.c: the options after EAL's "--". */
struct sl_args {
	const char *config;
	const char *cmdline_file;
	const char *cli_socket;
	const char *profile_dir;
	bool interactive;
	bool check;
};

/* Parse; prints usage and returns -EINVAL on error, 1 for --help. */
int sl_args_parse(int argc, char **argv, struct sl_args *args);
void sl_args_usage(const char *prog);

/* One configured port as brought up. */
struct sl_app_port {
	uint16_t port_id;
	uint16_t n_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint64_t rx_offloads;	/* what was enabled (wanted & capable) */
	uint64_t tx_offloads;
	uint64_t rss_hf;	/* what was enabled; 0 when single queue or no RSS */
	struct rte_ether_addr mac;
	bool started;
	struct rte_eth_stats base;	/* subtracted by show, reset by clear */
	struct sl_rss *rss;		/* owner function read back from the device */
};

/* The running gateway, as the CLI sees it. */
struct sl_app {
	struct sl_args args;
	struct sl_config *conf;
	struct rte_mempool *pool;
	struct sl_net *net;
	struct sl_lb *lb;
	struct sl_proxy_shared *shared;	/* per-VIP state of every worker's proxy */
	unsigned int n_workers;
	struct sl_worker *workers;	/* n_workers, rte_zmalloc'd */
	struct sl_app_port ports[SL_PORTS_MAX];
	uint64_t started_tsc;
	struct sl_steer *steer;		/* NULL with one worker */
	/* Baselines for "clear": the control thread never writes worker counters. */
	struct sl_net_stats *net_base;	/* n_workers */
};

extern struct sl_app sl_app;

/* port.c */
int sl_port_setup(struct sl_app *app, uint16_t idx, unsigned int n_queues);
void sl_port_teardown(struct sl_app *app, uint16_t idx);
int sl_port_mbufs_needed(const struct sl_config *conf, unsigned int n_queues,
			 unsigned int n_lcores);
const char *sl_port_link_str(uint16_t port_id, char *buf, size_t len);

/* cli.c: the command table and the three front ends. */
void sl_cli_init(void);
/* Run the commands of a file (echoing them like testpmd); returns when done. */
void sl_cli_run_file(const char *path);
/* Interactive prompt on stdin in a thread of its own; quit or EOF stops the gateway. */
int sl_cli_start_stdin(void);
/* Serve the CLI on a unix socket, one session per connection. */
int sl_cli_start_socket(const char *path);
void sl_cli_stop(void);

/* Command groups, each a NULL-terminated list of instructions. */
extern cmdline_parse_inst_t *sl_cli_port_cmds[];
extern cmdline_parse_inst_t *sl_cli_net_cmds[];
extern cmdline_parse_inst_t *sl_cli_system_cmds[];
extern cmdline_parse_inst_t *sl_cli_tcp_cmds[];
extern cmdline_parse_inst_t *sl_cli_proxy_cmds[];
extern cmdline_parse_inst_t *sl_cli_session_cmds[];
extern cmdline_parse_inst_t *sl_cli_limit_cmds[];
extern cmdline_parse_inst_t *sl_cli_lb_cmds[];

/* telemetry.c: the /sluice/... endpoints. */
void sl_telemetry_init(void);

/* Ask the gateway to stop (CLI quit, signals). */
void sl_app_quit(void);

#endif /* SL_APP_H */
