/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Incremental, resumable HTTP/1.1 message parser (RFC 9110, RFC 9112) for
 * requests and responses, strict against request smuggling.
 *
 * The parser never copies the message and never allocates. It is fed the
 * message as it arrives, one contiguous piece at a time (one mbuf segment's
 * data), and keeps all of its state in struct sl_http_parser, so a message
 * may be split anywhere, even inside a CRLF, and the result is the same as
 * when fed whole. What the proxy needs from the header section is recorded
 * as spans: byte offsets from the first byte of the message (the request or
 * status line; for a request, the empty lines the parser skipped before it
 * are counted in, i.e. offsets start at the first byte fed after
 * sl_http_parser_init()), which the caller resolves in the mbuf chain it keeps. Only
 * what must be interpreted is accumulated inside the parser (a header name
 * up to SL_HTTP_NAME_MAX to recognise it, the digits of Content-Length, the
 * tokens of Transfer-Encoding and Connection).
 *
 * One call, sl_http_parse(), walks the message: request or status line,
 * header section, body (Content-Length, chunked with extensions and
 * trailers, none, or close-delimited for responses), and stops:
 *  - right after the header section (SL_HTTP_HEAD), so the caller can route
 *    and rewrite before the body;
 *  - at the end of the message (SL_HTTP_DONE); what follows is the next
 *    pipelined message;
 *  - on an error (negative), with the HTTP status to answer.
 * Body bytes (chunk framing included) are reported as consumed so the caller
 * can relay them as they are: the parser has validated the framing.
 *
 * Context: any thread; a parser is used by one thread at a time.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_HTTP_MAX_HEADERS 128	/**< hard cap on recorded header fields */
#define SL_HTTP_NAME_MAX 32	/**< longest header name that can be recognised */
#define SL_HTTP_MAX_EMPTY_LINES 4	/**< CRLFs skipped before a request line (RFC 9112 2.2) */
#define SL_HTTP_MAX_CONN_OPTS 8	/**< Connection options remembered (more: 400) */

/** Methods the gateway tells apart; others are SL_HTTP_M_OTHER (still valid tokens). */
enum sl_http_method {
	SL_HTTP_M_NONE = 0,
	SL_HTTP_M_GET,
	SL_HTTP_M_HEAD,
	SL_HTTP_M_POST,
	SL_HTTP_M_PUT,
	SL_HTTP_M_DELETE,
	SL_HTTP_M_CONNECT,
	SL_HTTP_M_OPTIONS,
	SL_HTTP_M_TRACE,
	SL_HTTP_M_PATCH,
	SL_HTTP_M_OTHER,
};

/** Header fields the gateway acts on; everything else is SL_HTTP_H_OTHER. */
enum sl_http_hdr_id {
	SL_HTTP_H_OTHER = 0,
	SL_HTTP_H_CONTENT_LENGTH,
	SL_HTTP_H_TRANSFER_ENCODING,
	SL_HTTP_H_CONNECTION,
	SL_HTTP_H_KEEP_ALIVE,
	SL_HTTP_H_PROXY_CONNECTION,
	SL_HTTP_H_TE,
	SL_HTTP_H_TRAILER,
	SL_HTTP_H_UPGRADE,
	SL_HTTP_H_HOST,
	SL_HTTP_H_EXPECT,
	SL_HTTP_H_X_FORWARDED_FOR,
	SL_HTTP_H_X_FORWARDED_PROTO,
	SL_HTTP_H_X_FORWARDED_HOST,
	SL_HTTP_H_FORWARDED,
	SL_HTTP_H_VIA,
	SL_HTTP_H_COOKIE,
	SL_HTTP_H_SET_COOKIE,
	SL_HTTP_H__MAX
};

/** A byte range of the message: offset from its first byte, and length. */
struct sl_http_span {
	uint32_t off;
	uint32_t len;
};

/** One header field line, as recorded. */
struct sl_http_hdr {
	struct sl_http_span name;	/**< without the colon */
	struct sl_http_span value;	/**< without leading and trailing OWS; may be empty */
	enum sl_http_hdr_id id;
	/** Set for fields a proxy must not forward: the hop-by-hop ones
	 * (RFC 9110 7.6.1) and any named by Connection. */
	bool hop_by_hop;
};

/** How the body of the message is delimited (RFC 9112 6.3). */
enum sl_http_framing {
	SL_HTTP_BODY_NONE = 0,		/**< no body (or Content-Length: 0) */
	SL_HTTP_BODY_LENGTH,		/**< Content-Length bytes */
	SL_HTTP_BODY_CHUNKED,		/**< Transfer-Encoding: chunked */
	SL_HTTP_BODY_CLOSE,		/**< response read until the connection closes */
};

/** Limits from the configuration; 0 means "no limit" only for max_body. */
struct sl_http_limits {
	uint32_t max_line;	/**< request line (414) / status line (502) bytes */
	uint32_t max_head;	/**< header section bytes incl. the start line (431) */
	uint32_t max_headers;	/**< field lines (431); at most SL_HTTP_MAX_HEADERS */
	uint64_t max_body;	/**< body bytes, chunk framing excluded (413); 0: none */
};

/** Return values of sl_http_parse() besides the negative errors. */
enum sl_http_result {
	SL_HTTP_AGAIN = 0,	/**< all input consumed, the message goes on */
	SL_HTTP_HEAD = 1,	/**< stopped right after the header section */
	SL_HTTP_DONE = 2,	/**< stopped right after the end of the message */
};

/** Errors: negative return values; p->status holds the HTTP status to answer. */
enum sl_http_error {
	SL_HTTP_E_SYNTAX = -1,		/**< malformed message: 400 (502 for a response) */
	SL_HTTP_E_SMUGGLING = -2,	/**< framing a proxy must refuse: 400 (502) */
	SL_HTTP_E_LINE_TOO_LONG = -3,	/**< 414 (502) */
	SL_HTTP_E_HEAD_TOO_LARGE = -4,	/**< 431 (502) */
	SL_HTTP_E_BODY_TOO_LARGE = -5,	/**< 413 */
	SL_HTTP_E_NOT_IMPLEMENTED = -6,	/**< unknown transfer coding: 501 */
	SL_HTTP_E_VERSION = -7,		/**< not HTTP/1.0 or 1.1: 505 */
	SL_HTTP_E_TRUNCATED = -8,	/**< EOF inside a message (sl_http_parse_eof) */
	SL_HTTP_E_STATE = -9,		/**< called after an error or DONE without reset */
	SL_HTTP_E_EXPECTATION = -10,	/**< Expect other than 100-continue: 417 */
};

enum sl_http_kind {
	SL_HTTP_REQUEST = 0,
	SL_HTTP_RESPONSE,
};

/** Parser state and what it learned. Fields below "result" are read by the caller. */
struct sl_http_parser {
	/* --- private state: do not touch --- */
	uint16_t state;
	uint16_t sub;
	uint32_t pos;			/**< bytes of the message seen so far */
	uint32_t line_start;
	uint32_t mark;
	uint64_t remaining;		/**< body or chunk bytes left */
	uint8_t nbuf_len;
	char nbuf[SL_HTTP_NAME_MAX];	/**< lower-cased name / token being matched */
	uint32_t tok_flags;
	const struct sl_http_limits *limits;
	enum sl_http_kind kind;
	enum sl_http_method req_method;	/**< response parsing: the request's method */
	uint32_t vend;			/**< end of the field value without trailing OWS */
	uint32_t chunk_line;		/**< bytes of the current chunk-size line */
	uint16_t nfields;		/**< header + trailer field lines so far */
	uint16_t cnt;			/**< digits of a port */
	uint8_t vmajor;			/**< HTTP major version digit */
	uint8_t vid;			/**< id whose value is being interpreted, 0: none */
	uint8_t empty_lines;		/**< CRLFs skipped before the request line */
	uint8_t hexdig;			/**< chunk-size digits */
	uint8_t n_conn;			/**< Connection options in conn_opt */
	uint8_t conn_len[SL_HTTP_MAX_CONN_OPTS];
	uint8_t nhashed;		/**< name_hash[] is set for the fields below this one */
	uint8_t conn_mark;		/**< bit t: conn_opt[t] may name a field not yet hop-by-hop */

	/* --- result --- */
	int status;			/**< error: the HTTP status to answer (400, 413, ...) */
	const char *reason;		/**< error: a short human-readable cause */
	enum sl_http_method method;	/**< request */
	struct sl_http_span method_span;
	struct sl_http_span target;	/**< request-target as sent */
	uint16_t code;			/**< response status code */
	struct sl_http_span reason_phrase;
	uint8_t version_minor;		/**< 0 or 1 */
	enum sl_http_framing framing;
	uint64_t content_length;	/**< the Content-Length received (framing LENGTH; also
					 *   kept when a HEAD/304 response's framing is NONE) */
	uint64_t body_bytes;		/**< body bytes seen, chunk framing excluded */
	uint32_t head_len;		/**< bytes of start line + header section (CRLF CRLF incl.) */
	bool keep_alive;		/**< persistence after this message (RFC 9112 9.3) */
	bool upgrade;			/**< Connection: upgrade + Upgrade (request), or 101 */
	bool expect_continue;		/**< Expect: 100-continue */
	bool has_trailers;		/**< chunked body ended with trailer fields */
	uint16_t n_hdrs;
	struct sl_http_hdr hdrs[SL_HTTP_MAX_HEADERS];
	uint16_t hdr_index[SL_HTTP_H__MAX];	/**< 1 + index of the first field with that
						 *   id, 0 when absent */

	/* --- private scratch, written before read (not cleared by init) --- */
	uint64_t name_hash[SL_HTTP_MAX_HEADERS];	/**< hash of each lower-cased name */
	char conn_opt[SL_HTTP_MAX_CONN_OPTS][SL_HTTP_NAME_MAX];	/**< Connection options */
};

/**
 * Prepare @p p for a new message of @p kind. For a response, @p req_method is
 * the method of the request it answers (HEAD and CONNECT change the framing,
 * RFC 9112 6.3); ignored for requests. @p limits must outlive the parse.
 */
void sl_http_parser_init(struct sl_http_parser *p, enum sl_http_kind kind,
			 enum sl_http_method req_method, const struct sl_http_limits *limits);

/**
 * Feed the next @p len bytes of the message.
 * @param consumed  bytes of @p buf that belong to this message (all of them
 *                  for SL_HTTP_AGAIN; up to the stop point for HEAD and DONE;
 *                  up to the offending byte for an error)
 * @return SL_HTTP_AGAIN, SL_HTTP_HEAD, SL_HTTP_DONE, or a negative
 *         enum sl_http_error with p->status and p->reason set.
 * After SL_HTTP_HEAD, call again with the rest to walk the body. A message
 * without body returns SL_HTTP_HEAD and then, on the next call (even with
 * len 0), SL_HTTP_DONE.
 */
int sl_http_parse(struct sl_http_parser *p, const char *buf, size_t len, size_t *consumed);

/**
 * The peer closed: ends a close-delimited response body (SL_HTTP_DONE), or
 * returns SL_HTTP_E_TRUNCATED inside any other message, or SL_HTTP_AGAIN
 * when nothing of a message was seen yet (a clean close between messages).
 */
int sl_http_parse_eof(struct sl_http_parser *p);

/** The header field with @p id (its first occurrence), or NULL. */
const struct sl_http_hdr *sl_http_find(const struct sl_http_parser *p, enum sl_http_hdr_id id);

/** "GET", ... for known methods; NULL for SL_HTTP_M_OTHER / NONE. */
const char *sl_http_method_name(enum sl_http_method m);

/** The standard reason phrase of a status code ("Not Found"), "" if unknown. */
const char *sl_http_status_reason(unsigned int code);

#endif /* SL_HTTP_H */
