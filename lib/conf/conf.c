/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway configuration: the INI pre-scanner, message collection, value
 * parsers, and the [global], [tcp], [http], [shed], [port.*], [vip.*],
 * [pool.*], [backend.*] and [limit.*] sections. Device profiles are in
 * conf_profile.c.
 *
 * A load runs in two passes over the pre-scanned sections. The structure pass
 * (section kinds, names, counts, unknown keys) always runs; the value pass
 * needs iniparser's values, so it runs only when the file has no syntax
 * error: a line that is not understood could be any key, and guessing would
 * report problems that are not there.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_priv.h"

/* Messages */

static int
grow(void **arr, unsigned int *cap, unsigned int n, size_t elem)
{
	unsigned int ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap != 0 ? *cap * 2 : 8;
	p = realloc(*arr, (size_t)ncap * elem);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static unsigned int
log_rank(struct conf_log *log, const char *file)
{
	unsigned int i;
	char **files;

	for (i = 0; i < log->n_files; i++)
		if (strcmp(log->files[i], file) == 0)
			return i;
	files = realloc(log->files, (log->n_files + 1) * sizeof(*files));
	if (files == NULL)
		goto nomem;
	log->files = files;
	files[log->n_files] = strdup(file);
	if (files[log->n_files] == NULL)
		goto nomem;
	return log->n_files++;
nomem:
	log->nomem = true;
	return log->n_files;
}

void
conf_msg(struct conf_log *log, const char *file, unsigned int line, const char *sect,
	 const char *key, const char *fmt, ...)
{
	struct conf_msg *m;
	char *text = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;
	char *c;

	if (grow((void **)&log->msgs, &log->cap_msgs, log->n_msgs, sizeof(*log->msgs)) != 0)
		goto nomem;
	f = open_memstream(&text, &len);
	if (f == NULL)
		goto nomem;
	fputs(file, f);
	if (line != 0)
		fprintf(f, ":%u", line);
	fputs(": ", f);
	if (sect != NULL)
		fprintf(f, key != NULL ? "[%s] %s: " : "[%s]: ", sect, key);
	else if (key != NULL)
		fprintf(f, "%s: ", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		goto nomem;
	}
	/* One line per problem, whatever bytes the file held. */
	for (c = text; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	m = &log->msgs[log->n_msgs];
	m->rank = log_rank(log, file);
	m->line = line;
	m->seq = log->n_msgs;
	m->text = text;
	log->n_msgs++;
	return;
nomem:
	log->nomem = true;
}

unsigned int
conf_log_errors(const struct conf_log *log)
{
	return log->n_msgs + (log->nomem ? 1 : 0);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	/* Problems of the file as a whole come after those of its lines. */
	if ((x->line == 0) != (y->line == 0))
		return x->line == 0 ? 1 : -1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void
log_flush(struct conf_log *log, const char *path, FILE *errf)
{
	unsigned int i;

	if (log->n_msgs > 1)
		qsort(log->msgs, log->n_msgs, sizeof(*log->msgs), msg_cmp);
	for (i = 0; i < log->n_msgs; i++) {
		fprintf(errf, "%s\n", log->msgs[i].text);
		free(log->msgs[i].text);
	}
	if (log->nomem)
		fprintf(errf, "%s: out of memory\n", path);
	fflush(errf);
	for (i = 0; i < log->n_files; i++)
		free(log->files[i]);
	free(log->files);
	free(log->msgs);
	memset(log, 0, sizeof(*log));
}

const char *
conf_clip(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);

	if (len < size)
		return memcpy(buf, s, len + 1);
	snprintf(buf, size, "%.*s...", (int)(size - 4), s);
	return buf;
}

/* The pre-scanner */

static char *
strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return s;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static struct conf_sect *
ini_sect_find(const struct conf_ini *ini, const char *name)
{
	unsigned int i;

	for (i = 0; i < ini->n_sects; i++)
		if (strcmp(ini->sects[i].name, name) == 0)
			return &ini->sects[i];
	return NULL;
}

const struct conf_sect *
conf_ini_sect(const struct conf_ini *ini, const char *name)
{
	return ini_sect_find(ini, name);
}

const struct conf_key *
conf_ini_key(const struct conf_sect *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

static void
syntax_error(struct conf_ini *ini, struct conf_log *log, unsigned int lineno, const char *why,
	     const char *text)
{
	char clip[CONF_CLIP_BUF];

	if (text != NULL)
		conf_msg(log, ini->path, lineno, NULL, NULL, "syntax error: '%s' %s",
			 conf_clip(text, clip, sizeof(clip)), why);
	else
		conf_msg(log, ini->path, lineno, NULL, NULL, "syntax error: %s", why);
}

/*
 * A "[name]" line: *out gets the section the following keys belong to.
 * Returns 0, 1 for a syntax error (reported), or -ENOMEM.
 */
static int
scan_header(struct conf_ini *ini, struct conf_log *log, unsigned int lineno, char *s,
	    struct conf_sect **out)
{
	char *close = strchr(s, ']');
	struct conf_sect *sect;
	char *name;

	if (close == NULL) {
		syntax_error(ini, log, lineno, "has no closing ']'", s);
		return 1;
	}
	if (close[1] != '\0') {
		/* iniparser takes "[a] ; note" for an error, or for a key when it holds '='. */
		syntax_error(ini, log, lineno,
			     "has text after ']' (a comment needs a line of its own)", s);
		return 1;
	}
	*close = '\0';
	name = strip(s + 1);
	if (strchr(name, '[') != NULL) {
		*close = ']';
		syntax_error(ini, log, lineno, "is not a section header ([NAME])", s);
		return 1;
	}
	if (*name == '\0') {
		syntax_error(ini, log, lineno, "empty section name", NULL);
		return 1;
	}
	lower(name);
	sect = ini_sect_find(ini, name);
	if (sect != NULL) {
		/* iniparser merges the two: so do we, after saying so. */
		conf_msg(log, ini->path, lineno, name, NULL, "given twice (first at line %u)",
			 sect->line);
		*out = sect;
		return 0;
	}
	if (grow((void **)&ini->sects, &ini->cap_sects, ini->n_sects, sizeof(*ini->sects)) != 0)
		return -ENOMEM;
	sect = &ini->sects[ini->n_sects];
	memset(sect, 0, sizeof(*sect));
	sect->name = strdup(name);
	if (sect->name == NULL)
		return -ENOMEM;
	sect->line = lineno;
	ini->n_sects++;
	*out = sect;
	return 0;
}

/*
 * A "key = value" line (iniparser's key: the text before the first '=').
 * Returns 0, 1 for a syntax error (reported), or -ENOMEM.
 */
static int
scan_key(struct conf_ini *ini, struct conf_log *log, unsigned int lineno, struct conf_sect *sect,
	 bool in_bad_sect, char *s)
{
	char *eq = strchr(s, '=');
	struct conf_key *k;
	unsigned int i;
	char *name;

	if (eq == NULL) {
		syntax_error(ini, log, lineno,
			     "is not [section], key = value, a comment (; or #) or blank", s);
		return 1;
	}
	*eq = '\0';
	name = strip(s);
	if (*name == '\0') {
		*eq = '=';
		syntax_error(ini, log, lineno, "has no key before '='", s);
		return 1;
	}
	lower(name);
	if (in_bad_sect)
		/* Its header is reported; which section it belongs to is anyone's guess. */
		return 0;
	if (sect == NULL) {
		/* iniparser would file it under no section, where nothing reads it. */
		conf_msg(log, ini->path, lineno, NULL, name, "key before the first [section]");
		return 0;
	}
	for (i = 0; i < sect->n_keys; i++) {
		k = &sect->keys[i];
		if (strcmp(k->name, name) == 0) {
			conf_msg(log, ini->path, lineno, sect->name, name,
				 "given twice (first at line %u)", k->first);
			/* iniparser keeps the last value: point at that one. */
			k->line = lineno;
			return 0;
		}
	}
	if (grow((void **)&sect->keys, &sect->cap_keys, sect->n_keys, sizeof(*sect->keys)) != 0)
		return -ENOMEM;
	k = &sect->keys[sect->n_keys];
	k->name = strdup(name);
	if (k->name == NULL)
		return -ENOMEM;
	k->line = lineno;
	k->first = lineno;
	sect->n_keys++;
	return 0;
}

/* One line, its newline removed. Returns 0, 1 for a syntax error, or -ENOMEM. */
static int
scan_line(struct conf_ini *ini, struct conf_log *log, unsigned int lineno, char *buf, size_t len,
	  struct conf_sect **sect, bool *in_bad_sect)
{
	int bom = 0;
	char *s;
	int rc;

	if (memchr(buf, '\0', len) != NULL) {
		syntax_error(ini, log, lineno, "NUL byte in the line", NULL);
		return 1;
	}
	if (len > CONF_LINE_MAX) {
		conf_msg(log, ini->path, lineno, NULL, NULL,
			 "syntax error: line longer than %u characters", CONF_LINE_MAX);
		return 1;
	}
	if (lineno == 1 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		/* iniparser would see "\xef\xbb\xbf[global]": read on past it, to report the rest. */
		syntax_error(ini, log, lineno,
			     "the file starts with a UTF-8 byte order mark: save it without", NULL);
		buf += 3;
		bom = 1;
	}
	s = strip(buf); /* isspace() takes the '\r' of a CRLF line, as iniparser does */
	if (*s == '\0')
		return bom;
	if (s[strlen(s) - 1] == '\\') {
		/* iniparser would join the next line to this one, comment or not. */
		syntax_error(ini, log, lineno,
			     "ends with '\\', which would join the next line to it", s);
		return 1;
	}
	if (*s == ';' || *s == '#')
		return bom;
	if (*s == '[') {
		*sect = NULL;
		rc = scan_header(ini, log, lineno, s, sect);
		*in_bad_sect = rc != 0;
	} else {
		rc = scan_key(ini, log, lineno, *sect, *in_bad_sect, s);
	}
	return rc < 0 ? rc : rc | bom;
}

/*
 * Read @p f line by line. Every line iniparser 4.1 would call a syntax error
 * (or would read differently from what it looks like) is reported here.
 * Returns the number of syntax errors, or -errno.
 */
static int
ini_scan(struct conf_ini *ini, FILE *f, struct conf_log *log)
{
	struct conf_sect *sect = NULL;
	bool in_bad_sect = false;
	unsigned int lineno = 0;
	int n_syntax = 0;
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;
	size_t len;
	int rc = 0;

	while ((n = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		len = (size_t)n;
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		buf[len] = '\0';
		rc = scan_line(ini, log, lineno, buf, len, &sect, &in_bad_sect);
		if (rc < 0)
			break;
		n_syntax += rc;
		rc = 0;
	}
	if (rc == 0 && ferror(f))
		rc = errno != 0 ? -errno : -EIO;
	free(buf);
	return rc != 0 ? rc : n_syntax;
}

static int
ini_silent(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* Whether iniparser read every section and key the pre-scan saw. */
static bool
ini_same(const struct conf_ini *ini)
{
	char entry[2 * CONF_LINE_MAX + 2];
	unsigned int i, j;

	for (i = 0; i < ini->n_sects; i++) {
		const struct conf_sect *s = &ini->sects[i];

		if (!iniparser_find_entry(ini->dict, s->name))
			return false;
		for (j = 0; j < s->n_keys; j++) {
			snprintf(entry, sizeof(entry), "%s:%s", s->name, s->keys[j].name);
			if (!iniparser_find_entry(ini->dict, entry))
				return false;
		}
	}
	return true;
}

int
conf_ini_load(struct conf_ini *ini, const char *path, struct conf_log *log)
{
	struct stat st;
	FILE *f;
	int rc;

	memset(ini, 0, sizeof(*ini));
	ini->path = path;
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		conf_msg(log, path, 0, NULL, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	/*
	 * iniparser 4.1 can only load by name, so the file is opened twice: a
	 * pipe would be empty the second time.
	 */
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		if (rc == -EISDIR)
			conf_msg(log, path, 0, NULL, NULL, "cannot read: %s", strerror(-rc));
		else
			conf_msg(log, path, 0, NULL, NULL,
				 "not a regular file (it is read twice: give a file, not a pipe)");
		return rc;
	}
	errno = 0;
	rc = ini_scan(ini, f, log);
	fclose(f);
	if (rc == -ENOMEM) {
		log->nomem = true;
		return rc;
	}
	if (rc < 0) {
		conf_msg(log, path, 0, NULL, NULL, "cannot read: %s", strerror(-rc));
		return rc;
	}
	if (rc > 0)
		return 0;
	/*
	 * iniparser prints its own complaints to stderr; every one of them is
	 * also a pre-scan error, reported in our format, so silence it.
	 */
	iniparser_set_error_callback(ini_silent);
	ini->dict = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (ini->dict == NULL || !ini_same(ini)) {
		conf_msg(log, path, 0, NULL, NULL,
			 "changed while being read (it is read twice): check it again");
		if (ini->dict != NULL)
			iniparser_freedict(ini->dict);
		ini->dict = NULL;
	}
	return 0;
}

void
conf_ini_free(struct conf_ini *ini)
{
	unsigned int i, j;

	for (i = 0; i < ini->n_sects; i++) {
		for (j = 0; j < ini->sects[i].n_keys; j++)
			free(ini->sects[i].keys[j].name);
		free(ini->sects[i].keys);
		free(ini->sects[i].name);
	}
	free(ini->sects);
	if (ini->dict != NULL)
		iniparser_freedict(ini->dict);
	memset(ini, 0, sizeof(*ini));
}

/* Report @p k when it is not in @p accepted. Returns 1 when it was reported. */
static unsigned int
check_key(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	  const struct conf_key *k, const char *const *accepted)
{
	char list[512];
	size_t off = 0;
	unsigned int j;

	for (j = 0; accepted[j] != NULL; j++)
		if (strcmp(k->name, accepted[j]) == 0)
			return 0;
	list[0] = '\0';
	for (j = 0; accepted[j] != NULL && off < sizeof(list); j++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", j != 0 ? ", " : "",
					accepted[j]);
	conf_msg(log, ini->path, k->line, s->name, k->name, "unknown key (accepted: %s)", list);
	return 1;
}

unsigned int
conf_check_keys(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
		const char *const *accepted)
{
	unsigned int i, unknown = 0;

	for (i = 0; i < s->n_keys; i++)
		unknown += check_key(ini, log, s, &s->keys[i], accepted);
	return unknown;
}

const char *
conf_get(const struct conf_ini *ini, const struct conf_sect *s, const char *key, unsigned int *line)
{
	const struct conf_key *k = conf_ini_key(s, key);
	char entry[2 * CONF_LINE_MAX + 2];
	const char *v;

	*line = k != NULL ? k->line : s->line;
	if (k == NULL || ini->dict == NULL)
		return NULL;
	snprintf(entry, sizeof(entry), "%s:%s", s->name, key);
	v = iniparser_getstring(ini->dict, entry, NULL);
	/*
	 * The pre-scan saw the key, so iniparser has it; only a section named
	 * like "a:b" (itself an error) can shadow it. Read that as empty.
	 */
	return v != NULL ? v : "";
}

/* Values */

/*
 * Decimal, no sign, no leading zero (other tools read 010 as octal), no
 * trailing junk. -EINVAL: not a number, -EDOM: leading zero, -ERANGE: above
 * UINT32_MAX.
 */
static int
parse_dec(const char *s, const char **end, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX + (uint64_t)1; /* stays "too big", never wraps */
	}
	if (end != NULL)
		*end = p;
	else if (*p != '\0')
		return -EINVAL;
	if (*s == '0' && p - s > 1)
		return -EDOM;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/*
 * A byte count: decimal as parse_dec() takes it, then at most one of K, M and
 * G (or k, m, g) for KiB, MiB and GiB. -EINVAL: not a size, -EDOM: leading
 * zero, -ERANGE: above INT64_MAX (a length that fits off_t and ssize_t).
 */
static int
parse_size(const char *s, uint64_t *out)
{
	const uint64_t max = INT64_MAX;
	unsigned int shift = 0;
	const char *p = s;
	bool big = false;
	uint64_t v = 0;
	uint64_t d;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		d = (uint64_t)(*p - '0');
		if (big || v > (max - d) / 10)
			big = true; /* stays "too big", never wraps */
		else
			v = v * 10 + d;
	}
	switch (*p) {
	case 'K':
	case 'k':
		shift = 10;
		p++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		p++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		p++;
		break;
	default:
		break;
	}
	if (*p != '\0')
		return -EINVAL;
	if (*s == '0' && isdigit((unsigned char)s[1]))
		return -EDOM;
	if (big || v > max >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int
conf_get_uint(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	      const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(ini, s, key, &line);
	uint32_t n = 0;
	int rc;

	if (v == NULL)
		return 1;
	rc = parse_dec(v, NULL, &n);
	conf_clip(v, clip, sizeof(clip));
	if (rc == -EINVAL) {
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' is not a decimal number (accepted: %u..%u)", clip, min, max);
		return -EINVAL;
	}
	if (rc == -EDOM) {
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' has a leading zero, which other tools read as octal "
			 "(accepted: %u..%u)",
			 clip, min, max);
		return -EINVAL;
	}
	if (rc == -ERANGE || n < min || n > max) {
		conf_msg(log, ini->path, line, s->name, key, "'%s' is out of range %u..%u", clip,
			 min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

#define SIZE_ACCEPTED                                                                       \
	"(accepted: 0..9223372036854775807 bytes, or a number with K, M or G for KiB, MiB " \
	"or GiB)"
_Static_assert(INT64_MAX == 9223372036854775807, "SIZE_ACCEPTED names the maximum");

/* conf_get_uint() for a parse_size() value, 0..INT64_MAX. */
static int
conf_get_size(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	      const char *key, uint64_t *out)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(ini, s, key, &line);
	uint64_t n = 0;
	int rc;

	if (v == NULL)
		return 1;
	rc = parse_size(v, &n);
	conf_clip(v, clip, sizeof(clip));
	if (rc == -EINVAL)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is not a size " SIZE_ACCEPTED,
			 clip);
	else if (rc == -EDOM)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' has a leading zero, which other tools read as octal " SIZE_ACCEPTED,
			 clip);
	else if (rc == -ERANGE)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' is out of range 0..9223372036854775807", clip);
	if (rc != 0)
		return -EINVAL;
	*out = n;
	return 0;
}

int
conf_get_bool(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	      const char *key, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char clip[CONF_CLIP_BUF];
	unsigned int line, i;
	const char *v = conf_get(ini, s, key, &line);

	if (v == NULL)
		return 1;
	for (i = 0; i < CONF_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	conf_msg(log, ini->path, line, s->name, key,
		 "'%s' is not a boolean (accepted: yes, no, true, false, on, off, 1, 0)",
		 conf_clip(v, clip, sizeof(clip)));
	return -EINVAL;
}

bool
conf_name_valid(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (len == 0 || len >= SL_NAME_MAX)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

/*
 * A dotted quad, four decimal octets without leading zeros ("010" is octal to
 * inet_aton). Stops at the first character after the fourth octet.
 */
static int
parse_ipv4(const char *s, const char **end, uint32_t *out)
{
	uint32_t addr = 0, octet;
	int i;

	for (i = 0; i < 4; i++) {
		if (i != 0) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		if (parse_dec(s, &s, &octet) != 0 || octet > 255)
			return -EINVAL;
		addr = addr << 8 | octet;
	}
	*end = s;
	*out = addr;
	return 0;
}

static int
parse_ip(const char *s, uint32_t *addr)
{
	const char *end;

	if (parse_ipv4(s, &end, addr) != 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

/* A.B.C.D/LEN, LEN 1..32. */
static int
parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	const char *end;
	uint32_t n;

	if (parse_ipv4(s, &end, addr) != 0 || *end != '/')
		return -EINVAL;
	if (parse_dec(end + 1, NULL, &n) != 0 || n < 1 || n > 32)
		return -EINVAL;
	*len = (uint8_t)n;
	return 0;
}

/* A.B.C.D:PORT; -ERANGE when only the port is out of 1..65535. */
static int
parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *end;
	uint32_t n;
	int rc;

	if (parse_ipv4(s, &end, addr) != 0 || *end != ':')
		return -EINVAL;
	rc = parse_dec(end + 1, NULL, &n);
	if (rc == -EINVAL || rc == -EDOM)
		return -EINVAL;
	if (rc == -ERANGE || n < 1 || n > 65535)
		return -ERANGE;
	*port = (uint16_t)n;
	return 0;
}

/*
 * Addresses a host may have: not "this network" (0/8), loopback (127/8),
 * multicast (224/4) or reserved and broadcast (240/4). RFC 1122 3.2.1.3,
 * RFC 5771, RFC 1112.
 */
static bool
ip_unicast(uint32_t addr)
{
	uint32_t first = addr >> 24;

	return first != 0 && first != 127 && first < 224;
}

#define NOT_UNICAST "is not a unicast address (0/8, 127/8 and 224.0.0.0 and above are not accepted)"

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

char *
sl_conf_ip_str(uint32_t addr, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}

static const char *const vip_mode_names[] = {
	[SL_VIP_HTTP] = "http",
	[SL_VIP_ECHO] = "echo",
	[SL_VIP_DISCARD] = "discard",
};

static const char *const lb_algo_names[] = {
	[SL_LB_ROUNDROBIN] = "roundrobin",
	[SL_LB_LEASTCONN] = "leastconn",
	[SL_LB_RANDOM2] = "random2",
	[SL_LB_MAGLEV] = "maglev",
	[SL_LB_HASH] = "hash",
};

static const char *const affinity_names[] = {
	[SL_AFFINITY_NONE] = "none",
	[SL_AFFINITY_SOURCE] = "source",
	[SL_AFFINITY_COOKIE] = "cookie",
};

static const char *const samesite_names[] = {
	[SL_SAMESITE_LAX] = "lax",
	[SL_SAMESITE_STRICT] = "strict",
	[SL_SAMESITE_NONE] = "none",
	[SL_SAMESITE_OFF] = "off",
};

/* clang-format off */
static const char *const limit_key_names[] = {
	[SL_LIMIT_KEY_CLIENT_IP] = "client_ip",
	[SL_LIMIT_KEY_HEADER] = "header",
	[SL_LIMIT_KEY_COOKIE] = "cookie",
	[SL_LIMIT_KEY_VIP] = "vip",
	[SL_LIMIT_KEY_CONNECTION] = "connection",
};
/* clang-format on */

static const char *const limit_action_names[] = {
	[SL_LIMIT_REJECT] = "reject",
	[SL_LIMIT_DELAY] = "delay",
};

static const char *const idle_names[] = {
	[SL_IDLE_AUTO] = "auto",
	[SL_IDLE_ON] = "on",
	[SL_IDLE_OFF] = "off",
};

const char *
sl_conf_vip_mode_name(enum sl_vip_mode m)
{
	if ((unsigned int)m < CONF_DIM(vip_mode_names))
		return vip_mode_names[m];
	return "?";
}

const char *
sl_conf_lb_algo_name(enum sl_lb_algo a)
{
	if ((unsigned int)a < CONF_DIM(lb_algo_names))
		return lb_algo_names[a];
	return "?";
}

const char *
sl_conf_affinity_name(enum sl_affinity_mode m)
{
	if ((unsigned int)m < CONF_DIM(affinity_names))
		return affinity_names[m];
	return "?";
}

const char *
sl_conf_samesite_name(enum sl_cookie_samesite v)
{
	if ((unsigned int)v < CONF_DIM(samesite_names))
		return samesite_names[v];
	return "?";
}

const char *
sl_conf_limit_key_name(enum sl_limit_key k)
{
	if ((unsigned int)k < CONF_DIM(limit_key_names))
		return limit_key_names[k];
	return "?";
}

const char *
sl_conf_limit_action_name(enum sl_limit_action a)
{
	if ((unsigned int)a < CONF_DIM(limit_action_names))
		return limit_action_names[a];
	return "?";
}

/*
 * N/s, N/m or N/h, N as parse_dec() takes it (0 too: the caller decides).
 * -EINVAL: not a rate, -EDOM: leading zero, -ERANGE: N above UINT32_MAX.
 */
static int
parse_rate(const char *v, struct sl_conf_rate *r)
{
	const char *end = v;
	uint32_t n = 0;
	int rc = parse_dec(v, &end, &n);

	if (rc == -EINVAL || end[0] != '/' || end[1] == '\0' || end[2] != '\0')
		return -EINVAL;
	switch (end[1]) {
	case 's':
		r->period_s = 1;
		break;
	case 'm':
		r->period_s = 60;
		break;
	case 'h':
		r->period_s = 3600;
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0)
		return rc;
	r->count = n;
	return 0;
}

/* Byte units, the longest spelling first where one is a prefix of another. */
static const struct {
	const char *name;
	uint64_t mult;
} byte_units[] = {
	{ "GiB", UINT64_C(1) << 30 },
	{ "MiB", UINT64_C(1) << 20 },
	{ "KiB", UINT64_C(1) << 10 },
	{ "GB", 1000000000 },
	{ "MB", 1000000 },
	{ "KB", 1000 },
	{ "kB", 1000 },
	{ "B", 1 },
};

/*
 * A byte count: decimal as parse_dec() takes it, then at most one of B, KB
 * (or kB), MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024); *end
 * after it. -EINVAL: not a count, -EDOM: leading zero, -ERANGE: above
 * UINT64_MAX, -EPROTO: a unit of bits (b, kb, Mbit ...).
 */
static int
parse_bytes(const char *s, const char **end, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0, d, mult = 1;
	bool big = false;
	unsigned int i;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		d = (uint64_t)(*p - '0');
		if (big || v > (UINT64_MAX - d) / 10)
			big = true; /* stays "too big", never wraps */
		else
			v = v * 10 + d;
	}
	for (i = 0; i < CONF_DIM(byte_units); i++) {
		size_t len = strlen(byte_units[i].name);

		if (strncmp(p, byte_units[i].name, len) == 0) {
			mult = byte_units[i].mult;
			p += len;
			break;
		}
	}
	if (i == CONF_DIM(byte_units) && (*p == 'b' || (*p != '\0' && p[1] == 'b') ||
					  (*p != '\0' && p[1] == 'i' && p[2] == 'b')))
		return -EPROTO;
	*end = p;
	if (*s == '0' && isdigit((unsigned char)s[1]))
		return -EDOM;
	if (big || (mult != 1 && v > UINT64_MAX / mult))
		return -ERANGE;
	*out = v * mult;
	return 0;
}

#define BANDWIDTH_MAX	   (UINT64_C(128) << 30) /* 128 GiB/s */
#define BURST_BYTES_MAX	   (UINT64_C(1) << 40)
#define BYTE_UNITS	   "B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024)"
#define BANDWIDTH_FORM	   "N/s or N with one of " BYTE_UNITS " then /s, such as 10MiB/s"
#define RATE_ACCEPTED	   "(accepted: N/s, N/m or N/h, N 1..4294967295)"
#define BANDWIDTH_ACCEPTED "(accepted: " BANDWIDTH_FORM "; 1B/s..128GiB/s)"
#define BYTES_ACCEPTED \
	"(accepted: N bytes, or N with one of " BYTE_UNITS "; up to 1099511627776 bytes)"
_Static_assert(BURST_BYTES_MAX == 1099511627776, "BYTES_ACCEPTED names the maximum");

/*
 * A rate key: *out set and 0, 1 when absent, -EINVAL after reporting.
 * @p zero: "0" (or 0/s ...) is accepted and means none.
 */
static int
get_rate(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	 const char *key, bool zero, struct sl_conf_rate *out)
{
	char clip[CONF_CLIP_BUF];
	struct sl_conf_rate r = { 0, 1 };
	unsigned int line;
	const char *v = conf_get(ini, s, key, &line);
	const char *accepted =
		zero ? "(accepted: 0 for none, or N/s, N/m or N/h, N 1..4294967295)" :
		       RATE_ACCEPTED;
	int rc;

	if (v == NULL)
		return 1;
	conf_clip(v, clip, sizeof(clip));
	if (zero && strcmp(v, "0") == 0) {
		*out = r;
		return 0;
	}
	rc = parse_rate(v, &r);
	if (rc == 0 && r.count == 0 && zero)
		r.period_s = 1;
	else if (rc == 0 && r.count == 0)
		rc = -ERANGE;
	if (rc == -EINVAL)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is not a rate %s", clip,
			 accepted);
	else if (rc == -EDOM)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' has a leading zero, which other tools read as octal %s", clip,
			 accepted);
	else if (rc == -ERANGE)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is out of range %s", clip,
			 accepted);
	if (rc != 0)
		return -EINVAL;
	*out = r;
	return 0;
}

/*
 * A bandwidth key (bytes per second): *out set and 0, 1 when absent,
 * -EINVAL after reporting. @p zero: "0" is accepted and means none.
 */
static int
get_bandwidth(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	      const char *key, bool zero, uint64_t *out)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(ini, s, key, &line), *end = NULL;
	const char *accepted = zero ? "(accepted: 0 for none, or " BANDWIDTH_FORM
				      "; up to 128GiB/s)" :
				      BANDWIDTH_ACCEPTED;
	uint64_t n = 0;
	int rc;

	if (v == NULL)
		return 1;
	conf_clip(v, clip, sizeof(clip));
	if (zero && strcmp(v, "0") == 0) {
		*out = 0;
		return 0;
	}
	rc = parse_bytes(v, &end, &n);
	if ((rc == 0 || rc == -EDOM || rc == -ERANGE) && strcmp(end, "/s") != 0)
		rc = -EINVAL;
	if (rc == 0 && (n > BANDWIDTH_MAX || (n == 0 && !zero)))
		rc = -ERANGE;
	if (rc == -EINVAL)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is not a bandwidth %s", clip,
			 accepted);
	else if (rc == -EPROTO)
		conf_msg(log, ini->path, line, s->name, key, "'%s' counts bits: give bytes %s",
			 clip, accepted);
	else if (rc == -EDOM)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' has a leading zero, which other tools read as octal %s", clip,
			 accepted);
	else if (rc == -ERANGE)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is out of range %s", clip,
			 accepted);
	if (rc != 0)
		return -EINVAL;
	*out = n;
	return 0;
}

/* A byte count key (a bandwidth's burst): as get_bandwidth(), without the /s. */
static int
get_bytes(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	  const char *key, uint64_t *out)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(ini, s, key, &line), *end = NULL;
	uint64_t n = 0;
	int rc;

	if (v == NULL)
		return 1;
	conf_clip(v, clip, sizeof(clip));
	rc = parse_bytes(v, &end, &n);
	if ((rc == 0 || rc == -EDOM || rc == -ERANGE) && *end != '\0')
		rc = -EINVAL;
	if (rc == 0 && n > BURST_BYTES_MAX)
		rc = -ERANGE;
	if (rc == -EINVAL)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' is not a byte count " BYTES_ACCEPTED, clip);
	else if (rc == -EPROTO)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' counts bits: give bytes " BYTES_ACCEPTED, clip);
	else if (rc == -EDOM)
		conf_msg(log, ini->path, line, s->name, key,
			 "'%s' has a leading zero, which other tools read as octal " BYTES_ACCEPTED,
			 clip);
	else if (rc == -ERANGE)
		conf_msg(log, ini->path, line, s->name, key, "'%s' is out of range " BYTES_ACCEPTED,
			 clip);
	if (rc != 0)
		return -EINVAL;
	*out = n;
	return 0;
}

/*
 * Look @p v up in @p names; the index, or -1 after reporting it with the
 * accepted names.
 */
static int
get_enum(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
	 const char *key, const char *what, const char *const *names, unsigned int n)
{
	char clip[CONF_CLIP_BUF];
	char list[128];
	unsigned int line, i;
	const char *v = conf_get(ini, s, key, &line);
	size_t off = 0;

	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	list[0] = '\0';
	for (i = 0; i < n && off < sizeof(list); i++) {
		const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");

		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", sep, names[i]);
	}
	conf_msg(log, ini->path, line, s->name, key, "'%s' is not %s (accepted: %s)",
		 conf_clip(v, clip, sizeof(clip)), what, list);
	return -1;
}

/* Sections */

enum sect_kind {
	KIND_GLOBAL,
	KIND_TCP,
	KIND_HTTP,
	KIND_SHED,
	KIND_PORT,
	KIND_VIP,
	KIND_POOL,
	KIND_BACKEND,
	KIND_LIMIT,
	KIND_UNKNOWN,
};

/* clang-format off */
static const char *const global_keys[] = {
	"mbufs", "mbuf_cache", "idle", "idle_polls", "idle_sleep_us", "neigh_size",
	"neigh_reachable_ms", "neigh_retry_ms", "neigh_retries", "neigh_hold", NULL
};
static const char *const tcp_keys[] = {
	"max_conns", "syn_backlog", "snd_buf", "rcv_buf", "rto_min_ms", "rto_max_ms",
	"rto_init_ms", "delack_ms", "max_retries", "syn_retries", "time_wait_max",
	"time_wait_ms", "fin_wait2_ms", "challenge_ack_limit", "sack", "timestamps", "wscale",
	"syncookies", "secret", NULL
};
static const char *const http_keys[] = {
	"client_header_timeout_ms", "client_idle_timeout_ms", "client_body_timeout_ms",
	"backend_connect_timeout_ms", "backend_response_timeout_ms", "backend_idle_timeout_ms",
	"max_request_line", "max_header_bytes", "max_headers", "max_body",
	"max_idle_per_backend", "retries", NULL
};
static const char *const shed_keys[] = {
	"max_inflight", "max_queue", "max_queue_ms", "retry_after", NULL
};
static const char *const port_keys[] = { "device", "profile", "address", "gateway", NULL };
/*
 * "route.N" is listed for the message only: route.* keys are classified before
 * the list is looked at (check_vip_keys()), and no lower-case key equals it.
 */
static const char *const vip_keys[] = {
	"listen", "mode", "pool", "route.N", "forwarded_for", "forwarded", "via", "max_conns",
	"limit", "bandwidth", "max_conns_per_client", "max_new_conns",
	"affinity", "affinity_ttl_ms", "affinity_max", "cookie_name", "cookie_key",
	"cookie_path", "cookie_max_age", "cookie_httponly", "cookie_secure", "cookie_samesite",
	NULL
};
/* The keys of a VIP that only mode http reads; route.N keys are too. */
static const char *const vip_http_keys[] = {
	"forwarded_for", "forwarded", "via", "max_conns", "limit", "bandwidth",
	"max_conns_per_client", "max_new_conns", "affinity", "affinity_ttl_ms",
	"affinity_max", "cookie_name", "cookie_key", "cookie_path", "cookie_max_age",
	"cookie_httponly", "cookie_secure", "cookie_samesite", NULL
};
static const char *const pool_keys[] = {
	"algorithm", "maglev_size", "hash_key", "slow_start_ms", NULL
};
static const char *const backend_keys[] = {
	"pool", "address", "weight", "backup", "max_conns", NULL
};
static const char *const limit_keys[] = {
	"key", "rate", "bandwidth", "burst", "action", "max_keys", "status", NULL
};
/* clang-format on */

static const struct {
	const char *prefix; /* "port." ... ; NULL for [global], [tcp], [http] and [shed] */
	const char *const *keys;
	unsigned int max;
	const char *what;  /* plural, for "too many" */
	const char *limit; /* the macro that sets max */
} kinds[] = {
	[KIND_GLOBAL] = { NULL, global_keys, 1, "global", NULL },
	[KIND_TCP] = { NULL, tcp_keys, 1, "tcp", NULL },
	[KIND_HTTP] = { NULL, http_keys, 1, "http", NULL },
	[KIND_SHED] = { NULL, shed_keys, 1, "shed", NULL },
	[KIND_PORT] = { "port", port_keys, SL_PORTS_MAX, "ports", "SL_PORTS_MAX" },
	[KIND_VIP] = { "vip", vip_keys, SL_VIPS_MAX, "VIPs", "SL_VIPS_MAX" },
	[KIND_POOL] = { "pool", pool_keys, SL_POOLS_MAX, "pools", "SL_POOLS_MAX" },
	[KIND_BACKEND] = { "backend", backend_keys, SL_BACKENDS_MAX, "backends",
			   "SL_BACKENDS_MAX" },
	[KIND_LIMIT] = { "limit", limit_keys, SL_LIMITS_MAX, "limits", "SL_LIMITS_MAX" },
};

/* One section of the gateway file after the structure pass. */
struct sect_ref {
	const struct conf_sect *s;
	enum sect_kind kind;
	const char *name; /* NAME of [kind.NAME] */
	bool stored;	  /* valid name and within the limit: gets a slot in sl_config */
};

struct load {
	struct conf_ini ini;
	struct conf_log *log;
	struct conf_profiles profiles;
	struct sl_config *conf;
	struct sect_ref *refs; /* one per section, in file order */
	unsigned int n_refs;
	unsigned int n_port_sects;
	int vip_line[SL_VIPS_MAX];
	bool pool_size_bad[SL_POOLS_MAX]; /* maglev_size given and reported */
};

static enum sect_kind
sect_classify(const char *name, const char **suffix)
{
	size_t len;
	int k;

	*suffix = NULL;
	if (strcmp(name, "global") == 0)
		return KIND_GLOBAL;
	if (strcmp(name, "tcp") == 0)
		return KIND_TCP;
	if (strcmp(name, "http") == 0)
		return KIND_HTTP;
	if (strcmp(name, "shed") == 0)
		return KIND_SHED;
	for (k = KIND_PORT; k < KIND_UNKNOWN; k++) {
		len = strlen(kinds[k].prefix);
		if (strncmp(name, kinds[k].prefix, len) == 0 &&
		    (name[len] == '.' || name[len] == '\0')) {
			*suffix = name[len] == '.' ? name + len + 1 : NULL;
			return (enum sect_kind)k;
		}
	}
	return KIND_UNKNOWN;
}

/*
 * Whether @p key is route.N. 0 and *n set for N in 1..SL_ROUTES_MAX; -ERANGE
 * for other digits, -EDOM for a leading zero (route.01 and route.1 would be
 * one route given twice); -EINVAL when it is not route.DIGITS.
 */
static int
route_number(const char *key, uint16_t *n)
{
	uint32_t v;
	int rc;

	if (strncmp(key, "route.", 6) != 0 || !isdigit((unsigned char)key[6]))
		return -EINVAL;
	rc = parse_dec(key + 6, NULL, &v);
	if (rc == -EINVAL)
		return -EINVAL; /* route.1x */
	if (rc == -EDOM)
		return -EDOM;
	if (rc == -ERANGE || v < 1 || v > SL_ROUTES_MAX)
		return -ERANGE;
	*n = (uint16_t)v;
	return 0;
}

/* conf_check_keys() for a [vip.NAME], whose route.N keys are a family. */
static void
check_vip_keys(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s)
{
	unsigned int i;
	uint16_t n;
	int rc;

	for (i = 0; i < s->n_keys; i++) {
		const struct conf_key *k = &s->keys[i];

		rc = route_number(k->name, &n);
		if (rc == -ERANGE)
			conf_msg(log, ini->path, k->line, s->name, k->name,
				 "route number must be 1..%d", SL_ROUTES_MAX);
		else if (rc == -EDOM)
			conf_msg(log, ini->path, k->line, s->name, k->name,
				 "route number must be 1..%d, without a leading zero",
				 SL_ROUTES_MAX);
		else if (rc == -EINVAL)
			check_key(ini, log, s, k, vip_keys);
	}
}

/* Kinds, names, counts, unknown keys: what needs no value. */
static int
pass_structure(struct load *ld)
{
	const struct conf_ini *ini = &ld->ini;
	unsigned int count[KIND_UNKNOWN] = { 0 };
	char clip[CONF_CLIP_BUF];
	unsigned int i;

	ld->refs = calloc(ini->n_sects != 0 ? ini->n_sects : 1, sizeof(*ld->refs));
	if (ld->refs == NULL)
		return -ENOMEM;
	for (i = 0; i < ini->n_sects; i++) {
		const struct conf_sect *s = &ini->sects[i];
		struct sect_ref *r = &ld->refs[ld->n_refs++];

		r->s = s;
		r->kind = sect_classify(s->name, &r->name);
		if (r->kind == KIND_UNKNOWN) {
			conf_msg(ld->log, ini->path, s->line, s->name, NULL,
				 "unknown section (accepted: [global], [tcp], [http], [shed], "
				 "[port.NAME], [vip.NAME], [pool.NAME], [backend.NAME], "
				 "[limit.NAME])");
			continue;
		}
		if (r->kind == KIND_PORT)
			ld->n_port_sects++;
		if (r->kind == KIND_VIP)
			check_vip_keys(ini, ld->log, s);
		else
			conf_check_keys(ini, ld->log, s, kinds[r->kind].keys);
		if (r->kind == KIND_GLOBAL || r->kind == KIND_TCP || r->kind == KIND_HTTP ||
		    r->kind == KIND_SHED) {
			/* Given twice, it is one merged section (reported by the pre-scan). */
			r->stored = true;
			continue;
		}
		if (r->name == NULL) {
			conf_msg(ld->log, ini->path, s->line, s->name, NULL,
				 "a name is needed: [%s.NAME]", kinds[r->kind].prefix);
			continue;
		}
		if (!conf_name_valid(r->name)) {
			conf_msg(ld->log, ini->path, s->line, s->name, NULL,
				 "'%s' is not a valid name (1..31 of a-z, 0-9, _ and -)",
				 conf_clip(r->name, clip, sizeof(clip)));
			continue;
		}
		if (++count[r->kind] > kinds[r->kind].max) {
			conf_msg(ld->log, ini->path, s->line, s->name, NULL,
				 "too many %s: at most %u (%s)", kinds[r->kind].what,
				 kinds[r->kind].max, kinds[r->kind].limit);
			continue;
		}
		r->stored = true;
	}
	if (ld->n_port_sects == 0)
		conf_msg(ld->log, ini->path, 0, NULL, NULL,
			 "no [port.NAME] section: at least one port is required");
	return 0;
}

static const char *
get_required(struct load *ld, const struct conf_sect *s, const char *key, unsigned int *line)
{
	const char *v = conf_get(&ld->ini, s, key, line);

	if (v == NULL)
		conf_msg(ld->log, ld->ini.path, *line, s->name, key, "required key missing");
	return v;
}

static void
parse_global(struct load *ld, const struct conf_sect *s)
{
	static const struct {
		const char *key;
		uint32_t min, max;
		size_t off;
	} nums[] = {
	/* clang-format off */
#define G(k, lo, hi) { #k, lo, hi, offsetof(struct sl_conf_global, k) }
		G(mbufs, 1023, 4194303),
		G(mbuf_cache, 0, 512),
		G(idle_polls, 1, 1000000),
		G(idle_sleep_us, 0, 100000),
		G(neigh_size, 16, 1048576),
		G(neigh_reachable_ms, 1000, 3600000),
		G(neigh_retry_ms, 10, 60000),
		G(neigh_retries, 1, 100),
		G(neigh_hold, 0, 65536),
#undef G
		/* clang-format on */
	};
	struct sl_conf_global *g = &ld->conf->global;
	unsigned int i, line;
	int m;

	for (i = 0; i < CONF_DIM(nums); i++)
		conf_get_uint(&ld->ini, ld->log, s, nums[i].key, nums[i].min, nums[i].max,
			      (uint32_t *)((char *)g + nums[i].off));
	if (conf_get(&ld->ini, s, "idle", &line) != NULL) {
		m = get_enum(&ld->ini, ld->log, s, "idle", "an idle mode", idle_names,
			     CONF_DIM(idle_names));
		if (m >= 0)
			g->idle = (enum sl_idle_mode)m;
	}
}

/*
 * [tcp] secret: exactly 32 hex digits. The value is never repeated in a
 * message, so a near miss of the real secret does not end up in logs.
 */
#define SECRET_ACCEPTED "(accepted: 32 hex digits for 16 bytes; the value is not shown)"
_Static_assert(SL_TCP_SECRET_LEN == 16, "SECRET_ACCEPTED names the length");

static void
parse_tcp_secret(struct load *ld, const struct conf_sect *s, struct sl_conf_tcp *t)
{
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "secret", &line);
	size_t len, i;

	if (v == NULL)
		return;
	len = strlen(v);
	for (i = 0; i < len && conf_hex_digit(v[i]) >= 0; i++)
		;
	if (i != len)
		conf_msg(ld->log, ld->ini.path, line, s->name, "secret",
			 "character %zu is not a hex digit " SECRET_ACCEPTED, i + 1);
	else if (len == 0)
		conf_msg(ld->log, ld->ini.path, line, s->name, "secret",
			 "is empty " SECRET_ACCEPTED);
	else if (len != 2 * SL_TCP_SECRET_LEN)
		conf_msg(ld->log, ld->ini.path, line, s->name, "secret",
			 "is %zu hex digits long " SECRET_ACCEPTED, len);
	if (i != len || len != 2 * SL_TCP_SECRET_LEN)
		return;
	for (i = 0; i < SL_TCP_SECRET_LEN; i++)
		t->secret[i] =
			(uint8_t)(conf_hex_digit(v[2 * i]) << 4 | conf_hex_digit(v[2 * i + 1]));
	t->has_secret = true;
}

/* A number of [tcp] or [http] as parsed: rc is conf_get_uint()'s (0 given, 1 absent, < 0 bad). */
struct sect_num {
	const char *key;
	uint32_t v;
	int rc;
};

/*
 * @p lo must not be above @p hi. The message goes to the key the file gives,
 * @p blame when it gives both (defaults never clash with each other). A key
 * with a bad value is reported already and not compared.
 * Returns false when it reported a clash.
 */
static bool
num_order(struct load *ld, const struct conf_sect *s, const struct sect_num *lo,
	  const struct sect_num *hi, const struct sect_num *blame)
{
	const struct sect_num *wrong, *other;
	unsigned int line;

	if (lo->rc < 0 || hi->rc < 0 || lo->v <= hi->v)
		return true;
	wrong = lo->rc == 0 && hi->rc == 0 ? blame : lo->rc == 0 ? lo : hi;
	other = wrong == lo ? hi : lo;
	conf_get(&ld->ini, s, wrong->key, &line);
	conf_msg(ld->log, ld->ini.path, line, s->name, wrong->key, "%u is %s %s (%u%s)", wrong->v,
		 wrong == lo ? "above" : "below", other->key, other->v,
		 other->rc == 1 ? ", the default" : "");
	return false;
}

static void
parse_tcp(struct load *ld, const struct conf_sect *s)
{
	enum {
		T_MAX_CONNS,
		T_SYN_BACKLOG,
		T_SND_BUF,
		T_RCV_BUF,
		T_RTO_MIN,
		T_RTO_MAX,
		T_RTO_INIT,
		T_DELACK,
		T_MAX_RETRIES,
		T_SYN_RETRIES,
		T_TW_MAX,
		T_TW_MS,
		T_FIN_WAIT2,
		T_CHALLENGE,
		T_N,
	};
	static const struct {
		const char *key;
		uint32_t min, max;
		size_t off;
	} nums[T_N] = {
	/* clang-format off */
#define T(i, k, lo, hi) [i] = { #k, lo, hi, offsetof(struct sl_conf_tcp, k) }
		T(T_MAX_CONNS, max_conns, 16, 4194304),
		T(T_SYN_BACKLOG, syn_backlog, 1, 1048576),
		T(T_SND_BUF, snd_buf, 4096, 67108864),
		T(T_RCV_BUF, rcv_buf, 4096, 67108864),
		T(T_RTO_MIN, rto_min_ms, 1, 60000),
		T(T_RTO_MAX, rto_max_ms, 100, 600000),
		T(T_RTO_INIT, rto_init_ms, 1, 60000),
		T(T_DELACK, delack_ms, 0, 500),
		T(T_MAX_RETRIES, max_retries, 1, 100),
		T(T_SYN_RETRIES, syn_retries, 1, 20),
		T(T_TW_MAX, time_wait_max, 0, 4194304),
		T(T_TW_MS, time_wait_ms, 0, 600000),
		T(T_FIN_WAIT2, fin_wait2_ms, 1000, 600000),
		T(T_CHALLENGE, challenge_ack_limit, 1, 1000000),
#undef T
		/* clang-format on */
	};
	static const struct {
		const char *key;
		size_t off;
	} bools[] = {
#define B(k) { #k, offsetof(struct sl_conf_tcp, k) }
		B(sack),
		B(timestamps),
		B(wscale),
		B(syncookies),
#undef B
	};
	struct sl_conf_tcp *t = &ld->conf->tcp;
	struct sect_num n[T_N];
	unsigned int i, line;

	/* 0 until given: its default follows max_conns, resolved at the end. */
	t->time_wait_max = 0;
	for (i = 0; i < T_N; i++) {
		uint32_t *field = (uint32_t *)((char *)t + nums[i].off);

		n[i].key = nums[i].key;
		n[i].rc = conf_get_uint(&ld->ini, ld->log, s, nums[i].key, nums[i].min, nums[i].max,
					field);
		n[i].v = *field;
	}
	for (i = 0; i < CONF_DIM(bools); i++)
		conf_get_bool(&ld->ini, ld->log, s, bools[i].key,
			      (bool *)((char *)t + bools[i].off));
	parse_tcp_secret(ld, s, t);

	/*
	 * RFC 6298 2.4/2.5 bound the RTO, and the initial one (2.1) lies within
	 * the bounds: checked only when they are consistent, as "between 2000
	 * and 1000" is no help. Given both, the bound is wrong in the first
	 * check and the initial RTO in the others.
	 */
	if (num_order(ld, s, &n[T_RTO_MIN], &n[T_RTO_MAX], &n[T_RTO_MIN]) &&
	    num_order(ld, s, &n[T_RTO_MIN], &n[T_RTO_INIT], &n[T_RTO_INIT]))
		num_order(ld, s, &n[T_RTO_INIT], &n[T_RTO_MAX], &n[T_RTO_INIT]);
	/* A TIME_WAIT limit of every slot would let TIME_WAIT starve new connections. */
	if (n[T_TW_MAX].rc == 0 && n[T_MAX_CONNS].rc >= 0 && t->time_wait_max != 0 &&
	    t->time_wait_max >= t->max_conns) {
		conf_get(&ld->ini, s, "time_wait_max", &line);
		conf_msg(ld->log, ld->ini.path, line, s->name, "time_wait_max",
			 "%u is not below max_conns (%u%s)", t->time_wait_max, t->max_conns,
			 n[T_MAX_CONNS].rc == 1 ? ", the default" : "");
	}
	if (t->time_wait_max == 0)
		t->time_wait_max = t->max_conns / 2;
}

static void
parse_http(struct load *ld, const struct conf_sect *s)
{
	enum {
		H_CLIENT_HEADER,
		H_CLIENT_IDLE,
		H_CLIENT_BODY,
		H_BACKEND_CONNECT,
		H_BACKEND_RESPONSE,
		H_BACKEND_IDLE,
		H_MAX_REQUEST_LINE,
		H_MAX_HEADER_BYTES,
		H_MAX_HEADERS,
		H_MAX_IDLE,
		H_RETRIES,
		H_N,
	};
	static const struct {
		const char *key;
		uint32_t min, max;
		size_t off;
	} nums[H_N] = {
	/* clang-format off */
#define H(i, k, lo, hi) [i] = { #k, lo, hi, offsetof(struct sl_conf_http, k) }
		H(H_CLIENT_HEADER, client_header_timeout_ms, 100, 3600000),
		H(H_CLIENT_IDLE, client_idle_timeout_ms, 100, 3600000),
		H(H_CLIENT_BODY, client_body_timeout_ms, 100, 3600000),
		H(H_BACKEND_CONNECT, backend_connect_timeout_ms, 10, 600000),
		H(H_BACKEND_RESPONSE, backend_response_timeout_ms, 100, 3600000),
		H(H_BACKEND_IDLE, backend_idle_timeout_ms, 100, 3600000),
		H(H_MAX_REQUEST_LINE, max_request_line, 256, 1048576),
		H(H_MAX_HEADER_BYTES, max_header_bytes, 1024, 1048576),
		H(H_MAX_HEADERS, max_headers, 1, 128),
		H(H_MAX_IDLE, max_idle_per_backend, 0, 65535),
		H(H_RETRIES, retries, 0, 10),
#undef H
		/* clang-format on */
	};
	struct sl_conf_http *h = &ld->conf->http;
	struct sect_num n[H_N];
	unsigned int i;

	for (i = 0; i < H_N; i++) {
		uint32_t *field = (uint32_t *)((char *)h + nums[i].off);

		n[i].key = nums[i].key;
		n[i].rc = conf_get_uint(&ld->ini, ld->log, s, nums[i].key, nums[i].min, nums[i].max,
					field);
		n[i].v = *field;
	}
	conf_get_size(&ld->ini, ld->log, s, "max_body", &h->max_body);
	/* The header section includes the request line, so it cannot be the smaller. */
	num_order(ld, s, &n[H_MAX_REQUEST_LINE], &n[H_MAX_HEADER_BYTES], &n[H_MAX_REQUEST_LINE]);
}

/* RFC 9110 5.6.2 tchar (defined with the VIP keys below). */
static bool token_char(unsigned char c);

#define TOKEN_CHARS "a-z, A-Z, 0-9 and !#$%%&'*+-.^_`|~"

/* 1..max-1 token characters: a header field name (RFC 9110 5.1) or cookie-name (RFC 6265 4.1.1). */
static bool
token_valid(const char *v, size_t max)
{
	size_t len = strlen(v), i;

	if (len == 0 || len >= max)
		return false;
	for (i = 0; i < len; i++)
		if (!token_char((unsigned char)v[i]))
			return false;
	return true;
}

static bool
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

#define HASH_KEY_ACCEPTED "(accepted: source, uri, header:NAME or cookie:NAME)"

/* hash_key = source | uri | header:NAME | cookie:NAME. */
static void
parse_hash_key(struct load *ld, const struct conf_sect *s, struct sl_conf_pool *p, bool hash)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "hash_key", &line);
	const char *name = NULL, *what = NULL;
	enum sl_lb_hash_key k;
	size_t i;

	if (v == NULL)
		return;
	conf_clip(v, clip, sizeof(clip));
	if (strcmp(v, "source") == 0) {
		k = SL_LB_HASH_SOURCE;
	} else if (strcmp(v, "uri") == 0) {
		k = SL_LB_HASH_URI;
	} else if (strncmp(v, "header:", 7) == 0) {
		k = SL_LB_HASH_HEADER;
		name = v + 7;
		what = "header";
	} else if (strncmp(v, "cookie:", 7) == 0) {
		k = SL_LB_HASH_COOKIE;
		name = v + 7;
		what = "cookie";
	} else {
		conf_msg(ld->log, ld->ini.path, line, s->name, "hash_key",
			 "'%s' is not a hash key " HASH_KEY_ACCEPTED, clip);
		return;
	}
	if (name != NULL && !token_valid(name, sizeof(p->hash_name))) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "hash_key",
			 "'%s': the %s name is not 1..%zu of " TOKEN_CHARS, clip, what,
			 sizeof(p->hash_name) - 1);
		return;
	}
	if (!hash) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "hash_key",
			 "hash_key applies to algorithm hash only");
		return;
	}
	p->hash_key = k;
	if (name != NULL) {
		memcpy(p->hash_name, name, strlen(name) + 1);
		/* Header names are case-insensitive (RFC 9110 5.1), cookie names are not. */
		if (k == SL_LB_HASH_HEADER)
			for (i = 0; p->hash_name[i] != '\0'; i++)
				p->hash_name[i] = (char)tolower((unsigned char)p->hash_name[i]);
	}
}

static void
parse_pool(struct load *ld, const struct conf_sect *s, struct sl_conf_pool *p)
{
	bool algo_ok = true, table;
	unsigned int line;
	uint32_t size;
	int a, rc;

	p->algorithm = SL_LB_ROUNDROBIN;
	p->maglev_size = SL_MAGLEV_SIZE_DEFAULT;
	p->hash_key = SL_LB_HASH_SOURCE;
	p->hash_name[0] = '\0';
	p->slow_start_ms = 0;
	if (conf_get(&ld->ini, s, "algorithm", &line) != NULL) {
		a = get_enum(&ld->ini, ld->log, s, "algorithm", "an algorithm", lb_algo_names,
			     CONF_DIM(lb_algo_names));
		if (a >= 0)
			p->algorithm = (enum sl_lb_algo)a;
		else
			algo_ok = false;
	}
	table = p->algorithm == SL_LB_MAGLEV || p->algorithm == SL_LB_HASH;
	/* With a bad algorithm the values are still checked, not their fit to it. */
	parse_hash_key(ld, s, p, !algo_ok || p->algorithm == SL_LB_HASH);
	conf_get_uint(&ld->ini, ld->log, s, "slow_start_ms", 0, 3600000, &p->slow_start_ms);
	rc = conf_get_uint(&ld->ini, ld->log, s, "maglev_size", SL_MAGLEV_SIZE_MIN,
			   SL_MAGLEV_SIZE_MAX, &size);
	if (rc == 0) {
		conf_get(&ld->ini, s, "maglev_size", &line);
		if (!is_prime(size))
			conf_msg(ld->log, ld->ini.path, line, s->name, "maglev_size",
				 "%u is not a prime (Maglev's permutations need a prime table "
				 "size, such as 65537 or 655373)",
				 size);
		else if (algo_ok && !table)
			conf_msg(ld->log, ld->ini.path, line, s->name, "maglev_size",
				 "maglev_size applies to algorithm maglev or hash only");
		else
			p->maglev_size = size;
		rc = p->maglev_size == size ? 0 : -EINVAL;
	}
	if (rc < 0 && p >= ld->conf->pools && p < ld->conf->pools + SL_POOLS_MAX)
		ld->pool_size_bad[p - ld->conf->pools] = true;
}

/*
 * A Maglev table balances within 1% only with 100 entries per backend or
 * more (each gets floor(M/N) or ceil(M/N)): checked once the backends are known.
 */
static void
check_pool_sizes(struct load *ld)
{
	const struct sl_config *conf = ld->conf;
	unsigned int i, idx = 0, line, n, j;

	for (i = 0; i < ld->n_refs; i++) {
		const struct sect_ref *r = &ld->refs[i];
		const struct sl_conf_pool *p;

		if (r->kind != KIND_POOL || !r->stored)
			continue;
		p = &conf->pools[idx++];
		if (p->algorithm != SL_LB_MAGLEV && p->algorithm != SL_LB_HASH)
			continue;
		for (n = 0, j = 0; j < conf->n_backends; j++)
			n += conf->backends[j].pool == (int)idx - 1;
		if ((uint64_t)p->maglev_size >= (uint64_t)n * 100 || ld->pool_size_bad[idx - 1])
			continue;
		conf_get(&ld->ini, r->s, "maglev_size", &line);
		conf_msg(ld->log, ld->ini.path, line, r->s->name, "maglev_size",
			 "%u%s is under 100 x the pool's %u backends (a prime of at least %u "
			 "keeps each backend's share within 1%%)",
			 p->maglev_size, conf_ini_key(r->s, "maglev_size") ? "" : " (the default)",
			 n, n * 100);
	}
}

/*
 * The [KIND.NAME] section a key names (case-insensitive, as section names
 * are), in the value of @p key; @p what goes before the value in a message.
 * Returns its index; -1 after reporting that it names none; -2 when it names a
 * section that got no slot (that section is reported already).
 */
static int
resolve_named(struct load *ld, enum sect_kind kind, const struct conf_sect *s, const char *key,
	      const char *what, const char *v, unsigned int line)
{
	char clip[CONF_CLIP_BUF], lc[CONF_CLIP_BUF];
	unsigned int i, idx = 0;
	char *c;

	for (i = 0; i < ld->n_refs; i++) {
		const struct sect_ref *r = &ld->refs[i];

		if (r->kind != kind || r->name == NULL)
			continue;
		if (strcasecmp(r->name, v) == 0)
			return r->stored ? (int)idx : -2;
		if (r->stored)
			idx++;
	}
	conf_clip(v, clip, sizeof(clip));
	memcpy(lc, clip, sizeof(lc));
	lower(lc);
	for (c = lc; *c != '\0'; c++)
		if (*c == ']')
			*c = '?';
	conf_msg(ld->log, ld->ini.path, line, s->name, key, "%s'%s' names no [%s.%s]", what, clip,
		 kinds[kind].prefix, lc);
	return -1;
}

/* The pool a VIP, route or backend names: resolve_named() for [pool.NAME]. */
static int
resolve_pool(struct load *ld, const struct conf_sect *s, const char *key, const char *what,
	     const char *v, unsigned int line)
{
	return resolve_named(ld, KIND_POOL, s, key, what, v, line);
}

#define LIMIT_KEY_ACCEPTED "(accepted: client_ip, header:NAME, cookie:NAME, vip or connection)"

/* [limit.NAME] key = client_ip | header:NAME | cookie:NAME | vip | connection. */
static bool
parse_limit_key(struct load *ld, const struct conf_sect *s, struct sl_conf_limit *lm, const char *v,
		unsigned int line)
{
	char clip[CONF_CLIP_BUF];
	const char *name = NULL;
	size_t i;

	conf_clip(v, clip, sizeof(clip));
	if (strcmp(v, "client_ip") == 0) {
		lm->key = SL_LIMIT_KEY_CLIENT_IP;
	} else if (strcmp(v, "vip") == 0) {
		lm->key = SL_LIMIT_KEY_VIP;
	} else if (strcmp(v, "connection") == 0) {
		lm->key = SL_LIMIT_KEY_CONNECTION;
	} else if (strncmp(v, "header:", 7) == 0) {
		lm->key = SL_LIMIT_KEY_HEADER;
		name = v + 7;
	} else if (strncmp(v, "cookie:", 7) == 0) {
		lm->key = SL_LIMIT_KEY_COOKIE;
		name = v + 7;
	} else {
		conf_msg(ld->log, ld->ini.path, line, s->name, "key",
			 "'%s' is not a limit key " LIMIT_KEY_ACCEPTED, clip);
		return false;
	}
	if (name == NULL)
		return true;
	if (!token_valid(name, sizeof(lm->key_name))) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "key",
			 "'%s': the %s name is not 1..%zu of " TOKEN_CHARS, clip,
			 lm->key == SL_LIMIT_KEY_HEADER ? "header" : "cookie",
			 sizeof(lm->key_name) - 1);
		return false;
	}
	memcpy(lm->key_name, name, strlen(name) + 1);
	/* Header names are case-insensitive (RFC 9110 5.1), cookie names are not. */
	if (lm->key == SL_LIMIT_KEY_HEADER)
		for (i = 0; lm->key_name[i] != '\0'; i++)
			lm->key_name[i] = (char)tolower((unsigned char)lm->key_name[i]);
	return true;
}

static void
limit_defaults(struct sl_conf_limit *lm)
{
	lm->key = SL_LIMIT_KEY_CLIENT_IP;
	lm->key_name[0] = '\0';
	lm->kind = SL_LIMIT_RATE;
	lm->rate = (struct sl_conf_rate){ 0, 1 };
	lm->burst = 0;
	lm->action = SL_LIMIT_REJECT;
	lm->max_keys = 65536;
	lm->status = 429;
}

/*
 * [limit.NAME]: exactly one of rate and bandwidth; burst in requests or
 * bytes accordingly; action and status for rates, key connection for
 * bandwidths, max_keys for keys with a table. A key that does not apply is
 * reported (as maglev_size for a roundrobin pool), so that nothing in the
 * file is silently ignored.
 */
static void
parse_limit(struct load *ld, const struct conf_sect *s, struct sl_conf_limit *lm)
{
	unsigned int key_line, rate_line, bw_line, line, vline;
	const char *key = get_required(ld, s, "key", &key_line);
	bool key_ok = key != NULL && parse_limit_key(ld, s, lm, key, key_line);
	bool has_rate = conf_get(&ld->ini, s, "rate", &rate_line) != NULL;
	bool has_bw = conf_get(&ld->ini, s, "bandwidth", &bw_line) != NULL;
	bool table, values_ok = true;
	char clip[CONF_CLIP_BUF];
	const char *v;
	uint32_t n;
	int m, rc;

	if (has_rate && has_bw)
		conf_msg(ld->log, ld->ini.path, bw_line, s->name, "bandwidth",
			 "a limit has a rate or a bandwidth, not both (rate is at line %u)",
			 rate_line);
	else if (!has_rate && !has_bw)
		conf_msg(ld->log, ld->ini.path, s->line, s->name, "rate",
			 "required key missing (a limit has rate = N/s, N/m or N/h, or "
			 "bandwidth = N/s in bytes)");
	lm->kind = has_rate || !has_bw ? SL_LIMIT_RATE : SL_LIMIT_BANDWIDTH;
	if (has_rate)
		values_ok &= get_rate(&ld->ini, ld->log, s, "rate", false, &lm->rate) == 0;
	if (has_bw) {
		uint64_t bw = 0;

		rc = get_bandwidth(&ld->ini, ld->log, s, "bandwidth", false, &bw);
		values_ok &= rc == 0;
		if (rc == 0 && !has_rate)
			lm->rate = (struct sl_conf_rate){ bw, 1 };
	}
	values_ok &= has_rate != has_bw;

	if (lm->kind == SL_LIMIT_BANDWIDTH) {
		lm->burst = 65536;
		rc = get_bytes(&ld->ini, ld->log, s, "burst", &lm->burst);
	} else {
		n = 0;
		rc = conf_get_uint(&ld->ini, ld->log, s, "burst", 0, UINT32_MAX, &n);
		if (rc == 0)
			lm->burst = n;
	}
	values_ok &= rc >= 0;

	if (conf_get(&ld->ini, s, "action", &line) != NULL) {
		if (lm->kind == SL_LIMIT_BANDWIDTH) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "action",
				 "action applies to rate limits only (a bandwidth is paced: "
				 "bytes wait, nothing is rejected)");
		} else {
			m = get_enum(&ld->ini, ld->log, s, "action", "an action",
				     limit_action_names, CONF_DIM(limit_action_names));
			if (m >= 0)
				lm->action = (enum sl_limit_action)m;
		}
	}
	v = conf_get(&ld->ini, s, "status", &line);
	if (v != NULL && lm->kind == SL_LIMIT_BANDWIDTH) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "status",
			 "status applies to rate limits only (a bandwidth is paced: bytes wait, "
			 "nothing is rejected)");
	} else if (v != NULL) {
		if (strcmp(v, "429") == 0 || strcmp(v, "503") == 0)
			lm->status = (uint16_t)atoi(v);
		else
			conf_msg(ld->log, ld->ini.path, line, s->name, "status",
				 "'%s' is not a status for a rejected request (accepted: 429 or "
				 "503)",
				 conf_clip(v, clip, sizeof(clip)));
	}
	table = lm->key == SL_LIMIT_KEY_CLIENT_IP || lm->key == SL_LIMIT_KEY_HEADER ||
		lm->key == SL_LIMIT_KEY_COOKIE;
	if (conf_get(&ld->ini, s, "max_keys", &line) != NULL && key_ok && !table)
		conf_msg(ld->log, ld->ini.path, line, s->name, "max_keys",
			 "max_keys applies to key client_ip, header or cookie only (key %s keeps "
			 "no table)",
			 sl_conf_limit_key_name(lm->key));
	else
		conf_get_uint(&ld->ini, ld->log, s, "max_keys", 1, 16777216, &lm->max_keys);

	if (key_ok && lm->key == SL_LIMIT_KEY_CONNECTION && has_rate && !has_bw)
		conf_msg(ld->log, ld->ini.path, key_line, s->name, "key",
			 "connection applies to bandwidth limits only (a rate limit counts the "
			 "requests of a client_ip, header, cookie or vip)");
	/*
	 * lib/limit keeps (burst + 1) x T in 2^61 ticks of 1/256 cycle: 2^21 s
	 * on a 4.29 GHz TSC. The bound leaves a margin for the rounding of T.
	 */
	if (values_ok &&
	    (lm->burst + 1) * lm->rate.period_s > (uint64_t)SL_LIMIT_SPAN_MAX_S * lm->rate.count) {
		v = conf_get(&ld->ini, s, "burst", &line);
		conf_msg(ld->log, ld->ini.path, line, s->name, "burst",
			 "%s is too large for %s %s: a full budget would take more than %u "
			 "seconds (23 days) to refill",
			 conf_clip(v != NULL ? v : "", clip, sizeof(clip)),
			 lm->kind == SL_LIMIT_RATE ? "rate" : "bandwidth",
			 conf_get(&ld->ini, s, lm->kind == SL_LIMIT_RATE ? "rate" : "bandwidth",
				  &vline),
			 SL_LIMIT_SPAN_MAX_S);
	}
}

/* [shed]: per-worker load shedding bounds. */
static void
parse_shed(struct load *ld, const struct conf_sect *s)
{
	struct sl_conf_shed *sh = &ld->conf->shed;

	conf_get_uint(&ld->ini, ld->log, s, "max_inflight", 0, 4194304, &sh->max_inflight);
	conf_get_uint(&ld->ini, ld->log, s, "max_queue", 0, 4194304, &sh->max_queue);
	conf_get_uint(&ld->ini, ld->log, s, "max_queue_ms", 0, 3600000, &sh->max_queue_ms);
	conf_get_uint(&ld->ini, ld->log, s, "retry_after", 0, 86400, &sh->retry_after);
}

/*
 * A list of [limit.NAME] names, as `limit = a, b` in a VIP (commas and/or
 * blanks between names) or `limit=a,b` in a route (commas: blanks separate
 * a route's fields). At most SL_VIP_LIMITS_MAX, each once, none also in
 * @p other (the VIP's list, for a route: a limit applies once per request).
 * @p what prefixes the messages ("" or "limit "). Returns false after
 * reporting (*n_out and @p out then hold the names that were good).
 */
static bool
parse_limit_list(struct load *ld, const struct conf_sect *s, const char *key, const char *what,
		 const char *v, unsigned int line, uint8_t *n_out, uint8_t *out,
		 const uint8_t *other, uint8_t n_other)
{
	char buf[CONF_LINE_MAX + 1], clip[CONF_CLIP_BUF];
	char *item, *save = NULL, *p;
	bool ok = true, too_many = false, empty = false;
	unsigned int n = 0, j;
	int idx;

	*n_out = 0;
	snprintf(buf, sizeof(buf), "%s", v);
	if (strspn(buf, " \t,") == strlen(buf) && strchr(buf, ',') == NULL) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "%sis empty (accepted: names of [limit.NAME] sections, separated by "
			 "commas)",
			 what);
		return false;
	}
	/* Split on commas by hand: strtok would merge "a,,b" into "a,b". */
	for (item = buf; item != NULL; item = p) {
		char *name, *tok;

		p = strchr(item, ',');
		if (p != NULL)
			*p++ = '\0';
		name = strtok_r(item, " \t", &save);
		if (name == NULL) {
			if (!empty)
				conf_msg(ld->log, ld->ini.path, line, s->name, key,
					 "%s'%s' has an empty item", what,
					 conf_clip(v, clip, sizeof(clip)));
			empty = true;
			ok = false;
			continue;
		}
		for (tok = name; tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
			idx = resolve_named(ld, KIND_LIMIT, s, key, what, tok, line);
			if (idx < 0) {
				ok = false;
				continue;
			}
			for (j = 0; j < n && out[j] != idx; j++)
				;
			if (j < n) {
				conf_msg(ld->log, ld->ini.path, line, s->name, key,
					 "%s'%s' is listed twice", what,
					 conf_clip(tok, clip, sizeof(clip)));
				ok = false;
				continue;
			}
			for (j = 0; j < n_other && other[j] != idx; j++)
				;
			if (j < n_other) {
				conf_msg(
					ld->log, ld->ini.path, line, s->name, key,
					"%s'%s' is in the VIP's limit already (a limit applies once "
					"per request)",
					what, conf_clip(tok, clip, sizeof(clip)));
				ok = false;
				continue;
			}
			if (n == SL_VIP_LIMITS_MAX) {
				if (!too_many)
					conf_msg(ld->log, ld->ini.path, line, s->name, key,
						 "%smore than %d limits (SL_VIP_LIMITS_MAX)", what,
						 SL_VIP_LIMITS_MAX);
				too_many = true;
				ok = false;
				continue;
			}
			out[n++] = (uint8_t)idx;
		}
	}
	/* The good names even when some are not: a route is still checked against them. */
	*n_out = (uint8_t)n;
	return ok;
}

static void
parse_port_profile(struct load *ld, const struct conf_sect *s, struct sl_conf_port *p,
		   bool device_ok)
{
	char clip[CONF_CLIP_BUF];
	char name[SL_NAME_MAX];
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "profile", &line);
	int rc;

	if (v != NULL) {
		/* A file name under the profile folder: no '/', no "..". */
		if (strlen(v) >= sizeof(name)) {
			name[0] = '\0';
		} else {
			memcpy(name, v, strlen(v) + 1);
			lower(name);
		}
		if (!conf_name_valid(name)) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "profile",
				 "'%s' is not a profile name (1..31 of a-z, 0-9, _ and -)",
				 conf_clip(v, clip, sizeof(clip)));
			return;
		}
		if (!conf_profile_exists(ld->profiles.dir, name)) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "profile",
				 "'%s' not found in %s", conf_clip(v, clip, sizeof(clip)),
				 ld->profiles.dir);
			return;
		}
	} else if (device_ok) {
		conf_profile_derive(ld->profiles.dir, p->device, name);
	} else {
		return;
	}
	rc = conf_profile_get(&ld->profiles, ld->log, name, &p->profile);
	if (rc == -ENOENT)
		/* Only when it vanished since conf_profile_exists(). */
		conf_msg(ld->log, ld->ini.path, line, s->name, "profile", "'%s' not found in %s",
			 name, ld->profiles.dir);
}

static void
parse_port(struct load *ld, const struct conf_sect *s, struct sl_conf_port *p)
{
	const struct sl_config *conf = ld->conf;
	char clip[CONF_CLIP_BUF], ip[16];
	bool device_ok = false, addr_ok = false;
	uint32_t mask, net, bcast;
	unsigned int line, i;
	const char *v;

	v = get_required(ld, s, "device", &line);
	if (v != NULL) {
		if (*v == '\0') {
			conf_msg(ld->log, ld->ini.path, line, s->name, "device",
				 "'' is not a device (an ethdev name such as net_tap0 or a PCI "
				 "address such as 0000:03:00.0)");
		} else if (strlen(v) >= sizeof(p->device)) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "device",
				 "'%s' is longer than %zu characters",
				 conf_clip(v, clip, sizeof(clip)), sizeof(p->device) - 1);
		} else {
			memcpy(p->device, v, strlen(v) + 1);
			device_ok = true;
			for (i = 0; i < conf->n_ports; i++) {
				if (strcmp(conf->ports[i].device, v) == 0) {
					conf_msg(ld->log, ld->ini.path, line, s->name, "device",
						 "'%s' is already the device of [port.%s]",
						 conf_clip(v, clip, sizeof(clip)),
						 conf->ports[i].name);
					break;
				}
			}
		}
	}
	parse_port_profile(ld, s, p, device_ok);

	v = get_required(ld, s, "address", &line);
	if (v != NULL) {
		conf_clip(v, clip, sizeof(clip));
		if (parse_prefix(v, &p->addr, &p->prefix_len) != 0) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "address",
				 "'%s' is not an IPv4 prefix (A.B.C.D/LEN, LEN 1..32)", clip);
		} else if (!ip_unicast(p->addr)) {
			conf_msg(ld->log, ld->ini.path, line, s->name, "address",
				 "'%s' " NOT_UNICAST, clip);
		} else {
			mask = prefix_mask(p->prefix_len);
			net = p->addr & mask;
			bcast = net | ~mask;
			/* /31 (RFC 3021) and /32 have no network or broadcast address. */
			if (p->prefix_len <= 30 && p->addr == net)
				conf_msg(ld->log, ld->ini.path, line, s->name, "address",
					 "'%s' is the network address of its subnet "
					 "(a host address is needed)",
					 clip);
			else if (p->prefix_len <= 30 && p->addr == bcast)
				conf_msg(ld->log, ld->ini.path, line, s->name, "address",
					 "'%s' is the broadcast address of its subnet "
					 "(a host address is needed)",
					 clip);
			else
				addr_ok = true;
		}
	}

	v = conf_get(&ld->ini, s, "gateway", &line);
	if (v == NULL)
		return;
	conf_clip(v, clip, sizeof(clip));
	if (parse_ip(v, &p->gateway) != 0) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "gateway",
			 "'%s' is not an IPv4 address (A.B.C.D)", clip);
		return;
	}
	if (!ip_unicast(p->gateway)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "gateway", "'%s' " NOT_UNICAST,
			 clip);
		return;
	}
	if (!addr_ok)
		return;
	mask = prefix_mask(p->prefix_len);
	net = p->addr & mask;
	bcast = net | ~mask;
	if ((p->gateway & mask) != net)
		conf_msg(ld->log, ld->ini.path, line, s->name, "gateway",
			 "'%s' is outside the port's subnet %s/%u (a next hop must be on-link)",
			 clip, sl_conf_ip_str(net, ip), p->prefix_len);
	else if (p->gateway == p->addr)
		conf_msg(ld->log, ld->ini.path, line, s->name, "gateway",
			 "'%s' is the port's own address", clip);
	else if (p->prefix_len <= 30 && (p->gateway == net || p->gateway == bcast))
		conf_msg(ld->log, ld->ini.path, line, s->name, "gateway",
			 "'%s' is the %s address of the port's subnet", clip,
			 p->gateway == net ? "network" : "broadcast");
}

/* Parse an A.B.C.D:PORT key, reporting what is wrong. */
static int
get_endpoint(struct load *ld, const struct conf_sect *s, const char *key, const char *v,
	     unsigned int line, uint32_t *addr, uint16_t *port)
{
	char clip[CONF_CLIP_BUF];
	int rc = parse_endpoint(v, addr, port);

	conf_clip(v, clip, sizeof(clip));
	if (rc == -EINVAL) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "'%s' is not an IPv4 address and port (A.B.C.D:PORT)", clip);
		return rc;
	}
	if (rc == -ERANGE) {
		char pclip[CONF_CLIP_BUF];

		/* parse_endpoint() gives -ERANGE only past the ':'. */
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "'%s': port '%s' is out of range 1..65535", clip,
			 conf_clip(strrchr(v, ':') + 1, pclip, sizeof(pclip)));
		return rc;
	}
	if (!ip_unicast(*addr)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key, "'%s' " NOT_UNICAST, clip);
		return -EINVAL;
	}
	return 0;
}

/*
 * A hostname as RFC 1123 2.1 has it (RFC 1035 2.3.1 with a leading digit
 * allowed): labels of letters, digits and '-', not starting or ending with
 * '-', 1..63 characters each, 253 in all, no trailing dot. IPv4 literals pass
 * too, which is what a Host header holds when clients use the address.
 */
static bool
hostname_valid(const char *h)
{
	size_t len = strlen(h), label = 0, i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label != 0 && h[len - 1] != '-';
}

#define NOT_HOST                                                                       \
	"is not a hostname or *.DOMAIN (labels of a-z, 0-9 and '-', 1..63 characters " \
	"each and 253 in all)"

/* route.N host=: an exact hostname or *.DOMAIN, stored lower case. */
static bool
parse_route_host(struct load *ld, const struct conf_sect *s, const char *key, unsigned int line,
		 const char *v, struct sl_conf_route *r)
{
	const char *name = v, *colon = strrchr(v, ':');
	char clip[CONF_CLIP_BUF];
	size_t i;

	conf_clip(v, clip, sizeof(clip));
	if (colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "host '%s' has a port (a route matches the Host header's name only: "
			 "give the name alone)",
			 clip);
		return false;
	}
	r->host_wildcard = strncmp(v, "*.", 2) == 0;
	if (r->host_wildcard)
		name = v + 2;
	if (!hostname_valid(name)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key, "host '%s' " NOT_HOST, clip);
		return false;
	}
	/* For *.example.com, ".example.com": what a subdomain ends with. */
	snprintf(r->host, sizeof(r->host), "%s%s", r->host_wildcard ? "." : "", name);
	for (i = 0; r->host[i] != '\0'; i++)
		r->host[i] = (char)tolower((unsigned char)r->host[i]);
	return true;
}

/* RFC 3986 3.3: pchar (unreserved, sub-delims, ':', '@'; pct-encoded apart) and '/'. */
static bool
path_char(unsigned char c)
{
	return isalnum(c) || strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

#define PATH_ACCEPTED "(accepted: a-z, A-Z, 0-9, -._~!$&'()*+,;=:@/ and %%XX, RFC 3986 3.3)"

/*
 * route.N path=: a prefix of the path the request line carries, compared
 * byte by byte (no decoding, case-sensitive), so it is given as clients send
 * it. It cannot hold the query ('?') or a fragment.
 */
static bool
parse_route_path(struct load *ld, const struct conf_sect *s, const char *key, unsigned int line,
		 const char *v, struct sl_conf_route *r)
{
	char clip[CONF_CLIP_BUF];
	size_t len = strlen(v), i;

	conf_clip(v, clip, sizeof(clip));
	if (v[0] != '/') {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "path '%s' does not start with '/'", clip);
		return false;
	}
	if (len >= sizeof(r->path)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "path '%s' is longer than %zu characters", clip, sizeof(r->path) - 1);
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '%') {
			if (!isxdigit((unsigned char)v[i + 1]) ||
			    !isxdigit((unsigned char)v[i + 2])) {
				conf_msg(ld->log, ld->ini.path, line, s->name, key,
					 "path '%s': '%%' at character %zu is not followed by two "
					 "hex digits",
					 clip, i + 1);
				return false;
			}
			i += 2;
		} else if (!path_char(c)) {
			conf_msg(ld->log, ld->ini.path, line, s->name, key,
				 "path '%s': character %zu is not a path character " PATH_ACCEPTED,
				 clip, i + 1);
			return false;
		}
	}
	memcpy(r->path, v, len + 1);
	return true;
}

#define ROUTE_BLANKS " \t\v\f"
#define ROUTE_FORM   "host=NAME path=/PREFIX pool=NAME limit=A,B, with pool and host or path"
#define ROUTE_FIELDS "host, path, pool, limit"

enum {
	RF_HOST,
	RF_PATH,
	RF_POOL,
	RF_LIMIT,
	RF_N
};
static const char *const route_fields[RF_N] = { "host", "path", "pool", "limit" };

/*
 * A route's value as sl_conf_dump() writes it: host=, path=, pool=, limit=
 * (names joined by commas). Returns its length (the text may be cut at @p size).
 */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	size_t at = *off < size ? *off : size - 1;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
	*off += n > 0 ? (size_t)n : 0;
}

static size_t
route_value(const struct sl_config *conf, const struct sl_conf_route *r, char *val, size_t size)
{
	size_t off = 0;
	unsigned int i;

	val[0] = '\0';
	if (r->host[0] != '\0')
		append(val, size, &off, "host=%s%s ", r->host_wildcard ? "*" : "", r->host);
	if (r->path[0] != '\0')
		append(val, size, &off, "path=%s ", r->path);
	append(val, size, &off, "pool=%s",
	       r->pool >= 0 && r->pool < conf->n_pools ? conf->pools[r->pool].name : "?");
	for (i = 0; i < r->n_limits; i++)
		append(val, size, &off, "%s%s", i == 0 ? " limit=" : ",",
		       r->limits[i] < conf->n_limits ? conf->limits[r->limits[i]].name : "?");
	return off;
}

/* The length of the line dump_value() writes for @p key = @p v. */
static size_t
dump_value_len(const char *key, const char *v)
{
	size_t len = strlen(v);
	bool quote =
		strpbrk(v, ";#") != NULL || v[0] == '"' || v[0] == '\'' ||
		(len != 0 && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1])));

	return strlen(key) + 3 + len + (quote ? 2 : 0);
}

/*
 * route.N = host=NAME path=/PREFIX pool=NAME: fields in any order, separated
 * by blanks, names case-insensitive. Returns true when it is good.
 */
static bool
parse_route(struct load *ld, const struct conf_sect *s, const struct conf_key *k,
	    const struct sl_conf_vip *vip, struct sl_conf_route *r)
{
	bool seen[RF_N] = { false }, ok = true, malformed = false;
	char buf[CONF_LINE_MAX + 1], clip[CONF_CLIP_BUF];
	const char *key = k->name;
	char *tok, *save = NULL;
	unsigned int line, f;
	const char *v;
	char *eq;
	int pool;

	v = conf_get(&ld->ini, s, key, &line);
	snprintf(buf, sizeof(buf), "%s", v != NULL ? v : "");
	tok = strtok_r(buf, ROUTE_BLANKS, &save);
	if (tok == NULL) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "is empty (accepted: " ROUTE_FORM ")");
		return false;
	}
	for (; tok != NULL; tok = strtok_r(NULL, ROUTE_BLANKS, &save)) {
		eq = strchr(tok, '=');
		if (eq == NULL || eq == tok) {
			conf_msg(ld->log, ld->ini.path, line, s->name, key,
				 "'%s' is not a field (NAME=VALUE; accepted: " ROUTE_FIELDS ")",
				 conf_clip(tok, clip, sizeof(clip)));
			malformed = true;
			continue;
		}
		*eq = '\0';
		for (f = 0; f < RF_N; f++)
			if (strcasecmp(tok, route_fields[f]) == 0)
				break;
		if (f == RF_N) {
			conf_msg(ld->log, ld->ini.path, line, s->name, key,
				 "unknown field '%s' (accepted: " ROUTE_FIELDS ")",
				 conf_clip(tok, clip, sizeof(clip)));
			malformed = true;
			continue;
		}
		if (seen[f]) {
			conf_msg(ld->log, ld->ini.path, line, s->name, key,
				 "field '%s' given twice", route_fields[f]);
			ok = false;
			continue;
		}
		seen[f] = true;
		if (eq[1] == '\0') {
			conf_msg(ld->log, ld->ini.path, line, s->name, key, "field '%s' is empty",
				 route_fields[f]);
			ok = false;
			continue;
		}
		switch (f) {
		case RF_HOST:
			ok &= parse_route_host(ld, s, key, line, eq + 1, r);
			break;
		case RF_PATH:
			ok &= parse_route_path(ld, s, key, line, eq + 1, r);
			break;
		case RF_LIMIT:
			ok &= parse_limit_list(ld, s, key, "limit ", eq + 1, line, &r->n_limits,
					       r->limits, vip->limits, vip->n_limits);
			break;
		default:
			pool = resolve_pool(ld, s, key, "pool ", eq + 1, line);
			ok &= pool >= 0;
			r->pool = pool;
			break;
		}
	}
	/* After an unknown field, a missing one is most likely that field mistyped. */
	if (malformed)
		return false;
	if (!seen[RF_POOL]) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "field 'pool' missing (a route names the pool it relays to)");
		ok = false;
	}
	if (!seen[RF_HOST] && !seen[RF_PATH]) {
		conf_msg(ld->log, ld->ini.path, line, s->name, key,
			 "neither host nor path given (a route matches on one or both; the "
			 "VIP's pool takes what no route matches)");
		ok = false;
	}
	/* Without limits a route always fits a line (checked at build time); with them, here. */
	if (ok && r->n_limits != 0) {
		char val[2 * CONF_LINE_MAX];
		size_t len = dump_value_len(key, (route_value(ld->conf, r, val, sizeof(val)), val));

		if (len > CONF_LINE_MAX) {
			conf_msg(ld->log, ld->ini.path, line, s->name, key,
				 "is %zu characters long as show config writes it, above %u "
				 "(shorten the host, the path or the limit names)",
				 len, CONF_LINE_MAX);
			ok = false;
		}
	}
	return ok;
}

static int
route_cmp(const void *a, const void *b)
{
	const struct sl_conf_route *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/* Every good route.N of @p s, sorted by N: N decides the order, not the file. */
static void
parse_routes(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	unsigned int i, n = 0;
	uint16_t number;

	for (i = 0; i < s->n_keys; i++)
		if (route_number(s->keys[i].name, &number) == 0)
			n++;
	if (n == 0)
		return;
	vip->routes = calloc(n, sizeof(*vip->routes));
	if (vip->routes == NULL) {
		ld->log->nomem = true;
		return;
	}
	for (i = 0; i < s->n_keys; i++) {
		struct sl_conf_route *r = &vip->routes[vip->n_routes];

		if (route_number(s->keys[i].name, &number) != 0)
			continue;
		memset(r, 0, sizeof(*r));
		r->number = number;
		r->pool = -1;
		if (parse_route(ld, s, &s->keys[i], vip, r))
			vip->n_routes++;
	}
	qsort(vip->routes, vip->n_routes, sizeof(*vip->routes), route_cmp);
}

/* RFC 9110 5.6.2 tchar. */
static bool
token_char(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* via = none, or the pseudonym of "Via: 1.1 <pseudonym>" (RFC 9110 7.6.3). */
static void
parse_via(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "via", &line);
	size_t len, i;

	if (v == NULL || strcasecmp(v, "none") == 0)
		return;
	len = strlen(v);
	for (i = 0; i < len && token_char((unsigned char)v[i]); i++)
		;
	if (len == 0 || len >= sizeof(vip->via) || i != len) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "via",
			 "'%s' is not none or a pseudonym (1..%zu of a-z, A-Z, 0-9 and "
			 "!#$%%&'*+-.^_`|~)",
			 conf_clip(v, clip, sizeof(clip)), sizeof(vip->via) - 1);
		return;
	}
	memcpy(vip->via, v, len + 1);
}

/*
 * cookie_key: 32 or 64 hex digits. Like [tcp] secret, the value is never
 * repeated in a message.
 */
#define COOKIE_KEY_ACCEPTED \
	"(accepted: 32 or 64 hex digits for a 16- or 32-byte key; the value is not shown)"
_Static_assert(SL_COOKIE_KEY_MAX == 32, "COOKIE_KEY_ACCEPTED names the length");

static void
parse_cookie_key(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "cookie_key", &line);
	size_t len, i;

	if (v == NULL) {
		if (vip->affinity == SL_AFFINITY_COOKIE)
			conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_key",
				 "required key missing (affinity = cookie signs its cookie with "
				 "it)");
		return;
	}
	len = strlen(v);
	for (i = 0; i < len && conf_hex_digit(v[i]) >= 0; i++)
		;
	if (i != len)
		conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_key",
			 "character %zu is not a hex digit " COOKIE_KEY_ACCEPTED, i + 1);
	else if (len == 0)
		conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_key",
			 "is empty " COOKIE_KEY_ACCEPTED);
	else if (len != 32 && len != 64)
		conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_key",
			 "is %zu hex digits long " COOKIE_KEY_ACCEPTED, len);
	if (i != len || (len != 32 && len != 64))
		return;
	for (i = 0; i < len / 2; i++)
		vip->cookie_key[i] =
			(uint8_t)(conf_hex_digit(v[2 * i]) << 4 | conf_hex_digit(v[2 * i + 1]));
	vip->cookie_key_len = (uint8_t)(len / 2);
}

/* cookie_path: RFC 6265 4.1.1 path-value (no CTL, no ';'), starting with '/'. */
static void
parse_cookie_path(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "cookie_path", &line);
	size_t len, i;

	if (v == NULL)
		return;
	conf_clip(v, clip, sizeof(clip));
	len = strlen(v);
	if (v[0] != '/') {
		conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_path",
			 "'%s' does not start with '/'", clip);
		return;
	}
	if (len >= sizeof(vip->cookie_path)) {
		conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_path",
			 "'%s' is longer than %zu characters", clip, sizeof(vip->cookie_path) - 1);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c >= 0x7f || c == ';') {
			conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_path",
				 "'%s': character %zu is not allowed in a cookie path (RFC 6265 "
				 "4.1.1: printable ASCII but ';')",
				 clip, i + 1);
			return;
		}
	}
	memcpy(vip->cookie_path, v, len + 1);
}

/* Session affinity (lib/affinity reads these). */
static void
parse_vip_affinity(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	char clip[CONF_CLIP_BUF];
	unsigned int line, sline;
	const char *v;
	int m, secure_rc;

	if (conf_get(&ld->ini, s, "affinity", &line) != NULL) {
		m = get_enum(&ld->ini, ld->log, s, "affinity", "an affinity mode", affinity_names,
			     CONF_DIM(affinity_names));
		if (m >= 0)
			vip->affinity = (enum sl_affinity_mode)m;
	}
	conf_get_uint(&ld->ini, ld->log, s, "affinity_ttl_ms", 1000, 86400000,
		      &vip->affinity_ttl_ms);
	conf_get_uint(&ld->ini, ld->log, s, "affinity_max", 16, 16777216, &vip->affinity_max);
	v = conf_get(&ld->ini, s, "cookie_name", &line);
	if (v != NULL) {
		if (token_valid(v, sizeof(vip->cookie_name)))
			memcpy(vip->cookie_name, v, strlen(v) + 1);
		else
			conf_msg(ld->log, ld->ini.path, line, s->name, "cookie_name",
				 "'%s' is not a cookie name (1..%zu of " TOKEN_CHARS
				 ", RFC 6265 4.1.1)",
				 conf_clip(v, clip, sizeof(clip)), sizeof(vip->cookie_name) - 1);
	}
	parse_cookie_key(ld, s, vip);
	parse_cookie_path(ld, s, vip);
	conf_get_uint(&ld->ini, ld->log, s, "cookie_max_age", 0, 31536000, &vip->cookie_max_age);
	conf_get_bool(&ld->ini, ld->log, s, "cookie_httponly", &vip->cookie_httponly);
	secure_rc = conf_get_bool(&ld->ini, ld->log, s, "cookie_secure", &vip->cookie_secure);
	if (conf_get(&ld->ini, s, "cookie_samesite", &sline) != NULL) {
		m = get_enum(&ld->ini, ld->log, s, "cookie_samesite", "a SameSite value",
			     samesite_names, CONF_DIM(samesite_names));
		if (m >= 0)
			vip->cookie_samesite = (enum sl_cookie_samesite)m;
		/* RFC 6265bis 4.1.2.7: browsers reject SameSite=None without Secure. */
		if (m == SL_SAMESITE_NONE && secure_rc >= 0 && !vip->cookie_secure)
			conf_msg(ld->log, ld->ini.path, sline, s->name, "cookie_samesite",
				 "none requires cookie_secure = yes (browsers drop a SameSite=None "
				 "cookie that is not Secure)");
	}
}

/* Traffic control (lib/limit reads these). */
static void
parse_vip_limits(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	unsigned int line;
	const char *v = conf_get(&ld->ini, s, "limit", &line);

	if (v != NULL)
		parse_limit_list(ld, s, "limit", "", v, line, &vip->n_limits, vip->limits, NULL, 0);
	get_bandwidth(&ld->ini, ld->log, s, "bandwidth", true, &vip->bandwidth_bps);
	conf_get_uint(&ld->ini, ld->log, s, "max_conns_per_client", 0, 4194304,
		      &vip->max_conns_per_client);
	get_rate(&ld->ini, ld->log, s, "max_new_conns", true, &vip->max_new_conns);
}

/* The keys only mode http reads. */
static void
parse_vip_http(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	conf_get_bool(&ld->ini, ld->log, s, "forwarded_for", &vip->forwarded_for);
	conf_get_bool(&ld->ini, ld->log, s, "forwarded", &vip->forwarded);
	parse_via(ld, s, vip);
	conf_get_uint(&ld->ini, ld->log, s, "max_conns", 0, 4194304, &vip->max_conns);
	parse_vip_limits(ld, s, vip);
	parse_vip_affinity(ld, s, vip);
	/* After the VIP's limit: a route may not list one of them again. */
	parse_routes(ld, s, vip);
}

/* Mode echo or discard: each key only mode http reads is an error. */
static void
vip_http_only(struct load *ld, const struct conf_sect *s)
{
	unsigned int i, j;
	uint16_t n;

	for (i = 0; i < s->n_keys; i++) {
		const struct conf_key *k = &s->keys[i];
		bool http = route_number(k->name, &n) == 0;

		for (j = 0; !http && vip_http_keys[j] != NULL; j++)
			http = strcmp(k->name, vip_http_keys[j]) == 0;
		if (http)
			conf_msg(ld->log, ld->ini.path, k->line, s->name, k->name,
				 "%s applies to mode http only", k->name);
	}
}

static void
vip_affinity_defaults(struct sl_conf_vip *vip)
{
	vip->affinity = SL_AFFINITY_NONE;
	vip->affinity_ttl_ms = 300000;
	vip->affinity_max = 65536;
	snprintf(vip->cookie_name, sizeof(vip->cookie_name), "SLUICE");
	vip->cookie_key_len = 0;
	memset(vip->cookie_key, 0, sizeof(vip->cookie_key));
	snprintf(vip->cookie_path, sizeof(vip->cookie_path), "/");
	vip->cookie_max_age = 0;
	vip->cookie_httponly = true;
	vip->cookie_secure = false;
	vip->cookie_samesite = SL_SAMESITE_LAX;
}

static void
parse_vip(struct load *ld, const struct conf_sect *s, struct sl_conf_vip *vip)
{
	const struct sl_config *conf = ld->conf;
	unsigned int line, pool_line, i;
	bool mode_ok = true;
	const char *v;
	int m;

	vip->mode = SL_VIP_HTTP;
	vip->pool = -1;
	vip->forwarded_for = true;
	vip->forwarded = false;
	vip->via[0] = '\0';
	vip->max_conns = 0;
	vip->n_limits = 0;
	vip->bandwidth_bps = 0;
	vip->max_conns_per_client = 0;
	vip->max_new_conns = (struct sl_conf_rate){ 0, 1 };
	vip_affinity_defaults(vip);
	v = get_required(ld, s, "listen", &line);
	if (v != NULL && get_endpoint(ld, s, "listen", v, line, &vip->addr, &vip->port) == 0) {
		for (i = 0; i < conf->n_vips; i++) {
			if (conf->vips[i].addr == vip->addr && conf->vips[i].port == vip->port) {
				char clip[CONF_CLIP_BUF];

				conf_msg(ld->log, ld->ini.path, line, s->name, "listen",
					 "'%s' is already the listen address of [vip.%s] "
					 "(line %d)",
					 conf_clip(v, clip, sizeof(clip)), conf->vips[i].name,
					 ld->vip_line[i]);
				break;
			}
		}
	}
	if (conf_get(&ld->ini, s, "mode", &line) != NULL) {
		m = get_enum(&ld->ini, ld->log, s, "mode", "a mode", vip_mode_names,
			     CONF_DIM(vip_mode_names));
		if (m >= 0)
			vip->mode = (enum sl_vip_mode)m;
		else
			mode_ok = false;
	}
	v = conf_get(&ld->ini, s, "pool", &pool_line);
	if (!mode_ok) {
		/* Whatever mode was meant, the values can be checked. */
		if (v != NULL)
			resolve_pool(ld, s, "pool", "", v, pool_line);
		parse_vip_http(ld, s, vip);
		return;
	}
	if (vip->mode != SL_VIP_HTTP) {
		if (v != NULL)
			conf_msg(ld->log, ld->ini.path, pool_line, s->name, "pool",
				 "pool applies to mode http only");
		vip_http_only(ld, s);
		return;
	}
	if (v == NULL)
		conf_msg(ld->log, ld->ini.path, pool_line, s->name, "pool",
			 "required key missing (mode http relays to a pool)");
	else
		vip->pool = resolve_pool(ld, s, "pool", "", v, pool_line);
	parse_vip_http(ld, s, vip);
}

static void
parse_backend(struct load *ld, const struct conf_sect *s, struct sl_conf_backend *b)
{
	unsigned int line;
	const char *v;

	b->pool = -1;
	b->weight = 1;
	b->backup = false;
	b->max_conns = 0;
	v = get_required(ld, s, "pool", &line);
	if (v != NULL)
		b->pool = resolve_pool(ld, s, "pool", "", v, line);
	v = get_required(ld, s, "address", &line);
	if (v != NULL)
		get_endpoint(ld, s, "address", v, line, &b->addr, &b->port);
	conf_get_uint(&ld->ini, ld->log, s, "weight", 0, 1000, &b->weight);
	conf_get_bool(&ld->ini, ld->log, s, "backup", &b->backup);
	conf_get_uint(&ld->ini, ld->log, s, "max_conns", 0, 1000000, &b->max_conns);
}

static void
copy_name(char *dst, const char *name)
{
	/* Names are checked to fit; scratch entries may hold anything. */
	snprintf(dst, SL_NAME_MAX, "%s", name != NULL ? name : "");
}

/*
 * Values and references. Sections that got no slot (bad name, over the limit)
 * are parsed into a scratch entry all the same, so their values are checked.
 */
static int
pass_values(struct load *ld)
{
	struct sl_config *conf = ld->conf;
	unsigned int i;
	union {
		struct sl_conf_port port;
		struct sl_conf_vip vip;
		struct sl_conf_pool pool;
		struct sl_conf_backend backend;
		struct sl_conf_limit limit;
	} *scratch = calloc(1, sizeof(*scratch));

	if (scratch == NULL)
		return -ENOMEM;
	/* Pools and limits first: VIPs, routes and backends name them by their index. */
	for (i = 0; i < ld->n_refs; i++) {
		const struct sect_ref *r = &ld->refs[i];
		struct sl_conf_pool *p = &scratch->pool;
		struct sl_conf_limit *lm = &scratch->limit;

		if (r->kind == KIND_POOL) {
			if (r->stored)
				p = &conf->pools[conf->n_pools++];
			copy_name(p->name, r->name);
			parse_pool(ld, r->s, p);
		} else if (r->kind == KIND_LIMIT) {
			if (r->stored)
				lm = &conf->limits[conf->n_limits++];
			memset(lm, 0, sizeof(*lm));
			copy_name(lm->name, r->name);
			limit_defaults(lm);
			parse_limit(ld, r->s, lm);
		}
	}
	for (i = 0; i < ld->n_refs; i++) {
		const struct sect_ref *r = &ld->refs[i];

		memset(scratch, 0, sizeof(*scratch));
		switch (r->kind) {
		case KIND_GLOBAL:
			parse_global(ld, r->s);
			break;
		case KIND_TCP:
			parse_tcp(ld, r->s);
			break;
		case KIND_HTTP:
			parse_http(ld, r->s);
			break;
		case KIND_SHED:
			parse_shed(ld, r->s);
			break;
		case KIND_PORT: {
			struct sl_conf_port *p =
				r->stored ? &conf->ports[conf->n_ports] : &scratch->port;

			copy_name(p->name, r->name);
			parse_port(ld, r->s, p);
			if (r->stored)
				conf->n_ports++;
			break;
		}
		case KIND_VIP: {
			struct sl_conf_vip *v =
				r->stored ? &conf->vips[conf->n_vips] : &scratch->vip;

			copy_name(v->name, r->name);
			parse_vip(ld, r->s, v);
			if (r->stored)
				ld->vip_line[conf->n_vips++] = (int)r->s->line;
			else
				free(v->routes); /* a stored VIP's are the snapshot's */
			break;
		}
		case KIND_BACKEND: {
			struct sl_conf_backend *b =
				r->stored ? &conf->backends[conf->n_backends] : &scratch->backend;

			copy_name(b->name, r->name);
			parse_backend(ld, r->s, b);
			if (r->stored)
				conf->n_backends++;
			break;
		}
		case KIND_POOL:
		case KIND_LIMIT:
		case KIND_UNKNOWN:
			break;
		}
	}
	free(scratch);
	check_pool_sizes(ld);
	return 0;
}

static void
global_defaults(struct sl_conf_global *g)
{
	g->mbufs = 16383;
	g->mbuf_cache = 256;
	g->idle = SL_IDLE_AUTO;
	g->idle_polls = 256;
	g->idle_sleep_us = 200;
	g->neigh_size = 1024;
	g->neigh_reachable_ms = 30000;
	g->neigh_retry_ms = 1000;
	g->neigh_retries = 3;
	g->neigh_hold = 256;
}

static void
tcp_defaults(struct sl_conf_tcp *t)
{
	t->max_conns = 16384;
	t->syn_backlog = 1024;
	t->snd_buf = 262144;
	t->rcv_buf = 262144;
	t->rto_min_ms = 200;
	t->rto_max_ms = 120000;
	t->rto_init_ms = 1000;
	t->delack_ms = 40;
	t->max_retries = 15;
	t->syn_retries = 6;
	t->time_wait_max = t->max_conns / 2; /* what time_wait_max = 0 stands for */
	t->time_wait_ms = 60000;
	t->fin_wait2_ms = 60000;
	t->challenge_ack_limit = 1000;
	t->sack = true;
	t->timestamps = true;
	t->wscale = true;
	t->syncookies = true;
	t->has_secret = false;
	memset(t->secret, 0, sizeof(t->secret));
}

static void
http_defaults(struct sl_conf_http *h)
{
	h->client_header_timeout_ms = 10000;
	h->client_idle_timeout_ms = 60000;
	h->client_body_timeout_ms = 60000;
	h->backend_connect_timeout_ms = 3000;
	h->backend_response_timeout_ms = 30000;
	h->backend_idle_timeout_ms = 15000;
	h->max_request_line = 8192;
	h->max_header_bytes = 32768;
	h->max_headers = 100;
	h->max_idle_per_backend = 64;
	h->retries = 1;
	h->max_body = 0;
}

static void
shed_defaults(struct sl_conf_shed *sh)
{
	sh->max_inflight = 0;
	sh->max_queue = 0;
	sh->max_queue_ms = 0;
	sh->retry_after = 1;
}

struct sl_config *
sl_conf_load(const char *path, const char *profile_dir, FILE *errf)
{
	struct conf_log log = { 0 };
	struct load ld = { .log = &log };
	int rc;

	if (errf == NULL)
		errf = stderr;
#ifdef SL_PROFILE_DIR
	if (profile_dir == NULL)
		profile_dir = SL_PROFILE_DIR;
#endif
	if (path == NULL || profile_dir == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ld.profiles.dir = profile_dir;
	ld.conf = calloc(1, sizeof(*ld.conf));
	if (ld.conf == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (strlen(path) >= sizeof(ld.conf->path)) {
		conf_msg(&log, path, 0, NULL, NULL, "path longer than %zu characters",
			 sizeof(ld.conf->path) - 1);
		rc = -ENAMETOOLONG;
		goto out;
	}
	memcpy(ld.conf->path, path, strlen(path) + 1);
	global_defaults(&ld.conf->global);
	tcp_defaults(&ld.conf->tcp);
	http_defaults(&ld.conf->http);
	shed_defaults(&ld.conf->shed);
	/* The file's own messages come first, then those of each profile. */
	log_rank(&log, path);

	rc = conf_ini_load(&ld.ini, path, &log);
	if (rc != 0)
		goto out;
	rc = pass_structure(&ld);
	if (rc == 0 && ld.ini.dict != NULL)
		rc = pass_values(&ld);
	if (rc == 0 && log.nomem)
		rc = -ENOMEM;
	if (rc == 0 && conf_log_errors(&log) != 0)
		rc = -EINVAL;
out:
	if (rc == -ENOMEM)
		log.nomem = true;
	log_flush(&log, path, errf);
	conf_profiles_free(&ld.profiles);
	conf_ini_free(&ld.ini);
	free(ld.refs);
	if (rc != 0) {
		sl_conf_free(ld.conf);
		errno = -rc;
		return NULL;
	}
	return ld.conf;
}

void
sl_conf_free(struct sl_config *conf)
{
	unsigned int i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->n_vips; i++)
		free(conf->vips[i].routes);
	free(conf);
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void
dump_tcp(const struct sl_conf_tcp *t, FILE *f)
{
	unsigned int i;

	fprintf(f, "\n[tcp]\n");
	fprintf(f, "max_conns = %u\n", t->max_conns);
	fprintf(f, "syn_backlog = %u\n", t->syn_backlog);
	fprintf(f, "snd_buf = %u\n", t->snd_buf);
	fprintf(f, "rcv_buf = %u\n", t->rcv_buf);
	fprintf(f, "rto_min_ms = %u\n", t->rto_min_ms);
	fprintf(f, "rto_max_ms = %u\n", t->rto_max_ms);
	fprintf(f, "rto_init_ms = %u\n", t->rto_init_ms);
	fprintf(f, "delack_ms = %u\n", t->delack_ms);
	fprintf(f, "max_retries = %u\n", t->max_retries);
	fprintf(f, "syn_retries = %u\n", t->syn_retries);
	fprintf(f, "time_wait_max = %u\n", t->time_wait_max);
	fprintf(f, "time_wait_ms = %u\n", t->time_wait_ms);
	fprintf(f, "fin_wait2_ms = %u\n", t->fin_wait2_ms);
	fprintf(f, "challenge_ack_limit = %u\n", t->challenge_ack_limit);
	fprintf(f, "sack = %s\n", yes_no(t->sack));
	fprintf(f, "timestamps = %s\n", yes_no(t->timestamps));
	fprintf(f, "wscale = %s\n", yes_no(t->wscale));
	fprintf(f, "syncookies = %s\n", yes_no(t->syncookies));
	if (!t->has_secret) {
		fprintf(f, "; secret: none (random at each start)\n");
		return;
	}
	fputs("secret = ", f);
	for (i = 0; i < SL_TCP_SECRET_LEN; i++)
		fprintf(f, "%02x", t->secret[i]);
	fputs("\n", f);
}

static void
dump_size(FILE *f, const char *key, uint64_t v)
{
	static const struct {
		char suffix;
		unsigned int shift;
	} units[] = { { 'G', 30 }, { 'M', 20 }, { 'K', 10 } };
	unsigned int i;

	for (i = 0; v != 0 && i < CONF_DIM(units); i++) {
		if ((v & ((UINT64_C(1) << units[i].shift) - 1)) == 0) {
			fprintf(f, "%s = %" PRIu64 "%c\n", key, v >> units[i].shift,
				units[i].suffix);
			return;
		}
	}
	fprintf(f, "%s = %" PRIu64 "\n", key, v);
}

static void
dump_http(const struct sl_conf_http *h, FILE *f)
{
	fprintf(f, "\n[http]\n");
	fprintf(f, "client_header_timeout_ms = %u\n", h->client_header_timeout_ms);
	fprintf(f, "client_idle_timeout_ms = %u\n", h->client_idle_timeout_ms);
	fprintf(f, "client_body_timeout_ms = %u\n", h->client_body_timeout_ms);
	fprintf(f, "backend_connect_timeout_ms = %u\n", h->backend_connect_timeout_ms);
	fprintf(f, "backend_response_timeout_ms = %u\n", h->backend_response_timeout_ms);
	fprintf(f, "backend_idle_timeout_ms = %u\n", h->backend_idle_timeout_ms);
	fprintf(f, "max_request_line = %u\n", h->max_request_line);
	fprintf(f, "max_header_bytes = %u\n", h->max_header_bytes);
	fprintf(f, "max_headers = %u\n", h->max_headers);
	dump_size(f, "max_body", h->max_body);
	fprintf(f, "max_idle_per_backend = %u\n", h->max_idle_per_backend);
	fprintf(f, "retries = %u\n", h->retries);
}

static void
dump_shed(const struct sl_conf_shed *sh, FILE *f)
{
	fprintf(f, "\n[shed]\n");
	fprintf(f, "max_inflight = %u\n", sh->max_inflight);
	fprintf(f, "max_queue = %u\n", sh->max_queue);
	fprintf(f, "max_queue_ms = %u\n", sh->max_queue_ms);
	fprintf(f, "retry_after = %u\n", sh->retry_after);
}

/* A byte count with the largest unit that is exact (binary first), then @p per ("/s" or ""). */
static void
dump_bytes(FILE *f, const char *key, uint64_t v, const char *per)
{
	unsigned int i;

	for (i = 0; v != 0 && i < CONF_DIM(byte_units); i++) {
		/* kB is KB's other spelling: KB is written. */
		if (strcmp(byte_units[i].name, "kB") == 0 || v % byte_units[i].mult != 0)
			continue;
		fprintf(f, "%s = %" PRIu64 "%s%s\n", key, v / byte_units[i].mult,
			byte_units[i].name, per);
		return;
	}
	fprintf(f, "%s = 0\n", key);
}

static void
dump_rate(FILE *f, const char *key, const struct sl_conf_rate *r)
{
	if (r->count == 0)
		fprintf(f, "%s = 0\n", key);
	else
		fprintf(f, "%s = %" PRIu64 "/%c\n", key, r->count,
			r->period_s == 3600 ? 'h' :
			r->period_s == 60   ? 'm' :
					      's');
}

/*
 * A value iniparser reads back as written: quoted when it holds ; # or edge
 * spaces, or starts with a quote (iniparser would take 'x' for x).
 */
static void
dump_value(FILE *f, const char *key, const char *v)
{
	size_t len = strlen(v);

	if (strpbrk(v, ";#") != NULL || v[0] == '"' || v[0] == '\'' ||
	    (len != 0 && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1]))))
		fprintf(f, "%s = \"%s\"\n", key, v);
	else
		fprintf(f, "%s = %s\n", key, v);
}

/* Only the keys that apply: the others keep their defaults, which the load gives back. */
static void
dump_limit(const struct sl_conf_limit *lm, FILE *f)
{
	char key[8 + SL_HASH_NAME_MAX];

	fprintf(f, "\n[limit.%s]\n", lm->name);
	snprintf(key, sizeof(key), "%s%s%s", sl_conf_limit_key_name(lm->key),
		 lm->key_name[0] != '\0' ? ":" : "", lm->key_name);
	dump_value(f, "key", key);
	if (lm->kind == SL_LIMIT_BANDWIDTH) {
		dump_bytes(f, "bandwidth", lm->rate.count, "/s");
		dump_bytes(f, "burst", lm->burst, "");
	} else {
		dump_rate(f, "rate", &lm->rate);
		fprintf(f, "burst = %" PRIu64 "\n", lm->burst);
		fprintf(f, "action = %s\n", sl_conf_limit_action_name(lm->action));
		fprintf(f, "status = %u\n", lm->status);
	}
	if (lm->key == SL_LIMIT_KEY_CLIENT_IP || lm->key == SL_LIMIT_KEY_HEADER ||
	    lm->key == SL_LIMIT_KEY_COOKIE)
		fprintf(f, "max_keys = %u\n", lm->max_keys);
}

/*
 * The longest route.N line written: every field at its longest ("*" and a
 * 254-character ".DOMAIN"), quoted. It must stay a line iniparser reads.
 */
_Static_assert(sizeof("route.64 = \"host=* path= pool=\"") - 1 + (SL_ROUTE_HOST_MAX - 1) +
			       (SL_ROUTE_PATH_MAX - 1) + (SL_NAME_MAX - 1) <=
		       CONF_LINE_MAX,
	       "a dumped route.N fits a line");

/* The keys of a mode http VIP; echo and discard take none of them. */
static void
dump_vip_http(const struct sl_config *conf, const struct sl_conf_vip *v, FILE *f)
{
	char key[16], val[CONF_LINE_MAX + 1];
	unsigned int i;

	for (i = 0; i < v->n_routes; i++) {
		const struct sl_conf_route *r = &v->routes[i];

		/* At most a line: parse_route() checked it. */
		route_value(conf, r, val, sizeof(val));
		snprintf(key, sizeof(key), "route.%u", r->number);
		dump_value(f, key, val);
	}
	fprintf(f, "forwarded_for = %s\n", yes_no(v->forwarded_for));
	fprintf(f, "forwarded = %s\n", yes_no(v->forwarded));
	if (v->via[0] != '\0')
		dump_value(f, "via", v->via);
	else
		fprintf(f, "via = none\n");
	fprintf(f, "max_conns = %u\n", v->max_conns);
	if (v->n_limits == 0)
		fprintf(f, "; limit: none\n");
	for (i = 0; i < v->n_limits; i++)
		fprintf(f, "%s%s%s", i == 0 ? "limit = " : ", ",
			v->limits[i] < conf->n_limits ? conf->limits[v->limits[i]].name : "?",
			i + 1 == v->n_limits ? "\n" : "");
	dump_bytes(f, "bandwidth", v->bandwidth_bps, "/s");
	fprintf(f, "max_conns_per_client = %u\n", v->max_conns_per_client);
	dump_rate(f, "max_new_conns", &v->max_new_conns);
	fprintf(f, "affinity = %s\n", sl_conf_affinity_name(v->affinity));
	fprintf(f, "affinity_ttl_ms = %u\n", v->affinity_ttl_ms);
	fprintf(f, "affinity_max = %u\n", v->affinity_max);
	dump_value(f, "cookie_name", v->cookie_name);
	if (v->cookie_key_len != 0) {
		fputs("cookie_key = ", f);
		for (i = 0; i < v->cookie_key_len; i++)
			fprintf(f, "%02x", v->cookie_key[i]);
		fputs("\n", f);
	} else {
		fprintf(f, "; cookie_key: none\n");
	}
	dump_value(f, "cookie_path", v->cookie_path);
	fprintf(f, "cookie_max_age = %u\n", v->cookie_max_age);
	fprintf(f, "cookie_httponly = %s\n", yes_no(v->cookie_httponly));
	fprintf(f, "cookie_secure = %s\n", yes_no(v->cookie_secure));
	fprintf(f, "cookie_samesite = %s\n", sl_conf_samesite_name(v->cookie_samesite));
}

void
sl_conf_dump(const struct sl_config *conf, FILE *f)
{
	const struct sl_conf_global *g = &conf->global;
	char ip[16];
	unsigned int i;

	fprintf(f, "[global]\n");
	fprintf(f, "mbufs = %u\n", g->mbufs);
	fprintf(f, "mbuf_cache = %u\n", g->mbuf_cache);
	fprintf(f, "idle = %s\n",
		(unsigned int)g->idle < CONF_DIM(idle_names) ? idle_names[g->idle] : "?");
	fprintf(f, "idle_polls = %u\n", g->idle_polls);
	fprintf(f, "idle_sleep_us = %u\n", g->idle_sleep_us);
	fprintf(f, "neigh_size = %u\n", g->neigh_size);
	fprintf(f, "neigh_reachable_ms = %u\n", g->neigh_reachable_ms);
	fprintf(f, "neigh_retry_ms = %u\n", g->neigh_retry_ms);
	fprintf(f, "neigh_retries = %u\n", g->neigh_retries);
	fprintf(f, "neigh_hold = %u\n", g->neigh_hold);
	dump_tcp(&conf->tcp, f);
	dump_http(&conf->http, f);
	dump_shed(&conf->shed, f);

	for (i = 0; i < conf->n_ports; i++) {
		const struct sl_conf_port *p = &conf->ports[i];

		fprintf(f, "\n[port.%s]\n", p->name);
		dump_value(f, "device", p->device);
		fprintf(f, "profile = %s\n", p->profile.name);
		fprintf(f, "address = %s/%u\n", sl_conf_ip_str(p->addr, ip), p->prefix_len);
		if (p->gateway != 0)
			fprintf(f, "gateway = %s\n", sl_conf_ip_str(p->gateway, ip));
		else
			fprintf(f, "; gateway: none\n");
		conf_profile_dump(&p->profile, f);
	}
	for (i = 0; i < conf->n_limits; i++)
		dump_limit(&conf->limits[i], f);
	for (i = 0; i < conf->n_vips; i++) {
		const struct sl_conf_vip *v = &conf->vips[i];

		fprintf(f, "\n[vip.%s]\n", v->name);
		fprintf(f, "listen = %s:%u\n", sl_conf_ip_str(v->addr, ip), v->port);
		fprintf(f, "mode = %s\n", sl_conf_vip_mode_name(v->mode));
		if (v->pool >= 0 && v->pool < conf->n_pools)
			fprintf(f, "pool = %s\n", conf->pools[v->pool].name);
		if (v->mode == SL_VIP_HTTP)
			dump_vip_http(conf, v, f);
	}
	for (i = 0; i < conf->n_pools; i++) {
		const struct sl_conf_pool *p = &conf->pools[i];

		fprintf(f, "\n[pool.%s]\n", p->name);
		fprintf(f, "algorithm = %s\n", sl_conf_lb_algo_name(p->algorithm));
		if (p->algorithm == SL_LB_MAGLEV || p->algorithm == SL_LB_HASH)
			fprintf(f, "maglev_size = %u\n", p->maglev_size);
		if (p->algorithm == SL_LB_HASH) {
			static const char *const kn[] = {
				[SL_LB_HASH_SOURCE] = "source",
				[SL_LB_HASH_URI] = "uri",
				[SL_LB_HASH_HEADER] = "header:",
				[SL_LB_HASH_COOKIE] = "cookie:",
			};

			char hk[8 + SL_HASH_NAME_MAX];

			snprintf(hk, sizeof(hk), "%s%s",
				 (unsigned int)p->hash_key < CONF_DIM(kn) ? kn[p->hash_key] : "?",
				 p->hash_name);
			dump_value(f, "hash_key", hk);
		}
		fprintf(f, "slow_start_ms = %u\n", p->slow_start_ms);
	}
	for (i = 0; i < conf->n_backends; i++) {
		const struct sl_conf_backend *b = &conf->backends[i];

		fprintf(f, "\n[backend.%s]\n", b->name);
		if (b->pool >= 0 && b->pool < conf->n_pools)
			fprintf(f, "pool = %s\n", conf->pools[b->pool].name);
		fprintf(f, "address = %s:%u\n", sl_conf_ip_str(b->addr, ip), b->port);
		fprintf(f, "weight = %u\n", b->weight);
		fprintf(f, "backup = %s\n", yes_no(b->backup));
		fprintf(f, "max_conns = %u\n", b->max_conns);
	}
}
