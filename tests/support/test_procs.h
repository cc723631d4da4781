/* test_procs.h - for the integration tests that run mcs-harness: the
 * server and client processes of the test's own runs still running, found
 * in /proc, so a test can assert that nothing was left behind. Processes
 * of other tests running at the same time are told apart by the --ports
 * value on their command line.
 */
#ifndef TEST_PROCS_H
#define TEST_PROCS_H

/* Processes running bin_dir/server, bin_dir/client or bin_dir/tun-client
 * with an argument
 * beginning ports_prefix ("2600-": the --ports of the test's runs), each
 * named on stderr ("left running: pid N (path)"): how many. */
int test_procs_leftover(const char *bin_dir, const char *ports_prefix);

#endif /* TEST_PROCS_H */
