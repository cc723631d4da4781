/* mcs_loader.h - find, load, check and list backend plugins.
 *
 * Plugins live in one directory as <name>.so: $MCS_BACKEND_DIR if set, else
 * the `backends` directory beside the running binary's `bin` directory (the
 * build tree's layout). Loading checks, before anything is called: the name
 * is a plain name, the file exists, it exports mcs_backend, its ABI version
 * and build signature match ours, its required hooks are all there, and its
 * name matches the file.
 */
#ifndef MCS_LOADER_H
#define MCS_LOADER_H

#include <stddef.h>
#include <stdio.h>

#include "mcs_backend.h"

#define MCS_BACKEND_NAME_MAX 32

struct mcs_backend_handle {
	void *library;			   /* dlopen handle */
	const struct mcs_backend_ops *ops; /* checked, ready to use */
};

/* The plugin directory, as described above. Returns 0 or -errno. */
int mcs_backend_dir(char *dir, size_t dir_size);

/* Check an ops struct as the loader would: 0, or -EPROTO (ABI or build
 * mismatch) / -EINVAL (hook missing, bad name, malformed options table)
 * with a reason in why. */
int mcs_backend_check(const struct mcs_backend_ops *ops, const char *name,
		      char *why, size_t why_size);

/* Load backend `name` from dir (NULL: mcs_backend_dir()). Returns 0, or
 * -ENOENT (no such backend: why lists what is installed), -EINVAL (bad
 * name), -ELIBBAD (dlopen/dlsym failed), -EPROTO (ABI mismatch). */
int mcs_backend_load(const char *dir, const char *name,
		     struct mcs_backend_handle *handle, char *why,
		     size_t why_size);
void mcs_backend_unload(struct mcs_backend_handle *handle);

/* Names of the installed backends in dir (NULL: default), sorted. Returns
 * how many were found (at most max), or -errno. */
int mcs_backend_list(const char *dir, char names[][MCS_BACKEND_NAME_MAX],
		     int max);

/* How an installed backend stands on this machine (--list-backends). */
enum mcs_backend_status {
	MCS_BACKEND_AVAILABLE,	 /* loads, and its probe says it runs here */
	MCS_BACKEND_UNAVAILABLE, /* loads, but its probe says no */
	MCS_BACKEND_UNUSABLE,	 /* does not load (ABI, symbol, hooks) */
};

/* Load backend `name` from dir (NULL: default), run its probe, unload.
 * text gets its description when available, else the reason. */
enum mcs_backend_status mcs_backend_status(const char *dir, const char *name,
					   char *text, size_t text_size);

/* "available", "unavailable", "unusable". */
const char *mcs_backend_status_name(enum mcs_backend_status status);

/* What --list-backends prints, for every binary that has the option: one
 * line per installed backend on out (name, status, description or reason)
 * followed by one indented line per option it declares (name, what it
 * takes, default, help), or one line on err naming `program` when none is
 * installed. Returns the exit status: 0, or 1 when nothing is installed. */
int mcs_backend_print_list(const char *program, FILE *out, FILE *err);

#endif /* MCS_LOADER_H */
