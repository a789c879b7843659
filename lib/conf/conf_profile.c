/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device profiles: drivers-config/default.ini, which gives every key, overlaid
 * with <name>.ini, which gives only what differs for one PMD. Both files take
 * the same sections and keys; an unknown one in either is an error, so that a
 * typo in a profile cannot silently leave a default in place.
 *
 * Only the RTE_ETH_* bit macros are taken from DPDK (header-only): this
 * library does not link with DPDK, so its tests need no EAL.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <rte_ethdev.h>

#include "conf_priv.h"

struct conf_profile_entry {
	char name[SL_NAME_MAX];
	int rc; /* 0, or -EINVAL when its files had problems (reported once) */
	struct sl_profile prof;
};

struct bit_name {
	const char *name;
	uint64_t bit;
	bool alias; /* accepted, but not written back by the dump */
};

static const struct bit_name rss_names[] = {
	{ "ipv4", RTE_ETH_RSS_IPV4, false },
	{ "frag_ipv4", RTE_ETH_RSS_FRAG_IPV4, false },
	{ "ipv4_tcp", RTE_ETH_RSS_NONFRAG_IPV4_TCP, false },
	{ "ipv4_udp", RTE_ETH_RSS_NONFRAG_IPV4_UDP, false },
	{ "ipv4_other", RTE_ETH_RSS_NONFRAG_IPV4_OTHER, false },
	{ "tcp", RTE_ETH_RSS_NONFRAG_IPV4_TCP, true },
	{ "udp", RTE_ETH_RSS_NONFRAG_IPV4_UDP, true },
	{ "l3_src_only", RTE_ETH_RSS_L3_SRC_ONLY, false },
	{ "l3_dst_only", RTE_ETH_RSS_L3_DST_ONLY, false },
	{ "l4_src_only", RTE_ETH_RSS_L4_SRC_ONLY, false },
	{ "l4_dst_only", RTE_ETH_RSS_L4_DST_ONLY, false },
	{ NULL, 0, false },
};

static const struct bit_name rx_names[] = {
	{ "ipv4_cksum", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, false },
	{ "udp_cksum", RTE_ETH_RX_OFFLOAD_UDP_CKSUM, false },
	{ "tcp_cksum", RTE_ETH_RX_OFFLOAD_TCP_CKSUM, false },
	{ "tcp_lro", RTE_ETH_RX_OFFLOAD_TCP_LRO, false },
	{ "scatter", RTE_ETH_RX_OFFLOAD_SCATTER, false },
	{ "rss_hash", RTE_ETH_RX_OFFLOAD_RSS_HASH, false },
	{ "vlan_strip", RTE_ETH_RX_OFFLOAD_VLAN_STRIP, false },
	{ "keep_crc", RTE_ETH_RX_OFFLOAD_KEEP_CRC, false },
	{ NULL, 0, false },
};

static const struct bit_name tx_names[] = {
	{ "ipv4_cksum", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, false },
	{ "udp_cksum", RTE_ETH_TX_OFFLOAD_UDP_CKSUM, false },
	{ "tcp_cksum", RTE_ETH_TX_OFFLOAD_TCP_CKSUM, false },
	{ "tcp_tso", RTE_ETH_TX_OFFLOAD_TCP_TSO, false },
	{ "multi_segs", RTE_ETH_TX_OFFLOAD_MULTI_SEGS, false },
	{ "mbuf_fast_free", RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE, false },
	{ NULL, 0, false },
};

/* clang-format off */
static const char *const device_keys[] = {
	"max_queues", "rx_desc", "tx_desc", "mtu", "promiscuous", "idle", "link_wait_ms", NULL
};
/* clang-format on */
static const char *const rss_keys[] = { "enabled", "key", "hash", NULL };
static const char *const offload_keys[] = { "rx", "tx", NULL };

static const struct {
	const char *name;
	const char *const *keys;
} profile_sects[] = {
	{ "device", device_keys },
	{ "rss", rss_keys },
	{ "offloads", offload_keys },
};

static int
profile_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s.ini", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool
conf_profile_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return profile_path(path, sizeof(path), dir, name) == 0 && stat(path, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

void
conf_profile_derive(const char *dir, const char *device, char name[SL_NAME_MAX])
{
	size_t len = 0;

	/* Only a prefix made of name characters can name a profile file. */
	while (len < SL_NAME_MAX - 1 && device[len] != '\0' &&
	       ((device[len] >= 'a' && device[len] <= 'z') ||
		(device[len] >= '0' && device[len] <= '9') || device[len] == '_' ||
		device[len] == '-'))
		len++;
	for (; len > 0; len--) {
		memcpy(name, device, len);
		name[len] = '\0';
		if (conf_profile_exists(dir, name))
			return;
	}
	snprintf(name, SL_NAME_MAX, "default");
}

static size_t
list_names(char *buf, size_t size, const struct bit_name *names)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; names[i].name != NULL && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i != 0 ? ", " : "",
					names[i].name);
	return off;
}

/*
 * A comma list of @p names ("none" too when @p none_ok). Every bad item is
 * reported. Returns 0 or -EINVAL.
 */
static int
parse_bits(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	   const char *key, const char *v, unsigned int line, const struct bit_name *names,
	   const char *what, bool none_ok, uint64_t *out)
{
	char clip[CONF_CLIP_BUF];
	char accepted[256];
	char *copy, *item, *save, *end;
	bool none = false;
	uint64_t bits = 0;
	unsigned int i, n_items = 0;
	int rc = 0;

	list_names(accepted, sizeof(accepted), names);
	if (strspn(v, " \t") == strlen(v)) {
		conf_msg(log, ini->path, line, s->name, key,
			 "an empty list is not accepted (a comma list of %s%s)", accepted,
			 none_ok ? "; or none" : "");
		return -EINVAL;
	}
	copy = strdup(v);
	if (copy == NULL) {
		log->nomem = true;
		return -ENOMEM;
	}
	/* strtok_r() would skip empty items: walk the commas by hand. */
	for (item = copy; item != NULL; item = end) {
		end = strchr(item, ',');
		if (end != NULL)
			*end++ = '\0';
		item += strspn(item, " \t");
		save = item + strlen(item);
		while (save > item && (save[-1] == ' ' || save[-1] == '\t'))
			*--save = '\0';
		n_items++;
		if (*item == '\0') {
			conf_msg(log, ini->path, line, s->name, key, "'%s' has an empty item",
				 conf_clip(v, clip, sizeof(clip)));
			rc = -EINVAL;
			continue;
		}
		if (none_ok && strcmp(item, "none") == 0) {
			none = true;
			continue;
		}
		for (i = 0; names[i].name != NULL; i++)
			if (strcmp(item, names[i].name) == 0)
				break;
		if (names[i].name == NULL) {
			conf_msg(log, ini->path, line, s->name, key,
				 "'%s' is not %s (accepted: %s%s)",
				 conf_clip(item, clip, sizeof(clip)), what,
				 none_ok ? "none, or a comma list of " : "", accepted);
			rc = -EINVAL;
			continue;
		}
		bits |= names[i].bit;
	}
	if (none && n_items > 1) {
		conf_msg(log, ini->path, line, s->name, key,
			 "'none' cannot be combined with other offloads");
		rc = -EINVAL;
	}
	free(copy);
	if (rc == 0)
		*out = bits;
	return rc;
}

/* 40 bytes: the Toeplitz key size of most NICs; 52: i40e/ice. "device": keep the PMD's own. */
static int
parse_rss_key(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	      const char *v, unsigned int line, struct sl_profile *p)
{
	char clip[CONF_CLIP_BUF];
	size_t len = strlen(v), i;

	if (strcasecmp(v, "device") == 0) {
		p->rss_key_len = 0;
		memset(p->rss_key, 0, sizeof(p->rss_key));
		return 0;
	}
	for (i = 0; i < len && conf_hex_digit(v[i]) >= 0; i++)
		;
	if (i != len || (len != 80 && len != 104)) {
		conf_msg(log, ini->path, line, s->name, "key",
			 "'%s' is not an RSS key (80 or 104 hex digits for 40 or 52 bytes, "
			 "or device)",
			 conf_clip(v, clip, sizeof(clip)));
		return -EINVAL;
	}
	memset(p->rss_key, 0, sizeof(p->rss_key));
	for (i = 0; i < len / 2; i++)
		p->rss_key[i] = (uint8_t)(conf_hex_digit(v[2 * i]) << 4 | conf_hex_digit(v[2 * i + 1]));
	p->rss_key_len = (uint8_t)(len / 2);
	return 0;
}

/* Apply the keys @p s gives to @p p. */
static void
profile_section(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
		struct sl_profile *p)
{
	unsigned int line;
	const char *v;
	uint32_t n;

	if (strcmp(s->name, "device") == 0) {
		if (conf_get_uint(ini, log, s, "max_queues", 1, 1024, &n) == 0)
			p->max_queues = (uint16_t)n;
		if (conf_get_uint(ini, log, s, "rx_desc", 64, 16384, &n) == 0)
			p->rx_desc = (uint16_t)n;
		if (conf_get_uint(ini, log, s, "tx_desc", 64, 16384, &n) == 0)
			p->tx_desc = (uint16_t)n;
		if (conf_get_uint(ini, log, s, "mtu", 576, 9600, &n) == 0)
			p->mtu = (uint16_t)n;
		conf_get_bool(ini, log, s, "promiscuous", &p->promiscuous);
		conf_get_bool(ini, log, s, "idle", &p->idle);
		conf_get_uint(ini, log, s, "link_wait_ms", 0, 60000, &p->link_wait_ms);
	} else if (strcmp(s->name, "rss") == 0) {
		conf_get_bool(ini, log, s, "enabled", &p->rss);
		v = conf_get(ini, s, "key", &line);
		if (v != NULL)
			parse_rss_key(ini, log, s, v, line, p);
		v = conf_get(ini, s, "hash", &line);
		if (v != NULL)
			parse_bits(ini, log, s, "hash", v, line, rss_names, "an RSS hash field",
				   false, &p->rss_hf);
	} else if (strcmp(s->name, "offloads") == 0) {
		v = conf_get(ini, s, "rx", &line);
		if (v != NULL)
			parse_bits(ini, log, s, "rx", v, line, rx_names, "an RX offload", true,
				   &p->rx_offloads);
		v = conf_get(ini, s, "tx", &line);
		if (v != NULL)
			parse_bits(ini, log, s, "tx", v, line, tx_names, "a TX offload", true,
				   &p->tx_offloads);
	}
}

/*
 * Read one profile file over @p p. @p base: this is default.ini, which must
 * give every key (it is where every default lives; the C code keeps none).
 * Returns 0 or -EINVAL (reported).
 */
static int
profile_read(const char *dir, struct conf_log *log, const char *name, bool base,
	     struct sl_profile *p)
{
	unsigned int before = conf_log_errors(log);
	char path[PATH_MAX];
	struct conf_ini ini;
	unsigned int i, j;

	if (profile_path(path, sizeof(path), dir, name) != 0) {
		conf_msg(log, dir, 0, NULL, NULL, "profile path %s/%s.ini is too long", dir, name);
		return -EINVAL;
	}
	if (conf_ini_load(&ini, path, log) != 0) {
		conf_ini_free(&ini);
		return -EINVAL;
	}
	for (i = 0; i < ini.n_sects; i++) {
		const struct conf_sect *s = &ini.sects[i];

		for (j = 0; j < CONF_DIM(profile_sects); j++)
			if (strcmp(s->name, profile_sects[j].name) == 0)
				break;
		if (j == CONF_DIM(profile_sects)) {
			conf_msg(log, path, s->line, s->name, NULL,
				 "unknown section (accepted: [device], [rss], [offloads])");
			continue;
		}
		conf_check_keys(&ini, log, s, profile_sects[j].keys);
		if (ini.dict != NULL)
			profile_section(&ini, log, s, p);
	}
	for (j = 0; base && ini.dict != NULL && j < CONF_DIM(profile_sects); j++) {
		const struct conf_sect *s = conf_ini_sect(&ini, profile_sects[j].name);
		const char *const *k;

		if (s == NULL) {
			conf_msg(log, path, 0, profile_sects[j].name, NULL,
				 "section missing (default.ini gives every key)");
			continue;
		}
		for (k = profile_sects[j].keys; *k != NULL; k++)
			if (conf_ini_key(s, *k) == NULL)
				conf_msg(log, path, s->line, s->name, *k,
					 "required key missing (default.ini gives every key)");
	}
	conf_ini_free(&ini);
	return conf_log_errors(log) != before ? -EINVAL : 0;
}

static struct conf_profile_entry *
cache_find(struct conf_profiles *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].name, name) == 0)
			return &c->entries[i];
	return NULL;
}

static struct conf_profile_entry *
cache_add(struct conf_profiles *c, struct conf_log *log, const char *name)
{
	struct conf_profile_entry *e;

	if (c->n == c->cap) {
		unsigned int cap = c->cap != 0 ? c->cap * 2 : 4;

		e = realloc(c->entries, cap * sizeof(*e));
		if (e == NULL) {
			log->nomem = true;
			return NULL;
		}
		c->entries = e;
		c->cap = cap;
	}
	e = &c->entries[c->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

int
conf_profile_get(struct conf_profiles *c, struct conf_log *log, const char *name,
		 struct sl_profile *out)
{
	struct conf_profile_entry *base, *e;

	e = cache_find(c, name);
	if (e == NULL) {
		/* A missing default.ini is reported by profile_read(): "cannot open". */
		if (strcmp(name, "default") != 0 && !conf_profile_exists(c->dir, name))
			return -ENOENT;
		base = cache_find(c, "default");
		if (base == NULL) {
			base = cache_add(c, log, "default");
			if (base == NULL)
				return -ENOMEM;
			base->rc = profile_read(c->dir, log, "default", true, &base->prof);
			snprintf(base->prof.name, sizeof(base->prof.name), "default");
		}
		if (strcmp(name, "default") == 0) {
			e = base;
		} else {
			/* base may move when the array grows: copy what we need first. */
			struct sl_profile prof;
			int rc = base->rc;

			memcpy(&prof, &base->prof, sizeof(prof));
			e = cache_add(c, log, name);
			if (e == NULL)
				return -ENOMEM;
			memcpy(&e->prof, &prof, sizeof(prof));
			snprintf(e->prof.name, sizeof(e->prof.name), "%s", name);
			e->rc = profile_read(c->dir, log, name, false, &e->prof);
			if (rc != 0)
				e->rc = rc;
		}
	}
	if (e->rc == 0)
		memcpy(out, &e->prof, sizeof(*out));
	return e->rc;
}

void
conf_profiles_free(struct conf_profiles *c)
{
	free(c->entries);
	c->entries = NULL;
	c->n = c->cap = 0;
}

static void
dump_bits(FILE *f, const char *key, uint64_t bits, const struct bit_name *names, bool none_ok)
{
	const char *sep = "";
	unsigned int i;

	fprintf(f, "%s = ", key);
	if (bits == 0 && none_ok)
		fputs("none", f);
	for (i = 0; names[i].name != NULL; i++) {
		if (!names[i].alias && (bits & names[i].bit) != 0) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = ",";
		}
	}
}

void
conf_profile_dump(const struct sl_profile *p, FILE *f)
{
	unsigned int i;

	fprintf(f,
		"; profile %s: [device] max_queues = %u, rx_desc = %u, tx_desc = %u, "
		"mtu = %u, promiscuous = %s, idle = %s, link_wait_ms = %u\n",
		p->name, p->max_queues, p->rx_desc, p->tx_desc, p->mtu,
		p->promiscuous ? "yes" : "no", p->idle ? "yes" : "no", p->link_wait_ms);
	fprintf(f, "; profile %s: [rss] enabled = %s, key = ", p->name, p->rss ? "yes" : "no");
	if (p->rss_key_len == 0)
		fputs("device", f);
	for (i = 0; i < p->rss_key_len; i++)
		fprintf(f, "%02x", p->rss_key[i]);
	fputs(", ", f);
	dump_bits(f, "hash", p->rss_hf, rss_names, false);
	fprintf(f, "\n; profile %s: [offloads] ", p->name);
	dump_bits(f, "rx", p->rx_offloads, rx_names, true);
	fputs(", ", f);
	dump_bits(f, "tx", p->tx_offloads, tx_names, true);
	fputs("\n", f);
}
