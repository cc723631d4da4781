/* mcs_loader.c - dlopen a backend by name and refuse anything that does not
 * match the ABI this binary was built with. */
#include "mcs_loader.h"
#include "mcs_backend_options.h"
#include "mcs_parse.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mcs_backend_dir(char *dir, size_t dir_size)
{
	const char *env = getenv("MCS_BACKEND_DIR");
	if (env && *env) {
		if ((size_t)snprintf(dir, dir_size, "%s", env) >= dir_size)
			return -ENAMETOOLONG;
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0'; /* .../bin */
	if ((size_t)snprintf(dir, dir_size, "%s/../backends", exe) >= dir_size)
		return -ENAMETOOLONG;
	return 0;
}

static int name_is_plain(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= MCS_BACKEND_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return 0;
	}
	return 1;
}

int mcs_backend_check(const struct mcs_backend_ops *ops, const char *name,
		      char *why, size_t why_size)
{
	if (ops->abi_version != MCS_BACKEND_ABI_VERSION) {
		snprintf(
		    why, why_size,
		    "backend '%s': bad ABI version %u (want %u): rebuild it "
		    "against this tree's common/mcs_backend.h",
		    name, ops->abi_version, MCS_BACKEND_ABI_VERSION);
		return -EPROTO;
	}
	if (ops->stats_size != sizeof(struct mcs_worker_stats)) {
		snprintf(why, why_size,
			 "backend '%s': built with a stats block of %u bytes "
			 "(want %zu): rebuild it against this tree",
			 name, ops->stats_size,
			 sizeof(struct mcs_worker_stats));
		return -EPROTO;
	}
	const char *missing = !ops->name       ? "name"
			      : !ops->capacity ? "capacity"
			      : !ops->init     ? "init"
			      : !ops->run      ? "run"
			      : !ops->stop     ? "stop"
			      : !ops->destroy  ? "destroy"
					       : NULL;
	if (missing) {
		snprintf(why, why_size,
			 "backend '%s': required hook '%s' is missing", name,
			 missing);
		return -EINVAL;
	}
	if (strcmp(ops->name, name) != 0) {
		snprintf(why, why_size,
			 "backend file '%s' calls itself '%s': rename one",
			 name, ops->name);
		return -EINVAL;
	}
	return mcs_backend_options_check(ops, why, why_size);
}

static void list_into(const char *dir, char *out, size_t out_size)
{
	char names[16][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(dir, names, 16);
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n && used < out_size; i++)
		used += (size_t)snprintf(out + used, out_size - used, "%s%s",
					 i ? ", " : "", names[i]);
	if (n <= 0)
		snprintf(out, out_size, "none: build the tree first");
}

int mcs_backend_load(const char *dir, const char *name,
		     struct mcs_backend_handle *handle, char *why,
		     size_t why_size)
{
	char default_dir[PATH_MAX];
	memset(handle, 0, sizeof(*handle));
	if (!name_is_plain(name)) {
		char shown[48];
		snprintf(why, why_size,
			 "bad backend name '%s': use letters, digits, '-' or "
			 "'_' (see --list-backends)",
			 mcs_printable(name, shown, sizeof(shown)));
		return -EINVAL;
	}
	if (!dir) {
		int err = mcs_backend_dir(default_dir, sizeof(default_dir));
		if (err) {
			snprintf(why, why_size,
				 "cannot locate the backends directory: %s "
				 "(set MCS_BACKEND_DIR)",
				 strerror(-err));
			return err;
		}
		dir = default_dir;
	}
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.so", dir, name) >=
	    sizeof(path)) {
		snprintf(why, why_size, "backend path too long: %s", dir);
		return -ENAMETOOLONG;
	}
	if (access(path, R_OK) != 0) {
		char known[256];
		list_into(dir, known, sizeof(known));
		snprintf(why, why_size, "unknown backend '%s' (installed: %s)",
			 name, known);
		return -ENOENT;
	}
	void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!library) {
		snprintf(why, why_size, "cannot load backend '%s': %s", name,
			 dlerror());
		return -ELIBBAD;
	}
	const struct mcs_backend_ops *ops = dlsym(library, MCS_BACKEND_SYMBOL);
	if (!ops) {
		snprintf(why, why_size,
			 "backend '%s' (%s) does not export '%s': not a "
			 "backend plugin",
			 name, path, MCS_BACKEND_SYMBOL);
		dlclose(library);
		return -ELIBBAD;
	}
	int err = mcs_backend_check(ops, name, why, why_size);
	if (err) {
		dlclose(library);
		return err;
	}
	handle->library = library;
	handle->ops = ops;
	return 0;
}

void mcs_backend_unload(struct mcs_backend_handle *handle)
{
	if (handle->library)
		dlclose(handle->library);
	memset(handle, 0, sizeof(*handle));
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mcs_backend_list(const char *dir, char names[][MCS_BACKEND_NAME_MAX],
		     int max)
{
	char default_dir[PATH_MAX];
	if (!dir) {
		int err = mcs_backend_dir(default_dir, sizeof(default_dir));
		if (err)
			return err;
		dir = default_dir;
	}
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL && count < max) {
		size_t len = strlen(entry->d_name);
		if (len < 4 || strcmp(entry->d_name + len - 3, ".so") != 0)
			continue;
		if (len - 3 >= MCS_BACKEND_NAME_MAX)
			continue;
		memcpy(names[count], entry->d_name, len - 3);
		names[count][len - 3] = '\0';
		if (name_is_plain(names[count]))
			count++;
	}
	closedir(d);
	qsort(names, (size_t)count, sizeof(names[0]), compare_names);
	return count;
}

enum mcs_backend_status mcs_backend_status(const char *dir, const char *name,
					   char *text, size_t text_size)
{
	struct mcs_backend_handle h;
	text[0] = '\0';
	if (mcs_backend_load(dir, name, &h, text, text_size))
		return MCS_BACKEND_UNUSABLE;
	enum mcs_backend_status status = MCS_BACKEND_AVAILABLE;
	if (h.ops->probe && h.ops->probe(text, text_size) != 0)
		status = MCS_BACKEND_UNAVAILABLE;
	else
		snprintf(text, text_size, "%s",
			 h.ops->description ? h.ops->description : "");
	mcs_backend_unload(&h);
	return status;
}

const char *mcs_backend_status_name(enum mcs_backend_status status)
{
	switch (status) {
	case MCS_BACKEND_AVAILABLE: return "available";
	case MCS_BACKEND_UNAVAILABLE: return "unavailable";
	default: return "unusable";
	}
}

int mcs_backend_print_list(const char *program, FILE *out, FILE *err)
{
	char names[32][MCS_BACKEND_NAME_MAX];
	int n = mcs_backend_list(NULL, names, 32);
	if (n <= 0) {
		fprintf(err,
			"%s: no backends installed%s%s: build the tree "
			"(cmake --build build)\n",
			program, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char text[256];
		enum mcs_backend_status status =
		    mcs_backend_status(NULL, names[i], text, sizeof(text));
		fprintf(out,
			status == MCS_BACKEND_AVAILABLE ? "%-16s %-12s %s\n"
							: "%-16s %-12s (%s)\n",
			names[i], mcs_backend_status_name(status), text);
		struct mcs_backend_handle h;
		if (status != MCS_BACKEND_UNUSABLE &&
		    mcs_backend_load(NULL, names[i], &h, text, sizeof(text)) ==
			0) {
			mcs_backend_options_print(h.ops, out);
			mcs_backend_unload(&h);
		}
	}
	return 0;
}
