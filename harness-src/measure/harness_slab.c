/* harness_slab.c - /proc/slabinfo per cache: a bounded line parser that
 * never reads past a line's end, the table that names each cache's
 * category and ends, and a least-squares slope per cache (see
 * harness_slab.h). */
#include "harness_slab.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_fit.h"
#include "mcs_proc.h"

/* What each known cache is. One row per cache the report names; the
 * kmalloc-* caches are matched by prefix instead, and anything else is
 * "other" and "mixed". */
static const struct cache_kind {
	const char *name;
	const char *category;
	const char *ends;
} cache_table[] = {
    /* struct tcp_sock: one per socket, the client's and the accepted. */
    {"TCP", "TCP", "both"},
    {"TCPv6", "TCP", "both"},
    /* The socket's inode, dentry and struct file: one each per socket. */
    {"sock_inode_cache", "sock_inode_cache", "both"},
    {"dentry", "dentry", "both"},
    {"filp", "filp", "both"},
    /* Security-module blobs of each socket's inode and file. */
    {"lsm_inode_cache", "other", "both"},
    {"lsm_file_cache", "other", "both"},
    /* The server's epoll item per connection (the client registers a
     * connection in its own epoll only once it carries a message). */
    {"eventpoll_epi", "eventpoll_epi", "server"},
    {"eventpoll_pwq", "other", "server"}, /* its wait-queue hook */
    /* io_uring requests: an armed multishot recv per connection. */
    {"io_kiocb", "io_kiocb", "server"},
    /* Half-open connections in the listener's queue (transient). */
    {"request_sock_TCP", "other", "server"},
    {"request_sock_TCPv6", "other", "server"},
    /* One per local port (and address) the client connects from. */
    {"tcp_bind_bucket", "other", "client"},
    {"tcp_bind2_bucket", "other", "client"},
};

const char *const harness_slab_category_names[HARNESS_SLAB_CATEGORIES] = {
    "TCP",	     "sock_inode_cache", "dentry",    "filp",
    "eventpoll_epi", "io_kiocb",	 "kmalloc-*", "other",
};

static const struct cache_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(cache_table) / sizeof(cache_table[0]);
	     i++)
		if (strcmp(cache_table[i].name, name) == 0)
			return &cache_table[i];
	return NULL;
}

static int is_kmalloc(const char *name)
{
	return strncmp(name, "kmalloc-", 8) == 0 ||
	       strncmp(name, "dma-kmalloc-", 12) == 0;
}

const char *harness_slab_category(const char *cache_name)
{
	const struct cache_kind *kind = find_kind(cache_name);
	if (kind)
		return kind->category;
	return is_kmalloc(cache_name) ? "kmalloc-*" : "other";
}

const char *harness_slab_ends(const char *cache_name)
{
	const struct cache_kind *kind = find_kind(cache_name);
	return kind ? kind->ends : "mixed";
}

static size_t category_index(const char *category)
{
	for (size_t i = 0; i < HARNESS_SLAB_CATEGORIES - 1; i++)
		if (strcmp(harness_slab_category_names[i], category) == 0)
			return i;
	return HARNESS_SLAB_CATEGORIES - 1;
}

/* ---- the fit ---- */

/* One cache line of one snapshot, sorted by name to group a cache's
 * lines across the sweep. */
struct cache_ref {
	const struct mcs_slab_cache *cache;
	size_t point;
};

static int compare_refs(const void *a, const void *b)
{
	const struct cache_ref *x = a, *y = b;
	int by_name = strcmp(x->cache->name, y->cache->name);
	if (by_name)
		return by_name;
	return (x->point > y->point) - (x->point < y->point);
}

static int compare_slopes(const void *a, const void *b)
{
	const struct harness_slab_slope *x = a, *y = b;
	/* A total order even for NaN (sorted last), as qsort requires. */
	int x_nan = isnan(x->slope_bytes), y_nan = isnan(y->slope_bytes);
	if (x_nan || y_nan)
		return x_nan - y_nan;
	if (x->slope_bytes != y->slope_bytes)
		return x->slope_bytes < y->slope_bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Every snapshot's caches as refs sorted by (name, point). */
static struct cache_ref *sorted_refs(const struct mcs_slab_snapshot *points,
				     size_t n, size_t *count)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += points[i].count < MCS_SLAB_MAX_CACHES
			     ? points[i].count
			     : MCS_SLAB_MAX_CACHES;
	struct cache_ref *refs = malloc((total ? total : 1) * sizeof(*refs));
	if (!refs)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0;
		     j < points[i].count && j < MCS_SLAB_MAX_CACHES; j++)
			refs[k++] = (struct cache_ref){&points[i].caches[j], i};
	qsort(refs, total, sizeof(*refs), compare_refs);
	*count = total;
	return refs;
}

/* Work space for fitting one cache: its three series over the points. */
struct series {
	double *slab, *active, *objects;
};

/* Fit the group refs[0..len) (one name). Returns 0 or -EINVAL. */
static int fit_one(const struct cache_ref *refs, size_t len, const double *x,
		   size_t n, struct series *s, struct harness_slab_slope *out)
{
	memset(s->slab, 0, n * sizeof(double));
	memset(s->active, 0, n * sizeof(double));
	memset(s->objects, 0, n * sizeof(double));
	for (size_t i = 0; i < len; i++) {
		const struct mcs_slab_cache *c = refs[i].cache;
		s->slab[refs[i].point] += (double)c->slab_bytes;
		s->active[refs[i].point] += (double)c->active_bytes;
		s->objects[refs[i].point] += (double)c->active_objs;
	}
	struct harness_fit slab, active, objects;
	if (harness_fit_linear(x, s->slab, n, &slab) ||
	    harness_fit_linear(x, s->active, n, &active) ||
	    harness_fit_linear(x, s->objects, n, &objects))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->name, refs[0].cache->name, sizeof(out->name));
	out->category = harness_slab_category(out->name);
	out->ends = harness_slab_ends(out->name);
	out->slope_bytes = slab.slope;
	out->active_slope_bytes = active.slope;
	out->objects_per_conn = objects.slope;
	out->objsize = refs[len - 1].cache->objsize; /* the latest point's */
	return 0;
}

/* A slope for every distinct name in refs. Returns how many, or -errno. */
static long fit_every_cache(const struct cache_ref *refs, size_t count,
			    const double *x, size_t n,
			    struct harness_slab_slope *slopes)
{
	double *space = malloc(3 * n * sizeof(double));
	if (!space)
		return -ENOMEM;
	struct series s = {space, space + n, space + 2 * n};
	long found = 0;
	for (size_t start = 0, end; start < count; start = end) {
		end = start + 1;
		while (end < count && strcmp(refs[end].cache->name,
					     refs[start].cache->name) == 0)
			end++;
		if (fit_one(refs + start, end - start, x, n, &s,
			    &slopes[found++])) {
			free(space);
			return -EINVAL;
		}
	}
	free(space);
	return found;
}

/* Keep the largest slopes at or above the threshold; sum the rest. */
static void choose_caches(struct harness_slab_slope *slopes, size_t count,
			  struct harness_slab_fit *fit)
{
	qsort(slopes, count, sizeof(*slopes), compare_slopes);
	for (size_t i = 0; i < count; i++) {
		const struct harness_slab_slope *s = &slopes[i];
		fit->category_slope_bytes[category_index(s->category)] +=
		    s->slope_bytes;
		if (!(s->slope_bytes >= fit->min_slope_bytes)) {
			fit->rest_slope_bytes += s->slope_bytes;
		} else if (fit->count < HARNESS_SLAB_FIT_CACHES) {
			fit->caches[fit->count++] = *s;
			fit->sum_slope_bytes += s->slope_bytes;
		} else {
			fit->left_off++;
			fit->rest_slope_bytes += s->slope_bytes;
		}
	}
}

int harness_slab_fit(const struct mcs_slab_snapshot *points, const double *x,
		     size_t n, double min_slope_bytes,
		     struct harness_slab_fit *fit)
{
	memset(fit, 0, sizeof(*fit));
	fit->min_slope_bytes = min_slope_bytes;
	fit->points = n;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	struct harness_fit probe; /* the x alone decide if a line exists */
	if (n < 2 || harness_fit_linear(x, x, n, &probe) != 0)
		return -EINVAL;
	size_t count = 0;
	struct cache_ref *refs = sorted_refs(points, n, &count);
	struct harness_slab_slope *slopes =
	    malloc((count ? count : 1) * sizeof(*slopes));
	if (!refs || !slopes) {
		free(refs);
		free(slopes);
		return -ENOMEM;
	}
	long found = fit_every_cache(refs, count, x, n, slopes);
	if (found >= 0)
		choose_caches(slopes, (size_t)found, fit);
	free(refs);
	free(slopes);
	return found < 0 ? (int)found : 0;
}

/* ---- merged caches (/sys/kernel/slab) ---- */

/* The symlinks of slab_dir: a merged cache's name and the directory it
 * shares with the others merged into the same slabs. */
struct slab_link {
	char name[MCS_SLAB_NAME_SIZE];
	char target[64];
};

static int read_links(const char *slab_dir, struct slab_link **links,
		      size_t *count)
{
	DIR *dir = opendir(slab_dir);
	if (!dir)
		return -errno;
	size_t used = 0, room = 0;
	struct slab_link *list = NULL;
	struct dirent *entry;
	int err = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.' ||
		    strlen(entry->d_name) >= MCS_SLAB_NAME_SIZE)
			continue;
		char target[64];
		ssize_t len = readlinkat(dirfd(dir), entry->d_name, target,
					 sizeof(target) - 1);
		if (len <= 0)
			continue; /* a directory: a cache merged with none */
		if (used == room) {
			room = room ? 2 * room : 256;
			struct slab_link *more =
			    realloc(list, room * sizeof(*list));
			if (!more) {
				err = -ENOMEM;
				break;
			}
			list = more;
		}
		target[len] = '\0';
		mcs_slab_copy_name(list[used].name, entry->d_name,
				   strlen(entry->d_name));
		memcpy(list[used].target, target, (size_t)len + 1);
		used++;
	}
	closedir(dir);
	if (err) {
		free(list);
		return err;
	}
	*links = list;
	*count = used;
	return 0;
}

/* Append name to s->merged_with (space separated, "..." when full), and
 * make ends "mixed" if name serves another end. */
static void add_merged(struct harness_slab_slope *s, const char *name)
{
	size_t used = strlen(s->merged_with);
	size_t need = strlen(name) + (used ? 1 : 0);
	if (used + need + 4 >= sizeof(s->merged_with)) {
		if (!strstr(s->merged_with, "..."))
			strcat(s->merged_with, used ? " ..." : "...");
	} else {
		if (used)
			strcat(s->merged_with, " ");
		strcat(s->merged_with, name);
	}
	if (strcmp(harness_slab_ends(name), s->ends) != 0)
		s->ends = "mixed";
}

static void note_one(struct harness_slab_slope *s,
		     const struct slab_link *links, size_t count)
{
	const char *target = NULL;
	for (size_t i = 0; i < count && !target; i++)
		if (strcmp(links[i].name, s->name) == 0)
			target = links[i].target;
	s->merged_with[0] = '\0';
	s->ends = harness_slab_ends(s->name);
	for (size_t i = 0; target && i < count; i++)
		if (strcmp(links[i].target, target) == 0 &&
		    strcmp(links[i].name, s->name) != 0)
			add_merged(s, links[i].name);
}

int harness_slab_note_merges(struct harness_slab_fit *fit, const char *slab_dir)
{
	struct slab_link *links = NULL;
	size_t count = 0;
	int err = read_links(slab_dir ? slab_dir : "/sys/kernel/slab", &links,
			     &count);
	if (err)
		return err;
	for (size_t i = 0; i < fit->count; i++)
		note_one(&fit->caches[i], links, count);
	free(links);
	return 0;
}

/* ---- JSON ---- */

static json_t *number(double value)
{
	return isfinite(value) ? json_real(value) : json_null();
}

/* "a b c" as ["a","b","c"]. */
static json_t *names_json(const char *names)
{
	json_t *list = json_array();
	const char *p = names, *end = names + strlen(names), *token;
	size_t len;
	while (list && (len = mcs_slab_next_token(&p, end, &token)) != 0)
		json_array_append_new(list, json_stringn(token, len));
	return list;
}

static json_t *slope_json(const struct harness_slab_slope *s)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	json_object_set_new(j, "cache", json_string(s->name));
	json_object_set_new(j, "category", json_string(s->category));
	json_object_set_new(j, "ends", json_string(s->ends));
	json_object_set_new(j, "slope_bytes", number(s->slope_bytes));
	json_object_set_new(j, "active_slope_bytes",
			    number(s->active_slope_bytes));
	json_object_set_new(j, "objects_per_conn", number(s->objects_per_conn));
	json_object_set_new(j, "objsize", json_integer(s->objsize));
	if (s->merged_with[0])
		json_object_set_new(j, "merged_with",
				    names_json(s->merged_with));
	return j;
}

static json_t *categories_json(const struct harness_slab_fit *fit)
{
	json_t *j = json_object();
	for (size_t i = 0; j && i < HARNESS_SLAB_CATEGORIES; i++)
		json_object_set_new(j, harness_slab_category_names[i],
				    number(fit->category_slope_bytes[i]));
	return j;
}

json_t *harness_slab_fit_json(const struct harness_slab_fit *fit)
{
	json_t *caches = json_array();
	for (size_t i = 0; caches && i < fit->count; i++) {
		if (json_array_append_new(caches,
					  slope_json(&fit->caches[i]))) {
			json_decref(caches);
			caches = NULL;
		}
	}
	json_t *by_category = categories_json(fit);
	json_t *j = json_object();
	if (!j || !caches || !by_category) {
		json_decref(j);
		json_decref(caches);
		json_decref(by_category);
		return NULL;
	}
	json_object_set_new(j, "caches", caches);
	json_object_set_new(j, "sum_slope_bytes", number(fit->sum_slope_bytes));
	json_object_set_new(j, "rest_slope_bytes",
			    number(fit->rest_slope_bytes));
	json_object_set_new(j, "min_slope_bytes", number(fit->min_slope_bytes));
	json_object_set_new(j, "left_off",
			    json_integer((json_int_t)fit->left_off));
	json_object_set_new(j, "by_category", by_category);
	return j;
}
