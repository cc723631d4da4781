/* harness_kernel_estimate.c - kernel bytes per loopback connection from
 * this kernel's slab object sizes: the table of caches one connection
 * uses, each backend's extra caches, and the text saying how the figure
 * was made (see harness_kernel_estimate.h). */
#include "harness_kernel_estimate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_format.h"

/* One cache a connection uses: how many of its objects one connection
 * holds (both ends together; one end holds half), and what one object cost on
 * kernel 6.18.44 (its slab's pages over objperslab), used when this kernel's
 * slabinfo has no line of that name: the kernel merged the cache into another
 * one of the same size and flags (slabinfo lists only the cache the others were
 * merged into), or the cache does not exist on this kernel. */
struct cache_use {
	const char *cache;
	unsigned objects;
	uint32_t default_cost;
};

/* Every backend. The counts are the per-cache slopes fitted over 1M-
 * connection sweeps on kernel 6.18.44 (sweep.json fit.kernel_by_cache,
 * objects_per_conn, 2026-12-01): 2.000 objects per connection for each. */
static const struct cache_use every_connection[] = {
    {"TCP", 2, 2521},		  /* struct tcp_sock, client's and accepted */
    {"sock_inode_cache", 2, 863}, /* each socket's inode */
    /* Each socket file's dentry: 2.0 per connection while nothing lists
     * /proc/PID/fd of the benchmark (3.9 when something does; that adds
     * proc_inode_cache too, and is not the connection's cost). */
    {"dentry", 2, 196},
    {"filp", 2, 196},		/* each socket's struct file */
    {"lsm_inode_cache", 2, 32}, /* security blobs of the inode ... */
    {"lsm_file_cache", 2, 25},	/* ... and of the file */
};

/* Backends that keep each accepted connection in an epoll set: the
 * server's epoll item, its wait-queue hook and the file's list head, one
 * each per connection (measured 1.227 of ep_head and of eventpoll_pwq's
 * slabs over a sweep whose echo rounds put a share of the client's
 * connections in its own epoll too). eventpoll_pwq is merged into
 * anon_vma_chain on 6.18.44, so its default is what is used there. */
static const struct cache_use epoll_items[] = {
    {"eventpoll_epi", 1, 128},
    {"eventpoll_pwq", 1, 64},
    {"ep_head", 1, 16},
};

/* io_uring: the armed multishot recv of each connection, a request and
 * its allocations (measured 1.000-1.004 objects per connection each). */
static const struct cache_use io_uring_requests[] = {
    {"io_kiocb", 1, 256},
    {"kmalloc-512", 1, 512},
    {"kmalloc-96", 1, 98},
    {"kmalloc-32", 1, 32},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct backend_extra {
	const char *backend;
	const struct cache_use *caches;
	size_t count;
};

/* select and poll keep nothing in the kernel per connection between
 * calls (poll's wait entries live only during the syscall). */
static const struct backend_extra backend_extras[] = {
    {"epoll", epoll_items, COUNT(epoll_items)},
    {"libuv", epoll_items, COUNT(epoll_items)},
    {"thread-per-core", epoll_items, COUNT(epoll_items)},
    {"io_uring", io_uring_requests, COUNT(io_uring_requests)},
    {"select", NULL, 0},
    {"poll", NULL, 0},
};

uint64_t harness_slab_object_cost(const struct mcs_slab_cache *c,
				  long page_size)
{
	if (c->objperslab == 0 || c->pagesperslab == 0 || page_size <= 0)
		return 0;
	uint64_t slab = (uint64_t)c->pagesperslab * (uint64_t)page_size;
	uint64_t cost = (slab + c->objperslab - 1) / c->objperslab;
	return cost > c->objsize ? cost : c->objsize;
}

static const struct mcs_slab_cache *
find_cache(const struct mcs_slab_snapshot *snap, const char *name)
{
	for (size_t i = 0; i < snap->count; i++)
		if (strcmp(snap->caches[i].name, name) == 0)
			return &snap->caches[i];
	return NULL;
}

/* The source text being written: appends never run past its end. */
struct text {
	char *buffer;
	size_t size, used;
};

static void append(struct text *t, const char *format, ...)
{
	if (t->used + 1 >= t->size)
		return;
	va_list args;
	va_start(args, format);
	int n = vsnprintf(t->buffer + t->used, t->size - t->used, format, args);
	va_end(args);
	if (n > 0)
		t->used += (size_t)n < t->size - t->used
			       ? (size_t)n
			       : t->size - t->used - 1;
}

/* Add each cache of list to the estimate and its term to the text; with
 * halve, half of each count (the server's end of a both-ends count). */
static void add_caches(const struct mcs_slab_snapshot *snap, long page_size,
		       const struct cache_use *list, size_t count, int halve,
		       struct harness_kernel_estimate *e, struct text *t)
{
	for (size_t i = 0; i < count; i++) {
		const struct mcs_slab_cache *c =
		    find_cache(snap, list[i].cache);
		uint64_t cost = c ? harness_slab_object_cost(c, page_size) : 0;
		int defaulted = cost == 0;
		if (defaulted) {
			cost = list[i].default_cost;
			e->defaults_used++;
		}
		unsigned objects =
		    halve ? list[i].objects / 2 : list[i].objects;
		e->caches_bytes += cost * objects;
		append(t, "%s%s %ux%" PRIu64 "%s", t->used ? " + " : "",
		       list[i].cache, objects, cost, defaulted ? "*" : "");
	}
}

static const struct backend_extra *find_extra(const char *backend)
{
	for (size_t i = 0; i < COUNT(backend_extras); i++)
		if (backend && strcmp(backend_extras[i].backend, backend) == 0)
			return &backend_extras[i];
	return NULL;
}

void harness_kernel_estimate_from_slabinfo(const struct mcs_slab_snapshot *snap,
					   long page_size, const char *backend,
					   struct harness_kernel_estimate *e)
{
	harness_kernel_estimate_ends(snap, page_size, backend, 2, e);
}

void harness_kernel_estimate_ends(const struct mcs_slab_snapshot *snap,
				  long page_size, const char *backend,
				  unsigned ends,
				  struct harness_kernel_estimate *e)
{
	memset(e, 0, sizeof(*e));
	e->from_slabinfo = 1;
	char terms[HARNESS_KERNEL_SOURCE_SIZE];
	struct text t = {terms, sizeof(terms), 0};
	terms[0] = '\0';
	/* The server's extras (epoll items, io_uring requests) are its
	 * end's alone, counted once either way. */
	add_caches(snap, page_size, every_connection, COUNT(every_connection),
		   ends == 1, e, &t);
	const struct backend_extra *extra = find_extra(backend);
	if (extra)
		add_caches(snap, page_size, extra->caches, extra->count, 0, e,
			   &t);
	else
		add_caches(snap, page_size, epoll_items, COUNT(epoll_items), 0,
			   e, &t);
	uint64_t margin =
	    (e->caches_bytes * HARNESS_KERNEL_ESTIMATE_MARGIN_PERCENT + 99) /
	    100;
	e->bytes_per_connection = e->caches_bytes + margin;
	char sum[32];
	harness_format_count(e->caches_bytes, sum, sizeof(sum));
	snprintf(e->source, sizeof(e->source),
		 "slabinfo per-object cost%s: %s = %s B + %d%% margin%s%s",
		 ends == 1 ? " (server side only)" : "", terms, sum,
		 HARNESS_KERNEL_ESTIMATE_MARGIN_PERCENT,
		 e->defaults_used ? "; * not in slabinfo (merged into another "
				    "cache, or absent): its cost on kernel "
				    "6.18.44"
				  : "",
		 extra ? "" : "; unknown backend: counted with epoll's items");
}

void harness_kernel_estimate_constant(int err,
				      struct harness_kernel_estimate *e)
{
	memset(e, 0, sizeof(*e));
	/* Both ends; the one-end caller halves it (the server's extras are
	 * small beside the socket). */
	e->bytes_per_connection = HARNESS_KERNEL_BYTES_CONSTANT;
	e->caches_bytes = HARNESS_KERNEL_BYTES_CONSTANT;
	if (err == -EACCES || err == -EPERM)
		snprintf(e->source, sizeof(e->source),
			 "constant (slabinfo unreadable: run as root for an "
			 "estimate from this kernel)");
	else
		snprintf(e->source, sizeof(e->source),
			 "constant (slabinfo unreadable: %s; an estimate from "
			 "this kernel needs /proc/slabinfo)",
			 strerror(err < 0 ? -err : err));
}

void harness_kernel_estimate_here(const char *backend, unsigned ends,
				  struct harness_kernel_estimate *e)
{
	struct mcs_slab_snapshot *snap = malloc(sizeof(*snap));
	if (!snap) {
		harness_kernel_estimate_constant(-ENOMEM, e);
		return;
	}
	int err = mcs_slab_read(snap);
	if (err) {
		harness_kernel_estimate_constant(err, e);
		if (ends == 1) {
			e->bytes_per_connection /= 2;
			e->caches_bytes /= 2;
		}
	} else {
		harness_kernel_estimate_ends(snap, sysconf(_SC_PAGESIZE),
					     backend, ends, e);
	}
	free(snap);
}
