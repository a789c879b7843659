/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sticky cookie: a value naming the backend that only a holder of the
 * key can make, SipHash-2-4 as the MAC, base64url as the encoding; and the
 * Cookie / Set-Cookie syntax around it (RFC 6265).
 *
 * Why SipHash-2-4: it is a PRF designed for short inputs with a 128-bit
 * key (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012, https://131002.net/siphash/siphash.pdf); a MAC of a few
 * dozen bytes costs ~20 ns, and lib/tcp already trusts it. A 64-bit tag:
 * a forger who cannot see the key has a 2^-64 chance per guess, and every
 * wrong guess only costs it a re-pick.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_debug.h>

#include "sl_affinity.h"

/* ------------------------------------------------------------------ */
/* SipHash-2-4, incremental (paper §2: c = 2 compression, d = 4 finalization rounds) */

struct sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* up to 7 bytes not yet compressed, little-endian */
	size_t len;    /* bytes so far: its low byte ends the last block */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline void
sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static void
sip_init(struct sip *s, const struct sl_cookie_key *k)
{
	/* "somepseudorandomlygeneratedbytes" */
	s->v0 = UINT64_C(0x736f6d6570736575) ^ k->k0;
	s->v1 = UINT64_C(0x646f72616e646f6d) ^ k->k1;
	s->v2 = UINT64_C(0x6c7967656e657261) ^ k->k0;
	s->v3 = UINT64_C(0x7465646279746573) ^ k->k1;
	s->tail = 0;
	s->len = 0;
}

static void
sip_update(struct sip *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		s->tail |= (uint64_t)p[i] << (8 * (s->len & 7));
		if ((++s->len & 7) == 0) {
			sip_block(s, s->tail);
			s->tail = 0;
		}
	}
}

static uint64_t
sip_final(struct sip *s)
{
	/* The last block: the remaining bytes, and the length mod 256 in the top byte. */
	sip_block(s, s->tail | (uint64_t)(s->len & 0xff) << 56);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t
sl_affinity_siphash(const struct sl_cookie_key *k, const void *data, size_t len)
{
	struct sip s;

	sip_init(&s, k);
	sip_update(&s, data, len);
	return sip_final(&s);
}

void
sl_affinity_cookie_key(struct sl_cookie_key *k, const uint8_t raw[16])
{
	uint64_t w[2];

	memcpy(w, raw, sizeof(w));
	k->k0 = rte_le_to_cpu_64(w[0]);
	k->k1 = rte_le_to_cpu_64(w[1]);
}

int
sl_affinity_cookie_key_set(struct sl_cookie_key *k, const uint8_t *raw, size_t len)
{
	uint8_t folded[16];
	unsigned int i;

	if (raw == NULL || (len != 16 && len != 32))
		return -EINVAL;
	for (i = 0; i < 16; i++)
		folded[i] = (uint8_t)(raw[i] ^ (len == 32 ? raw[16 + i] : 0));
	sl_affinity_cookie_key(k, folded);
	return 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sl_affinity_cookie_key_parse(struct sl_cookie_key *k, const char *hex)
{
	uint8_t raw[16];
	unsigned int i;

	if (hex == NULL || strlen(hex) != 2 * sizeof(raw))
		return -EINVAL;
	for (i = 0; i < sizeof(raw); i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	sl_affinity_cookie_key(k, raw);
	return 0;
}

uint32_t
sl_affinity_cookie_vip_id(const struct sl_cookie_key *k, const char *vip_name)
{
	struct sip s;

	sip_init(&s, k);
	sip_update(&s, "SLv1", 4); /* domain separation from the cookie MAC */
	sip_update(&s, vip_name, strlen(vip_name));
	return (uint32_t)sip_final(&s);
}

/*
 * MAC = SipHash-2-4_k("SLc1" || vip_id LE32 || backend BE16 || name).
 * The name is last, so the fixed-size fields before it make the encoding
 * unambiguous. The MAC covers the backend's id and its name: a cookie is
 * valid only where that id still names the backend it was made for.
 */
static uint64_t
cookie_mac(const struct sl_cookie_key *k, uint32_t vip_id, uint16_t backend, const char *name)
{
	uint8_t hdr[10] = { 'S', 'L', 'c', '1' };
	struct sip s;

	hdr[4] = (uint8_t)vip_id;
	hdr[5] = (uint8_t)(vip_id >> 8);
	hdr[6] = (uint8_t)(vip_id >> 16);
	hdr[7] = (uint8_t)(vip_id >> 24);
	hdr[8] = (uint8_t)(backend >> 8);
	hdr[9] = (uint8_t)backend;
	sip_init(&s, k);
	sip_update(&s, hdr, sizeof(hdr));
	sip_update(&s, name, strlen(name));
	return sip_final(&s);
}

/* ------------------------------------------------------------------ */
/* base64url without padding (RFC 4648 §5) */

#define COOKIE_RAW 10 /* backend (2) || MAC (8) */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* 10 bytes -> 14 characters, the last one carrying 2 bits and 4 zero bits. */
static void
b64url_encode(const uint8_t raw[COOKIE_RAW], char out[SL_AFFINITY_COOKIE_LEN])
{
	uint32_t acc = 0;
	unsigned int bits = 0, i, o = 0;

	for (i = 0; i < COOKIE_RAW; i++) {
		acc = acc << 8 | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits != 0)
		out[o++] = b64url[(acc << (6 - bits)) & 63];
	RTE_ASSERT(o == SL_AFFINITY_COOKIE_LEN);
}

/* The inverse; -EINVAL unless exactly 14 alphabet characters in canonical form. */
static int
b64url_decode(const char *in, size_t len, uint8_t raw[COOKIE_RAW])
{
	uint32_t acc = 0;
	unsigned int bits = 0, i, o = 0;

	if (len != SL_AFFINITY_COOKIE_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);

		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < COOKIE_RAW)
				raw[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* 84 bits carried 80: the 4 left over must be zero, or two strings would decode alike. */
	if (o != COOKIE_RAW || bits != 4 || (acc & 0xf) != 0)
		return -EINVAL;
	return 0;
}

size_t
sl_affinity_cookie_make(const struct sl_cookie_key *k, uint32_t vip_id, uint16_t backend,
			const char *backend_name, char *out, size_t outlen)
{
	uint8_t raw[COOKIE_RAW];
	uint64_t mac;
	unsigned int i;

	if (backend_name == NULL || out == NULL || outlen < SL_AFFINITY_COOKIE_LEN + 1)
		return 0;
	mac = cookie_mac(k, vip_id, backend, backend_name);
	raw[0] = (uint8_t)(backend >> 8);
	raw[1] = (uint8_t)backend;
	for (i = 0; i < 8; i++)
		raw[2 + i] = (uint8_t)(mac >> (56 - 8 * i));
	b64url_encode(raw, out);
	out[SL_AFFINITY_COOKIE_LEN] = '\0';
	return SL_AFFINITY_COOKIE_LEN;
}

int
sl_affinity_cookie_check(const struct sl_cookie_key *k, uint32_t vip_id, const char *value,
			 size_t len, uint16_t *backend_out,
			 const char *(*name_of)(uint16_t backend, void *arg), void *arg)
{
	uint8_t raw[COOKIE_RAW];
	uint64_t mac = 0, diff;
	const char *name;
	uint16_t backend;
	unsigned int i;

	if (value == NULL || b64url_decode(value, len, raw) != 0)
		return -EINVAL;
	backend = (uint16_t)(raw[0] << 8 | raw[1]);
	name = name_of(backend, arg);
	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < 8; i++)
		mac = mac << 8 | raw[2 + i];
	/*
	 * Constant time: the whole 64-bit tag is compared at once (no early exit
	 * at the first differing byte that would tell a forger how many leading
	 * bytes it guessed right); only valid/invalid is observable.
	 */
	diff = mac ^ cookie_mac(k, vip_id, backend, name);
	if (((diff | (0 - diff)) >> 63) != 0)
		return -EINVAL;
	*backend_out = backend;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Cookie and Set-Cookie (RFC 6265) */

static inline bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
sl_affinity_cookie_find(const char *cookie_header, size_t len, const char *name, const char **value,
			size_t *vlen)
{
	const char *p = cookie_header, *end = cookie_header + len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *ns, *ne, *vs, *ve, *eq = NULL;

		while (p < end && is_ows(*p))
			p++;
		ns = p;
		while (p < end && *p != ';') {
			if (*p == '=' && eq == NULL)
				eq = p;
			p++;
		}
		ve = p; /* the pair is [ns, p) */
		if (p < end)
			p++; /* the ';' */
		if (eq == NULL)
			continue; /* no '=': not a cookie-pair (§5.2 would ignore it too) */
		ne = eq;
		while (ne > ns && is_ows(ne[-1]))
			ne--;
		if ((size_t)(ne - ns) != nlen || nlen == 0 || memcmp(ns, name, nlen) != 0)
			continue;
		vs = eq + 1;
		while (vs < ve && is_ows(*vs))
			vs++;
		while (ve > vs && is_ows(ve[-1]))
			ve--;
		/* cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ) (§4.1.1) */
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		*value = vs;
		*vlen = (size_t)(ve - vs);
		return 0;
	}
	return -ENOENT;
}

/* RFC 7230 §3.2.6 tchar */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", c) != NULL))
			return false;
	}
	return true;
}

/* RFC 6265 §4.1.1 cookie-octet: no CTL, space, DQUOTE, comma, semicolon, backslash */
static bool
is_cookie_octets(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\')
			return false;
	}
	return true;
}

/* RFC 6265 §4.1.1 path-value: <any CHAR except CTLs or ";"> */
static bool
is_path_value(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || c == ';')
			return false;
	}
	return true;
}

size_t
sl_affinity_set_cookie(char *out, size_t len, const char *name, const char *value, const char *path,
		       uint32_t max_age, bool httponly, bool secure, const char *samesite)
{
	static const char *const ss[] = { "Strict", "Lax", "None" };
	const char *same = NULL;
	size_t o = 0;
	unsigned int i;
	int n;

	if (out == NULL || name == NULL || value == NULL || !is_token(name) ||
	    !is_cookie_octets(value) || (path != NULL && !is_path_value(path)))
		return 0;
	if (samesite != NULL) {
		for (i = 0; i < RTE_DIM(ss) && same == NULL; i++)
			if (strcasecmp(samesite, ss[i]) == 0)
				same = ss[i];
		/* SameSite=None without Secure is rejected by browsers (RFC 6265bis §5.6.7). */
		if (same == NULL || (same == ss[2] && !secure))
			return 0;
	}
#define EMIT(...)                                            \
	do {                                                 \
		n = snprintf(out + o, len - o, __VA_ARGS__); \
		if (n < 0 || (size_t)n >= len - o)           \
			goto toosmall;                       \
		o += (size_t)n;                              \
	} while (0)
	if (len == 0)
		return 0;
	EMIT("%s=%s", name, value);
	if (path != NULL)
		EMIT("; Path=%s", path);
	if (max_age != 0)
		EMIT("; Max-Age=%u", max_age);
	if (secure)
		EMIT("; Secure");
	if (httponly)
		EMIT("; HttpOnly");
	if (same != NULL)
		EMIT("; SameSite=%s", same);
#undef EMIT
	return o;

toosmall:
	out[0] = '\0';
	return 0;
}
