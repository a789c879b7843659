/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by conf.c (the INI pre-scanner, messages, value parsers,
 * the gateway sections) and conf_profile.c (device profiles).
 *
 * iniparser 4.1 gives values but no line numbers, merges a section given twice,
 * keeps the last of a duplicate key and fails the whole file on the first
 * syntax error. So every file is read twice: once by our own pre-scan, which
 * records each section header and key line and reports syntax errors and
 * duplicates with their line, then by iniparser_load() for the values. The
 * pre-scan rejects everything iniparser would reject (and a little more), so
 * when it finds no syntax error iniparser reads the same sections and keys.
 */
#ifndef CONF_PRIV_H
#define CONF_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <iniparser.h>

#include "sl_conf.h"

/*
 * iniparser 4.1 reads a line with fgets() into 1024 bytes: a longer line
 * (its newline included) makes iniparser_load() fail the whole file.
 */
#define CONF_LINE_MAX 1022

#define CONF_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** A key line as the pre-scan saw it. */
struct conf_key {
	char *name;	    /* lower case, as iniparser stores it */
	unsigned int line;  /* last occurrence: iniparser keeps that value */
	unsigned int first; /* first occurrence, for "given twice" */
};

/** A section as the pre-scan saw it; a section given twice is merged, as iniparser does. */
struct conf_sect {
	char *name;	   /* lower case, without the brackets */
	unsigned int line; /* first header line */
	struct conf_key *keys;
	unsigned int n_keys;
	unsigned int cap_keys;
};

/** One INI file: the pre-scan's sections and keys, and iniparser's values. */
struct conf_ini {
	const char *path; /* as given, used in messages */
	dictionary *dict; /* NULL when the pre-scan found a syntax error */
	struct conf_sect *sects;
	unsigned int n_sects;
	unsigned int cap_sects;
};

struct conf_msg {
	unsigned int rank; /* which file: the order files were first named in */
	unsigned int line; /* 0: about the file as a whole */
	unsigned int seq;  /* order of discovery, to keep the sort stable */
	char *text;
};

/*
 * Messages of one sl_conf_load(). They are collected and printed at the end,
 * sorted by file and line, so that the reader sees them in file order however
 * the checks happened to run.
 */
struct conf_log {
	struct conf_msg *msgs;
	unsigned int n_msgs;
	unsigned int cap_msgs;
	char **files; /* rank -> path */
	unsigned int n_files;
	bool nomem; /* an allocation failed: the result is ENOMEM */
};

/** Report one problem: FILE[:LINE]: [SECT] KEY: REASON. @p sect and @p key may be NULL. */
void conf_msg(struct conf_log *log, const char *file, unsigned int line, const char *sect,
	      const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/** Number of problems reported so far (allocation failures included). */
unsigned int conf_log_errors(const struct conf_log *log);

/**
 * Pre-scan @p path, then (when it has no syntax error) load it with iniparser.
 * Syntax errors, duplicate sections and keys, and keys before any section are
 * reported to @p log.
 * @return 0 (look at ini->dict: NULL when values cannot be read), or -errno
 *         when the file cannot be opened or read (reported as FILE: cannot ...).
 */
int conf_ini_load(struct conf_ini *ini, const char *path, struct conf_log *log);
void conf_ini_free(struct conf_ini *ini);

const struct conf_sect *conf_ini_sect(const struct conf_ini *ini, const char *name);
const struct conf_key *conf_ini_key(const struct conf_sect *s, const char *name);

/**
 * Report every key of @p s not in the NULL-terminated @p accepted, listing those.
 * @return the number of unknown keys.
 */
unsigned int conf_check_keys(const struct conf_ini *ini, struct conf_log *log,
			     const struct conf_sect *s, const char *const *accepted);

/**
 * The value of key @p key of section @p s, as iniparser read it, or NULL when
 * the key is not given (or the file could not be parsed). @p line gets the
 * key's line, or the section's when the key is absent.
 */
const char *conf_get(const struct conf_ini *ini, const struct conf_sect *s, const char *key,
		     unsigned int *line);

/*
 * Typed getters: leave *out alone and return 1 when the key is absent, set it
 * and return 0 when the value is good, report it and return -EINVAL when not.
 */
int conf_get_uint(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
		  const char *key, uint32_t min, uint32_t max, uint32_t *out);
int conf_get_bool(const struct conf_ini *ini, struct conf_log *log, const struct conf_sect *s,
		  const char *key, bool *out);

/** true when @p name is 1..SL_NAME_MAX-1 of [a-z0-9_-]. */
bool conf_name_valid(const char *name);

/** Copy @p s quoted for a message: clipped to a readable length. */
const char *conf_clip(const char *s, char *buf, size_t size);
#define CONF_CLIP_BUF 80

/* conf_profile.c */

struct conf_profile_entry;

/** Profiles read during one sl_conf_load(): each file is read (and reported) once. */
struct conf_profiles {
	const char *dir;
	struct conf_profile_entry *entries;
	unsigned int n;
	unsigned int cap;
};

/** true when @p dir holds @p name.ini. */
bool conf_profile_exists(const char *dir, const char *name);

/**
 * The profile a device gets when its port names none: the longest prefix of
 * @p device that names a profile file in @p dir, else "default".
 */
void conf_profile_derive(const char *dir, const char *device, char name[SL_NAME_MAX]);

/**
 * Resolve profile @p name: default.ini overlaid with <name>.ini.
 * @return 0 and *out filled; -ENOENT when <name>.ini does not exist (not
 *         reported: the caller knows which line named it); -EINVAL when a file
 *         had problems (reported, in that file).
 */
int conf_profile_get(struct conf_profiles *cache, struct conf_log *log, const char *name,
		     struct sl_profile *out);
void conf_profiles_free(struct conf_profiles *cache);

/** Write the profile's values as INI comment lines (for sl_conf_dump). */
void conf_profile_dump(const struct sl_profile *p, FILE *f);

/* The value of hex digit c, or -1. */
static inline int
conf_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* CONF_PRIV_H */
