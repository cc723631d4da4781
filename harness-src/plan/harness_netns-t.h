/* harness_netns-t.h - the types of harness_netns.h, without its functions, so a
 * header that only names them does not pull the functions in. */
#ifndef HARNESS_NETNS_T_H
#define HARNESS_NETNS_T_H

#include <stddef.h>
#include <stdint.h>

#define HARNESS_NETNS_PREFIX "mcs-sweep-"

struct harness_netns {
	char name[64];		/* "" when the sweep runs on the host */
	int active;		/* made and not yet removed */
	uint64_t ehash_entries; /* its established hash, buckets */
	int host_fd;		/* the host's namespace (to go back), or -1 */
	int entered;		/* the harness is inside it now */
};

#endif /* HARNESS_NETNS_T_H */
