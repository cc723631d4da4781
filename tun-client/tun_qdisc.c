/* tun_qdisc.c - the device's root qdisc to noqueue (see tun_qdisc.h). */
#include "tun_qdisc.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct qdisc_request {
	struct nlmsghdr header;
	struct tcmsg tc;
	char attributes[64];
};

/* RTM_NEWQDISC: root of ifindex, kind "noqueue", replacing what is there. */
static size_t build_request(struct qdisc_request *r, int ifindex)
{
	static const char kind[] = "noqueue";
	memset(r, 0, sizeof(*r));
	r->header.nlmsg_type = RTM_NEWQDISC;
	r->header.nlmsg_flags =
	    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	r->header.nlmsg_seq = 1;
	r->tc.tcm_family = AF_UNSPEC;
	r->tc.tcm_ifindex = ifindex;
	r->tc.tcm_parent = TC_H_ROOT;
	struct rtattr *a =
	    (struct rtattr *)((char *)r +
			      NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct tcmsg))));
	a->rta_type = TCA_KIND;
	a->rta_len = (unsigned short)RTA_LENGTH(sizeof(kind));
	memcpy(RTA_DATA(a), kind, sizeof(kind));
	r->header.nlmsg_len = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct tcmsg))) +
			      RTA_ALIGN(a->rta_len);
	return r->header.nlmsg_len;
}

/* The kernel's answer to the request: its error (0 when done). */
static int read_ack(int sock)
{
	char buffer[1024];
	ssize_t n = recv(sock, buffer, sizeof(buffer), 0);
	if (n < 0)
		return -errno;
	struct nlmsghdr *h = (struct nlmsghdr *)buffer;
	if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	const struct nlmsgerr *e = NLMSG_DATA(h);
	return e->error;
}

int tun_qdisc_noqueue(const char *name, char *why, size_t why_size)
{
	int ifindex = (int)if_nametoindex(name);
	if (!ifindex) {
		int err = -errno;
		snprintf(why, why_size, "qdisc of %s: no such device: %s", name,
			 strerror(-err));
		return err;
	}
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0) {
		int err = -errno;
		snprintf(why, why_size, "qdisc of %s: netlink socket: %s", name,
			 strerror(-err));
		return err;
	}
	struct qdisc_request request;
	size_t length = build_request(&request, ifindex);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int err = 0;
	if (sendto(sock, &request, length, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		err = -errno;
	else
		err = read_ack(sock);
	close(sock);
	if (err)
		snprintf(why, why_size,
			 "qdisc of %s: replacing it by noqueue: %s (pass "
			 "--qdisc default to keep the kernel's)",
			 name, strerror(-err));
	return err;
}
