// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: the physical floor of the cnm attach benchmark.
 *
 * It attaches N endpoints (a network namespace plus a veth pair whose host
 * end is a port of one Linux bridge) with as few netlink round trips as a
 * single process can manage, so that other implementations can be reported
 * as ratios against it.  README.md beside this file describes the work, the
 * output and the choices made here.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -std=gnu11 -o bench/floor/floor \
 *            bench/floor/floor.c -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

enum {
	FLOOR_GROUP = 77,	/* link group of every host veth end: one DELLINK removes them all */
	MAX_N = 1023,		/* a bridge has port numbers 1..1023; the 1024th port fails with EXFULL */
	PEER_IFINDEX = 2,	/* the namespace side: lo is always 1, so 2 is free */
	SOCK_BUF = 1 << 20,	/* a sendmsg larger than the send buffer fails with EMSGSIZE */
	BATCH_MAX = 8,		/* messages per pipelined sendmsg */
	BATCH_BYTES = 2048,
	RX_BYTES = 65536,	/* the kernel never sends more than 32 KiB in one datagram */
	TEARDOWN_LIMIT_S = 60,
};

#define BRIDGE_ADDR 0x0a580001u	/* 10.88.0.1, also the endpoints' gateway */
#define NET_PREFIX 16

enum ns_mode { NS_THREAD, NS_SETNS };
enum teardown_order { GROUP_FIRST, NS_FIRST };

/* How far an endpoint's namespace file got, so cleanup undoes exactly that. */
enum ep_state { EP_NONE, EP_FILE, EP_MOUNTED };

/* Set by SIGINT/SIGTERM/SIGHUP; the attach loop stops and cleans up. */
static volatile sig_atomic_t g_stop;

struct opts {
	int n;
	const char *dir;
	const char *bridge;
	bool json;
	enum ns_mode ns_mode;
	enum teardown_order order;
};

struct nl {
	int fd;
	uint32_t portid;
	uint32_t seq;
};

/*
 * A run of netlink requests sent in one sendmsg.  Each message carries its
 * own sequence number (assigned at send time) and NLM_F_ACK, so every one of
 * them is answered by exactly one NLMSG_ERROR: the kernel keeps processing
 * the rest of a datagram after a failure.
 */
struct batch {
	char buf[BATCH_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;		/* bytes used */
	size_t cur;		/* offset of the message being built */
	int count;
	const char *ctx;	/* for error reports: what the batch is for */
	int ep;			/* endpoint index, or -1 */
	const char *label[BATCH_MAX];
	int ok_errno[BATCH_MAX];	/* an errno that counts as success, or 0 */
};

struct floor {
	struct opts o;
	struct nl host;		/* bound to the namespace we started in */
	int host_ns;		/* fd of that namespace, for NS_SETNS */
	int br_ifindex;		/* 0 until the bridge exists */
	unsigned char *state;	/* enum ep_state per endpoint */
	double *netns_ms;
	double *attach_ms;
};

/* An endpoint's namespace while it is being set up. */
struct ns_job {
	char path[PATH_MAX];
	struct nl sock;		/* created inside the namespace, so it stays bound there */
	int fd;			/* the namespace itself, for IFLA_NET_NS_FD */
	bool mounted;
	int rc;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void report_errno(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "floor: %s: %s (%s)\n", what, name ? name : "?", strerror(err));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- netlink sockets ---------------------------------------------------- */

static int nl_open(struct nl *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1, size = SOCK_BUF;

	s->seq = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0) {
		report_errno("netlink socket", errno);
		return -1;
	}
	/* Bind explicitly so the port id is known before the first reply. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen)) {
		report_errno("netlink socket setup", errno);
		close_fd(&s->fd);
		return -1;
	}
	s->portid = sa.nl_pid;
	return 0;
}

static int nl_send(struct nl *s, void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &kernel, .msg_namelen = sizeof(kernel),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t r;

	do
		r = sendmsg(s->fd, &mh, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		report_errno("netlink sendmsg", errno);
		return -1;
	}
	if ((size_t)r != len) {
		fprintf(stderr, "floor: netlink sendmsg: short send (%zd of %zu)\n", r, len);
		return -1;
	}
	return 0;
}

static ssize_t nl_recv(struct nl *s, char *buf, size_t size)
{
	ssize_t r;

	do
		r = recv(s->fd, buf, size, MSG_TRUNC);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		report_errno("netlink recv", errno);
		return -1;
	}
	if ((size_t)r > size) {
		fprintf(stderr, "floor: netlink recv: datagram truncated\n");
		return -1;
	}
	return r;
}

/* The next whole message at *off in a received datagram, or NULL. */
static const struct nlmsghdr *next_msg(const char *buf, size_t len, size_t *off)
{
	const struct nlmsghdr *h;

	if (*off + sizeof(*h) > len)
		return NULL;
	h = (const struct nlmsghdr *)(buf + *off);
	if (h->nlmsg_len < sizeof(*h) || *off + h->nlmsg_len > len)
		return NULL;
	*off += NLMSG_ALIGN(h->nlmsg_len);
	return h;
}

/* The NLMSGERR_ATTR_MSG text of an extended ack, or NULL. */
static const char *ext_ack_text(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Without NETLINK_CAP_ACK the failed request is echoed before the TLVs. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const void *)((const char *)h + off);
		const char *text = (const char *)a + NLA_HDRLEN;
		size_t tlen = a->nla_len - NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && tlen &&
		    memchr(text, '\0', tlen))
			return text;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* ---- building batches --------------------------------------------------- */

static void batch_init(struct batch *b, const char *ctx, int ep)
{
	b->len = 0;
	b->cur = 0;
	b->count = 0;
	b->ctx = ctx;
	b->ep = ep;
}

/* Room for len more bytes; overflowing is a bug in this file, not a runtime condition. */
static void *batch_grow(struct batch *b, size_t len)
{
	size_t alen = NLMSG_ALIGN(len);
	void *p = b->buf + b->len;

	if (b->len + alen > sizeof(b->buf)) {
		fprintf(stderr, "floor: internal error: netlink batch overflow\n");
		abort();
	}
	memset(p, 0, alen);
	b->len += alen;
	((struct nlmsghdr *)(b->buf + b->cur))->nlmsg_len = b->len - b->cur;
	return p;
}

/* Start a request with its fixed header (ifinfomsg, ifaddrmsg, ...). */
static void batch_msg(struct batch *b, uint16_t type, uint16_t flags,
		      const void *fixed, size_t fixed_len, const char *label)
{
	struct nlmsghdr *h;

	if (b->count == BATCH_MAX) {
		fprintf(stderr, "floor: internal error: too many messages in a batch\n");
		abort();
	}
	b->cur = b->len;
	h = batch_grow(b, NLMSG_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	memcpy(batch_grow(b, fixed_len), fixed, fixed_len);
	b->label[b->count] = label;
	b->ok_errno[b->count] = 0;
	b->count++;
}

static void batch_allow(struct batch *b, int err)
{
	b->ok_errno[b->count - 1] = err;
}

static void batch_attr(struct batch *b, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = batch_grow(b, RTA_LENGTH(len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
}

static void batch_u8(struct batch *b, uint16_t type, uint8_t v)
{
	batch_attr(b, type, &v, sizeof(v));
}

static void batch_u32(struct batch *b, uint16_t type, uint32_t v)
{
	batch_attr(b, type, &v, sizeof(v));
}

static void batch_str(struct batch *b, uint16_t type, const char *s)
{
	batch_attr(b, type, s, strlen(s) + 1);
}

/* Open a nested attribute; returns its offset for batch_nest_end. */
static size_t batch_nest(struct batch *b, uint16_t type)
{
	size_t off = b->len;
	struct rtattr *a = batch_grow(b, RTA_LENGTH(0));

	a->rta_type = type;
	return off;
}

static void batch_nest_end(struct batch *b, size_t off)
{
	((struct rtattr *)(b->buf + off))->rta_len = b->len - off;
}

/* ---- sending batches and checking acks ---------------------------------- */

static void report_nack(const struct batch *b, int idx, int err, const struct nlmsghdr *h)
{
	const char *name = strerrorname_np(err);
	const char *text = ext_ack_text(h);

	fprintf(stderr, "floor: %s", b->ctx);
	if (b->ep >= 0)
		fprintf(stderr, " (endpoint %d)", b->ep);
	fprintf(stderr, ": message %d \"%s\" failed: %s (%s)%s%s\n", idx + 1, b->label[idx],
		name ? name : "?", strerror(err), text ? ": " : "", text ? text : "");
}

/* Read one ack per message of b, whose first sequence number is seq0. */
static int collect_acks(struct nl *s, const struct batch *b, uint32_t seq0)
{
	char rx[RX_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	int pending = b->count, failed = 0;

	while (pending > 0) {
		const struct nlmsghdr *h;
		ssize_t len = nl_recv(s, rx, sizeof(rx));
		size_t off = 0;

		if (len < 0)
			return -1;
		while ((h = next_msg(rx, (size_t)len, &off))) {
			uint32_t idx = h->nlmsg_seq - seq0;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			int err;

			/* Anything not an answer to this batch is stale or foreign. */
			if (h->nlmsg_pid != s->portid || idx >= (uint32_t)b->count ||
			    h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			pending--;
			err = -e->error;
			if (err && err != b->ok_errno[idx] && !failed) {
				report_nack(b, (int)idx, err, h);
				failed = 1;
			}
		}
	}
	return failed ? -1 : 0;
}

static int batch_run(struct nl *s, struct batch *b)
{
	uint32_t seq0 = s->seq + 1;
	size_t off = 0;

	while (off < b->len) {
		struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + off);

		h->nlmsg_seq = ++s->seq;
		h->nlmsg_pid = 0;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (nl_send(s, b->buf, b->len))
		return -1;
	return collect_acks(s, b, seq0);
}

/* ---- the requests ------------------------------------------------------- */

/* Select a link by index, or by name when index is 0. */
static void link_msg(struct batch *b, uint16_t type, uint16_t flags, int ifindex,
		     const char *name, unsigned up, const char *label)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = up,
		.ifi_change = up,
	};

	batch_msg(b, type, flags, &ifi, sizeof(ifi), label);
	if (name)
		batch_str(b, IFLA_IFNAME, name);
}

/* No IPv6 link-local address: must be set while the link is still down. */
static void add_addrgen_none(struct batch *b, int ifindex, const char *name, const char *label)
{
	size_t spec, inet6;

	link_msg(b, RTM_NEWLINK, 0, ifindex, name, 0, label);
	spec = batch_nest(b, IFLA_AF_SPEC);
	inet6 = batch_nest(b, AF_INET6);
	batch_u8(b, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	batch_nest_end(b, inet6);
	batch_nest_end(b, spec);
}

static void add_link_up(struct batch *b, int ifindex, const char *name, const char *label)
{
	link_msg(b, RTM_NEWLINK, 0, ifindex, name, IFF_UP, label);
}

static void add_bridge(struct batch *b, const char *name)
{
	size_t info;

	link_msg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, name, 0, "create bridge");
	info = batch_nest(b, IFLA_LINKINFO);
	batch_str(b, IFLA_INFO_KIND, "bridge");
	batch_nest_end(b, info);
}

/*
 * The veth pair: host end down (a peer cannot be created up in another
 * namespace, and IFLA_AF_SPEC is refused at creation), enslaved and tagged
 * with the teardown group; the peer goes straight into the namespace as eth0.
 */
static void add_veth(struct batch *b, const char *name, int br_ifindex, int nsfd)
{
	struct ifinfomsg peer = { .ifi_family = AF_UNSPEC, .ifi_index = PEER_IFINDEX };
	size_t info, data, vpeer;

	link_msg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, name, 0, "create veth");
	batch_u32(b, IFLA_MASTER, (uint32_t)br_ifindex);
	batch_u32(b, IFLA_GROUP, FLOOR_GROUP);
	info = batch_nest(b, IFLA_LINKINFO);
	batch_str(b, IFLA_INFO_KIND, "veth");
	data = batch_nest(b, IFLA_INFO_DATA);
	vpeer = batch_nest(b, VETH_INFO_PEER);
	memcpy(batch_grow(b, sizeof(peer)), &peer, sizeof(peer));
	batch_str(b, IFLA_IFNAME, "eth0");
	batch_u32(b, IFLA_NET_NS_FD, (uint32_t)nsfd);
	batch_nest_end(b, vpeer);
	batch_nest_end(b, data);
	batch_nest_end(b, info);
}

static void add_addr4(struct batch *b, int ifindex, uint32_t addr, const char *label)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = NET_PREFIX,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	uint32_t be = htonl(addr);

	batch_msg(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa), label);
	batch_attr(b, IFA_LOCAL, &be, sizeof(be));
	batch_attr(b, IFA_ADDRESS, &be, sizeof(be));
}

static void add_default_route4(struct batch *b, int ifindex, uint32_t gw)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	uint32_t be = htonl(gw);

	batch_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm), "default route");
	batch_attr(b, RTA_GATEWAY, &be, sizeof(be));
	batch_u32(b, RTA_OIF, (uint32_t)ifindex);
}

/* ---- counting what is left ---------------------------------------------- */

/*
 * Which links count as ours: those in the teardown group, the ports of the
 * bridge (when br_ifindex is set) and, before the run, any link already
 * named like a host end we are about to create (flv0 .. flv<names-1>).
 */
struct link_filter {
	int br_ifindex;
	int names;
};

static bool is_host_end_name(const char *name, size_t len, int names)
{
	char canon[IFNAMSIZ];
	long i;

	if (len < 4 || strncmp(name, "flv", 3) || !memchr(name, '\0', len))
		return false;
	i = strtol(name + 3, NULL, 10);
	snprintf(canon, sizeof(canon), "flv%ld", i);
	return i >= 0 && i < names && !strcmp(canon, name);
}

static bool link_is_ours(const struct nlmsghdr *h, const struct link_filter *lf)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *a = IFLA_RTA(ifi);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		uint32_t v = 0;

		if (a->rta_type == IFLA_IFNAME &&
		    is_host_end_name(RTA_DATA(a), RTA_PAYLOAD(a), lf->names))
			return true;
		if (a->rta_type != IFLA_GROUP && a->rta_type != IFLA_MASTER)
			continue;
		if (RTA_PAYLOAD(a) < sizeof(v))
			continue;
		memcpy(&v, RTA_DATA(a), sizeof(v));
		if (a->rta_type == IFLA_GROUP && v == FLOOR_GROUP)
			return true;
		if (a->rta_type == IFLA_MASTER && lf->br_ifindex > 0 &&
		    v == (uint32_t)lf->br_ifindex)
			return true;
	}
	return false;
}

/* One RTM_GETLINK dump.  Returns 1 if the dump was interrupted by a change. */
static int dump_links_once(struct nl *s, const struct link_filter *lf, int *count)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = ++s->seq,
		},
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	char rx[RX_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool intr = false;

	*count = 0;
	if (nl_send(s, &req, sizeof(req)))
		return -1;
	for (;;) {
		const struct nlmsghdr *h;
		ssize_t len = nl_recv(s, rx, sizeof(rx));
		size_t off = 0;

		if (len < 0)
			return -1;
		while ((h = next_msg(rx, (size_t)len, &off))) {
			if (h->nlmsg_pid != s->portid || h->nlmsg_seq != req.h.nlmsg_seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_DONE)
				return intr ? 1 : 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				report_errno("link dump", -e->error);
				return -1;
			}
			if (h->nlmsg_type == RTM_NEWLINK && link_is_ours(h, lf))
				(*count)++;
		}
	}
}

static int count_our_links(struct nl *s, const struct link_filter *lf, int *count)
{
	int rc;

	/* A dump that raced with a change may miss links; just take another. */
	while ((rc = dump_links_once(s, lf, count)) == 1)
		;
	return rc;
}

/* ---- the bridge --------------------------------------------------------- */

static int bridge_delete(struct floor *f)
{
	struct batch b;

	if (!f->br_ifindex)
		return 0;
	batch_init(&b, "bridge teardown", -1);
	link_msg(&b, RTM_DELLINK, 0, f->br_ifindex, NULL, 0, "delete bridge");
	f->br_ifindex = 0;
	return batch_run(&f->host, &b);
}

static int bridge_setup(struct floor *f)
{
	struct batch b;
	int idx;

	batch_init(&b, "bridge setup", -1);
	add_bridge(&b, f->o.bridge);
	if (batch_run(&f->host, &b))
		return -1;
	idx = (int)if_nametoindex(f->o.bridge);
	if (!idx) {
		report_errno("bridge ifindex", errno);
		return -1;
	}
	f->br_ifindex = idx;

	batch_init(&b, "bridge setup", -1);
	add_addrgen_none(&b, idx, NULL, "bridge addrgenmode none");
	add_addr4(&b, idx, BRIDGE_ADDR, "bridge address");
	add_link_up(&b, idx, NULL, "bridge up");
	return batch_run(&f->host, &b);
}

/* ---- one endpoint ------------------------------------------------------- */

static void ns_path(const struct floor *f, int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s/flns%d", f->o.dir, i);
}

/* Move the calling thread into a new netns, pin it and open what we need there. */
static int ns_pin_here(struct ns_job *j)
{
	if (unshare(CLONE_NEWNET)) {
		report_errno("unshare(CLONE_NEWNET)", errno);
		return -1;
	}
	if (mount("/proc/thread-self/ns/net", j->path, NULL, MS_BIND, NULL)) {
		report_errno("bind mount of the new netns", errno);
		return -1;
	}
	j->mounted = true;
	if (nl_open(&j->sock))
		return -1;
	j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0) {
		report_errno("open netns", errno);
		return -1;
	}
	return 0;
}

static void *ns_thread(void *arg)
{
	struct ns_job *j = arg;

	j->rc = ns_pin_here(j);
	return NULL;
}

/*
 * Step 1.  NS_SETNS (the default) unshares the main thread and returns to
 * the host with setns; NS_THREAD does the same work on a short-lived thread
 * so the main thread never leaves the host.  setns measured about 0.1 ms
 * faster per namespace here (no thread to create, start and reap).  Either
 * way the netlink socket and the namespace fd stay bound to the new netns.
 */
static int ns_create(struct floor *f, int i, struct ns_job *j)
{
	pthread_t t;
	int fd, err;

	ns_path(f, i, j->path, sizeof(j->path));
	j->sock.fd = -1;
	j->fd = -1;
	j->mounted = false;
	j->rc = -1;

	fd = open(j->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		report_errno(j->path, errno);
		return -1;
	}
	close(fd);
	f->state[i] = EP_FILE;

	if (f->o.ns_mode == NS_THREAD) {
		err = pthread_create(&t, NULL, ns_thread, j);
		if (err) {
			report_errno("pthread_create", err);
			return -1;
		}
		pthread_join(t, NULL);
	} else {
		j->rc = ns_pin_here(j);
		/* Leaving the new namespace matters more than anything that failed in it. */
		if (setns(f->host_ns, CLONE_NEWNET)) {
			report_errno("setns back to the host netns", errno);
			j->rc = -1;
		}
	}
	if (j->mounted)
		f->state[i] = EP_MOUNTED;
	return j->rc;
}

/* Step 2: the veth pair, seen from the host. */
static int attach_host(struct floor *f, int i, int nsfd)
{
	char name[IFNAMSIZ];
	struct batch b;

	snprintf(name, sizeof(name), "flv%d", i);
	batch_init(&b, "host side", i);
	add_veth(&b, name, f->br_ifindex, nsfd);
	add_addrgen_none(&b, 0, name, "host end addrgenmode none");
	add_link_up(&b, 0, name, "host end up");
	return batch_run(&f->host, &b);
}

/* Step 3: inside the namespace.  The route needs eth0 up and its address first. */
static int attach_ns(int i, struct nl *ns)
{
	struct batch b;

	batch_init(&b, "namespace side", i);
	add_addrgen_none(&b, PEER_IFINDEX, NULL, "eth0 addrgenmode none");
	add_link_up(&b, 1, NULL, "lo up");
	add_link_up(&b, PEER_IFINDEX, NULL, "eth0 up");
	add_addr4(&b, PEER_IFINDEX, (BRIDGE_ADDR & ~0xffffu) + (uint32_t)i + 2, "eth0 address");
	add_default_route4(&b, PEER_IFINDEX, BRIDGE_ADDR);
	return batch_run(ns, &b);
}

/* Steps 1-3 for endpoint i, timed.  Nothing per endpoint stays open after. */
static int endpoint_attach(struct floor *f, int i)
{
	struct ns_job j;
	double t0, t1;
	int rc;

	t0 = now_ms();
	rc = ns_create(f, i, &j);
	t1 = now_ms();
	if (!rc)
		rc = attach_host(f, i, j.fd);
	if (!rc)
		rc = attach_ns(i, &j.sock);
	close_fd(&j.sock.fd);
	close_fd(&j.fd);
	f->netns_ms[i] = t1 - t0;
	f->attach_ms[i] = now_ms() - t0;
	return rc;
}

/* ---- teardown ----------------------------------------------------------- */

/* Unpin every namespace; the kernel destroys each one (and its veth) asynchronously. */
static int release_namespaces(struct floor *f)
{
	char path[PATH_MAX];
	int rc = 0;

	for (int i = 0; i < f->o.n; i++) {
		if (f->state[i] == EP_NONE)
			continue;
		ns_path(f, i, path, sizeof(path));
		if (f->state[i] == EP_MOUNTED && umount2(path, MNT_DETACH)) {
			report_errno(path, errno);
			rc = -1;
		}
		if (unlink(path)) {
			report_errno(path, errno);
			rc = -1;
		}
		f->state[i] = EP_NONE;
	}
	return rc;
}

/* Every link of the group in one synchronous request; none left is fine. */
static int delete_group(struct floor *f)
{
	struct batch b;

	batch_init(&b, "teardown", -1);
	link_msg(&b, RTM_DELLINK, 0, 0, NULL, 0, "delete link group");
	batch_u32(&b, IFLA_GROUP, FLOOR_GROUP);
	batch_allow(&b, ENODEV);
	return batch_run(&f->host, &b);
}

static int wait_links_gone(struct floor *f)
{
	const struct link_filter lf = { .br_ifindex = f->br_ifindex };
	double deadline = now_ms() + TEARDOWN_LIMIT_S * 1e3;
	int left;

	for (;;) {
		if (count_our_links(&f->host, &lf, &left))
			return -1;
		if (!left)
			return 0;
		if (now_ms() > deadline) {
			fprintf(stderr, "floor: teardown: %d links still present after %d s\n",
				left, TEARDOWN_LIMIT_S);
			return -1;
		}
		usleep(200);
	}
}

static int teardown(struct floor *f, double *ms)
{
	double t0 = now_ms();
	int rc = 0;

	if (f->o.order == GROUP_FIRST) {
		rc |= delete_group(f);
		rc |= release_namespaces(f);
	} else {
		rc |= release_namespaces(f);
		rc |= delete_group(f);
	}
	rc |= wait_links_gone(f);
	*ms = now_ms() - t0;
	return rc ? -1 : 0;
}

/* Best effort after a failure: remove whatever was made. */
static void cleanup(struct floor *f)
{
	double ms;

	if (f->state)
		teardown(f, &ms);
	bridge_delete(f);
}

/* ---- output ------------------------------------------------------------- */

static double mean(const double *v, int from, int to)
{
	double sum = 0;

	for (int i = from; i < to; i++)
		sum += v[i];
	return to > from ? sum / (to - from) : 0;
}

static void print_array(const char *key, const double *v, int n)
{
	printf("\"%s\":[", key);
	for (int i = 0; i < n; i++)
		printf("%s%.4f", i ? "," : "", v[i]);
	printf("]");
}

static void print_results(const struct floor *f, double teardown_ms)
{
	int n = f->o.n, k = n < 100 ? n : 100;

	if (f->o.json) {
		printf("{\"n\":%d,", n);
		print_array("netnsMs", f->netns_ms, n);
		printf(",");
		print_array("attachMs", f->attach_ms, n);
		printf(",\"teardownMs\":%.4f}\n", teardown_ms);
		return;
	}
	printf("floor: %d endpoints on bridge %s (netns via %s, teardown %s)\n", n, f->o.bridge,
	       f->o.ns_mode == NS_THREAD ? "thread" : "setns",
	       f->o.order == GROUP_FIRST ? "group-first" : "ns-first");
	printf("  attach    mean %.3f ms/endpoint (first %d: %.3f, last %d: %.3f)\n",
	       mean(f->attach_ms, 0, n), k, mean(f->attach_ms, 0, k), k,
	       mean(f->attach_ms, n - k, n));
	printf("  netns     mean %.3f ms/endpoint\n", mean(f->netns_ms, 0, n));
	printf("  teardown  %.1f ms total, %.3f ms/endpoint\n", teardown_ms, teardown_ms / n);
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: floor --n N --dir DIR [--bridge NAME] [--json]\n"
		"             [--ns-mode thread|setns] [--teardown group-first|ns-first]\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "n", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "ns-mode", required_argument, NULL, 'm' },
		{ "teardown", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	*o = (struct opts){ .n = 0, .bridge = "flbr0", .ns_mode = NS_SETNS, .order = GROUP_FIRST };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > INT_MAX) {
				fprintf(stderr, "floor: --n wants a positive integer\n");
				return -1;
			}
			o->n = (int)n;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'b':
			o->bridge = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'm':
			if (!strcmp(optarg, "thread") || !strcmp(optarg, "setns")) {
				o->ns_mode = optarg[0] == 't' ? NS_THREAD : NS_SETNS;
				break;
			}
			fprintf(stderr, "floor: --ns-mode is thread or setns\n");
			return -1;
		case 't':
			if (!strcmp(optarg, "group-first") || !strcmp(optarg, "ns-first")) {
				o->order = optarg[0] == 'g' ? GROUP_FIRST : NS_FIRST;
				break;
			}
			fprintf(stderr, "floor: --teardown is group-first or ns-first\n");
			return -1;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->n || !o->dir) {
		usage(stderr);
		return -1;
	}
	if (o->n > MAX_N) {
		fprintf(stderr, "floor: refusing --n %d: a Linux bridge holds at most %d ports\n",
			o->n, MAX_N);
		return -1;
	}
	if (!*o->bridge || strlen(o->bridge) >= IFNAMSIZ) {
		fprintf(stderr, "floor: --bridge must be 1..%d characters\n", IFNAMSIZ - 1);
		return -1;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Not timed: the host socket, a clean slate, and the bridge. */
static int setup(struct floor *f)
{
	const struct link_filter lf = { .names = f->o.n };
	int left;

	if (nl_open(&f->host))
		return -1;
	if (f->o.ns_mode == NS_SETNS) {
		f->host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (f->host_ns < 0) {
			report_errno("open host netns", errno);
			return -1;
		}
	}
	/*
	 * The group delete at teardown would take anything else in the group
	 * with it, and the pipelined modify-by-name requests would act on a
	 * foreign link of the same name if our create failed.
	 */
	if (count_our_links(&f->host, &lf, &left))
		return -1;
	if (left) {
		fprintf(stderr, "floor: refusing to run: %d links already in group %d "
			"or named flv0..flv%d\n", left, FLOOR_GROUP, f->o.n - 1);
		return -1;
	}
	if (bridge_setup(f))
		return -1;
	f->state = calloc((size_t)f->o.n, sizeof(*f->state));
	f->netns_ms = calloc((size_t)f->o.n, sizeof(*f->netns_ms));
	f->attach_ms = calloc((size_t)f->o.n, sizeof(*f->attach_ms));
	if (!f->state || !f->netns_ms || !f->attach_ms) {
		report_errno("calloc", ENOMEM);
		return -1;
	}
	return 0;
}

static void release(struct floor *f)
{
	close_fd(&f->host.fd);
	close_fd(&f->host_ns);
	free(f->state);
	free(f->netns_ms);
	free(f->attach_ms);
}

int main(int argc, char **argv)
{
	struct floor f = { .host = { .fd = -1 }, .host_ns = -1 };
	double teardown_ms;
	int rc = 1;

	if (parse_opts(argc, argv, &f.o))
		return 2;
	catch_signals();
	if (setup(&f))
		goto fail;
	for (int i = 0; i < f.o.n; i++) {
		if (g_stop) {
			fprintf(stderr, "floor: interrupted\n");
			goto fail;
		}
		if (endpoint_attach(&f, i))
			goto fail;
	}
	if (teardown(&f, &teardown_ms))
		goto fail;
	if (bridge_delete(&f))
		goto fail;
	print_results(&f, teardown_ms);
	rc = 0;
	goto out;
fail:
	if (f.host.fd >= 0)
		cleanup(&f);
out:
	release(&f);
	return rc;
}
