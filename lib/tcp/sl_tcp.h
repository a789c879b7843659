/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore user-space TCP (RFC 9293) for the gateway.
 *
 * One struct sl_tcp per worker lcore. It shares nothing with other
 * instances, takes no lock, and neither allocates memory nor makes a
 * system call after sl_tcp_create(): connections, the connection table,
 * listeners and the timer wheel are all sized from struct sl_tcp_params
 * and preallocated. Every function below except sl_tcp_create() and
 * sl_tcp_destroy() must be called from the lcore that owns the instance.
 *
 * The stack is driven by the worker's poll loop:
 *  - sl_tcp_poll(t, rte_rdtsc()) once per loop iteration: advances the
 *    instance's clock, runs due timers (retransmission, persist, delayed
 *    ACK, TIME_WAIT) and flushes the ACKs queued by sl_tcp_input();
 *  - sl_tcp_input(t, m) for every IPv4/TCP packet addressed to a local
 *    address (lib/net has validated the IP header; the TCP checksum is
 *    checked here unless RTE_MBUF_F_RX_L4_CKSUM_GOOD is set).
 * Time comes only from the caller: sl_tcp_input() uses the clock of the
 * last sl_tcp_poll().
 *
 * Output: every segment leaves through params.output as a complete IPv4
 * packet (IP header + TCP header + payload, no Ethernet header), data
 * starting at the IP header with l3_len and l4_len set. Payload is zero
 * copy: a header mbuf from params.hdr_pool chained to indirect mbufs that
 * view the application's queued mbufs (tiny payloads are copied into the
 * header mbuf instead).
 *
 * Addresses are in network byte order (as in sl_net.h), ports in host byte
 * order.
 */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sl_tcp;
struct sl_tcp_conn;
struct sl_tcp_listener;

/** Connection states, RFC 9293 section 3.3.2. */
enum sl_tcp_state {
	SL_TCP_CLOSED = 0,
	SL_TCP_LISTEN,
	SL_TCP_SYN_SENT,
	SL_TCP_SYN_RECEIVED,
	SL_TCP_ESTABLISHED,
	SL_TCP_FIN_WAIT_1,
	SL_TCP_FIN_WAIT_2,
	SL_TCP_CLOSE_WAIT,
	SL_TCP_CLOSING,
	SL_TCP_LAST_ACK,
	SL_TCP_TIME_WAIT,
	SL_TCP_STATE__MAX
};

/** "ESTABLISHED", ... */
const char *sl_tcp_state_name(enum sl_tcp_state s);

/** Why a connection ended (SL_TCP_EV_CLOSED). */
enum sl_tcp_close_reason {
	SL_TCP_CLOSE_NORMAL = 0,	/**< both FINs exchanged and acknowledged */
	SL_TCP_CLOSE_RESET,		/**< the peer sent an acceptable RST */
	SL_TCP_CLOSE_TIMEOUT,		/**< retransmissions exhausted */
	SL_TCP_CLOSE_REFUSED,		/**< active open answered by RST */
};

/** Event types delivered to params.event. */
enum sl_tcp_event_type {
	/** Passive open complete. ev->user is the listener's context; call
	 * sl_tcp_set_user() to attach the connection's own. */
	SL_TCP_EV_ACCEPTED = 0,
	/** Active open complete (SYN-ACK received). */
	SL_TCP_EV_CONNECTED,
	/** In-order data: ev->data.m is an mbuf chain of ev->data.len bytes,
	 * owned by the application from now on. The receive window shrinks by
	 * len until the application calls sl_tcp_consumed(). */
	SL_TCP_EV_DATA,
	/** The peer sent FIN: nothing more will be received. */
	SL_TCP_EV_PEER_FIN,
	/** After sl_tcp_send() returned -ENOBUFS, at least half the send
	 * buffer is free again. */
	SL_TCP_EV_SEND_SPACE,
	/** The connection is over (ev->reason). The handle is invalid when the
	 * callback returns. Not delivered after sl_tcp_close()/sl_tcp_abort(). */
	SL_TCP_EV_CLOSED,
};

struct sl_tcp_event {
	enum sl_tcp_event_type type;
	struct sl_tcp_conn *conn;
	void *user;			/**< the connection's user context */
	union {
		struct {
			struct rte_mbuf *m;
			uint32_t len;
		} data;			/**< SL_TCP_EV_DATA */
		enum sl_tcp_close_reason reason; /**< SL_TCP_EV_CLOSED */
	};
};

/**
 * Event callback. Called synchronously from sl_tcp_input(), sl_tcp_poll()
 * or sl_tcp_connect() on the owning lcore. It may call any function of this
 * API on any connection, including sl_tcp_send(), sl_tcp_close() and
 * sl_tcp_abort() on ev->conn.
 */
typedef void (*sl_tcp_event_fn)(void *arg, const struct sl_tcp_event *ev);

/**
 * Output callback: takes ownership of one complete IPv4 packet (data at the
 * IP header, l3_len/l4_len set; with params.tx_cksum_offload, ol_flags ask
 * for IP and TCP checksum offload and l2_len is left for the caller).
 */
typedef void (*sl_tcp_output_fn)(void *arg, struct rte_mbuf *m);

/**
 * Local port chooser for sl_tcp_connect(): return a port (host order) or -1.
 * The stack calls it again (up to 64 times) when the 4-tuple is in use.
 */
typedef int (*sl_tcp_pick_port_fn)(void *arg, uint32_t laddr, uint32_t raddr, uint16_t rport);

/** Feature flags (params.flags). */
#define SL_TCP_F_SACK		(1u << 0)	/**< RFC 2018 SACK and RFC 6675 recovery */
#define SL_TCP_F_TIMESTAMPS	(1u << 1)	/**< RFC 7323 timestamps and PAWS */
#define SL_TCP_F_WSCALE		(1u << 2)	/**< RFC 7323 window scaling */
#define SL_TCP_F_SYNCOOKIES	(1u << 3)	/**< RFC 4987 cookies when the backlog is full */
#define SL_TCP_F_DEFAULT \
	(SL_TCP_F_SACK | SL_TCP_F_TIMESTAMPS | SL_TCP_F_WSCALE | SL_TCP_F_SYNCOOKIES)

/**
 * Admission of a new connection: called for each SYN to a listener (not for
 * retransmissions of a SYN already answered), before any state or SYN cookie
 * is made, with the listener's context and the peer's address (network
 * order). false: the SYN is dropped silently and counted as syn_limited; the
 * peer retransmits it after its own SYN timeout (1 s, then 2 s, ...), which
 * is the back-off a new-connection rate limit wants.
 * Context: the worker that owns the TCP instance.
 */
typedef bool (*sl_tcp_syn_filter_fn)(void *arg, void *listen_ctx, uint32_t raddr);

/**
 * Creation parameters. Zero means "default" for every numeric field.
 */
struct sl_tcp_params {
	const char *name;		/**< for logs; default "tcp" */
	int socket_id;			/**< NUMA socket of the allocations (SOCKET_ID_ANY ok) */
	uint32_t max_conns;		/**< connection slots incl. TIME_WAIT; default 1024 */
	uint32_t max_listeners;		/**< default 16 */
	uint32_t syn_backlog;		/**< half-open (SYN_RECEIVED) limit; default 256 */
	uint32_t snd_buf;		/**< per-connection send queue bytes; default 256 KiB */
	uint32_t rcv_buf;		/**< per-connection receive window bytes; default 256 KiB */
	uint16_t mtu;			/**< IP MTU; our MSS = mtu - 40; default 1500 */
	uint32_t rto_min_ms;		/**< default 200 (Linux); RFC 6298 says 1000 */
	uint32_t rto_max_ms;		/**< default 120000 */
	uint32_t rto_init_ms;		/**< default 1000 (RFC 6298 2.1) */
	uint32_t delack_ms;		/**< delayed ACK timer; default 40 */
	uint32_t max_retries;		/**< data retransmissions before giving up; default 15 */
	uint32_t syn_retries;		/**< SYN / SYN-ACK retransmissions; default 6 */
	uint32_t time_wait_max;		/**< TIME_WAIT connections at most; default max_conns/2 */
	uint32_t time_wait_ms;		/**< 2*MSL; default 60000 (Linux) */
	uint32_t fin_wait2_ms;		/**< orphaned FIN_WAIT_2 lifetime; default 60000 */
	uint32_t challenge_ack_limit;	/**< RFC 5961 challenge ACKs per second; default 1000 */
	uint32_t flags;			/**< SL_TCP_F_*; use SL_TCP_F_DEFAULT for all */
	uint16_t eph_lo, eph_hi;	/**< default chooser range; default 32768..60999 */
	bool tx_cksum_offload;		/**< the device computes IP/TCP checksums */
	uint64_t tsc_hz;		/**< rte_get_tsc_hz() unless simulated */
	uint8_t key[16];		/**< ISN/cookie/hash secret; all zero = random */
	struct rte_mempool *hdr_pool;	/**< headers, control segments, indirect views */
	sl_tcp_output_fn output;
	void *output_arg;
	sl_tcp_event_fn event;
	void *event_arg;
	sl_tcp_pick_port_fn pick_port;	/**< NULL: sequential ephemeral range */
	void *pick_port_arg;
	sl_tcp_syn_filter_fn syn_filter; /**< NULL: every SYN to a listener is admitted */
	void *syn_filter_arg;
};

/** Why a segment was dropped. Every dropped segment is counted under one. */
#define SL_TCP_DROP_REASONS(X)						\
	X(SHORT,	"short")	/* truncated header, bad data offset */	\
	X(CKSUM,	"bad_cksum")						\
	X(NO_LISTENER,	"no_listener")	/* closed port (RST sent unless RST) */	\
	X(TABLE_FULL,	"table_full")	/* no connection slot for a new SYN */	\
	X(BACKLOG_FULL,	"backlog_full")	/* half-open limit and no cookies */	\
	X(PAWS,		"paws")		/* RFC 7323 5.3 old timestamp */	\
	X(OUT_OF_WINDOW, "out_of_window") /* unacceptable sequence number */	\
	X(BAD_ACK,	"bad_ack")	/* ACK outside RFC 5961 5.2 bounds */	\
	X(RST_INVALID,	"rst_invalid")	/* RST failing RFC 5961 3.2 checks */	\
	X(SYN_INVALID,	"syn_invalid")	/* SYN in a synchronized state */	\
	X(NO_ACK,	"no_ack")	/* segment without ACK where one is needed */ \
	X(BAD_COOKIE,	"bad_cookie")	/* ACK to a listener, cookie invalid */	\
	X(SYN_LIMITED,	"syn_limited")	/* SYN refused by the syn_filter (rate) */ \
	X(BAD_FLAGS,	"bad_flags")	/* SYN+RST, SYN+FIN, no flags, ... */	\
	X(OOO_FULL,	"ooo_full")	/* reassembly queue full */		\
	X(STATE,	"state")	/* not acceptable in this state */	\
	X(NO_MBUF,	"no_mbuf")	/* header pool empty when sending */

enum sl_tcp_drop {
#define SL_TCP_DROP_ENUM(e, s) SL_TCP_DROP_##e,
	SL_TCP_DROP_REASONS(SL_TCP_DROP_ENUM)
#undef SL_TCP_DROP_ENUM
	SL_TCP_DROP__MAX
};

/** The counter name of a drop reason ("bad_cksum"). */
const char *sl_tcp_drop_name(enum sl_tcp_drop reason);

/** Per-instance counters, written by the owning lcore only. */
struct sl_tcp_stats {
	uint64_t rx_segs;
	uint64_t tx_segs;
	uint64_t rx_bytes;		/**< payload delivered in order */
	uint64_t tx_bytes;		/**< payload sent, retransmissions included */
	uint64_t active_opens;
	uint64_t passive_opens;
	uint64_t established;		/**< connections that reached ESTABLISHED */
	uint64_t rst_sent;
	uint64_t rst_rcvd;		/**< acceptable RSTs that reset a connection */
	uint64_t challenge_acks;	/**< RFC 5961 */
	uint64_t rtx_timeout;		/**< segments retransmitted by RTO */
	uint64_t rtx_fast;		/**< segments retransmitted by fast retransmit/recovery */
	uint64_t rtx_syn;		/**< SYN and SYN-ACK retransmissions */
	uint64_t timeouts;		/**< connections given up on */
	uint64_t persist_probes;
	uint64_t tlp_probes;		/**< tail loss probes sent (RFC 8985 7) */
	uint64_t dup_segs;		/**< segments entirely duplicate */
	uint64_t ooo_segs;		/**< segments queued out of order */
	uint64_t sack_blocks_rcvd;
	uint64_t cookies_sent;
	uint64_t cookies_validated;
	uint64_t tw_reclaimed;		/**< TIME_WAIT reused by a new SYN (RFC 6191) */
	uint64_t tw_overflow;		/**< closed at once: TIME_WAIT limit reached */
	uint64_t drops[SL_TCP_DROP__MAX];
};

/**
 * Create an instance. Allocates everything it will ever use (rte_zmalloc on
 * params->socket_id).
 * @return the instance, or NULL with rte_errno set (EINVAL, ENOMEM).
 * Context: any thread, at init.
 */
struct sl_tcp *sl_tcp_create(const struct sl_tcp_params *params);

/**
 * Free an instance: every connection is dropped without sending anything,
 * queued mbufs are freed, no events are delivered.
 * Context: the owning lcore or, once it stopped, any thread.
 */
void sl_tcp_destroy(struct sl_tcp *t);

/**
 * Accept connections to addr:port (addr 0 = any local address).
 * New connections are reported by SL_TCP_EV_ACCEPTED with ev->user = ctx.
 * @return 0, -EADDRINUSE, -ENOSPC (max_listeners).
 * Context: owning lcore.
 */
int sl_tcp_listen(struct sl_tcp *t, uint32_t addr, uint16_t port, void *ctx);

/** Stop listening; established connections are unaffected. 0 or -ENOENT. */
int sl_tcp_unlisten(struct sl_tcp *t, uint32_t addr, uint16_t port);

/**
 * Active open from laddr to raddr:rport; the local port comes from
 * params.pick_port. The SYN is sent at once.
 * @return 0 and *out set, or -EADDRNOTAVAIL (no port), -ENOSPC (table full),
 * -ENOBUFS (no mbuf for the SYN).
 * Context: owning lcore. Allocates a connection slot.
 */
int sl_tcp_connect(struct sl_tcp *t, uint32_t laddr, uint32_t raddr, uint16_t rport,
		   void *ctx, struct sl_tcp_conn **out);

/**
 * Process one received IPv4 packet carrying TCP. Takes ownership of m.
 * Context: owning lcore. May call the event and output callbacks.
 */
void sl_tcp_input(struct sl_tcp *t, struct rte_mbuf *m);

/**
 * Advance the clock to now_tsc, run due timers, send queued ACKs.
 * Call once per poll-loop iteration, before the rx burst is processed.
 * Context: owning lcore. May call the event and output callbacks.
 */
void sl_tcp_poll(struct sl_tcp *t, uint64_t now_tsc);

/**
 * Queue an mbuf chain for transmission (ownership passes to the stack on
 * success only). Segments go out as soon as the windows allow.
 * @return 0; -ENOBUFS if the send buffer limit would be exceeded (the chain
 * stays the caller's; SL_TCP_EV_SEND_SPACE follows when space frees up);
 * -EPIPE after sl_tcp_shutdown()/close or when the connection is closing.
 * Context: owning lcore, also from inside an event callback.
 */
int sl_tcp_send(struct sl_tcp_conn *c, struct rte_mbuf *chain);

/**
 * Bytes that sl_tcp_send() would accept now. Only a refused sl_tcp_send()
 * (-ENOBUFS) arms SL_TCP_EV_SEND_SPACE. Context: owning lcore.
 */
uint32_t sl_tcp_send_space(const struct sl_tcp_conn *c);

/**
 * Ask for SL_TCP_EV_SEND_SPACE as if sl_tcp_send() had been refused: for an
 * application that sends only what sl_tcp_send_space() allows and waits for
 * more. Context: owning lcore.
 */
void sl_tcp_want_space(struct sl_tcp_conn *c);

/**
 * Return receive-window credit for bytes of delivered data the application
 * no longer holds. Sends a window update when the window opens by at least
 * min(rcv_buf/2, 2*MSS) (RFC 9293 3.8.6.2.2 receiver SWS avoidance).
 * Context: owning lcore.
 */
void sl_tcp_consumed(struct sl_tcp_conn *c, uint32_t bytes);

/**
 * Half-close: send FIN after the queued data. Events keep coming until
 * SL_TCP_EV_CLOSED. 0 or -ENOTCONN. Context: owning lcore.
 */
int sl_tcp_shutdown(struct sl_tcp_conn *c);

/**
 * Release the connection: FIN after queued data; the stack finishes the
 * close by itself and delivers no more events; data arriving afterwards is
 * answered by RST (as Linux does after close()). The handle is invalid on
 * return. Context: owning lcore.
 */
void sl_tcp_close(struct sl_tcp_conn *c);

/**
 * Send RST and free the connection at once. No more events; the handle is
 * invalid on return. Context: owning lcore.
 */
void sl_tcp_abort(struct sl_tcp_conn *c);

/** The connection's user context. */
void *sl_tcp_user(const struct sl_tcp_conn *c);
/** Attach the application's context (typically in SL_TCP_EV_ACCEPTED). */
void sl_tcp_set_user(struct sl_tcp_conn *c, void *user);
enum sl_tcp_state sl_tcp_conn_state(const struct sl_tcp_conn *c);

/** A snapshot of one connection, for "show connections". */
struct sl_tcp_conn_info {
	uint32_t laddr, raddr;		/**< network order */
	uint16_t lport, rport;		/**< host order */
	enum sl_tcp_state state;
	uint32_t snd_una, snd_nxt, snd_wnd, cwnd, ssthresh;
	uint32_t rcv_nxt, rcv_wnd;
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t mss;			/**< effective send MSS (payload bytes) */
	uint32_t snd_queued;		/**< bytes in the send queue */
	uint32_t rcv_held;		/**< delivered bytes not yet consumed */
	uint32_t retransmits;
	uint8_t snd_wscale, rcv_wscale;
	bool sack, timestamps;
};

/** Fill *info for c. Context: owning lcore. */
void sl_tcp_conn_get_info(const struct sl_tcp_conn *c, struct sl_tcp_conn_info *info);

/**
 * Iterate connections: set *pos = 0 first; each call fills *info and
 * returns 0, then -ENOENT at the end.
 * Context: owning lcore (the control thread asks the worker over a ring).
 */
int sl_tcp_conn_next(const struct sl_tcp *t, uint32_t *pos, struct sl_tcp_conn_info *info);

/** Counters of the instance (a pointer to live values). Context: owning lcore. */
const struct sl_tcp_stats *sl_tcp_stats(const struct sl_tcp *t);

/** Number of connection slots in use (TIME_WAIT included). */
uint32_t sl_tcp_conn_count(const struct sl_tcp *t);

#ifdef __cplusplus
}
#endif

#endif /* SL_TCP_H */
