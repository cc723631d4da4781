/* mcs_version.h - what build a binary is: the git commit it was built
 * from (and whether the tree had changes then) and the plugin ABI. The
 * harness and every host's agent compare these before a multi-host run,
 * so that no run mixes builds. */
#ifndef MCS_VERSION_H
#define MCS_VERSION_H

#include <stdio.h>

/* The version of the agent protocol (docs/MULTIHOST.md): a harness
 * refuses an agent that speaks another. */
#define MCS_AGENT_PROTOCOL_VERSION 1

/* The commit, 40 hex digits ("unknown" outside a git tree). */
const char *mcs_version_commit(void);

/* 1 when tracked files differed from the commit at build time. */
int mcs_version_dirty(void);

/* MCS_BACKEND_ABI_VERSION this binary was built with. */
unsigned mcs_version_abi(void);

/* The --version line of every binary: "PROGRAM COMMIT[-dirty] (plugin
 * ABI N)", where dirty means tracked files other than results differed
 * from the commit when it was built. */
void mcs_version_print(FILE *out, const char *program);

#endif /* MCS_VERSION_H */
