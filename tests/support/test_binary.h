/* test_binary.h - whether a binary an integration test runs has been
 * built: the suites that start mcs-harness skip (exit 77) rather than
 * fail when the client they need is not there yet.
 */
#ifndef TEST_BINARY_H
#define TEST_BINARY_H

/* 0 when bin_dir/name is an executable; else 77 (CTest's skip), with
 * "skip: no NAME binary at PATH yet" on stderr. */
int test_need_binary(const char *bin_dir, const char *name);

#endif /* TEST_BINARY_H */
