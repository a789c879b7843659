/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Gateway configuration: loading an INI file (iniparser), validating every
 * key with a message naming file, line, section, key and reason, and the
 * immutable snapshot the rest of the gateway reads.
 *
 * A snapshot is built whole by sl_conf_load() and never modified after it is
 * returned: workers read it through an RCU-published pointer (see
 * sl_worker.h), the control thread builds a new one on reload. Addresses and
 * ports in this header are in host byte order; lib/net converts them once at
 * start-up.
 *
 * A snapshot is the struct sl_config block plus one block of routes per VIP
 * that has any (sizing every VIP for SL_ROUTES_MAX routes of the longest
 * host and path would take 5 MB): free it with sl_conf_free() only, and do
 * not keep a copy of a struct sl_conf_vip beyond the snapshot's life.
 *
 * Context: control thread only. Allocates with malloc (never on a worker).
 */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SL_NAME_MAX 32		/**< longest section suffix (port.NAME), with NUL */
#define SL_DEVICE_MAX 128	/**< longest ethdev name / devargs, with NUL */
#define SL_PORTS_MAX 8
#define SL_VIPS_MAX 64
#define SL_POOLS_MAX 64
#define SL_BACKENDS_MAX 1024
#define SL_RSS_KEY_MAX 52	/**< longest RSS key a PMD takes (i40e: 52 bytes) */
#define SL_ROUTES_MAX 64	/**< route.N per VIP: N is 1..SL_ROUTES_MAX */
#define SL_ROUTE_HOST_MAX 256	/**< a hostname (253 characters, RFC 1035 2.3.4), with NUL */
#define SL_ROUTE_PATH_MAX 512	/**< a path prefix, with NUL: the longest route.N
				     sl_conf_dump() writes stays a readable line */
#define SL_VIA_MAX 32		/**< a Via pseudonym (1..31 token characters), with NUL */
#define SL_LIMITS_MAX 32	/**< [limit.NAME] sections */
#define SL_VIP_LIMITS_MAX 8	/**< names in one VIP's or route's `limit` list */

/** A device profile: drivers-config/default.ini overlaid with <name>.ini. */
struct sl_profile {
	char name[SL_NAME_MAX];
	uint16_t max_queues;	/**< most RX/TX queue pairs the PMD supports */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;		/**< L3 MTU programmed on the port */
	bool promiscuous;
	bool idle;		/**< back off when idle by default (virtual devices) */
	bool rss;		/**< program hardware RSS on multi-queue ports */
	uint8_t rss_key_len;	/**< 0: keep the device's own key */
	uint8_t rss_key[SL_RSS_KEY_MAX];
	uint64_t rss_hf;	/**< RTE_ETH_RSS_* bits */
	uint64_t rx_offloads;	/**< RTE_ETH_RX_OFFLOAD_* bits wanted (masked by device capa) */
	uint64_t tx_offloads;	/**< RTE_ETH_TX_OFFLOAD_* bits wanted (masked by device capa) */
	uint32_t link_wait_ms;	/**< wait this long for link up at start (0: don't) */
};

struct sl_conf_port {
	char name[SL_NAME_MAX];		/**< NAME of [port.NAME] */
	char device[SL_DEVICE_MAX];	/**< ethdev name as EAL knows it */
	struct sl_profile profile;	/**< resolved profile */
	uint32_t addr;			/**< the gateway's address on this port */
	uint8_t prefix_len;
	uint32_t gateway;		/**< next hop off the subnet; 0 when none */
};

enum sl_vip_mode {
	SL_VIP_HTTP = 0,
	SL_VIP_ECHO,
	SL_VIP_DISCARD,
};

/**
 * route.N of a mode http VIP: a request whose Host and path match goes to
 * @p pool. Both conditions must hold; an empty one matches everything (never
 * both empty). The VIP's own pool takes what no route matches.
 */
struct sl_conf_route {
	uint16_t number;		/**< N of route.N, 1..SL_ROUTES_MAX */
	char host[SL_ROUTE_HOST_MAX];	/**< lower case, no port; "": any host. With
					     host_wildcard, the suffix with its leading
					     dot (".example.com" for *.example.com) */
	bool host_wildcard;		/**< any subdomain of host, not the apex */
	char path[SL_ROUTE_PATH_MAX];	/**< starts with '/', a byte prefix of the
					     request's path as sent; "": any path */
	int pool;			/**< index into sl_config.pools */
	uint8_t n_limits;		/**< limit=A,B: checked after the VIP's own limits */
	uint8_t limits[SL_VIP_LIMITS_MAX]; /**< indexes into sl_config.limits, as listed */
};

/**
 * A rate: @p count units per @p period_s seconds, exactly (no rounding to a
 * per-second figure: 1/h stays 1 per 3600 s). The unit is a request, a
 * connection or a byte, as the key using it says. count 0: none.
 */
struct sl_conf_rate {
	uint64_t count;
	uint32_t period_s;	/**< 1, 60 or 3600 (N/s, N/m, N/h); bandwidths are per second */
};

enum sl_affinity_mode {
	SL_AFFINITY_NONE = 0,
	SL_AFFINITY_SOURCE,	/**< client IPv4 address -> backend, with an idle TTL */
	SL_AFFINITY_COOKIE,	/**< a MAC-signed cookie naming the backend */
};

enum sl_cookie_samesite {
	SL_SAMESITE_LAX = 0,
	SL_SAMESITE_STRICT,
	SL_SAMESITE_NONE,	/**< requires cookie_secure (browsers drop it otherwise) */
	SL_SAMESITE_OFF,	/**< no SameSite attribute */
};

#define SL_COOKIE_NAME_MAX 64	/**< 1..63 characters, with NUL */
#define SL_COOKIE_KEY_MAX 32	/**< bytes of cookie_key at most (64 hex digits) */
#define SL_COOKIE_PATH_MAX 256	/**< with NUL */

struct sl_conf_vip {
	char name[SL_NAME_MAX];
	uint32_t addr;
	uint16_t port;
	enum sl_vip_mode mode;
	int pool;		/**< index into sl_config.pools; -1 when none */
	/* Mode http only (the defaults for echo and discard). */
	uint16_t n_routes;
	struct sl_conf_route *routes; /**< n_routes, sorted by number (first match wins);
				       NULL when none. Owned by the snapshot: one
				       allocation per VIP, freed by sl_conf_free() */
	bool forwarded_for;	/**< append X-Forwarded-For, set X-Forwarded-Proto/-Host */
	bool forwarded;		/**< append an RFC 7239 Forwarded element */
	char via[SL_VIA_MAX];	/**< Via pseudonym (RFC 9110 7.6.3); "": no Via */
	uint32_t max_conns;	/**< concurrent client connections to this VIP, all workers
				     together; 0: no limit */
	/* Traffic control (lib/limit), mode http only. */
	uint8_t n_limits;	/**< limit = A, B: applied to every request, in this order */
	uint8_t limits[SL_VIP_LIMITS_MAX]; /**< indexes into sl_config.limits */
	uint64_t bandwidth_bps;	/**< bytes per second to the client on each connection; 0: none */
	uint32_t max_conns_per_client; /**< concurrent connections per client address, all
					    workers together; 0: no limit */
	struct sl_conf_rate max_new_conns; /**< new connections (SYNs accepted) per VIP, all
					       workers together; count 0: no limit */
	/* Session affinity (lib/affinity), mode http only. */
	enum sl_affinity_mode affinity;
	uint32_t affinity_ttl_ms;	/**< idle lifetime of a source-affinity entry */
	uint32_t affinity_max;		/**< source-affinity entries at most */
	char cookie_name[SL_COOKIE_NAME_MAX]; /**< an RFC 6265 cookie-name (a token) */
	uint8_t cookie_key_len;		/**< 16 or 32 bytes; 0: none (affinity != cookie) */
	uint8_t cookie_key[SL_COOKIE_KEY_MAX]; /**< MAC key of the affinity cookie */
	char cookie_path[SL_COOKIE_PATH_MAX]; /**< Path attribute, starts with '/' */
	uint32_t cookie_max_age;	/**< seconds; 0: a session cookie (no Max-Age) */
	bool cookie_httponly;
	bool cookie_secure;
	enum sl_cookie_samesite cookie_samesite;
};

enum sl_lb_algo {
	SL_LB_ROUNDROBIN = 0,
	SL_LB_LEASTCONN,
	SL_LB_RANDOM2,
	SL_LB_MAGLEV,
	SL_LB_HASH,
};

/** What algorithm = hash hashes (the proxy computes the key, lib/lb maps it). */
enum sl_lb_hash_key {
	SL_LB_HASH_SOURCE = 0,	/**< the client's IPv4 address */
	SL_LB_HASH_URI,		/**< the request target as sent */
	SL_LB_HASH_HEADER,	/**< the value of header hash_name */
	SL_LB_HASH_COOKIE,	/**< the value of cookie hash_name */
};

#define SL_HASH_NAME_MAX 64		/**< a hash_key header or cookie name, with NUL */
#define SL_MAGLEV_SIZE_DEFAULT 65537	/**< Maglev lookup table entries (a prime) */
#define SL_MAGLEV_SIZE_MIN 101
#define SL_MAGLEV_SIZE_MAX 16777213	/**< the largest prime below 2^24 */

struct sl_conf_pool {
	char name[SL_NAME_MAX];
	enum sl_lb_algo algorithm;
	uint32_t maglev_size;		/**< maglev and hash: a prime, >= 100 x the pool's
					     backends (checked), SL_MAGLEV_SIZE_MIN..MAX */
	enum sl_lb_hash_key hash_key;	/**< algorithm = hash only (source otherwise) */
	char hash_name[SL_HASH_NAME_MAX]; /**< header (lower case) or cookie name; "" for
					       source and uri */
	uint32_t slow_start_ms;		/**< ramp of a backend turning usable; 0: off */
};

/** What a [limit.NAME] counts per: the key of its table. */
enum sl_limit_key {
	SL_LIMIT_KEY_CLIENT_IP = 0,	/**< the client's IPv4 address */
	SL_LIMIT_KEY_HEADER,		/**< the value of header key_name */
	SL_LIMIT_KEY_COOKIE,		/**< the value of cookie key_name */
	SL_LIMIT_KEY_VIP,		/**< one state for the whole VIP (or route) */
	SL_LIMIT_KEY_CONNECTION,	/**< one state per client connection (bandwidth only) */
};

enum sl_limit_kind {
	SL_LIMIT_RATE = 0,	/**< requests per period (GCRA) */
	SL_LIMIT_BANDWIDTH,	/**< bytes per second to the client (GCRA pacing) */
};

/** What a rate limit does with a request above the rate (lib/limit uses this enum too). */
enum sl_limit_action {
	SL_LIMIT_REJECT = 0,	/**< answer it with `status` and Retry-After */
	SL_LIMIT_DELAY,		/**< hold it until it conforms; at most burst wait per key */
};

/**
 * [limit.NAME]: a GCRA policy (docs/limits.md). A rate limit admits
 * rate.count requests per rate.period_s seconds per key, and burst more at
 * once; a bandwidth limit paces the bytes sent to the client at rate.count
 * bytes per second, burst bytes ahead at most. Cross-key rules hold in every
 * snapshot: key connection only for bandwidth; (burst + 1) / rate spans at
 * most SL_LIMIT_SPAN_MAX_S seconds.
 */
struct sl_conf_limit {
	char name[SL_NAME_MAX];
	enum sl_limit_key key;
	char key_name[SL_HASH_NAME_MAX]; /**< header (lower case) or cookie name; "" otherwise */
	enum sl_limit_kind kind;
	struct sl_conf_rate rate;	/**< rate: requests per period; bandwidth: bytes per 1 s */
	uint64_t burst;			/**< requests (rate, default 0) or bytes (bandwidth,
					     default 64 KiB) above the rate at once */
	enum sl_limit_action action;	/**< rate only (reject for bandwidth) */
	uint32_t max_keys;		/**< table entries (client_ip, header, cookie) */
	uint16_t status;		/**< 429 or 503: the answer to a rejected request */
};

/**
 * Longest time (burst + 1) units may take to refill, in seconds (23 days):
 * within lib/limit's range (2^61 ticks of 1/256 cycle) on a TSC up to 4.29
 * GHz, with a margin for the rounding of T.
 */
#define SL_LIMIT_SPAN_MAX_S 2000000

struct sl_conf_backend {
	char name[SL_NAME_MAX];
	int pool;		/**< index into sl_config.pools */
	uint32_t addr;
	uint16_t port;
	uint32_t weight;	/**< 0..1000; 0: never picked */
	bool backup;		/**< takes requests only while no non-backup backend of
				     its pool can (HAProxy's and nginx's backup) */
	uint32_t max_conns;	/**< connections per worker to it; 0: no limit */
};

enum sl_idle_mode {
	SL_IDLE_AUTO = 0,	/**< on when every port's profile says idle = yes */
	SL_IDLE_ON,
	SL_IDLE_OFF,
};

/** [global]: process-wide settings. */
struct sl_conf_global {
	uint32_t mbufs;			/**< mbufs in the packet pool */
	uint32_t mbuf_cache;		/**< per-lcore mempool cache */
	enum sl_idle_mode idle;
	uint32_t idle_polls;		/**< empty polls before a worker backs off */
	uint32_t idle_sleep_us;		/**< longest sleep of an idle worker */
	uint32_t neigh_size;		/**< neighbour table entries */
	uint32_t neigh_reachable_ms;	/**< an entry is confirmed again after this */
	uint32_t neigh_retry_ms;	/**< interval between ARP requests */
	uint32_t neigh_retries;		/**< requests before an entry fails */
	uint32_t neigh_hold;		/**< packets held per worker awaiting resolution */
};

#define SL_TCP_SECRET_LEN 16	/**< bytes of [tcp] secret (32 hex digits) */

/**
 * [tcp]: the per-worker user-space TCP stack (lib/tcp). Every value is per
 * worker; times are in milliseconds. Cross-key rules hold in every snapshot:
 * rto_min_ms <= rto_init_ms <= rto_max_ms and time_wait_max < max_conns.
 */
struct sl_conf_tcp {
	uint32_t max_conns;		/**< connection slots, TIME_WAIT included */
	uint32_t syn_backlog;		/**< half-open connections before SYN cookies */
	uint32_t snd_buf;		/**< bytes queued for sending per connection */
	uint32_t rcv_buf;		/**< receive window bytes per connection */
	uint32_t rto_min_ms;
	uint32_t rto_max_ms;
	uint32_t rto_init_ms;
	uint32_t delack_ms;		/**< 0: ACK every segment at once */
	uint32_t max_retries;		/**< data retransmissions before giving up */
	uint32_t syn_retries;		/**< SYN / SYN-ACK retransmissions */
	uint32_t time_wait_max;		/**< TIME_WAIT connections at most; never 0 (0 in
					     the file stands for max_conns / 2) */
	uint32_t time_wait_ms;		/**< 2*MSL; 0: no TIME_WAIT */
	uint32_t fin_wait2_ms;		/**< orphaned FIN_WAIT_2 lifetime */
	uint32_t challenge_ack_limit;	/**< RFC 5961 challenge ACKs per second */
	bool sack;			/**< RFC 2018 */
	bool timestamps;		/**< RFC 7323 timestamps and PAWS */
	bool wscale;			/**< RFC 7323 window scaling */
	bool syncookies;		/**< RFC 4987, when syn_backlog is full */
	bool has_secret;		/**< false: a random secret at start */
	uint8_t secret[SL_TCP_SECRET_LEN]; /**< keys ISNs and SYN cookies; valid if has_secret */
};

/**
 * [http]: the HTTP/1.1 reverse proxy of mode http VIPs. Times are in
 * milliseconds; the status a client gets when a limit or timeout hits is in
 * docs/configuration.md. Cross-key rule: max_request_line <= max_header_bytes.
 */
struct sl_conf_http {
	uint32_t client_header_timeout_ms;	/**< to receive a request's header (408) */
	uint32_t client_idle_timeout_ms;	/**< keep-alive client idle between requests */
	uint32_t client_body_timeout_ms;	/**< longest gap within a request body */
	uint32_t backend_connect_timeout_ms;	/**< (504 when no other backend to try) */
	uint32_t backend_response_timeout_ms;	/**< to the response's first byte, and
						     between its bytes (504) */
	uint32_t backend_idle_timeout_ms;	/**< a pooled idle backend connection lives */
	uint32_t max_request_line;		/**< bytes (414) */
	uint32_t max_header_bytes;		/**< header section with start line (431) */
	uint32_t max_headers;			/**< field lines (431) */
	uint32_t max_idle_per_backend;		/**< pooled connections per backend per worker */
	uint32_t retries;			/**< tries again after a backend connection
						     failed before any response byte (a
						     request already sent: idempotent only) */
	uint64_t max_body;			/**< request body bytes (413); 0: no limit */
};

/**
 * [shed]: load shedding, per worker. A request past a bound gets 503 with
 * Retry-After: retry_after. 0 turns a bound off.
 */
struct sl_conf_shed {
	uint32_t max_inflight;	/**< requests in flight on the worker */
	uint32_t max_queue;	/**< requests waiting for a backend connection on the worker */
	uint32_t max_queue_ms;	/**< longest wait for a backend connection */
	uint32_t retry_after;	/**< seconds, in Retry-After of a shed request (0..86400) */
};

struct sl_config {
	char path[4096];	/**< the file it was loaded from */
	struct sl_conf_global global;
	struct sl_conf_tcp tcp;	/**< the defaults when the file has no [tcp] */
	struct sl_conf_http http; /**< the defaults when the file has no [http] */
	struct sl_conf_shed shed; /**< the defaults when the file has no [shed] */
	uint16_t n_ports;
	uint16_t n_vips;
	uint16_t n_pools;
	uint16_t n_backends;
	uint16_t n_limits;
	struct sl_conf_port ports[SL_PORTS_MAX];
	struct sl_conf_vip vips[SL_VIPS_MAX];
	struct sl_conf_pool pools[SL_POOLS_MAX];
	struct sl_conf_backend backends[SL_BACKENDS_MAX];
	struct sl_conf_limit limits[SL_LIMITS_MAX];
};

/**
 * Load and validate a gateway configuration.
 *
 * Every problem found is written to @p errf as one line, without stopping at
 * the first:
 *   FILE:LINE: [SECTION] KEY: REASON
 * (FILE is @p path or a profile's path as opened, profile_dir/NAME.ini; a
 * missing required key names its section's line; LINE is omitted for a
 * problem of the file as a whole, such as "no [port.NAME] section"). Lines
 * are written once everything is checked, sorted by file (@p path first) and
 * line. docs/configuration.md lists every key and rule.
 *
 * A file with a syntax error is checked for its structure (sections, names,
 * unknown keys, duplicates) but not for its values: iniparser reads no file
 * with a syntax error.
 *
 * Context: control thread; not reentrant (iniparser's error callback is
 * process-wide state, switched off and back to its default during the load).
 *
 * @param path         the INI file
 * @param profile_dir  folder holding default.ini and <profile>.ini; NULL: the
 *                     SL_PROFILE_DIR the build was configured with
 * @param errf         where messages go (stderr, or a memstream in tests);
 *                     NULL: stderr
 * @return the snapshot, or NULL when anything was wrong (errno EINVAL), the
 *         file could not be opened or read (errno from fopen or read, and one
 *         line FILE: cannot open: REASON) or memory ran out (ENOMEM).
 */
struct sl_config *sl_conf_load(const char *path, const char *profile_dir, FILE *errf);

/** Free a snapshot returned by sl_conf_load(); NULL is accepted. */
void sl_conf_free(struct sl_config *conf);

/**
 * Write the effective configuration as INI text, every key including the
 * defaults, so it can be read back by sl_conf_load() with the same
 * profile_dir into an identical snapshot. [tcp] is always written, its secret
 * in hex when the file gave one (the text is then as secret as the file),
 * else a "; secret: none ..." comment. [http] is always written too, and
 * each mode http VIP's routes as route.N in N order. Each port's resolved
 * profile follows as comment lines (it is named by `profile = NAME`; its
 * values come from the profile files when read back). A port without a
 * gateway gets the comment "; gateway: none".
 */
void sl_conf_dump(const struct sl_config *conf, FILE *f);

/**
 * Name of a VIP mode, LB algorithm, affinity mode, SameSite value, limit key
 * kind (client_ip, header, cookie, vip, connection) or limit action, as
 * written in the config.
 */
const char *sl_conf_vip_mode_name(enum sl_vip_mode m);
const char *sl_conf_lb_algo_name(enum sl_lb_algo a);
const char *sl_conf_affinity_name(enum sl_affinity_mode m);
const char *sl_conf_samesite_name(enum sl_cookie_samesite s);
const char *sl_conf_limit_key_name(enum sl_limit_key k);
const char *sl_conf_limit_action_name(enum sl_limit_action a);

/** Format a host-order IPv4 address into @p buf (at least 16 bytes); returns buf. */
char *sl_conf_ip_str(uint32_t addr, char *buf);

#endif /* SL_CONF_H */
