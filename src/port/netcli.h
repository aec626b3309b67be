/*
 * NAME
 *	netcli - the client side of the network: the resolver, outgoing TCP
 * SYNOPSIS
 *	#include "netcli.h"
 *
 *	int port_dns_mx(const char *domain, PORT_MX **mx, size_t *n, STR *err);
 *	void port_mx_free(PORT_MX *mx, size_t n);
 *	int port_dns_addrs(const char *host, STRLIST *addrs, STR *err);
 *	int port_connect_tcp(const char *addr, int port, long timeout_ms, STR *err);
 *	int port_wait_fd(int fd, int for_write, long timeout_ms);
 * DESCRIPTION
 *	The SMTP client finds and reaches the next hop through these, so the
 *	rest of the tree never sees the system's resolver or socket calls.
 *
 *	port_dns_mx() asks the system resolver (res_query, answers taken
 *	apart with dn_expand) for the MX records of domain and returns them
 *	sorted by preference (equal preferences keep the server's order),
 *	in a new array the caller frees with port_mx_free().  A null MX (RFC
 *	7505: one record, preference 0, host ".") is returned as one entry
 *	with an empty host.
 *
 *	port_dns_addrs() gives the IPv4 and IPv6 addresses of host as text
 *	(getaddrinfo; an address literal is returned as it is), appended to
 *	addrs without duplicates, in the resolver's order.  A name that
 *	exists without addresses is PORT_DNS_NONE (getaddrinfo's EAI_NODATA
 *	is not POSIX: an A query tells).
 *
 *	Both return PORT_DNS_OK (0) with results, PORT_DNS_NONE when the
 *	name exists but has no such records, PORT_DNS_NXDOMAIN when the name
 *	does not exist (a permanent failure for mail), PORT_DNS_TEMP when the
 *	resolver could not answer now (try again later), with err set for
 *	all but PORT_DNS_OK.
 *
 *	port_connect_tcp() connects to a literal IPv4 or IPv6 address and
 *	port, waiting at most timeout_ms, and returns the connected socket,
 *	non-blocking and close-on-exec; -1 with err ("connect to 192.0.2.1
 *	port 25: Connection refused", "...: timed out after 30 s").
 *
 *	port_wait_fd() waits until fd can be read (for_write 0) or written
 *	(1): 1 ready, 0 timed out, -1 error (errno set).  poll(2), which the
 *	OpenVMS C run-time also has for sockets.
 *
 *	OpenVMS: TCP/IP Services provides res_query, dn_expand and
 *	getaddrinfo with the same interfaces (TCPIP$IPC_SHR); the headers
 *	are those of its C run-time.
 * DIAGNOSTICS
 *	Messages name the domain, host or address and the resolver's or
 *	system's reason.
 */
#ifndef PMDF_NETCLI_H
#define PMDF_NETCLI_H
#include <stddef.h>
#include "str.h"
#include "strlist.h"

#define PORT_DNS_OK		0
#define PORT_DNS_NONE		1
#define PORT_DNS_NXDOMAIN	2
#define PORT_DNS_TEMP		3

typedef struct PORT_MX {
    int     pref;
    char   *host;			/* "" for a null MX */
} PORT_MX;

int port_dns_mx(const char *domain, PORT_MX **mx, size_t *n, STR *err);
void port_mx_free(PORT_MX *mx, size_t n);
int port_dns_addrs(const char *host, STRLIST *addrs, STR *err);
int port_connect_tcp(const char *addr, int port, long timeout_ms, STR *err);
int port_wait_fd(int fd, int for_write, long timeout_ms);

#endif
