/*
 * NAME
 *	netcli - the client side of the network (see netcli.h)
 * DESCRIPTION
 *	The MX answer is parsed by hand with dn_expand() (not ns_parserr(),
 *	which not every resolver library exports): skip the question, then
 *	for each answer record of type MX take its preference and name.
 *	Every length is checked against the answer's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include "netcli.h"
#include "fsync.h"
#include "mem.h"

#define MX_ANSWER_MAX	65536
#define MX_MAX		64

static int get16(const unsigned char *p)
{
    return (p[0] << 8) | p[1];
}

static int cmp_mx(const void *a, const void *b)
{
    const PORT_MX *x = a, *y = b;

    return x->pref - y->pref;
}

static int dns_failure(const char *what, const char *name, int herr, STR *err)
{
    switch (herr) {
    case HOST_NOT_FOUND:
	str_printf(err, "%s: host %s not found (no such domain)", what, name);
	return PORT_DNS_NXDOMAIN;
    case NO_DATA:
	str_printf(err, "%s: %s has no such records", what, name);
	return PORT_DNS_NONE;
    default:
	str_printf(err, "%s: the resolver cannot answer for %s now (%s); try again later",
		   what, name, herr == TRY_AGAIN ? "server failure or timeout" : "no recovery");
	return PORT_DNS_TEMP;
    }
}

/* The MX records of one answer; -1 when the answer is malformed. */
static int parse_mx(const unsigned char *ans, int len, PORT_MX **mx, size_t *n)
{
    const unsigned char *p = ans + HFIXEDSZ, *end = ans + len;
    char    name[NS_MAXDNAME];
    int     qd, an, k, type, rdlen;

    if (len < HFIXEDSZ)
	return -1;
    qd = get16(ans + 4);
    an = get16(ans + 6);
    for (; qd > 0; qd--) {
	if ((k = dn_expand(ans, end, p, name, sizeof(name))) < 0 || p + k + QFIXEDSZ > end)
	    return -1;
	p += k + QFIXEDSZ;
    }
    for (; an > 0 && *n < MX_MAX; an--) {
	if ((k = dn_expand(ans, end, p, name, sizeof(name))) < 0 || p + k + RRFIXEDSZ > end)
	    return -1;
	p += k;
	type = get16(p);
	rdlen = get16(p + 8);
	p += RRFIXEDSZ;
	if (p + rdlen > end)
	    return -1;
	if (type == T_MX) {
	    if (rdlen < 3 || dn_expand(ans, end, p + 2, name, sizeof(name)) < 0)
		return -1;
	    *mx = mem_realloc(*mx, (*n + 1) * sizeof(**mx));
	    (*mx)[*n].pref = get16(p);
	    (*mx)[*n].host = mem_strdup(strcmp(name, ".") == 0 ? "" : name);
	    (*n)++;
	}
	p += rdlen;
    }
    return 0;
}

int     port_dns_mx(const char *domain, PORT_MX **mx, size_t *n, STR *err)
{
    unsigned char *ans = mem_alloc(MX_ANSWER_MAX);
    int     len, rc = PORT_DNS_OK;
    size_t  i;

    *mx = NULL;
    *n = 0;
    len = res_query(domain, C_IN, T_MX, ans, MX_ANSWER_MAX);
    if (len < 0) {
	rc = dns_failure("MX lookup", domain, h_errno, err);
    } else if (parse_mx(ans, len > MX_ANSWER_MAX ? MX_ANSWER_MAX : len, mx, n) < 0) {
	str_printf(err, "MX lookup: the answer for %s is malformed; try again later", domain);
	rc = PORT_DNS_TEMP;
    } else if (*n == 0) {
	str_printf(err, "MX lookup: %s has no MX records", domain);
	rc = PORT_DNS_NONE;
    }
    free(ans);
    if (rc != PORT_DNS_OK) {
	port_mx_free(*mx, *n);
	*mx = NULL;
	*n = 0;
	return rc;
    }
    /* A stable sort: equal preferences keep the server's order. */
    for (i = 0; i < *n; i++)
	(*mx)[i].pref = (*mx)[i].pref * MX_MAX + (int) i;
    qsort(*mx, *n, sizeof(**mx), cmp_mx);
    for (i = 0; i < *n; i++)
	(*mx)[i].pref /= MX_MAX;
    return PORT_DNS_OK;
}

void    port_mx_free(PORT_MX *mx, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	free(mx[i].host);
    free(mx);
}

/*
 * After a getaddrinfo() failure that is neither "no such name" nor "try
 * again": does the name exist without addresses?  glibc says so with
 * EAI_NODATA, which it declares only for _GNU_SOURCE and which POSIX does
 * not have, so the resolver is asked directly: an A query answered
 * NO_DATA (and getaddrinfo found no AAAA either) is a name without
 * addresses, a permanent condition; anything else stays temporary.
 */
static int no_address(const char *host)
{
    unsigned char ans[512];

    return res_query(host, C_IN, T_A, ans, (int) sizeof(ans)) < 0 && h_errno == NO_DATA;
}

int     port_dns_addrs(const char *host, STRLIST *addrs, STR *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char    text[INET6_ADDRSTRLEN];
    const void *a;
    size_t  i, before = addrs->n;
    int     rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
	if (rc == EAI_NONAME) {
	    str_printf(err, "address lookup: host %s not found", host);
	    return PORT_DNS_NXDOMAIN;
	}
	if (rc != EAI_AGAIN && rc != EAI_MEMORY && rc != EAI_SYSTEM && no_address(host)) {
	    str_printf(err, "address lookup: %s has no IPv4 or IPv6 address", host);
	    return PORT_DNS_NONE;
	}
	str_printf(err, "address lookup of %s failed: %s; try again later", host,
		   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	return PORT_DNS_TEMP;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
	if (ai->ai_family == AF_INET)
	    a = &((struct sockaddr_in *) (void *) ai->ai_addr)->sin_addr;
	else if (ai->ai_family == AF_INET6)
	    a = &((struct sockaddr_in6 *) (void *) ai->ai_addr)->sin6_addr;
	else
	    continue;
	if (inet_ntop(ai->ai_family, a, text, sizeof(text)) == NULL)
	    continue;
	for (i = before; i < addrs->n && strcmp(addrs->v[i], text) != 0; i++)
	     /* void */ ;
	if (i == addrs->n)
	    strlist_add(addrs, text);
    }
    freeaddrinfo(res);
    if (addrs->n == before) {
	str_printf(err, "address lookup: %s has no IPv4 or IPv6 address", host);
	return PORT_DNS_NONE;
    }
    return PORT_DNS_OK;
}

int     port_wait_fd(int fd, int for_write, long timeout_ms)
{
    struct pollfd p;
    int     rc;

    p.fd = fd;
    p.events = for_write ? POLLOUT : POLLIN;
    p.revents = 0;
    do
	rc = poll(&p, 1, timeout_ms < 0 ? -1 : (int) timeout_ms);
    while (rc < 0 && errno == EINTR);
    return rc < 0 ? -1 : rc > 0 ? 1 : 0;
}

int     port_connect_tcp(const char *addr, int port, long timeout_ms, STR *err)
{
    struct addrinfo hints, *res = NULL;
    char    service[16];
    int     fd, rc, soerr = 0;
    socklen_t len = sizeof(soerr);

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    if ((rc = getaddrinfo(addr, service, &hints, &res)) != 0) {
	str_printf(err, "connect to %s port %d: not an IP address (%s)", addr, port,
		   gai_strerror(rc));
	return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0
	|| fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
	str_printf(err, "connect to %s port %d: cannot make a socket: %s", addr, port,
		   strerror(errno));
	goto fail;
    }
    if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
	if (errno != EINPROGRESS && errno != EINTR) {
	    str_printf(err, "connect to %s port %d: %s", addr, port, strerror(errno));
	    goto fail;
	}
	rc = port_wait_fd(fd, 1, timeout_ms);
	if (rc == 0) {
	    str_printf(err, "connect to %s port %d: timed out after %ld s", addr, port,
		       timeout_ms / 1000);
	    goto fail;
	}
	if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
	    str_printf(err, "connect to %s port %d: %s", addr, port,
		       strerror(soerr ? soerr : errno));
	    goto fail;
	}
    }
    freeaddrinfo(res);
    return fd;
  fail:
    if (fd >= 0)
	(void) close(fd);
    freeaddrinfo(res);
    return -1;
}
