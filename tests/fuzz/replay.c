/* replay.c - the fuzz corpus as a regression test, with any compiler:
 * feeds every file under tests/fuzz/corpus/ (seeds and every crash input
 * ever found) to every fuzz entry point. Runs in CTest as fuzz_replay in
 * every build; a broken contract aborts, AddressSanitizer builds also catch
 * out-of-bounds reads and use-after-free.
 *
 * usage: test_fuzz_replay CORPUS_DIR...
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_targets.h"

static int files;
static const char *current; /* the input being replayed, for a crash */

static void on_abort(int signo)
{
	(void)signo;
	if (current) {
		static const char msg[] = "fuzz replay: crashed on input ";
		ssize_t ignored = write(2, msg, sizeof(msg) - 1);
		ignored = write(2, current, strlen(current));
		ignored = write(2, "\n", 1);
		(void)ignored;
	}
	signal(SIGABRT, SIG_DFL);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* An exact-size heap copy, so reading past the end is caught. */
	uint8_t *data = malloc(n ? n : 1);
	if (!data)
		return -1;
	memcpy(data, buf, n);
	current = path;
	fuzz_parsers(data, n);
	fuzz_server_options(data, n);
	fuzz_tun_packet(data, n);
	current = NULL;
	free(data);
	files++;
	return 0;
}

static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		perror(dir);
		return -1;
	}
	int err = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (name[0] != '.' && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				err |= replay_dir(path);
			else if (S_ISREG(st.st_mode))
				err |= replay_file(path);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		return 2;
	}
	signal(SIGABRT, on_abort);
	int err = 0;
	for (int i = 1; i < argc; i++)
		err |= replay_dir(argv[i]);
	printf("fuzz replay: %d inputs through fuzz_parsers, "
	       "fuzz_server_options and fuzz_tun_packet, no contract "
	       "broken\n",
	       files);
	if (files == 0) {
		fprintf(stderr, "fuzz replay: no inputs found\n");
		return 1;
	}
	return err ? 1 : 0;
}
