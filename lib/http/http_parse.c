/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.1 message parser: one resumable state machine over contiguous
 * pieces of the message (RFC 9112), nginx style (ngx_http_parse.c): a switch
 * on the state, and inside a state a tight loop over the run of bytes of the
 * same class within the current piece. Nothing is copied but what must be
 * interpreted (see sl_http.h); what is recorded are offsets.
 *
 * Invariants that make a split anywhere give the same result as one piece:
 *  - every decision is taken on one byte, or on state accumulated from the
 *    bytes before it, never by looking ahead;
 *  - an error is reported at the byte that proves it, so *consumed (the
 *    offset of that byte) does not depend on where the pieces were cut;
 *  - the limits are enforced by cutting the piece at the limit (head_end()):
 *    the parser fails when it needs a byte beyond the limit, wherever the
 *    cut falls.
 *
 * Most heads arrive whole in one piece. A start line or field line that is
 * whole within the piece (and the limit) and plain is parsed in one pass by
 * status_line_fast(), request_line_fast() and fields_fast(): one look at
 * each byte (16 at a time with SSE2, else 8 or a table), the few field
 * names that matter told by length and first byte, then by word compares.
 * They record what the states would, or leave the line untouched to the
 * states, which remain the reference (split input always takes them).
 *
 * docs/http.md lists every rule with its RFC section and status.
 */
#include <stddef.h>
#include <string.h>

#include "http_priv.h"

/* SSE2 is part of x86-64: 16-byte blocks there, the word-at-a-time loops elsewhere */
#if defined(__SSE2__) && !defined(SL_HTTP_PORTABLE)
#include <emmintrin.h>
#define HTTP_SSE2 1
#endif

#define CR '\r'
#define LF '\n'

static const struct sl_http_limits default_limits = {
	.max_line = 8192,
	.max_head = 65536,
	.max_headers = SL_HTTP_MAX_HEADERS,
	.max_body = 0,
};

#define INIT_CLEAR offsetof(struct sl_http_parser, hdrs)

void
sl_http_parser_init(struct sl_http_parser *p, enum sl_http_kind kind,
		    enum sl_http_method req_method, const struct sl_http_limits *limits)
{
	/* hdrs[], name_hash[] and conn_opt[] are written before they are read.
	 * Cleared in pieces of at most 64 bytes, which compilers store inline
	 * (one memset of it all becomes a "rep stos" on x86). */
	char *c = (char *)p;

#define CLEAR_PIECE(k)        \
	if (INIT_CLEAR > (k)) \
	memset(c + (k), 0, INIT_CLEAR - (k) < 64 ? INIT_CLEAR - (k) : 64)
	_Static_assert(INIT_CLEAR <= 256, "sl_http_parser_init() clears 4 pieces at most");
	CLEAR_PIECE(0);
	CLEAR_PIECE(64);
	CLEAR_PIECE(128);
	CLEAR_PIECE(192);
#undef CLEAR_PIECE
	memset(p->hdr_index, 0, sizeof(p->hdr_index));
	p->kind = kind;
	p->req_method = kind == SL_HTTP_RESPONSE ? req_method : SL_HTTP_M_NONE;
	p->limits = limits != NULL ? limits : &default_limits;
}

/* Every error goes through here: the parser is dead until re-initialised. */
static int
fail(struct sl_http_parser *p, int err, int status, const char *reason)
{
	p->state = S_ERROR;
	p->status = p->kind == SL_HTTP_RESPONSE ? 502 : status;
	p->reason = reason;
	return err;
}

#define SYNTAX(r) fail(p, SL_HTTP_E_SYNTAX, 400, (r))
#define SMUGGLING(r) fail(p, SL_HTTP_E_SMUGGLING, 400, (r))

static inline int
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline int
is_digit(uint8_t c)
{
	return (unsigned)(c - '0') < 10u;
}

static inline int
is_alpha(uint8_t c)
{
	return (unsigned)((c | 0x20) - 'a') < 26u;
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
static inline int
is_scheme(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

/* VCHAR: what a request-target may hold (RFC 9112 3.2: no whitespace, no CTL) */
static inline int
is_vchar(uint8_t c)
{
	return (uint8_t)(c - 0x21) < 0x5e;
}

/*
 * Word-at-a-time tests for the runs of the request-target and of field
 * values (bithacks "hasless": exact as a nonzero test for n <= 128; its
 * lowest flagged byte is exact too, as borrows only run upwards). The loads
 * are memcpy'd, so alignment does not matter, and little-endian on any host:
 * the first byte is the least significant, which the masks and the
 * ctz()/8 positions below rely on.
 */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t
load64(const uint8_t *b)
{
	uint64_t w;

	memcpy(&w, b, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline void
store64(void *d, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(d, &w, sizeof(w));
}

static inline uint64_t
has_less(uint64_t w, uint8_t n)
{
	return (w - ONES * n) & ~w & HIGHS;
}

static inline uint64_t
has_byte(uint64_t w, uint8_t c)
{
	return has_less(w ^ (ONES * c), 1);
}

/* ASCII upper case to lower case, 8 bytes at a time (bytes >= 0x80 untouched) */
static inline uint64_t
lower8(uint64_t w)
{
	uint64_t h = w & ~HIGHS;
	uint64_t ge_a = h + ONES * (0x80 - 'A'), gt_z = h + ONES * (0x7f - 'Z');

	return w | ((ge_a & ~gt_z & ~w & HIGHS) >> 2);
}

static inline uint16_t
load16(const uint8_t *b)
{
	uint16_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

/*
 * lower8() for words whose bytes that matter are tchars (< 0x80): a byte
 * >= 0x80 may carry into the bytes above it, which the caller masks off.
 */
static inline uint64_t
lower8_tok(uint64_t w)
{
	return w | (((w + ONES * (0x80 - 'A')) & ~(w + ONES * (0x7f - 'Z')) & HIGHS) >> 2);
}

static enum sl_http_method
method_lookup(const char *m, unsigned n)
{
	/* methods are case-sensitive (RFC 9110 9.1) */
	switch (n) {
	case 3:
		if (!memcmp(m, "GET", 3))
			return SL_HTTP_M_GET;
		if (!memcmp(m, "PUT", 3))
			return SL_HTTP_M_PUT;
		break;
	case 4:
		if (!memcmp(m, "HEAD", 4))
			return SL_HTTP_M_HEAD;
		if (!memcmp(m, "POST", 4))
			return SL_HTTP_M_POST;
		break;
	case 5:
		if (!memcmp(m, "TRACE", 5))
			return SL_HTTP_M_TRACE;
		if (!memcmp(m, "PATCH", 5))
			return SL_HTTP_M_PATCH;
		break;
	case 6:
		if (!memcmp(m, "DELETE", 6))
			return SL_HTTP_M_DELETE;
		break;
	case 7:
		if (!memcmp(m, "CONNECT", 7))
			return SL_HTTP_M_CONNECT;
		if (!memcmp(m, "OPTIONS", 7))
			return SL_HTTP_M_OPTIONS;
		break;
	}
	return SL_HTTP_M_OTHER;
}

/*
 * Names as words: a lower-cased name of at most SL_HTTP_NAME_MAX bytes is
 * four little words, zero-padded. Recognising a field is then a switch on
 * its length and one to three word compares, and its hash (below) a few
 * multiplies, from the bytes of the piece (field_fast()) or from nbuf (the
 * byte-at-a-time states) alike.
 */
struct name_w {
	uint64_t w[4];
};

/* the first 8 bytes of a string literal, zero-padded, as load64() would read them */
#define LIT8(s) lit64(s "\0\0\0\0\0\0\0\0")

static inline uint64_t
lit64(const char *s)
{
	return load64((const uint8_t *)s);
}

/* @w0, @w1, @w2: the first words of the lower-cased field name, @len bytes */
static inline __attribute__((always_inline)) enum sl_http_hdr_id
identify(uint64_t w0, uint64_t w1, uint64_t w2, unsigned len)
{
	switch (len) {
	case 2:
		return w0 == LIT8("te") ? SL_HTTP_H_TE : SL_HTTP_H_OTHER;
	case 3:
		return w0 == LIT8("via") ? SL_HTTP_H_VIA : SL_HTTP_H_OTHER;
	case 4:
		return w0 == LIT8("host") ? SL_HTTP_H_HOST : SL_HTTP_H_OTHER;
	case 6:
		if (w0 == LIT8("cookie"))
			return SL_HTTP_H_COOKIE;
		return w0 == LIT8("expect") ? SL_HTTP_H_EXPECT : SL_HTTP_H_OTHER;
	case 7:
		if (w0 == LIT8("upgrade"))
			return SL_HTTP_H_UPGRADE;
		return w0 == LIT8("trailer") ? SL_HTTP_H_TRAILER : SL_HTTP_H_OTHER;
	case 9:
		return w0 == LIT8("forwarde") && w1 == LIT8("d") ? SL_HTTP_H_FORWARDED
								 : SL_HTTP_H_OTHER;
	case 10:
		if (w0 == LIT8("connecti") && w1 == LIT8("on"))
			return SL_HTTP_H_CONNECTION;
		if (w0 == LIT8("keep-ali") && w1 == LIT8("ve"))
			return SL_HTTP_H_KEEP_ALIVE;
		return w0 == LIT8("set-cook") && w1 == LIT8("ie") ? SL_HTTP_H_SET_COOKIE
								  : SL_HTTP_H_OTHER;
	case 14:
		return w0 == LIT8("content-") && w1 == LIT8("length") ? SL_HTTP_H_CONTENT_LENGTH
								      : SL_HTTP_H_OTHER;
	case 15:
		return w0 == LIT8("x-forwar") && w1 == LIT8("ded-for") ? SL_HTTP_H_X_FORWARDED_FOR
								       : SL_HTTP_H_OTHER;
	case 16:
		if (w0 == LIT8("proxy-co") && w1 == LIT8("nnection"))
			return SL_HTTP_H_PROXY_CONNECTION;
		return w0 == LIT8("x-forwar") && w1 == LIT8("ded-host") ? SL_HTTP_H_X_FORWARDED_HOST
									: SL_HTTP_H_OTHER;
	case 17:
		if (w0 == LIT8("transfer") && w1 == LIT8("-encodin") && w2 == LIT8("g"))
			return SL_HTTP_H_TRANSFER_ENCODING;
		return w0 == LIT8("x-forwar") && w1 == LIT8("ded-prot") && w2 == LIT8("o")
			       ? SL_HTTP_H_X_FORWARDED_PROTO
			       : SL_HTTP_H_OTHER;
	}
	return SL_HTTP_H_OTHER;
}

/* RFC 9110 7.6.1: fields that are about this connection, never forwarded */
static inline bool
hop_by_hop(enum sl_http_hdr_id id)
{
	switch (id) {
	case SL_HTTP_H_CONNECTION:
	case SL_HTTP_H_KEEP_ALIVE:
	case SL_HTTP_H_PROXY_CONNECTION:
	case SL_HTTP_H_TE:
	case SL_HTTP_H_TRAILER:
	case SL_HTTP_H_TRANSFER_ENCODING:
	case SL_HTTP_H_UPGRADE:
		return true;
	default:
		return false;
	}
}

/*
 * Hash of a lower-cased name of at most SL_HTTP_NAME_MAX bytes, zero-padded
 * to SL_HTTP_NAME_MAX: the header section is gone by the time a Connection
 * option may name a field seen before it, so each field keeps this hash and
 * its length. One multiply per word, by distinct odd constants: a name of
 * up to 8 bytes maps one-to-one (length compared too), and collisions of
 * longer names are out of reach of honest traffic (64 bits); a sender who
 * crafts one only gets one of its own fields treated as hop-by-hop, which it
 * could have asked for by naming it.
 */
static inline uint64_t
hash_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, unsigned len)
{
	_Static_assert(SL_HTTP_NAME_MAX == 32, "a name is 4 words");
	return (w0 * 0x9e3779b97f4a7c15ull) ^ (w1 * 0xc2b2ae3d27d4eb4full) ^
	       (w2 * 0x165667b19e3779f9ull) ^ (w3 * 0x27d4eb2f165667c5ull) ^ len;
}

static inline uint64_t
name_hash(const struct name_w *nw, unsigned len)
{
	return hash_words(nw->w[0], nw->w[1], nw->w[2], nw->w[3], len);
}

/* nbuf and conn_opt[] hold names zero-padded to SL_HTTP_NAME_MAX */
static inline struct name_w
name_words(const char *s)
{
	const uint8_t *u = (const uint8_t *)s;
	struct name_w nw = { { load64(u), load64(u + 8), load64(u + 16), load64(u + 24) } };

	return nw;
}

/*
 * One byte of a host: uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2),
 * loosely: a reg-name, or "[" hex digits, ':' and '.' "]"; then trailing OWS
 * (Host only). Returns -1 on a byte that cannot belong there.
 */
static inline int
host_step(struct sl_http_parser *p, uint8_t c)
{
	switch (p->sub) {
	case H_START:
		if (c == '[') {
			p->sub = H_V6;
			return 0;
		}
		if (sl_http_regname[c]) {
			p->sub = H_REG;
			return 0;
		}
		return -1;
	case H_REG:
		if (sl_http_regname[c])
			return 0;
		break;
	case H_V6:
		if (sl_http_hexval[c] != 255 || c == ':' || c == '.')
			return 0;
		if (c == ']') {
			p->sub = H_V6_END;
			return 0;
		}
		return -1;
	case H_V6_END:
		break;
	case H_PORT:
		if (is_digit(c))
			return ++p->cnt > 5 ? -1 : 0;
		break;
	case H_OWS:
		return is_ows(c) ? 0 : -1;
	}
	/* after a host or a port */
	if (c == ':' && p->sub != H_PORT) {
		p->sub = H_PORT;
		p->cnt = 0;
		return 0;
	}
	if (is_ows(c)) {
		p->sub = H_OWS;
		return 0;
	}
	return -1;
}

/* ---- list-valued fields: Content-Length, Transfer-Encoding, Connection, Expect ---- */

static int
list_invalid(struct sl_http_parser *p, uint8_t c)
{
	switch (p->vid) {
	case SL_HTTP_H_CONTENT_LENGTH:
		return SYNTAX("invalid Content-Length");
	case SL_HTTP_H_TRANSFER_ENCODING:
		if (c == ';')
			return fail(p, SL_HTTP_E_NOT_IMPLEMENTED, 501, "transfer coding parameters");
		return SYNTAX("invalid Transfer-Encoding");
	case SL_HTTP_H_CONNECTION:
		return SYNTAX("invalid Connection");
	default:
		return fail(p, SL_HTTP_E_EXPECTATION, 417, "unsupported expectation");
	}
}

/* An empty list element: ignored (RFC 9110 5.6.1), but not where it frames the body. */
static int
list_empty(struct sl_http_parser *p)
{
	if (p->vid == SL_HTTP_H_CONTENT_LENGTH)
		return SYNTAX("invalid Content-Length");
	if (p->vid == SL_HTTP_H_TRANSFER_ENCODING)
		return SYNTAX("invalid Transfer-Encoding");
	return 0;
}

#define NB_IS(s) (n == sizeof(s) - 1 && !memcmp(p->nbuf, s, sizeof(s) - 1))

/*
 * What a Connection option says (RFC 9112 9.3, RFC 9110 7.6.1), from its
 * lower-cased words: an F_CONN_* flag, 0 for any other option, or -1 for one
 * that names Content-Length or Host (dropping either on the way would change
 * what the message means).
 */
static inline int
conn_opt_kind(const struct name_w *o, unsigned n)
{
	switch (n) {
	case 4:
		return o->w[0] == LIT8("host") ? -1 : 0;
	case 5:
		return o->w[0] == LIT8("close") ? (int)F_CONN_CLOSE : 0;
	case 7:
		return o->w[0] == LIT8("upgrade") ? (int)F_CONN_UPGRADE : 0;
	case 10:
		return o->w[0] == LIT8("keep-ali") && o->w[1] == LIT8("ve") ? (int)F_CONN_KA : 0;
	case 14:
		return o->w[0] == LIT8("content-") && o->w[1] == LIT8("length") ? -1 : 0;
	}
	return 0;
}

/*
 * Count the Connection option now in conn_opt[n_conn] (@o, @n bytes), of
 * @kind (conn_opt_kind() >= 0). @mark: it may name a field that is not
 * hop-by-hop by its id (e.g. "close", "x-foo"; not "keep-alive"), which
 * finish_head() then looks for.
 */
static inline void
conn_opt_add(struct sl_http_parser *p, unsigned n, int kind, bool mark)
{
	p->tok_flags |= (uint32_t)kind;
	if (mark)
		p->conn_mark |= (uint8_t)(1u << p->n_conn);
	p->conn_len[p->n_conn++] = (uint8_t)n;
}

/* Whether option @o (@n bytes) names fields that are not hop-by-hop by their id. */
static inline bool
conn_opt_marks(const struct name_w *o, unsigned n)
{
	return !hop_by_hop(identify(o->w[0], o->w[1], o->w[2], n));
}

/* A list element is complete: nbuf (tokens) or remaining (Content-Length) holds it. */
static int
elem_end(struct sl_http_parser *p)
{
	unsigned n = p->nbuf_len;

	switch (p->vid) {
	case SL_HTTP_H_CONTENT_LENGTH:
		/* RFC 9112 6.3 rule 5: a list of identical values is one value */
		if ((p->tok_flags & F_HAS_CL) && p->content_length != p->remaining)
			return SMUGGLING("differing Content-Length values");
		p->content_length = p->remaining;
		p->tok_flags |= F_HAS_CL;
		return 0;
	case SL_HTTP_H_TRANSFER_ENCODING:
		if (NB_IS("chunked")) {
			/* RFC 9112 6.1: never applied more than once */
			if (p->tok_flags & F_TE_CHUNKED)
				return SMUGGLING("chunked applied more than once");
			p->tok_flags |= F_TE_CHUNKED;
		} else if (p->tok_flags & F_TE_CHUNKED) {
			p->tok_flags |= F_TE_AFTER;
		} else {
			p->tok_flags |= F_TE_OTHER;
		}
		return 0;
	case SL_HTTP_H_CONNECTION: {
		struct name_w o = name_words(p->nbuf);
		int kind;

		if (n > SL_HTTP_NAME_MAX)
			return SYNTAX("Connection option too long");
		if (p->n_conn == SL_HTTP_MAX_CONN_OPTS)
			return SYNTAX("too many Connection options");
		kind = conn_opt_kind(&o, n);
		if (kind < 0)
			return SYNTAX("Connection names an end-to-end field");
		memcpy(p->conn_opt[p->n_conn], p->nbuf, SL_HTTP_NAME_MAX);
		conn_opt_add(p, n, kind, conn_opt_marks(&o, n));
		return 0;
	}
	default: /* Expect, RFC 9110 10.1.1 */
		if (!NB_IS("100-continue"))
			return fail(p, SL_HTTP_E_EXPECTATION, 417, "unsupported expectation");
		/* a server MUST ignore it in an HTTP/1.0 request */
		if (p->version_minor == 1)
			p->expect_continue = true;
		return 0;
	}
}

/*
 * The next @n bytes of the value of the field being interpreted (p->vid),
 * trailing OWS included since the end of the value is not known yet.
 * Returns 0, or an error with *at = index of the offending byte.
 */
static int
value_feed(struct sl_http_parser *p, const uint8_t *s, size_t n, size_t *at)
{
	const bool cl = p->vid == SL_HTTP_H_CONTENT_LENGTH;
	size_t j;
	int rc;

	if (p->vid == SL_HTTP_H_HOST) {
		for (j = 0; j < n; j++) {
			if (host_step(p, s[j]) < 0) {
				*at = j;
				return SYNTAX("invalid Host");
			}
		}
		return 0;
	}
	for (j = 0; j < n; j++) {
		uint8_t c = s[j], lc;

		switch (p->sub) {
		case L_OWS0:
			if (is_ows(c))
				continue;
			if (c == ',') {
				rc = list_empty(p);
				if (rc < 0)
					goto err;
				continue;
			}
			if (cl ? !is_digit(c) : !sl_http_tok_lc[c]) {
				rc = list_invalid(p, c);
				goto err;
			}
			p->sub = L_ELEM;
			p->tok_flags |= F_ELEM;
			p->remaining = 0;
			p->nbuf_len = 0;
			memset(p->nbuf, 0, sizeof(p->nbuf));
			/* fall through */
		case L_ELEM:
			if (cl) {
				if (is_digit(c)) {
					unsigned d = c - '0';

					/* at most 2^63 - 1: no one downstream overflows a signed type */
					if (p->remaining > ((uint64_t)INT64_MAX - d) / 10) {
						rc = SYNTAX("Content-Length overflow");
						goto err;
					}
					p->remaining = p->remaining * 10 + d;
					continue;
				}
			} else if ((lc = sl_http_tok_lc[c]) != 0) {
				if (p->nbuf_len < SL_HTTP_NAME_MAX)
					p->nbuf[p->nbuf_len] = (char)lc;
				if (p->nbuf_len <= SL_HTTP_NAME_MAX)
					p->nbuf_len++;
				continue;
			}
			rc = elem_end(p);
			if (rc < 0)
				goto err;
			/* this byte is after the element */
			p->sub = L_OWS1;
			/* fall through */
		case L_OWS1:
			if (is_ows(c))
				continue;
			if (c == ',') {
				p->sub = L_OWS0;
				continue;
			}
			rc = list_invalid(p, c);
			goto err;
		}
	}
	return 0;
err:
	*at = j;
	return rc;
}

/* The value of the interpreted field ended (at its CR). */
static int
value_end(struct sl_http_parser *p)
{
	if (p->vid == SL_HTTP_H_HOST)
		return p->sub == H_V6 ? SYNTAX("invalid Host") : 0;
	if (p->sub == L_ELEM)
		return elem_end(p);
	if (p->sub == L_OWS0)
		return list_empty(p); /* empty value, or a trailing comma */
	return 0;
}

/* Record a field of the header section (not of the trailers); its value is set later. */
static inline struct sl_http_hdr *
field_add(struct sl_http_parser *p, uint32_t name_off, uint32_t name_len,
	  enum sl_http_hdr_id id, uint64_t hash)
{
	struct sl_http_hdr *h = &p->hdrs[p->n_hdrs];

	h->name.off = name_off;
	h->name.len = name_len;
	h->id = id;
	h->hop_by_hop = hop_by_hop(id);
	p->name_hash[p->n_hdrs] = hash;
	if (p->hdr_index[id] == 0)
		p->hdr_index[id] = p->n_hdrs + 1;
	p->n_hdrs++;
	return h;
}

/* The colon of a field line: record the field, decide what to interpret. */
static int
name_end(struct sl_http_parser *p, uint32_t colon)
{
	unsigned n = p->nbuf_len;
	const struct name_w nw = name_words(p->nbuf);
	enum sl_http_hdr_id id =
		n <= SL_HTTP_NAME_MAX ? identify(nw.w[0], nw.w[1], nw.w[2], n) : SL_HTTP_H_OTHER;
	struct sl_http_hdr *h;

	p->vid = 0;
	p->sub = 0;
	if (p->tok_flags & F_TRAILER) {
		/* RFC 9110 6.5.1: framing cannot come after the body; a recipient
		 * that merges trailers would be desynchronised */
		if (id == SL_HTTP_H_CONTENT_LENGTH || id == SL_HTTP_H_TRANSFER_ENCODING)
			return SMUGGLING("framing field in the trailer section");
		return 0;
	}
	h = field_add(p, p->line_start, colon - p->line_start, id,
		      n <= SL_HTTP_NAME_MAX ? name_hash(&nw, n) : 0);
	h->value.off = 0;
	h->value.len = 0;
	p->nhashed = (uint8_t)p->n_hdrs;
	switch (id) {
	case SL_HTTP_H_TRANSFER_ENCODING:
		p->tok_flags |= F_HAS_TE;
		/* fall through */
	case SL_HTTP_H_CONTENT_LENGTH:
	case SL_HTTP_H_CONNECTION:
		p->vid = id;
		break;
	case SL_HTTP_H_HOST:
		if (p->kind != SL_HTTP_REQUEST)
			break;
		/* RFC 9110 7.2 / RFC 9112 3.2: exactly one */
		if (p->tok_flags & F_HAS_HOST)
			return SYNTAX("multiple Host fields");
		p->tok_flags |= F_HAS_HOST;
		p->vid = id;
		break;
	case SL_HTTP_H_EXPECT:
		if (p->kind == SL_HTTP_REQUEST)
			p->vid = id;
		break;
	case SL_HTTP_H_UPGRADE:
		p->tok_flags |= F_HAS_UPGRADE;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * name_hash[] of the fields from nhashed on, whose names are in the piece
 * being parsed (@b, whose first byte is at offset @off0): fields_fast()
 * leaves them to be computed when needed, while the names are at hand.
 */
static void
hashes_resolve(struct sl_http_parser *p, const uint8_t *b, uint32_t off0)
{
	unsigned k;

	for (k = p->nhashed; k < p->n_hdrs; k++) {
		const struct sl_http_hdr *h = &p->hdrs[k];
		const uint8_t *s = b + (h->name.off - off0);
		unsigned n = h->name.len, c;
		char buf[SL_HTTP_NAME_MAX] = { 0 };
		struct name_w nw;

		if (n > SL_HTTP_NAME_MAX) {
			p->name_hash[k] = 0;
			continue;
		}
		for (c = 0; c < n; c++)
			buf[c] = (char)sl_http_tok_lc[s[c]];
		nw = name_words(buf);
		p->name_hash[k] = name_hash(&nw, n);
	}
	p->nhashed = (uint8_t)p->n_hdrs;
}

/* Fields named by Connection are hop-by-hop too (RFC 9110 7.6.1). */
static void
mark_connection_opts(struct sl_http_parser *p, const uint8_t *b, uint32_t off0)
{
	unsigned t, j;

	for (t = 0; t < p->n_conn; t++) {
		unsigned len = p->conn_len[t];
		const struct name_w o = name_words(p->conn_opt[t]);
		uint64_t h;

		/* "keep-alive", "upgrade", ...: fields of that name are hop-by-hop already */
		if (!(p->conn_mark & (1u << t)))
			continue;
		if (p->nhashed < p->n_hdrs)
			hashes_resolve(p, b, off0);
		h = name_hash(&o, len);
		for (j = 0; j < p->n_hdrs; j++)
			if (p->hdrs[j].name.len == len && p->name_hash[j] == h)
				p->hdrs[j].hop_by_hop = true;
	}
}

/* The header section ended: framing (RFC 9112 6.3), persistence (9.3), upgrade. */
static int
finish_head(struct sl_http_parser *p, uint32_t head_len, const uint8_t *b, uint32_t off0)
{
	const uint32_t f = p->tok_flags;
	const bool v11 = p->version_minor == 1;

	p->head_len = head_len;
	if (v11)
		p->keep_alive = !(f & F_CONN_CLOSE);
	else
		p->keep_alive = (f & F_CONN_KA) && !(f & F_CONN_CLOSE);
	if (p->kind == SL_HTTP_REQUEST) {
		if (v11 && !(f & F_HAS_HOST))
			return SYNTAX("missing Host");
		if (f & F_HAS_TE) {
			/* RFC 9112 6.1: faulty framing in 1.0; 6.3 rule 3: CL + TE in a
			 * request is the classic smuggling vector, refused (11.2) */
			if (!v11)
				return SMUGGLING("Transfer-Encoding in HTTP/1.0");
			if (f & F_HAS_CL)
				return SMUGGLING("both Content-Length and Transfer-Encoding");
			/* RFC 9112 6.3 rule 4: the server MUST respond 400 */
			if (!(f & F_TE_CHUNKED) || (f & F_TE_AFTER))
				return SMUGGLING("final transfer coding is not chunked");
			/* RFC 9112 6.1: a coding we do not relay: 501 */
			if (f & F_TE_OTHER)
				return fail(p, SL_HTTP_E_NOT_IMPLEMENTED, 501,
					    "unsupported transfer coding");
			p->framing = SL_HTTP_BODY_CHUNKED;
		} else {
			p->framing = p->content_length ? SL_HTTP_BODY_LENGTH : SL_HTTP_BODY_NONE;
		}
		p->upgrade = (f & F_CONN_UPGRADE) && (f & F_HAS_UPGRADE);
	} else {
		const unsigned code = p->code;

		/* RFC 9112 6.3 rules 1 and 2 */
		if (code < 200 || code == 204 || code == 304 || p->req_method == SL_HTTP_M_HEAD) {
			p->framing = SL_HTTP_BODY_NONE;
			p->upgrade = code == 101;
		} else if (p->req_method == SL_HTTP_M_CONNECT && code < 300) {
			p->framing = SL_HTTP_BODY_NONE;
			p->upgrade = true;
		} else if (f & F_HAS_TE) {
			if (!v11)
				return SMUGGLING("Transfer-Encoding in HTTP/1.0");
			/* TE would win (6.3 rule 3), but a proxy must not guess */
			if (f & F_HAS_CL)
				return SMUGGLING("both Content-Length and Transfer-Encoding");
			p->framing = (f & F_TE_CHUNKED) && !(f & F_TE_AFTER) ? SL_HTTP_BODY_CHUNKED
									      : SL_HTTP_BODY_CLOSE;
		} else if (f & F_HAS_CL) {
			p->framing = p->content_length ? SL_HTTP_BODY_LENGTH : SL_HTTP_BODY_NONE;
		} else {
			p->framing = SL_HTTP_BODY_CLOSE;
		}
		if (p->framing == SL_HTTP_BODY_CLOSE)
			p->keep_alive = false;
	}
	if (p->framing == SL_HTTP_BODY_LENGTH && p->limits->max_body != 0 &&
	    p->content_length > p->limits->max_body)
		return fail(p, SL_HTTP_E_BODY_TOO_LARGE, 413, "body too large");
	if (p->conn_mark)
		mark_connection_opts(p, b, off0);
	p->remaining = 0;
	switch (p->framing) {
	case SL_HTTP_BODY_NONE:
		p->state = S_DONE_PENDING;
		break;
	case SL_HTTP_BODY_LENGTH:
		p->remaining = p->content_length;
		p->state = S_BODY_LENGTH;
		break;
	case SL_HTTP_BODY_CHUNKED:
		p->state = S_CHUNK_SIZE0;
		break;
	case SL_HTTP_BODY_CLOSE:
		p->state = S_BODY_CLOSE;
		break;
	}
	return SL_HTTP_HEAD;
}

/* ---- whole lines in one pass ----
 *
 * Most messages arrive with their head in one piece, and most of its lines
 * are plain. When a line is whole within the piece and the limit (@end), the
 * functions below parse it in one pass, with the checks of the states (byte
 * classes by table, 8 or 16 bytes at a time over targets, names and values),
 * record what the states would, and go on after its LF. Otherwise -- the
 * piece or the limit ends inside the line, a byte is an error or needs
 * judging, a value to interpret is not in its common form -- they stop
 * before the line having changed nothing the parser reads, and the states
 * take it from its first byte. So they cannot give a result or an error the
 * states would not (the unit tests and the fuzzer compare whole against
 * split input), and each byte of a plain line is looked at once.
 */

/* The first byte of b[j..end) whose entry in @t is 0, or @end: 4 bytes per round. */
static inline size_t
class_end(const uint8_t *t, const uint8_t *b, size_t j, size_t end)
{
	if (end - j >= 4) {
		const size_t last = end - 4;

		do {
			if (!t[b[j]])
				return j;
			if (!t[b[j + 1]])
				return j + 1;
			if (!t[b[j + 2]])
				return j + 2;
			if (!t[b[j + 3]])
				return j + 3;
			j += 4;
		} while (j <= last);
	}
	while (j < end && t[b[j]])
		j++;
	return j;
}

/* The first byte of b[j..end) that is not a tchar, or @end. */
static inline size_t
token_end(const uint8_t *b, size_t j, size_t end)
{
	return class_end(sl_http_tok_lc, b, j, end);
}

#ifdef HTTP_SSE2
/* bit k: b[k] is not ALPHA, DIGIT or "-" (nearly every byte of a field name is) */
static inline unsigned
not_alnum16(__m128i v)
{
	/* unsigned x <= k is min(x, k) == x */
	__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i alpha = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l);
	__m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i dash = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));

	__m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit), dash);

	return (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
}

/* bit k: b[k] is a CTL (HTAB included) or DEL, what ends a field value */
static inline unsigned
ctl16(__m128i v)
{
	/* unsigned x <= 0x1f is max(x, 0x1f) == 0x1f */
	__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
	__m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, del));
}
#endif

/*
 * The first byte of b[j..end) that is not SP, HTAB, VCHAR or obs-text, or
 * @end; the piece is b[0..len).
 */
static inline size_t
text_end(const uint8_t *b, size_t j, size_t end, size_t len)
{
#ifdef HTTP_SSE2
	while (j < end && len - j >= 16) {
		unsigned m = ctl16(_mm_loadu_si128((const __m128i *)(b + j)));

		if (m == 0) {
			j += 16;
			continue;
		}
		j += (unsigned)__builtin_ctz(m);
		if (j >= end)
			return end;
		if (b[j] != '\t')
			return j;
		j++;
	}
	if (j >= end)
		return end;
#else
	(void)len;
#endif
	for (;;) {
		if (end - j >= 8) {
			uint64_t w = load64(b + j), m = has_less(w, 0x20) | has_byte(w, 0x7f);

			if (m == 0) {
				j += 8;
				continue;
			}
			/* the lowest flagged byte is exact (borrows only run upwards) */
			j += (size_t)__builtin_ctzll(m) >> 3;
		} else {
			while (j < end && b[j] >= 0x20 && b[j] != 0x7f)
				j++;
			if (j == end)
				return end;
		}
		if (b[j] != '\t')
			return j;
		j++;
	}
}

/* A CRLF at b[j], within @end (j <= end) */
static inline bool
crlf_at(const uint8_t *b, size_t j, size_t end)
{
	static const uint8_t crlf[2] = { CR, LF };

	return end - j >= 2 && load16(b + j) == load16(crlf);
}

/* "HTTP/1.1" / "HTTP/1.0" at b (8 bytes): the minor digit, or -1 */
static inline int
version_at(const uint8_t *b)
{
	uint64_t w = load64(b);

	if (w == LIT8("HTTP/1.1"))
		return 1;
	return w == LIT8("HTTP/1.0") ? 0 : -1;
}

/* status-line = HTTP-version SP 3DIGIT SP reason-phrase CRLF (RFC 9112 4) */
static __attribute__((noinline)) size_t
status_line_fast(struct sl_http_parser *p, const uint8_t *b, size_t i, size_t end,
		 uint32_t off0)
{
	size_t j = i + 12, rs = j;
	unsigned code;
	int minor;

	if (end - i < 14 || (minor = version_at(b + i)) < 0 || b[i + 8] != ' ' ||
	    !is_digit(b[i + 9]) || !is_digit(b[i + 10]) || !is_digit(b[i + 11]))
		return 0;
	code = (b[i + 9] - '0') * 100u + (b[i + 10] - '0') * 10u + (b[i + 11] - '0');
	if (code < 100 || code > 599)
		return 0;
	if (b[j] == ' ') {
		/* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ), short: by table */
		rs = ++j;
		j = class_end(sl_http_vcls, b, j, end);
	}
	if (!crlf_at(b, j, end))
		return 0;
	p->vmajor = 1;
	p->version_minor = (uint8_t)minor;
	p->code = (uint16_t)code;
	p->reason_phrase.off = off0 + (uint32_t)rs;
	p->reason_phrase.len = (uint32_t)(j - rs);
	return j + 2;
}

/* request-line = method SP origin-form SP HTTP-version CRLF (RFC 9112 3) */
static __attribute__((noinline)) size_t
request_line_fast(struct sl_http_parser *p, const uint8_t *b, size_t i, size_t end,
		  uint32_t off0)
{
	size_t j = token_end(b, i, end), t, k;
	enum sl_http_method m;
	int minor;

	if (j == i || j == end || b[j] != ' ')
		return 0;
	m = method_lookup((const char *)b + i, (unsigned)(j - i));
	t = j + 1;
	if (m == SL_HTTP_M_CONNECT || t == end || b[t] != '/')
		return 0;
	k = t + 1;
	for (;;) {
		if (end - k >= 8) {
			uint64_t w = load64(b + k);
			uint64_t x = has_less(w, 0x21) | (w & HIGHS) | has_byte(w, 0x7f);

			if (x == 0) {
				k += 8;
				continue;
			}
			k += (size_t)__builtin_ctzll(x) >> 3;
		} else {
			while (k < end && is_vchar(b[k]))
				k++;
		}
		break;
	}
	if (end - k < 11 || b[k] != ' ' || (minor = version_at(b + k + 1)) < 0 ||
	    b[k + 9] != CR || b[k + 10] != LF)
		return 0;
	p->method = m;
	p->method_span.off = off0 + (uint32_t)i;
	p->method_span.len = (uint32_t)(j - i);
	p->target.off = off0 + (uint32_t)t;
	p->target.len = (uint32_t)(k - t);
	p->vmajor = 1;
	p->version_minor = (uint8_t)minor;
	return k + 11;
}

/* A Host value b[vs..ve), trailing OWS up to @cr, is valid (what host_step() accepts). */
static inline bool
host_fast(struct sl_http_parser *p, const uint8_t *b, size_t vs, size_t ve, size_t cr)
{
	size_t k = vs, d;

	if (vs == ve)
		return true;
	/* reg-name [ ":" *5DIGIT ] */
	while (k < ve && sl_http_regname[b[k]])
		k++;
	if (k > vs) {
		if (k == ve)
			return true;
		if (b[k] == ':') {
			d = ++k;
			while (k < ve && is_digit(b[k]))
				k++;
			if (k == ve && k - d <= 5)
				return true;
		}
	}
	/* an IP-literal, or invalid: byte by byte (sub and cnt are rewritten by name_end()) */
	p->sub = H_START;
	p->cnt = 0;
	for (k = vs; k < cr; k++)
		if (host_step(p, b[k]) < 0)
			return false;
	return p->sub != H_V6;
}

/* The lower-cased, zero-padded word of a name at b whose first @r bytes (1..8) are kept */
static inline uint64_t
name_word(const uint8_t *b, size_t r)
{
	return lower8_tok(load64(b)) & (~0ull >> (8 * (8 - r)));
}

/*
 * Names identify() may recognise, by length: a bit per first byte (& 31, so
 * either case); other names are SL_HTTP_H_OTHER without a look at their words.
 */
#define FB(c) (1u << ((c) & 31))
static const uint32_t known_first[18] = {
	[2] = FB('t'),
	[3] = FB('v'),
	[4] = FB('h'),
	[6] = FB('c') | FB('e'),
	[7] = FB('u') | FB('t'),
	[9] = FB('f'),
	[10] = FB('c') | FB('k') | FB('s'),
	[14] = FB('c'),
	[15] = FB('x'),
	[16] = FB('p') | FB('x'),
	[17] = FB('t') | FB('x'),
};
#undef FB

/* fields whose value is interpreted, or that set a flag */
#define INTERPRETED                                                                 \
	(1u << SL_HTTP_H_CONTENT_LENGTH | 1u << SL_HTTP_H_TRANSFER_ENCODING |         \
	 1u << SL_HTTP_H_CONNECTION | 1u << SL_HTTP_H_HOST | 1u << SL_HTTP_H_EXPECT | \
	 1u << SL_HTTP_H_UPGRADE)

/*
 * The value b[vs..ve) (OWS stripped, its CR at @cr) of a field in
 * INTERPRETED, in its common form: applied as the states would, true; any
 * other form (a list, an error, a second Host): false, nothing changed. One
 * small function per field, out of the loop of fields_fast().
 */
static __attribute__((noinline)) bool
cl_fast(struct sl_http_parser *p, const uint8_t *b, size_t vs, size_t ve)
{
	uint64_t cl = 0;
	size_t k;

	/* 1 to 18 digits cannot overflow 2^63 - 1 */
	if (ve == vs || ve - vs > 18)
		return false;
	for (k = vs; k < ve; k++) {
		if (!is_digit(b[k]))
			return false;
		cl = cl * 10 + (b[k] - '0');
	}
	if ((p->tok_flags & F_HAS_CL) && p->content_length != cl)
		return false;
	p->content_length = cl;
	p->tok_flags |= F_HAS_CL;
	return true;
}

static __attribute__((noinline)) bool
conn_fast(struct sl_http_parser *p, const uint8_t *b, size_t vs, size_t ve)
{
	/* one option, lower-cased into the next conn_opt[] slot */
	const size_t n = ve - vs;
	char *o = p->conn_opt[p->n_conn];
	struct name_w ow;
	size_t k;
	int kind;

	if (n == 0 || n > SL_HTTP_NAME_MAX || p->n_conn == SL_HTTP_MAX_CONN_OPTS)
		return false;
	if (n == 10 || n == 5) {
		/* "keep-alive", "close": loads that end at ve, no table */
		uint64_t w0, w1 = 0;

		if (n == 10) {
			w0 = lower8(load64(b + vs));
			w1 = lower8(load64(b + vs + 2)) >> 48;
			kind = w0 == LIT8("keep-ali") && w1 == LIT8("ve") ? (int)F_CONN_KA : 0;
		} else {
			/* the word ends at ve: "Connection:" is before vs */
			w0 = lower8(load64(b + vs - 3)) >> 24;
			kind = w0 == LIT8("close") ? (int)F_CONN_CLOSE : 0;
		}
		if (kind) {
			store64(o, w0);
			store64(o + 8, w1);
			memset(o + 16, 0, SL_HTTP_NAME_MAX - 16);
			/* a field named Keep-Alive is hop-by-hop anyway */
			conn_opt_add(p, (unsigned)n, kind, kind != (int)F_CONN_KA);
			return true;
		}
	}
	memset(o, 0, SL_HTTP_NAME_MAX);
	for (k = 0; k < n; k++) {
		uint8_t lc = sl_http_tok_lc[b[vs + k]];

		if (lc == 0)
			return false;
		o[k] = (char)lc;
	}
	ow = name_words(o);
	kind = conn_opt_kind(&ow, (unsigned)n);
	if (kind < 0)
		return false;
	conn_opt_add(p, (unsigned)n, kind, conn_opt_marks(&ow, (unsigned)n));
	return true;
}

static __attribute__((noinline)) bool
other_fast(struct sl_http_parser *p, enum sl_http_hdr_id id, const uint8_t *b, size_t vs,
	   size_t ve, size_t cr)
{
	switch (id) {
	case SL_HTTP_H_TRANSFER_ENCODING:
		/* the 8-byte load ends at most at the CR */
		if (ve - vs != 7 || (p->tok_flags & F_TE_CHUNKED) ||
		    (lower8(load64(b + vs)) & 0x00ffffffffffffffull) != LIT8("chunked"))
			return false;
		p->tok_flags |= F_HAS_TE | F_TE_CHUNKED;
		return true;
	case SL_HTTP_H_HOST:
		if (p->kind != SL_HTTP_REQUEST)
			return true;
		if ((p->tok_flags & F_HAS_HOST) || !host_fast(p, b, vs, ve, cr))
			return false;
		p->tok_flags |= F_HAS_HOST;
		return true;
	case SL_HTTP_H_EXPECT:
		if (p->kind != SL_HTTP_REQUEST)
			return true;
		/* "100-continue": two overlapping loads, the second ends at ve */
		if (ve - vs != 12 || lower8(load64(b + vs)) != LIT8("100-cont") ||
		    lower8(load64(b + vs + 4)) != LIT8("continue"))
			return false;
		/* a server MUST ignore it in an HTTP/1.0 request */
		if (p->version_minor == 1)
			p->expect_continue = true;
		return true;
	case SL_HTTP_H_UPGRADE:
		p->tok_flags |= F_HAS_UPGRADE;
		return true;
	default:
		return true;
	}
}

static inline bool
value_fast(struct sl_http_parser *p, enum sl_http_hdr_id id, const uint8_t *b, size_t vs,
	   size_t ve, size_t cr)
{
	if (id == SL_HTTP_H_CONTENT_LENGTH)
		return cl_fast(p, b, vs, ve);
	if (id == SL_HTTP_H_CONNECTION)
		return conn_fast(p, b, vs, ve);
	return other_fast(p, id, b, vs, ve, cr);
}

/*
 * The field lines of the header section from b[i] (RFC 9112 5, RFC 9110
 * 5.5), as many as are whole and plain: returns the index where the states
 * take over. Out of line, so that its loop has the registers to itself.
 *
 * The name hashes that Connection options are matched against are not
 * computed here: most heads name no field but Keep-Alive or Upgrade, which
 * are hop-by-hop by their id. While the head's final CRLF is in this piece,
 * finish_head() will run on it and hashes_resolve() the names if an option
 * needs them; otherwise (the head goes on in the next piece) they are
 * resolved before returning, while the names are at hand.
 */
static __attribute__((noinline)) size_t
fields_fast(struct sl_http_parser *p, const uint8_t *b, size_t i, size_t end, size_t len,
	    uint32_t off0, unsigned max_fields)
{
	/* nfields - n_hdrs is constant here: the trailers never come this way */
	struct sl_http_hdr *const h0 = &p->hdrs[p->n_hdrs];
	struct sl_http_hdr *h = h0, *const h_end = h0 + (max_fields - p->nfields);

	for (; h < h_end && i < end && b[i] != CR; h++) {
		enum sl_http_hdr_id id = SL_HTTP_H_OTHER;
		size_t j, n, vs, ve, cr;

		/* field-name = token, up to the colon */
#ifdef HTTP_SSE2
		if (len - i >= 16) {
			/* one block: the name up to its colon, and the value's end if
			 * it is in the same 16 bytes */
			__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
			unsigned odd = not_alnum16(v), c;

			j = i + (unsigned)__builtin_ctz(odd | 0x10000u);
			if (odd == 0 || b[j] != ':')
				goto name_scalar;
			if (j >= end || j == i)
				break;
			c = ctl16(v) & (~1u << (j - i));
			if (c == 0) {
				cr = text_end(b, i + 16, end, len);
			} else {
				cr = i + (unsigned)__builtin_ctz(c);
				if (cr >= end)
					break;
				if (b[cr] == '\t')
					cr = text_end(b, cr + 1, end, len);
			}
			n = j - i;
			goto name_done;
		}
	name_scalar:
#endif
		j = token_end(b, i, end);
		n = j - i;
		if (n == 0 || j == end || b[j] != ':')
			break;
		cr = text_end(b, j + 1, end, len);
#ifdef HTTP_SSE2
	name_done:
#endif
		if (n < sizeof(known_first) / sizeof(known_first[0]) &&
		    (known_first[n] >> (b[i] & 31) & 1)) {
			/* lower-cased, zero-padded words as in nbuf, from whole-word loads */
			uint64_t w0, w1 = 0, w2 = 0;

			if (((n + 7) & ~(size_t)7) > len - i)
				break;
			if (n <= 8) {
				w0 = name_word(b + i, n);
			} else {
				w0 = lower8_tok(load64(b + i));
				if (n <= 16) {
					w1 = name_word(b + i + 8, n - 8);
				} else {
					w1 = lower8_tok(load64(b + i + 8));
					w2 = name_word(b + i + 16, n - 16);
				}
			}
			id = identify(w0, w1, w2, (unsigned)n);
		}
		/* OWS field-value OWS CRLF: the CR bounds both OWS scans */
		if (!crlf_at(b, cr, end))
			break;
		vs = j + 1;
		if (b[vs] == ' ')
			vs++;
		while (is_ows(b[vs]))
			vs++;
		ve = cr;
		if (is_ows(b[ve - 1]))
			while (ve > vs && is_ows(b[ve - 1]))
				ve--;
		/* hdrs[n_hdrs..] and name_hash[] are scratch until counted */
		h->name.off = off0 + (uint32_t)i;
		h->name.len = (uint32_t)n;
		h->value.off = off0 + (uint32_t)vs;
		h->value.len = (uint32_t)(ve - vs);
		h->id = id;
		h->hop_by_hop = hop_by_hop(id);
		if (((1u << id) & INTERPRETED) && !value_fast(p, id, b, vs, ve, cr))
			break;
		if (p->hdr_index[id] == 0)
			p->hdr_index[id] = (uint16_t)(h - p->hdrs + 1);
		i = cr + 2;
	}
	p->nfields = (uint16_t)(p->nfields + (h - h0));
	p->n_hdrs = (uint16_t)(h - p->hdrs);
	/* the name hashes wait for a Connection option that needs them, as long
	 * as the names stay at hand: the head ends in this piece */
	if (!crlf_at(b, i, end))
		hashes_resolve(p, b, off0);
	return i;
}

/*
 * Index in the piece where the current limit falls (or @len): the start
 * line may not go beyond line_start + max_line, the header (and trailer)
 * section not beyond max_head. @cur is the offset of index @i.
 */
static inline size_t
head_end(const struct sl_http_parser *p, uint32_t cur, size_t i, size_t len)
{
	const struct sl_http_limits *l = p->limits;
	uint64_t lim = l->max_head, room;

	if (p->state < S_HDR_START && (uint64_t)p->line_start + l->max_line < lim)
		lim = (uint64_t)p->line_start + l->max_line;
	room = lim > cur ? lim - cur : 0;
	return len - i <= room ? len : i + (size_t)room;
}

static int
limit_fail(struct sl_http_parser *p)
{
	const struct sl_http_limits *l = p->limits;

	if (p->state < S_HDR_START && (uint64_t)p->line_start + l->max_line <= l->max_head)
		return fail(p, SL_HTTP_E_LINE_TOO_LONG, 414,
			    p->kind == SL_HTTP_REQUEST ? "request line too long"
						       : "status line too long");
	return fail(p, SL_HTTP_E_HEAD_TOO_LARGE, 431,
		    p->tok_flags & F_TRAILER ? "trailer section too large"
					     : "header section too large");
}

static __attribute__((noinline)) int
parse(struct sl_http_parser *p, const char *buf, size_t len, size_t *consumed)
{
	const uint8_t *b = (const uint8_t *)buf;
	uint32_t off0 = p->pos; /* offset of b[0] in the head; rebased for trailers */
	size_t i = 0, end = len;
	unsigned max_fields;
	uint8_t c;
	int rc;

#define OFF(x) ((uint32_t)(off0 + (uint32_t)(x)))
#define ERR(e)                 \
	do {                   \
		rc = (e);      \
		goto out;      \
	} while (0)
/* one byte of a chunk-size line, which may not be longer than max_line */
#define CHUNK_BYTE()                                                   \
	do {                                                           \
		if (i == len)                                          \
			goto more;                                     \
		if (++p->chunk_line > p->limits->max_line)             \
			ERR(SYNTAX("chunk line too long"));            \
		c = b[i];                                              \
	} while (0)

	if (p->state >= S_FINISHED) {
		*consumed = 0;
		return SL_HTTP_E_STATE;
	}
	if (p->state <= S_HEAD_LF)
		end = head_end(p, off0, 0, len);
	max_fields = p->limits->max_headers < SL_HTTP_MAX_HEADERS ? p->limits->max_headers
								  : SL_HTTP_MAX_HEADERS;
	for (;;) {
		switch ((enum http_state)p->state) {
		/* ---------------- start line ---------------- */
		case S_START:
			if (i == end)
				goto head_more;
			c = b[i];
			if (p->kind == SL_HTTP_RESPONSE) {
				size_t e = status_line_fast(p, b, i, end, off0);

				if (e) {
					i = e;
					goto start_line_end;
				}
				p->state = S_VERSION;
				p->sub = 0;
				continue;
			}
			/* RFC 9112 2.2: empty lines before the request line are skipped */
			if (c == CR) {
				p->state = S_START_LF;
				i++;
				continue;
			}
			if (!sl_http_tok_lc[c])
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid method"));
			{
				size_t e = request_line_fast(p, b, i, end, off0);

				if (e) {
					i = e;
					goto start_line_end;
				}
			}
			p->line_start = p->mark = OFF(i);
			p->nbuf_len = 0;
			p->state = S_METHOD;
			/* fall through */
		case S_METHOD: {
			unsigned n = p->nbuf_len;

			while (i < end && sl_http_tok_lc[b[i]]) {
				if (n < 8)
					p->nbuf[n] = (char)b[i];
				n += n < 9;
				i++;
			}
			p->nbuf_len = (uint8_t)n;
			if (i == end)
				goto head_more;
			if (b[i] != ' ')
				ERR(SYNTAX("invalid method"));
			p->method_span.off = p->mark;
			p->method_span.len = OFF(i) - p->mark;
			p->method = method_lookup(p->nbuf, n);
			i++;
			p->state = S_TARGET_START;
			continue;
		}
		case S_START_LF:
			if (i == end)
				goto head_more;
			if (b[i] != LF)
				ERR(SYNTAX("bare CR"));
			if (++p->empty_lines > SL_HTTP_MAX_EMPTY_LINES)
				ERR(SYNTAX("too many empty lines before the request line"));
			i++;
			p->line_start = OFF(i);
			p->state = S_START;
			end = head_end(p, OFF(i), i, len);
			continue;
		case S_TARGET_START:
			/* RFC 9112 3.2 */
			if (i == end)
				goto head_more;
			c = b[i];
			if (!is_vchar(c))
				ERR(SYNTAX("invalid request-target"));
			p->mark = OFF(i);
			if (p->method == SL_HTTP_M_CONNECT) {
				p->sub = H_START;
				p->cnt = 0;
				p->state = S_TARGET_AUTH;
				continue;
			}
			if (c == '/') {
				p->state = S_TARGET;
			} else if (c == '*') {
				if (p->method != SL_HTTP_M_OPTIONS)
					ERR(SYNTAX("asterisk-form without OPTIONS"));
				p->state = S_TARGET_AST;
			} else if (is_alpha(c)) {
				p->state = S_SCHEME;
			} else {
				ERR(SYNTAX("invalid request-target"));
			}
			i++;
			continue;
		case S_SCHEME:
			while (i < end && is_scheme(b[i]))
				i++;
			if (i == end)
				goto head_more;
			if (b[i] != ':')
				ERR(SYNTAX("invalid request-target"));
			i++;
			p->state = S_TARGET;
			/* fall through */
		case S_TARGET:
			while (end - i >= 8) {
				uint64_t w = load64(b + i);

				if (has_less(w, 0x21) | (w & HIGHS) | has_byte(w, 0x7f))
					break;
				i += 8;
			}
			while (i < end && is_vchar(b[i]))
				i++;
			if (i == end)
				goto head_more;
			if (b[i] != ' ')
				ERR(SYNTAX("invalid character in request-target"));
			goto target_end;
		case S_TARGET_AST:
			if (i == end)
				goto head_more;
			if (b[i] != ' ')
				ERR(SYNTAX("invalid request-target"));
			goto target_end;
		case S_TARGET_AUTH:
			/* authority-form = uri-host ":" port (RFC 9112 3.2.3) */
			for (; i < end; i++) {
				c = b[i];
				if (!is_vchar(c))
					break;
				if (host_step(p, c) < 0)
					ERR(SYNTAX("invalid authority-form"));
			}
			if (i == end)
				goto head_more;
			if (b[i] != ' ' || p->sub != H_PORT || p->cnt == 0)
				ERR(SYNTAX("invalid authority-form"));
		target_end:
			p->target.off = p->mark;
			p->target.len = OFF(i) - p->mark;
			i++;
			p->state = S_VERSION;
			p->sub = 0;
			continue;
		case S_VERSION:
			/* HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3) */
			if (i == end)
				goto head_more;
			c = b[i];
			if (p->sub < 5) {
				if (c != (uint8_t)"HTTP/"[p->sub])
					ERR(SYNTAX("invalid HTTP version"));
			} else if (p->sub == 6) {
				if (c != '.')
					ERR(SYNTAX("invalid HTTP version"));
			} else if (!is_digit(c)) {
				ERR(SYNTAX("invalid HTTP version"));
			} else if (p->sub == 5) {
				p->vmajor = c - '0';
			} else {
				p->version_minor = c - '0';
			}
			i++;
			if (++p->sub == 8)
				p->state = p->kind == SL_HTTP_REQUEST ? S_REQ_LINE_CR : S_STATUS_SP;
			continue;
		case S_REQ_LINE_CR:
			if (i == end)
				goto head_more;
			c = b[i];
			if (c != CR)
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid request line"));
			if (p->vmajor != 1 || p->version_minor > 1)
				ERR(fail(p, SL_HTTP_E_VERSION, 505, "unsupported HTTP version"));
			i++;
			p->state = S_LINE_LF;
			continue;
		case S_STATUS_SP:
			/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4) */
			if (i == end)
				goto head_more;
			if (b[i] != ' ')
				ERR(SYNTAX("invalid status line"));
			if (p->vmajor != 1 || p->version_minor > 1)
				ERR(fail(p, SL_HTTP_E_VERSION, 505, "unsupported HTTP version"));
			i++;
			p->state = S_CODE;
			p->sub = 0;
			p->code = 0;
			continue;
		case S_CODE:
			if (i == end)
				goto head_more;
			c = b[i];
			if (!is_digit(c))
				ERR(SYNTAX("invalid status code"));
			p->code = p->code * 10 + (c - '0');
			if (++p->sub == 3) {
				/* RFC 9110 15: valid codes are 100..599 */
				if (p->code < 100 || p->code > 599)
					ERR(SYNTAX("invalid status code"));
				p->state = S_CODE_END;
			}
			i++;
			continue;
		case S_CODE_END:
			if (i == end)
				goto head_more;
			c = b[i];
			if (c == ' ') {
				i++;
				p->mark = OFF(i);
				p->state = S_REASON;
				continue;
			}
			/* "HTTP/1.1 200\r\n": the SP before an empty reason is missing;
			 * accepted, as nginx and llhttp do (the reason means nothing) */
			if (c != CR)
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid status line"));
			p->reason_phrase.off = OFF(i);
			p->reason_phrase.len = 0;
			i++;
			p->state = S_LINE_LF;
			continue;
		case S_REASON:
			/* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ) */
			while (i < end && sl_http_vcls[b[i]])
				i++;
			if (i == end)
				goto head_more;
			c = b[i];
			if (c != CR)
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid character in reason phrase"));
			p->reason_phrase.off = p->mark;
			p->reason_phrase.len = OFF(i) - p->mark;
			i++;
			p->state = S_LINE_LF;
			continue;
		case S_LINE_LF:
			if (i == end)
				goto head_more;
			if (b[i] != LF)
				ERR(SYNTAX("bare CR"));
			i++;
		start_line_end:
			p->line_start = OFF(i);
			p->state = S_HDR_START;
			end = head_end(p, OFF(i), i, len);
			/* fall through */

		/* ---------------- field lines (header and trailer sections) ---------------- */
		case S_HDR_START:
			if (!(p->tok_flags & F_TRAILER)) {
				i = fields_fast(p, b, i, end, len, off0, max_fields);
				if (crlf_at(b, i, end)) {
					/* the end of the header section, whole here */
					i++;
					p->state = S_HEAD_LF;
					goto head_lf;
				}
			}
			if (i == end)
				goto head_more;
			c = b[i];
			if (c == CR) {
				i++;
				p->state = S_HEAD_LF;
				continue;
			}
			if (!sl_http_tok_lc[c]) {
				if (c == LF)
					ERR(SYNTAX("bare LF"));
				/* RFC 9112 5.2 (obs-fold) and 2.2 (whitespace after the start line) */
				if (is_ows(c))
					ERR(SYNTAX(p->nfields ? "obs-fold"
							      : "whitespace before the first field line"));
				ERR(SYNTAX(c == ':' ? "empty field name" : "invalid field name"));
			}
			if (p->nfields >= max_fields)
				ERR(fail(p, SL_HTTP_E_HEAD_TOO_LARGE, 431, "too many header fields"));
			p->nfields++;
			if (p->tok_flags & F_TRAILER)
				p->has_trailers = true;
			p->line_start = OFF(i);
			memset(p->nbuf, 0, sizeof(p->nbuf));
			p->nbuf_len = 0;
			p->state = S_HDR_NAME;
			/* fall through */
		case S_HDR_NAME: {
			unsigned n = p->nbuf_len;
			size_t s = i;

			while (i < end && sl_http_tok_lc[b[i]])
				i++;
			/* keep the first SL_HTTP_NAME_MAX bytes, lower-cased; n stops
			 * at SL_HTTP_NAME_MAX + 1: "longer, cannot be recognised" */
			if (n <= SL_HTTP_NAME_MAX) {
				size_t take = i - s, k = 0;
				bool longer = take > SL_HTTP_NAME_MAX - n;

				if (longer)
					take = SL_HTTP_NAME_MAX - n;
				for (; k + 8 <= take; k += 8) {
					uint64_t w = lower8(load64(b + s + k));

					store64(p->nbuf + n + k, w);
				}
				for (; k < take; k++)
					p->nbuf[n + k] = (char)sl_http_tok_lc[b[s + k]];
				n = longer ? SL_HTTP_NAME_MAX + 1 : n + (unsigned)take;
			}
			p->nbuf_len = (uint8_t)n;
			if (i == end)
				goto head_more;
			c = b[i];
			if (c != ':')
				/* RFC 9112 5.1: no whitespace between name and colon */
				ERR(SYNTAX(is_ows(c) ? "whitespace before colon" : "invalid field name"));
			rc = name_end(p, OFF(i));
			if (rc < 0)
				goto out;
			i++;
			p->state = S_HDR_OWS;
		}
			/* fall through */
		case S_HDR_OWS:
			while (i < end && is_ows(b[i]))
				i++;
			if (i == end)
				goto head_more;
			c = b[i];
			p->mark = p->vend = OFF(i);
			if (!sl_http_vcls[c]) {
				if (c == CR)
					goto field_end;
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid character in field value"));
			}
			p->state = S_HDR_VALUE;
			/* fall through */
		case S_HDR_VALUE: {
			/* RFC 9110 5.5: field-vchar / SP / HTAB; obs-text allowed */
			size_t s = i, ve = 0;
			uint8_t k;

			/* 8 bytes at a time while no CTL (HTAB included) nor DEL */
			while (end - i >= 8) {
				uint64_t w = load64(b + i);

				if (has_less(w, 0x20) | has_byte(w, 0x7f))
					break;
				i += 8;
				if (b[i - 1] != ' ') {
					ve = i;
				} else {
					for (size_t j = i - 1; j > i - 8; j--) {
						if (b[j - 1] != ' ') {
							ve = j;
							break;
						}
					}
				}
			}
			while (i < end && (k = sl_http_vcls[b[i]]) != 0) {
				i++;
				if (k == 2)
					ve = i;
			}
			if (ve)
				p->vend = OFF(ve);
			if (p->vid && i > s) {
				size_t at;

				rc = value_feed(p, b + s, i - s, &at);
				if (rc < 0) {
					i = s + at;
					goto out;
				}
			}
			if (i == end)
				goto head_more;
			c = b[i];
			if (c != CR)
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid character in field value"));
		}
		field_end:
			if (!(p->tok_flags & F_TRAILER)) {
				struct sl_http_hdr *h = &p->hdrs[p->n_hdrs - 1];

				h->value.off = p->mark;
				h->value.len = p->vend - p->mark;
			}
			if (p->vid) {
				rc = value_end(p);
				if (rc < 0)
					goto out;
			}
			i++;
			p->state = S_HDR_LF;
			continue;
		case S_HDR_LF:
			if (i == end)
				goto head_more;
			if (b[i] != LF)
				ERR(SYNTAX("bare CR"));
			i++;
			p->state = S_HDR_START;
			continue;
		case S_HEAD_LF:
			if (i == end)
				goto head_more;
			if (b[i] != LF)
				ERR(SYNTAX("bare CR"));
			if (p->tok_flags & F_TRAILER) {
				i++;
				p->state = S_FINISHED;
				ERR(SL_HTTP_DONE);
			}
		head_lf:
			rc = finish_head(p, OFF(i + 1), b, off0);
			if (rc < 0)
				goto out;
			i++;
			goto out;

		/* ---------------- body ---------------- */
		case S_BODY_LENGTH: {
			uint64_t n = len - i;

			if (n > p->remaining)
				n = p->remaining;
			i += n;
			p->remaining -= n;
			p->body_bytes += n;
			if (p->remaining)
				goto more;
			p->state = S_FINISHED;
			ERR(SL_HTTP_DONE);
		}
		case S_DONE_PENDING:
			p->state = S_FINISHED;
			ERR(SL_HTTP_DONE);
		case S_BODY_CLOSE: {
			uint64_t n = len - i, max = p->limits->max_body;

			if (max && n > max - p->body_bytes) {
				i += max - p->body_bytes;
				p->body_bytes = max;
				ERR(fail(p, SL_HTTP_E_BODY_TOO_LARGE, 413, "body too large"));
			}
			p->body_bytes += n;
			i = len;
			goto more;
		}
		/* chunked-body (RFC 9112 7.1) */
		case S_CHUNK_SIZE0:
			if (i == len)
				goto more;
			c = sl_http_hexval[b[i]];
			if (c == 255)
				ERR(SYNTAX("invalid chunk size"));
			p->remaining = c;
			p->hexdig = 1;
			p->chunk_line = 1;
			i++;
			p->state = S_CHUNK_SIZE;
			/* fall through */
		case S_CHUNK_SIZE:
			for (; i < len; i++) {
				c = sl_http_hexval[b[i]];
				if (c == 255)
					break;
				if (p->hexdig == 16)
					ERR(SYNTAX("chunk size too long"));
				if (p->remaining >> 59)
					ERR(SYNTAX("chunk size overflow"));
				p->remaining = p->remaining << 4 | c;
				p->hexdig++;
				p->chunk_line++;
			}
			CHUNK_BYTE();
			if (c == CR)
				p->state = S_CHUNK_LF;
			else if (c == ';')
				p->state = S_CHUNK_EXT_BWS2;
			else if (is_ows(c))
				p->state = S_CHUNK_EXT_BWS1;
			else
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk size"));
			i++;
			continue;
		/* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) */
		case S_CHUNK_EXT_BWS1:
			CHUNK_BYTE();
			if (c == ';')
				p->state = S_CHUNK_EXT_BWS2;
			else if (!is_ows(c))
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_BWS2:
			CHUNK_BYTE();
			if (sl_http_tok_lc[c])
				p->state = S_CHUNK_EXT_NAME;
			else if (!is_ows(c))
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_NAME:
			CHUNK_BYTE();
			if (sl_http_tok_lc[c])
				;
			else if (is_ows(c))
				p->state = S_CHUNK_EXT_NAME_END;
			else if (c == '=')
				p->state = S_CHUNK_EXT_BWS3;
			else if (c == ';')
				p->state = S_CHUNK_EXT_BWS2;
			else if (c == CR)
				p->state = S_CHUNK_LF;
			else
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_NAME_END:
			CHUNK_BYTE();
			if (c == '=')
				p->state = S_CHUNK_EXT_BWS3;
			else if (c == ';')
				p->state = S_CHUNK_EXT_BWS2;
			else if (!is_ows(c))
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_BWS3:
			CHUNK_BYTE();
			if (c == '"')
				p->state = S_CHUNK_EXT_QSTR;
			else if (sl_http_tok_lc[c])
				p->state = S_CHUNK_EXT_TOKEN;
			else if (!is_ows(c))
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_TOKEN:
			CHUNK_BYTE();
			if (sl_http_tok_lc[c]) {
				i++;
				continue;
			}
			/* fall through */
		case S_CHUNK_EXT_VAL_END:
			if (p->state == S_CHUNK_EXT_VAL_END)
				CHUNK_BYTE();
			if (c == CR)
				p->state = S_CHUNK_LF;
			else if (c == ';')
				p->state = S_CHUNK_EXT_BWS2;
			else if (is_ows(c))
				p->state = S_CHUNK_EXT_BWS1;
			else
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_QSTR:
			/* quoted-string (RFC 9110 5.6.4) */
			CHUNK_BYTE();
			if (c == '"')
				p->state = S_CHUNK_EXT_VAL_END;
			else if (c == '\\')
				p->state = S_CHUNK_EXT_QPAIR;
			else if (!sl_http_vcls[c])
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			i++;
			continue;
		case S_CHUNK_EXT_QPAIR:
			CHUNK_BYTE();
			if (!sl_http_vcls[c])
				ERR(SYNTAX(c == LF ? "bare LF" : "invalid chunk extension"));
			p->state = S_CHUNK_EXT_QSTR;
			i++;
			continue;
		case S_CHUNK_LF:
			if (i == len)
				goto more;
			if (b[i] != LF)
				ERR(SYNTAX("bare CR"));
			if (p->remaining == 0) {
				/* last-chunk: the trailer section, counted with the header
				 * section against max_head and max_headers */
				i++;
				p->tok_flags |= F_TRAILER;
				p->state = S_HDR_START;
				off0 = p->head_len - (uint32_t)i;
				end = head_end(p, OFF(i), i, len);
				continue;
			}
			if (p->limits->max_body ? p->remaining > p->limits->max_body - p->body_bytes
						: p->remaining > UINT64_MAX - p->body_bytes)
				ERR(fail(p, SL_HTTP_E_BODY_TOO_LARGE, 413, "body too large"));
			i++;
			p->state = S_CHUNK_DATA;
			/* fall through */
		case S_CHUNK_DATA: {
			uint64_t n = len - i;

			if (n > p->remaining)
				n = p->remaining;
			i += n;
			p->remaining -= n;
			p->body_bytes += n;
			if (p->remaining)
				goto more;
			p->state = S_CHUNK_DATA_CR;
		}
			/* fall through */
		case S_CHUNK_DATA_CR:
			if (i == len)
				goto more;
			if (b[i] != CR)
				ERR(SYNTAX("missing CRLF after chunk data"));
			i++;
			p->state = S_CHUNK_DATA_LF;
			/* fall through */
		case S_CHUNK_DATA_LF:
			if (i == len)
				goto more;
			if (b[i] != LF)
				ERR(SYNTAX("missing CRLF after chunk data"));
			i++;
			p->state = S_CHUNK_SIZE0;
			continue;
		case S_FINISHED:
		case S_ERROR:
			break;
		}
		/* not reached: S_FINISHED and S_ERROR returned above */
		ERR(SL_HTTP_E_STATE);
	}

head_more:
	/* the piece was cut at a limit and the parser wants the byte beyond it */
	if (end < len)
		ERR(limit_fail(p));
more:
	rc = SL_HTTP_AGAIN;
out:
	*consumed = i;
	p->pos = OFF(i);
	return rc;
#undef OFF
#undef ERR
#undef CHUNK_BYTE
}

int
sl_http_parse(struct sl_http_parser *p, const char *buf, size_t len, size_t *consumed)
{
	/* the calls after the head, straight: a Content-Length body, or none */
	if (p->state == S_BODY_LENGTH) {
		uint64_t n = len < p->remaining ? len : p->remaining;

		p->remaining -= n;
		p->body_bytes += n;
		p->pos += (uint32_t)n;
		*consumed = (size_t)n;
		if (p->remaining)
			return SL_HTTP_AGAIN;
		p->state = S_FINISHED;
		return SL_HTTP_DONE;
	}
	if (p->state == S_DONE_PENDING) {
		p->state = S_FINISHED;
		*consumed = 0;
		return SL_HTTP_DONE;
	}
	return parse(p, buf, len, consumed);
}

int
sl_http_parse_eof(struct sl_http_parser *p)
{
	switch (p->state) {
	case S_START:
	case S_START_LF:
		return SL_HTTP_AGAIN; /* between messages: a clean close */
	case S_BODY_CLOSE:
	case S_DONE_PENDING:
		/* RFC 9112 6.3 rule 8: the close ends the body */
		p->state = S_FINISHED;
		return SL_HTTP_DONE;
	case S_FINISHED:
	case S_ERROR:
		return SL_HTTP_E_STATE;
	default:
		return fail(p, SL_HTTP_E_TRUNCATED, 400, "truncated message");
	}
}
