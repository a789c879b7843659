/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the proxy: connection records, timeout queues, mbuf chains. */
#ifndef SL_PROXY_PRIV_H
#define SL_PROXY_PRIV_H

#include <rte_log.h>
#include <rte_mbuf.h>

#include "sl_http.h"
#include "sl_proxy.h"

extern int sl_proxy_logtype;
#define PXLOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_proxy_logtype, "proxy: " fmt "\n", ##__VA_ARGS__)

/*
 * Timeouts. Each kind has one fixed duration, so deadlines in a kind's queue
 * are in arming order: arming is an append, expiry looks at the head only,
 * re-arming is unlink + append, all O(1).
 */
enum px_tmo {
	PX_T_NONE = 0,
	PX_T_CLIENT_HEAD,	/* request header section not complete in time: 408 */
	PX_T_CLIENT_IDLE,	/* keep-alive client idle between requests: close */
	PX_T_CLIENT_BODY,	/* request body stalled: 408 or close */
	PX_T_BACKEND_CONNECT,	/* no SYN-ACK in time: next backend or 504 */
	PX_T_BACKEND_RESPONSE,	/* response (or its next bytes) late: 504 or abort */
	PX_T_BACKEND_IDLE,	/* pooled connection unused: close */
	PX_T_QUEUE,		/* waited too long for a backend connection: 503 */
	PX_T_PACE,		/* bandwidth pacing: look again (1 ms) */
	PX_T__MAX
};

struct px_timer {
	struct px_timer *prev, *next;
	uint64_t deadline;
	uint8_t kind;
};

enum px_client_state {
	C_FREE = 0,
	C_IDLE,		/* between requests (or none yet) */
	C_HEAD,		/* receiving a request's header section */
	C_BODY,		/* request sent, its body streaming to the backend */
	C_WAIT,		/* request complete, waiting for / relaying the response */
	C_TUNNEL,	/* after 101: bytes both ways */
	C_DELAY,	/* request throttled by a delay policy: on the delay heap */
};

enum px_bconn_state {
	B_FREE = 0,
	B_CONNECTING,
	B_IDLE,		/* pooled */
	B_BUSY,		/* serving a client's request */
	B_TUNNEL,
};

struct px_bconn;

struct px_client {
	struct px_timer tm;
	struct sl_tcp_conn *conn;
	const struct sl_conf_vip *vip;
	uint16_t vip_idx;
	uint8_t state;
	bool peer_fin;		/* client sent FIN */
	bool close_after;	/* close once the current response is sent */
	bool head_kept;		/* the request head is still at the front of in */
	bool req_done;		/* request body complete (relayed) */
	bool body_end_seen;	/* the parser reached the end of the request body */
	bool resp_started;	/* a byte of the response went to the client */
	bool closing;		/* close once c->out is flushed */
	bool acquired;		/* counted in its backend's in-flight requests */
	bool in_flight;		/* counted in the worker's requests in flight (shedding) */
	bool corked;		/* out is being built (a response head and the body bytes
				   that came with it): pushed to TCP in one send at uncork */
	bool queued;		/* waiting in its backend's queue for a connection */
	uint16_t q_backend;	/* whose queue */
	struct px_client *wq_next, *wq_prev;	/* that queue, FIFO */
	uint64_t q_since;	/* TSC it was queued */
	struct px_timer pace;	/* bandwidth pacing: look again in 1 ms */
	uint64_t delay_until;	/* C_DELAY: TSC it is released */
	uint32_t dh_pos;	/* C_DELAY: its index in the delay heap; PX_NONE: not there */
	int8_t bw_limit;	/* the bandwidth policy pacing this request; -1 none */
	uint8_t bw_key_len;
	bool conn_over;		/* over max_conns_per_client: its first request gets a 429 */
	bool conn_counted;	/* counted in the VIP's per-client connection table */
	uint8_t bw_key[32];	/* the policy's key (a longer one is cut) */
	struct sl_limit_state bw_state;	/* key = connection */
	struct sl_limit_state vbw_state; /* [vip] bandwidth: this connection's pacing */
	uint8_t retries;
	int16_t pool;		/* of the current request */
	int backend;		/* of the current request; -1 none */
	int16_t aff_had;	/* the affine backend found for it; -1 none */
	int16_t set_cookie;	/* its response sets the sticky cookie for this backend; -1 no */
	rte_be32_t ip;
	uint16_t port;
	struct rte_mbuf *in;	/* received, not yet released */
	uint32_t in_len;
	uint32_t parsed;	/* bytes of in fed to the request parser */
	struct px_bconn *b;	/* serving the current request */
	struct rte_mbuf *out;	/* to the client, not yet taken by TCP */
	struct sl_http_parser req;
	uint32_t next_free;
};

struct px_bconn {
	struct px_timer tm;
	struct sl_tcp_conn *conn;
	uint16_t backend;
	uint8_t state;
	bool reused;		/* has served a request: may be closing under us */
	bool got_bytes;		/* a byte of the current response arrived */
	bool head_done;		/* the current response's header section was relayed */
	bool peer_fin;		/* the backend sent FIN */
	bool fin_relayed;	/* tunnel: that FIN was passed on to the client */
	struct px_client *c;
	struct rte_mbuf *in;
	uint32_t in_len;
	uint32_t parsed;
	struct rte_mbuf *out;	/* to the backend, not yet taken by TCP */
	struct px_bconn *idle_next;
	struct sl_http_parser resp;
	uint32_t next_free;
};

struct px_backend_rt {
	rte_be32_t laddr;	/* our address toward it; 0: not looked up yet */
	uint32_t gen;		/* sl_lb_backend.gen the entry was made for */
	struct px_bconn *idle;	/* LIFO of pooled connections */
	uint32_t n_idle;
	struct px_client *wq_head, *wq_tail;	/* requests waiting for a connection */
	uint32_t n_wait;
};

struct sl_proxy {
	const struct sl_config *conf;
	const struct sl_lb *lb;
	const struct sl_net *net;
	struct sl_proxy_shared *shared;	/* NULL: no affinity, max_conns per worker */
	struct sl_lb_worker lw;
	struct sl_tcp *tcp;
	struct rte_mempool *pool;
	unsigned int worker_id;
	uint64_t now;
	uint64_t tmo_tsc[PX_T__MAX];
	struct px_timer queues[PX_T__MAX];	/* sentinels */
	uint64_t next_check;
	struct sl_http_limits req_limits;
	struct sl_http_limits resp_limits;
	uint32_t max_clients, max_bconns;
	struct px_client *clients;
	struct px_bconn *bconns;
	uint32_t client_free, bconn_free;
	struct px_backend_rt *brt;
	uint32_t inflight;	/* requests in flight on this worker */
	uint32_t n_waiting;	/* of them waiting in backend queues */
	struct sl_proxy_shed_stats shed;
	struct sl_proxy_shed_params shed_p;
	uint32_t *dheap;	/* delay heap: client indexes by delay_until */
	uint32_t n_delayed;
	uint64_t limit_rejected, limit_delayed, conn_over_answered;
	struct sl_proxy_vip_stats vstats[SL_VIPS_MAX];
	struct sl_proxy_backend_stats *bstats;
};

#define PX_NONE UINT32_MAX
#define PX_BW_BURST (64u * 1024)	/* [vip] bandwidth: bytes a connection may send at once */

/* proxy.c */
void px_timer_arm(struct sl_proxy *px, struct px_timer *t, enum px_tmo kind);
void px_timer_stop(struct px_timer *t);
void px_count_response(struct sl_proxy *px, struct px_client *c, unsigned int code);

/* proxy_chain.c: mbuf chains of payload. */
void px_chain_append(struct rte_mbuf **head, struct rte_mbuf *m);
/* Detach the first n bytes of *head (n <= pkt_len) as a chain of their own. NULL: no mbuf. */
struct rte_mbuf *px_chain_split(struct rte_mempool *mp, struct rte_mbuf **head, uint32_t n);
/* Free the first n bytes of *head. */
void px_chain_trim(struct rte_mbuf **head, uint32_t n);
/*
 * Feed parser p with bytes [from, from + max) of chain (fewer if it ends).
 * *used: bytes the parser consumed. Returns the parser's result.
 */
int px_chain_parse(struct sl_http_parser *p, const struct rte_mbuf *chain, uint32_t from,
		   uint32_t max, uint32_t *used);

/*
 * A chain being written: heads and error responses. Bytes go with plain stores to
 * [cur, end), the free room of the tail segment; its data_len and the chain's pkt_len
 * are set when the segment is full and in px_wr_done(), so a piece that fits costs a
 * compare and a copy. After a failed allocation every write is a no-op (cur = end = NULL).
 */
struct px_writer {
	char *cur, *end;
	struct rte_mbuf *head, *tail;
	struct rte_mempool *mp;
	bool failed;
};
void px_wr_init(struct px_writer *w, struct rte_mempool *mp);
/* The slow paths of px_wr_put() and px_wr_span(): a new segment, a span across segments. */
void px_wr_put_more(struct px_writer *w, const void *data, size_t len);
void px_wr_span_more(struct px_writer *w, const struct rte_mbuf *chain, struct sl_http_span s);

static inline void
px_wr_put(struct px_writer *w, const void *data, size_t len)
{
	/* strictly less: len 0 with no segment yet (cur = end = NULL) takes the slow path,
	 * which never passes NULL to memcpy */
	if (likely(len < (size_t)(w->end - w->cur))) {
		memcpy(w->cur, data, len);
		w->cur += len;
	} else {
		px_wr_put_more(w, data, len);
	}
}

/* A string literal: its length is known at compile time, the copy inlined. */
#define px_wr_lit(w, s) px_wr_put((w), "" s "", sizeof(s) - 1)

static inline void
px_wr_str(struct px_writer *w, const char *s)
{
	px_wr_put(w, s, strlen(s));
}

void px_wr_u64(struct px_writer *w, uint64_t v);
void px_wr_ip(struct px_writer *w, rte_be32_t ip);

/* Copy span bytes of chain into the writer. */
static inline void
px_wr_span(struct px_writer *w, const struct rte_mbuf *chain, struct sl_http_span s)
{
	if (likely(chain != NULL && (uint64_t)s.off + s.len <= chain->data_len))
		px_wr_put(w, rte_pktmbuf_mtod_offset(chain, const char *, s.off), s.len);
	else
		px_wr_span_more(w, chain, s);
}

/* The chain written, or NULL (everything freed) when an allocation failed. */
struct rte_mbuf *px_wr_done(struct px_writer *w);

/* proxy_head.c: the heads the proxy writes. */
struct rte_mbuf *px_request_head(struct sl_proxy *px, struct px_client *c, const char *host,
				 size_t host_len);
struct rte_mbuf *px_response_head(struct sl_proxy *px, struct px_client *c, struct px_bconn *b);
struct rte_mbuf *px_error_response(struct sl_proxy *px, unsigned int code, const char *detail);
/* A response of the gateway's own: text body "Reason[: detail]", @p extra field lines
 * (each ending in CRLF; NULL: none), Connection: close when @p close. */
struct rte_mbuf *px_local_response(struct sl_proxy *px, unsigned int code, const char *detail,
				   const char *extra, bool close);

/* proxy_client.c */
/* The value of cookie @p name in the request's Cookie fields (lib/affinity's parser), or
 * NULL; *vlen its length. Copied into buf (size bytes) when it spans segments. */
const char *px_request_cookie(const struct px_client *c, const char *name, char *buf,
			      size_t size, size_t *vlen);
/* The value of header @p name (lower case) in the request, or NULL; as px_request_cookie. */
const char *px_request_header(const struct px_client *c, const char *name, char *buf,
			      size_t size, size_t *vlen);
/* The algorithm's key for the current request (the pool's hash_key, or the connection). */
uint64_t px_request_key(const struct sl_proxy *px, const struct px_client *c,
			const struct sl_lb_pool *pool);
/* The current request is over for its backend's in-flight count. */
void px_client_release_backend(struct sl_proxy *px, struct px_client *c);
/* The current request is over for the worker's in-flight count (shedding). */
void px_client_inflight_end(struct sl_proxy *px, struct px_client *c);
void px_client_process(struct sl_proxy *px, struct px_client *c);
void px_client_event(struct sl_proxy *px, struct px_client *c, const struct sl_tcp_event *ev);
void px_client_timeout(struct sl_proxy *px, struct px_client *c, enum px_tmo kind);
/* The current request passed its limits: shed or send it on (client_request_head's rest). */
void px_client_request_go(struct sl_proxy *px, struct px_client *c);
/* Answer the current request with a response of the gateway's own (status @p code,
 * @p extra field lines), keeping the connection when the request allows it. */
void px_client_local_reply(struct sl_proxy *px, struct px_client *c, unsigned int code,
			   const char *detail, const char *extra);
/* Answer the current request with a gateway error and close. */
void px_client_error(struct sl_proxy *px, struct px_client *c, enum sl_proxy_err e,
		     const char *detail);
/*
 * Bytes the client connection may take now: TCP's send space, cut to what
 * bandwidth pacing allows. When pacing is what holds it back, the pace timer
 * is armed and *paced set (the caller must not wait for SEND_SPACE then).
 */
uint32_t px_client_room(struct sl_proxy *px, struct px_client *c, uint32_t want, bool *paced);
void px_client_pace_timeout(struct sl_proxy *px, struct px_client *c);
/* Push what a corked c->out holds (px_backend_process built a head and its first bytes). */
void px_client_uncork(struct sl_proxy *px, struct px_client *c);
/* Queue bytes to the client (takes the chain). */
void px_client_send(struct sl_proxy *px, struct px_client *c, struct rte_mbuf *m);
/* The response to the current request is complete. */
void px_client_response_done(struct sl_proxy *px, struct px_client *c, bool backend_reusable);
/* The backend failed before the response was complete. */
void px_client_backend_failed(struct sl_proxy *px, struct px_client *c, bool retryable,
			      enum sl_proxy_err e);
void px_client_free(struct sl_proxy *px, struct px_client *c);
/* Send the current request's head on b, established and assigned to c. */
void px_client_send_head(struct sl_proxy *px, struct px_client *c, struct px_bconn *b);
/* The first byte of a response arrived: a head kept for a retry can go. */
void px_client_response_started(struct sl_proxy *px, struct px_client *c);
bool px_client_may_retry(const struct px_client *c);

/* proxy_affinity.c */
/* The current request's affine backend when it may take it, else -1 (then pick). */
int px_affinity_pick(struct sl_proxy *px, struct px_client *c, int avoid);
/* Move the affinity to the backend picked, k; returns the backend to use (another
 * worker's concurrent pin of the same client wins when usable). */
int px_affinity_record(struct sl_proxy *px, struct px_client *c, int k, int avoid);
/* The Set-Cookie field of the current response, when it needs one. */
void px_affinity_set_cookie(struct sl_proxy *px, struct px_client *c, struct px_writer *w);

/* proxy_limit.c */
/* The request's limits (the VIP's, then the route's): 0 go on; 1 delayed (it goes on
 * from the delay heap); -1 answered. Also picks the request's bandwidth policy. */
int px_limit_request(struct sl_proxy *px, struct px_client *c, const struct sl_conf_route *route);
/* Release the delayed requests whose time has come (every poll with some delayed). */
void px_limit_poll(struct sl_proxy *px);
/* Take c off the delay heap (it is gone). */
void px_limit_undelay(struct sl_proxy *px, struct px_client *c);
/* Bytes the request's bandwidth policy and the VIP's per-connection bandwidth let c
 * take now, of want; each grant is taken (arms the pace timer on 0). */
uint32_t px_limit_room(struct sl_proxy *px, struct px_client *c, uint32_t want, bool *paced);
/* Connection admission at accept, and its release. */
void px_limit_accept(struct sl_proxy *px, struct px_client *c);
void px_limit_close(struct sl_proxy *px, struct px_client *c);

/* proxy_backend.c */
/* Start the current request of c on a backend: pooled connection or a new one. */
int px_backend_start(struct sl_proxy *px, struct px_client *c, int avoid);
void px_backend_event(struct sl_proxy *px, struct px_bconn *b, const struct sl_tcp_event *ev);
void px_backend_timeout(struct sl_proxy *px, struct px_bconn *b, enum px_tmo kind);
void px_backend_process(struct sl_proxy *px, struct px_bconn *b);
/* Queue bytes to the backend (takes the chain). */
void px_backend_send(struct sl_proxy *px, struct px_bconn *b, struct rte_mbuf *m);
/* The client is gone or failed: drop the backend side of its request. */
void px_backend_detach(struct sl_proxy *px, struct px_bconn *b, bool reusable);
void px_bconn_close(struct sl_proxy *px, struct px_bconn *b, bool abort);
/* Take c out of its backend's wait queue (it was answered or is gone). */
void px_backend_unqueue(struct sl_proxy *px, struct px_client *c);
/* Serve the waiting requests that can get a connection now (from sl_proxy_poll). */
void px_backend_kick(struct sl_proxy *px);
/* Relay what the client's send queue can take now (response body). */
void px_backend_flush_to_client(struct sl_proxy *px, struct px_bconn *b);

#endif /* SL_PROXY_PRIV_H */
