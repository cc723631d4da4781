/* harness_file.h - the folders and files the harness writes: mkdir -p,
 * and a file (a plot script, a summary) in a run's or a comparison's
 * folder, saying which file and why when it cannot. */
#ifndef HARNESS_FILE_H
#define HARNESS_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Create (or truncate) dir/name for writing into *f, its path into path
 * (path_size bytes) for later messages. Returns 0, or -errno with why
 * ("cannot write PATH: REASON"). */
int harness_file_create(const char *dir, const char *name, char *path,
			size_t path_size, FILE **f, char *why, size_t why_size);

/* mkdir -p path. 0 or -errno. */
int harness_make_dirs(const char *path);

#endif /* HARNESS_FILE_H */
