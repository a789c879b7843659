/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/tcp, shared by its source files only.
 */
#ifndef SL_TCP_PRIV_H
#define SL_TCP_PRIV_H

#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "sl_tcp.h"

/* Sequence space comparisons, RFC 9293 3.4 (modulo 2^32). */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	SEQ_LT(b, a)
#define SEQ_GEQ(a, b)	SEQ_LEQ(b, a)
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20

#define TCP_OPT_EOL		0
#define TCP_OPT_NOP		1
#define TCP_OPT_MSS		2
#define TCP_OPT_WS		3
#define TCP_OPT_SACK_PERM	4
#define TCP_OPT_SACK		5
#define TCP_OPT_TS		8

#define TCP_DEFAULT_MSS		536	/* RFC 9293 3.7.1 */
#define TCP_MAX_WSCALE		14	/* RFC 7323 2.3 */
#define TCP_SACK_MAX		4	/* blocks in one option (RFC 2018 3) */
#define TCP_OOO_MAX		16	/* reassembly ranges per connection */
#define TCP_SCORE_MAX		16	/* SACKed ranges remembered per connection */
#define TCP_INIT_CWND_SEGS	10	/* RFC 6928 */
#define TCP_DUPTHRESH		3	/* RFC 5681 3.2, RFC 6675 */
#define TCP_COPY_MAX		128	/* payloads up to this are copied, not chained */
#define TCP_TX_SEGS_MAX		16	/* more pieces than this: copy */

/* Timer wheel: 1 ms ticks, 1024 slots; longer timers go round again. */
#define TCP_WHEEL_BITS		10
#define TCP_WHEEL_SLOTS		(1u << TCP_WHEEL_BITS)

enum tcp_timer_kind {
	TCP_T_RTX = 0,		/* retransmission or persist */
	TCP_T_DELACK,
	TCP_T_LINGER,		/* TIME_WAIT, orphaned FIN_WAIT_2 */
	TCP_T__MAX
};

struct tcp_timer {
	LIST_ENTRY(tcp_timer) link;
	uint64_t expire;	/* tick */
	uint8_t kind;
	uint8_t armed;
};
LIST_HEAD(tcp_timer_list, tcp_timer);

/* Options parsed from one segment. */
struct tcp_opts {
	uint16_t mss;
	uint8_t ws;
	uint8_t has_mss : 1, has_ws : 1, sack_ok : 1, has_ts : 1;
	uint8_t nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[TCP_SACK_MAX][2];
};

/* Parsed segment. */
struct tcp_seg {
	uint32_t seq, ack;
	uint32_t len;		/* payload bytes */
	uint32_t seglen;	/* len + SYN + FIN (RFC 9293 3.4 SEG.LEN) */
	uint16_t win;
	uint8_t flags;
	uint32_t laddr, raddr;	/* network order */
	uint16_t lport, rport;	/* host order */
	struct tcp_opts o;
};

struct tcp_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

struct tcp_ooo {
	uint32_t seq, len;
	struct rte_mbuf *m;	/* payload only, len bytes */
};

/* Connection flags. */
#define CF_ACK_NOW	(1u << 0)	/* an ACK must go out at the next flush */
#define CF_ON_ACKLIST	(1u << 1)
#define CF_SACK		(1u << 2)	/* SACK negotiated */
#define CF_TS		(1u << 3)	/* timestamps negotiated */
#define CF_WS		(1u << 4)	/* window scaling negotiated */
#define CF_FIN_QUEUED	(1u << 5)	/* the app asked for FIN */
#define CF_FIN_SENT	(1u << 6)
#define CF_ORPHAN	(1u << 7)	/* sl_tcp_close()d: no events */
#define CF_PEER_FIN	(1u << 8)
#define CF_WANT_SPACE	(1u << 9)	/* send returned -ENOBUFS */
#define CF_IN_RECOVERY	(1u << 10)
#define CF_RTT_TIMING	(1u << 11)	/* rtt_seq is being timed (Karn) */
#define CF_PERSIST	(1u << 12)	/* the RTX timer is the persist timer */
#define CF_PASSIVE	(1u << 13)
#define CF_ACCEPTED	(1u << 14)	/* the app knows this connection */
#define CF_DEAD		(1u << 15)	/* on the reap list */
#define CF_IN_HASH	(1u << 16)
#define CF_OOO_FIN	(1u << 17)	/* a FIN was seen at ooo_fin_seq */
#define CF_FORCE	(1u << 18)	/* persist expiry: SWS override */
#define CF_TLP		(1u << 19)	/* the RTX timer is a tail loss probe timeout */
#define CF_TLP_SENT	(1u << 20)	/* a probe is out: none again until snd_una moves */

struct sl_tcp_conn {
	struct sl_tcp *t;
	void *user;
	struct tcp_key key;
	uint32_t hnext;			/* hash chain (slot index + 1, 0 = end) */
	uint32_t idx;
	uint32_t flags;
	enum sl_tcp_state state;
	TAILQ_ENTRY(sl_tcp_conn) alink;	/* ack list, reap list or free list */

	/* Send side (RFC 9293 3.3.1). snd_max is the highest ever sent. */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint32_t cwnd, ssthresh, recover, rtx_nxt;
	uint32_t cwnd_cnt;		/* bytes acked toward the next +MSS (CA) */
	uint16_t mss;			/* payload bytes per segment */
	uint16_t peer_mss;
	uint8_t snd_ws, rcv_ws;
	uint8_t dupacks;
	uint8_t backoff;		/* RTO doublings / persist probes */
	uint8_t retries;
	uint32_t retransmits;
	uint32_t high_sack;		/* highest SACKed sequence + 1 */
	uint32_t nscore;
	uint32_t score[TCP_SCORE_MAX][2];	/* SACKed [start, end), sorted */

	/* Send queue: segments linked by ->next; head_off bytes of the head
	 * are already acknowledged. Byte snd_una is at (snd_head, head_off). */
	struct rte_mbuf *snd_head, *snd_tail;
	uint32_t head_off;
	uint32_t snd_q;			/* bytes queued from snd_una on */
	struct rte_mbuf *cur_m;		/* cursor: segment starting at cur_seq */
	uint32_t cur_seq;

	/* RTT, RFC 6298, in microseconds; rto in ticks (ms). */
	uint32_t srtt, rttvar, rto;
	uint64_t una_rtx_tick;		/* when snd_una's segment was last resent; 0: not */
	uint64_t last_rtx_tick;		/* when any segment was last resent */
	uint32_t rtt_seq;
	uint64_t rtt_tick;
	uint64_t oow_tick;		/* last reply to an out-of-window ACK */

	/* Receive side. rcv_adv is the right edge last advertised. */
	uint32_t irs, rcv_nxt, rcv_adv;
	uint32_t rcv_held;		/* delivered, not yet consumed */
	uint32_t ts_recent;		/* RFC 7323 4.3 TS.Recent */
	uint32_t last_ack_sent;
	uint32_t unacked_bytes;		/* received since our last ACK */
	uint32_t ooo_fin_seq;
	uint32_t last_ooo_seq;		/* start of the latest out-of-order segment */
	uint8_t nooo;
	struct tcp_ooo ooo[TCP_OOO_MAX];

	struct tcp_timer tm[TCP_T__MAX];
};
TAILQ_HEAD(tcp_conn_list, sl_tcp_conn);

struct sl_tcp_listener {
	uint32_t addr;
	uint16_t port;
	uint16_t used;
	void *ctx;
};

struct sl_tcp {
	struct sl_tcp_params p;
	uint64_t tick_cycles;		/* tsc per 1 ms tick */
	uint64_t now_tsc;
	uint64_t tick;			/* current tick (ms since create) */
	uint64_t tsc_base;
	uint64_t wheel_tick;		/* next slot to process */
	uint16_t our_mss;		/* mtu - 40 */
	uint8_t our_ws;
	uint16_t next_port;
	uint16_t ip_id;
	uint32_t nconns, half_open, time_wait;
	uint32_t chack_count;
	uint64_t chack_sec;
	uint64_t k0, k1;		/* SipHash key */
	uint32_t hmask;
	uint32_t *htab;			/* slot index + 1, 0 = empty */
	struct sl_tcp_conn *conns;
	struct sl_tcp_listener *listeners;
	struct tcp_conn_list free_list, ack_list, reap_list;
	struct tcp_timer_list *wheel;
	struct sl_tcp_stats st;
};

/* tcp_hash.c */
uint64_t tcp_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len);
uint32_t tcp_isn(struct sl_tcp *t, const struct tcp_key *k);
uint32_t tcp_cookie_make(struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn,
			 uint16_t mss, uint16_t *mss_used);
int tcp_cookie_check(struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn,
		     uint32_t cookie, uint16_t *mss);

/* tcp_timer.c */
void tcp_timer_arm(struct sl_tcp *t, struct sl_tcp_conn *c, enum tcp_timer_kind k,
		   uint32_t ms);
void tcp_timer_cancel(struct sl_tcp_conn *c, enum tcp_timer_kind k);
void tcp_timer_run(struct sl_tcp *t);
void tcp_timer_fire(struct sl_tcp *t, struct sl_tcp_conn *c, enum tcp_timer_kind k);

/* tcp_output.c */
int tcp_output(struct sl_tcp_conn *c);
int tcp_send_ack(struct sl_tcp_conn *c);
int tcp_send_syn(struct sl_tcp_conn *c);
int tcp_send_rst_conn(struct sl_tcp_conn *c);
void tcp_send_rst_reply(struct sl_tcp *t, const struct tcp_seg *s);
int tcp_send_syncookie_synack(struct sl_tcp *t, const struct tcp_seg *s, uint32_t cookie,
			      uint16_t mss);
int tcp_send_probe(struct sl_tcp_conn *c);
int tcp_xmit_synack_again(struct sl_tcp_conn *c);
int tcp_retransmit_una(struct sl_tcp_conn *c);
void tcp_arm_rtx_or_pto(struct sl_tcp_conn *c);
void tcp_ack_later(struct sl_tcp_conn *c);
uint32_t tcp_rcv_wnd_calc(const struct sl_tcp_conn *c);
uint32_t tcp_ts_now(const struct sl_tcp *t);

/* tcp_input.c */
void tcp_sndq_ack(struct sl_tcp_conn *c, uint32_t acked);

/* tcp_core.c */
struct sl_tcp_conn *tcp_conn_lookup(struct sl_tcp *t, const struct tcp_key *k);
struct sl_tcp_conn *tcp_conn_alloc(struct sl_tcp *t, const struct tcp_key *k);
void tcp_conn_set_state(struct sl_tcp_conn *c, enum sl_tcp_state s);
void tcp_conn_finish(struct sl_tcp_conn *c, enum sl_tcp_close_reason r);
void tcp_conn_release(struct sl_tcp_conn *c);
void tcp_event(struct sl_tcp_conn *c, enum sl_tcp_event_type type, struct rte_mbuf *m,
	       uint32_t len, enum sl_tcp_close_reason r);
void tcp_enter_time_wait(struct sl_tcp_conn *c);
void tcp_conn_init_snd(struct sl_tcp_conn *c);
struct sl_tcp_listener *tcp_listener_find(struct sl_tcp *t, uint32_t addr, uint16_t port);
void tcp_reap(struct sl_tcp *t);

static inline uint32_t
tcp_ms_to_ticks(uint32_t ms)
{
	return ms;
}

/*
 * One's-complement sum (folded, not inverted) of the TCP segment that starts
 * at offset l4 of chain m, with the IPv4 pseudo-header. DPDK 22.11's
 * rte_raw_cksum_mbuf() truncates the partial sum of a piece that starts at an
 * odd offset before swapping it (it drops the carries), so a relayed chain
 * whose pieces have odd lengths got a wrong checksum; here each piece's sum
 * is folded to 16 bits first and byte-swapped when it starts at an odd
 * offset of the segment (RFC 1071 2(B)).
 */
uint16_t tcp_cksum_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4);

#endif /* SL_TCP_PRIV_H */
