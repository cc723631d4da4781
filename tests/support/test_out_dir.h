/* test_out_dir.h - the temporary folder an integration test gives
 * mcs-harness as --out: made fresh for the run, removed when every test
 * passed (kept for a look when one failed).
 */
#ifndef TEST_OUT_DIR_H
#define TEST_OUT_DIR_H

#include <stddef.h>

/* Make a fresh folder from template ("/tmp/mcs-NAME-XXXXXX") into dir
 * (size bytes): 0, or 1 with the reason on stderr. */
int test_out_dir_make(char *dir, size_t size, const char *template);

/* Remove dir and everything in it; says on stderr when it could not. */
void test_out_dir_remove(const char *dir);

#endif /* TEST_OUT_DIR_H */
