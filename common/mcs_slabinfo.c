/* mcs_slabinfo.c - /proc/slabinfo into flat snapshots (mcs_slabinfo.h). */
#include "mcs_slabinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcs_proc.h"

/* A token in [*p, end): skips blanks, returns its length (0 at the end of
 * the line) and leaves *p after it. */
size_t mcs_slab_next_token(const char **p, const char *end, const char **token)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	*token = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*p = s;
	return (size_t)(s - *token);
}

/* A decimal token that fits in 64 bits; returns 1 if it is one. */
static int token_u64(const char *token, size_t len, uint64_t *value)
{
	uint64_t v = 0;
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned char)token[i] - '0';
		if (digit > 9 || v > (UINT64_MAX - digit) / 10)
			return 0;
		v = v * 10 + digit;
	}
	*value = v;
	return 1;
}

static int next_u64(const char **p, const char *end, uint64_t *value)
{
	const char *token;
	size_t len = mcs_slab_next_token(p, end, &token);
	return token_u64(token, len, value);
}

static int next_u32(const char **p, const char *end, uint32_t *value)
{
	uint64_t v;
	if (!next_u64(p, end, &v) || v > UINT32_MAX)
		return 0;
	*value = (uint32_t)v;
	return 1;
}

void mcs_slab_copy_name(char *dst, const char *token, size_t len)
{
	if (len > MCS_SLAB_NAME_SIZE - 1)
		len = MCS_SLAB_NAME_SIZE - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)token[i];
		dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[len] = '\0';
}

/* After the five numbers: skip to "slabdata" and read its first two
 * numbers (active_slabs, num_slabs). Returns 1 if both were there. */
static int parse_slabdata(const char *p, const char *end, uint64_t *num_slabs)
{
	const char *token;
	size_t len;
	while ((len = mcs_slab_next_token(&p, end, &token)) != 0) {
		if (len == 8 && memcmp(token, "slabdata", 8) == 0) {
			uint64_t active_slabs;
			return next_u64(&p, end, &active_slabs) &&
			       next_u64(&p, end, num_slabs);
		}
	}
	return 0;
}

/* One cache line in [line, end). Returns 1 if it is well formed. */
static int parse_cache_line(const char *line, const char *end,
			    uint64_t page_size, struct mcs_slab_cache *c)
{
	const char *p = line, *name;
	size_t name_len = mcs_slab_next_token(&p, end, &name);
	if (name_len == 0 || !next_u64(&p, end, &c->active_objs) ||
	    !next_u64(&p, end, &c->num_objs) ||
	    !next_u32(&p, end, &c->objsize) ||
	    !next_u32(&p, end, &c->objperslab) ||
	    !next_u32(&p, end, &c->pagesperslab) ||
	    !parse_slabdata(p, end, &c->num_slabs))
		return 0;
	uint64_t pages;
	if (__builtin_mul_overflow(c->num_slabs, c->pagesperslab, &pages) ||
	    __builtin_mul_overflow(pages, page_size, &c->slab_bytes) ||
	    __builtin_mul_overflow(c->active_objs, c->objsize,
				   &c->active_bytes))
		return 0;
	mcs_slab_copy_name(c->name, name, name_len);
	return 1;
}

static int is_blank_or_comment(const char *line, const char *end)
{
	const char *token;
	size_t len = mcs_slab_next_token(&line, end, &token);
	return len == 0 || token[0] == '#';
}

int mcs_slab_parse(const char *text, long page_size,
		   struct mcs_slab_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	if (!text || page_size <= 0)
		return -EINVAL;
	if (strncmp(text, "slabinfo - version: 2.", 22) != 0)
		return -EPROTO;
	const char *line = strchr(text, '\n');
	while (line && *++line) {
		const char *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		struct mcs_slab_cache cache = {0};
		if (is_blank_or_comment(line, end)) {
			/* nothing to keep */
		} else if (!parse_cache_line(line, end, (uint64_t)page_size,
					     &cache)) {
			snap->malformed++;
		} else {
			if (snap->count < MCS_SLAB_MAX_CACHES)
				snap->caches[snap->count++] = cache;
			snap->seen++;
		}
		line = *end ? end : NULL;
	}
	return 0;
}

int mcs_slab_read(struct mcs_slab_snapshot *snap)
{
	long page_size = sysconf(_SC_PAGESIZE);
	size_t size = 256 * 1024;
	for (;;) {
		char *text = malloc(size);
		if (!text) {
			memset(snap, 0, sizeof(*snap));
			return -ENOMEM;
		}
		ssize_t n = mcs_read_small_file("/proc/slabinfo", text, size);
		int err =
		    n < 0 ? (int)n : mcs_slab_parse(text, page_size, snap);
		free(text);
		/* Thousands of caches (memory cgroups) need a larger buffer. */
		if (err == -EFBIG && size < 64 * 1024 * 1024) {
			size *= 4;
			continue;
		}
		if (err)
			memset(snap, 0, sizeof(*snap));
		return err;
	}
}
