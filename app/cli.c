/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI's three front ends over one command table (DPDK cmdline, testpmd
 * grammar): a command file run once at start, the interactive prompt on the
 * terminal, and a unix socket serving one session per connection so scripts
 * can drive a running gateway. Every command prints through cmdline_printf()
 * on its session, so the output is the same on all three.
 *
 * All of this runs on control threads, never on a worker. Each CLI thread is
 * an offline urcu-qsbr reader, so commands may walk RCU-protected tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_socket.h>
#include <rte_lcore.h>

#include <urcu-qsbr.h>

#include "app.h"

#define CLI_PROMPT "sluice> "
#define CLI_CMDS_MAX 256
#define CLI_LINE_MAX 4096

static cmdline_parse_inst_t *cli_ctx[CLI_CMDS_MAX];

#define CLI_SESSIONS_MAX 64

static int listen_fd = -1;
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static int session_fds[CLI_SESSIONS_MAX];
static unsigned int n_sessions;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static pthread_t socket_thread;
static bool socket_running;

static void
cli_add(cmdline_parse_inst_t **group, unsigned int *n)
{
	for (; *group != NULL; group++) {
		RTE_VERIFY(*n + 1 < CLI_CMDS_MAX);
		cli_ctx[(*n)++] = *group;
	}
}

void
sl_cli_init(void)
{
	unsigned int n = 0;

	cli_add(sl_cli_port_cmds, &n);
	cli_add(sl_cli_net_cmds, &n);
	cli_add(sl_cli_tcp_cmds, &n);
	cli_add(sl_cli_proxy_cmds, &n);
	cli_add(sl_cli_lb_cmds, &n);
	cli_add(sl_cli_session_cmds, &n);
	cli_add(sl_cli_limit_cmds, &n);
	cli_add(sl_cli_system_cmds, &n);
	cli_ctx[n] = NULL;
}

static void *
cli_stdin_thread(void *arg)
{
	struct cmdline *cl;

	rcu_register_thread();
	rcu_thread_offline();
	cl = cmdline_stdin_new(cli_ctx, CLI_PROMPT);
	if (cl != NULL) {
		cmdline_interact(cl);
		cmdline_stdin_exit(cl);
	}
	rcu_unregister_thread();
	/* quit, Ctrl-D or a closed terminal all end the gateway, as in testpmd. */
	sl_app_quit();
	return NULL;
}

int
sl_cli_start_stdin(void)
{
	pthread_t t;
	int rc;

	rc = rte_ctrl_thread_create(&t, "sl-cli-stdin", NULL, cli_stdin_thread, NULL);
	if (rc != 0) {
		APP_LOG(ERR, "cannot start the prompt: %s", strerror(rc));
		return -rc;
	}
	pthread_detach(t);
	return 0;
}

static void
cli_session_line(struct cmdline *cl, const char *text, size_t len)
{
	char cmd[CLI_LINE_MAX + 2];
	int rc;

	if (len > 0 && text[len - 1] == '\r')
		len--;
	/* cmdline_parse() takes a line only with its end of line. */
	memcpy(cmd, text, len);
	cmd[len] = '\n';
	cmd[len + 1] = '\0';
	if (cmd[strspn(cmd, " \t\n")] == '\0')
		return;
	rc = cmdline_parse(cl, cmd);
	if (rc == CMDLINE_PARSE_AMBIGUOUS)
		cmdline_printf(cl, "Ambiguous command\n");
	else if (rc == CMDLINE_PARSE_NOMATCH)
		cmdline_printf(cl, "Command not found\n");
	else if (rc == CMDLINE_PARSE_BAD_ARGS)
		cmdline_printf(cl, "Bad arguments\n");
}

static void
cli_session_forget(int fd)
{
	pthread_mutex_lock(&sessions_lock);
	for (unsigned int i = 0; i < n_sessions; i++)
		if (session_fds[i] == fd) {
			session_fds[i] = session_fds[--n_sessions];
			break;
		}
	pthread_mutex_unlock(&sessions_lock);
}


/*
 * Read whole lines from fd and run each with cmdline_parse(): no line editing.
 * With echo (a command file), each command is printed after the prompt first,
 * as testpmd does, so the output reads like a session.
 */
static void
cli_serve_fd(struct cmdline *cl, int fd, bool echo)
{
	char buf[CLI_LINE_MAX];
	size_t len = 0;
	bool overflow = false, eof = false;

	while (!eof && !sl_worker_stopping()) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		size_t start = 0;
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A last line without its newline still counts. */
			if (len == 0 || overflow)
				break;
			buf[len] = '\n';
			n = 1;
			eof = true;
		}
		len += (size_t)n;
		while ((nl = memchr(buf + start, '\n', len - start)) != NULL) {
			size_t end = (size_t)(nl - buf);

			if (overflow) {
				cmdline_printf(cl, "Line too long\n");
				overflow = false;
			} else {
				if (echo)
					cmdline_printf(cl, "%s%.*s\n", CLI_PROMPT, (int)(end - start),
						       buf + start);
				cli_session_line(cl, buf + start, end - start);
			}
			start = end + 1;
			if (sl_worker_stopping())
				return;	/* quit */
		}
		len -= start;
		memmove(buf, buf + start, len);
		if (len == sizeof(buf)) {
			/* Drop the rest of an over-long line; say so when it ends. */
			overflow = true;
			len = 0;
		}
	}
}

void
sl_cli_run_file(const char *path)
{
	struct cmdline *cl;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		APP_LOG(ERR, "cannot read command file %s: %s", path, strerror(errno));
		return;
	}
	cl = cmdline_new(cli_ctx, "", fd, STDOUT_FILENO);
	if (cl == NULL) {
		close(fd);
		return;
	}
	/* The main thread runs it: already an offline urcu-qsbr reader. */
	cli_serve_fd(cl, fd, true);
	cmdline_free(cl);	/* closes fd */
}

/* A socket session: no echo, no prompt, so a script sees only the output. */
static void *
cli_session_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct cmdline *cl;

	cl = cmdline_new(cli_ctx, "", fd, fd);
	if (cl == NULL) {
		cli_session_forget(fd);
		close(fd);
		return NULL;
	}
	rcu_register_thread();
	rcu_thread_offline();
	cli_serve_fd(cl, fd, false);
	rcu_unregister_thread();
	/* Forget the fd before cmdline_free() closes it, so nobody shuts a reused fd. */
	cli_session_forget(fd);
	cmdline_free(cl);
	return NULL;
}

static void *
cli_socket_thread(void *arg)
{
	while (!sl_worker_stopping()) {
		pthread_t t;
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;	/* closed by sl_cli_stop() */
		}
		pthread_mutex_lock(&sessions_lock);
		if (n_sessions == CLI_SESSIONS_MAX ||
		    rte_ctrl_thread_create(&t, "sl-cli-sess", NULL, cli_session_thread,
					   (void *)(intptr_t)fd) != 0) {
			pthread_mutex_unlock(&sessions_lock);
			dprintf(fd, "too many CLI sessions\n");
			close(fd);
			continue;
		}
		session_fds[n_sessions++] = fd;
		pthread_mutex_unlock(&sessions_lock);
		pthread_detach(t);
	}
	return NULL;
}

int
sl_cli_start_socket(const char *path)
{
	struct sockaddr_un sun;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		APP_LOG(ERR, "--cli-socket %s: path longer than %zu bytes", path,
			sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		return -errno;
	unlink(path);	/* a stale socket of a previous run */
	if (bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(listen_fd, 16) != 0) {
		rc = -errno;
		APP_LOG(ERR, "--cli-socket %s: %s", path, strerror(errno));
		close(listen_fd);
		listen_fd = -1;
		return rc;
	}
	strcpy(socket_path, path);
	rc = rte_ctrl_thread_create(&socket_thread, "sl-cli-sock", NULL, cli_socket_thread, NULL);
	if (rc != 0) {
		close(listen_fd);
		listen_fd = -1;
		return -rc;
	}
	socket_running = true;
	APP_LOG(INFO, "CLI on unix socket %s", path);
	return 0;
}

void
sl_cli_stop(void)
{
	if (!socket_running)
		return;
	/* shutdown() wakes the accept(); the thread then sees the stop flag. */
	shutdown(listen_fd, SHUT_RDWR);
	close(listen_fd);
	pthread_join(socket_thread, NULL);
	unlink(socket_path);
	/* End open sessions and wait (bounded) until none runs a command. */
	pthread_mutex_lock(&sessions_lock);
	for (unsigned int i = 0; i < n_sessions; i++)
		shutdown(session_fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&sessions_lock);
	for (int tries = 0; tries < 200; tries++) {
		unsigned int left;

		pthread_mutex_lock(&sessions_lock);
		left = n_sessions;
		pthread_mutex_unlock(&sessions_lock);
		if (left == 0)
			break;
		usleep(10 * 1000);
	}
	listen_fd = -1;
	socket_running = false;
}
