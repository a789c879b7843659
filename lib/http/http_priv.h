/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http internals: parser states, flags, character tables.
 */
#ifndef SL_HTTP_PRIV_H
#define SL_HTTP_PRIV_H

#include <stdint.h>

#include "sl_http.h"

/*
 * Parser states. Everything up to S_HEAD_LF is "head": the bytes count
 * against max_head (and, before S_HDR_START, against max_line); the trailer
 * section reuses the S_HDR_* states with F_TRAILER set.
 */
enum http_state {
	S_START = 0,	/* request: skip CRLFs, then method; response: "HTTP/" */
	S_START_LF,	/* CR of an empty line before the request line seen */
	S_METHOD,
	S_TARGET_START,
	S_TARGET,	/* origin-form, or absolute-form after its scheme */
	S_SCHEME,	/* absolute-form scheme, up to ':' */
	S_TARGET_AUTH,	/* authority-form (CONNECT) */
	S_TARGET_AST,	/* asterisk-form (OPTIONS) */
	S_VERSION,	/* "HTTP/d.d", sub = index */
	S_REQ_LINE_CR,
	S_STATUS_SP,
	S_CODE,
	S_CODE_END,
	S_REASON,
	S_LINE_LF,	/* CR of the start line seen */
	S_HDR_START,	/* at the start of a field line, or of the final CRLF */
	S_HDR_NAME,
	S_HDR_OWS,	/* after the colon */
	S_HDR_VALUE,
	S_HDR_LF,	/* CR of a field line seen */
	S_HEAD_LF,	/* CR of the final CRLF seen */
	/* body */
	S_BODY_LENGTH,
	S_CHUNK_SIZE0,
	S_CHUNK_SIZE,
	S_CHUNK_EXT_BWS1,	/* BWS before ';' */
	S_CHUNK_EXT_BWS2,	/* after ';' */
	S_CHUNK_EXT_NAME,
	S_CHUNK_EXT_NAME_END,	/* BWS after the name */
	S_CHUNK_EXT_BWS3,	/* after '=' */
	S_CHUNK_EXT_TOKEN,
	S_CHUNK_EXT_QSTR,
	S_CHUNK_EXT_QPAIR,
	S_CHUNK_EXT_VAL_END,	/* after a quoted value */
	S_CHUNK_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_BODY_CLOSE,
	S_DONE_PENDING,	/* message without body: DONE on the next call */
	S_FINISHED,
	S_ERROR,
};

/* tok_flags: what the header section said so far */
#define F_HAS_CL	(1u << 0)
#define F_HAS_TE	(1u << 1)
#define F_TE_CHUNKED	(1u << 2)	/* chunked seen */
#define F_TE_AFTER	(1u << 3)	/* a coding after chunked */
#define F_TE_OTHER	(1u << 4)	/* a coding other than chunked before it */
#define F_CONN_CLOSE	(1u << 5)
#define F_CONN_KA	(1u << 6)
#define F_CONN_UPGRADE	(1u << 7)
#define F_HAS_HOST	(1u << 8)
#define F_HAS_UPGRADE	(1u << 9)
#define F_TRAILER	(1u << 10)	/* parsing the trailer section */
#define F_ELEM		(1u << 11)	/* the list field being parsed had an element */

/* sub-states of a list-valued field (Content-Length, Transfer-Encoding, Connection, Expect) */
enum { L_OWS0 = 0, L_ELEM, L_OWS1 };
/* sub-states of a host (Host field, authority-form) */
enum { H_START = 0, H_REG, H_V6, H_V6_END, H_PORT, H_OWS };

extern const uint8_t sl_http_tok_lc[256];
extern const uint8_t sl_http_vcls[256];
extern const uint8_t sl_http_hexval[256];
extern const uint8_t sl_http_regname[256];

#endif /* SL_HTTP_PRIV_H */
