/* ports.h - the pieces of the ports probe that tests call directly.
 *
 * The ports probe (ports.c) reads the listening TCP sockets from <root>/proc/net/tcp{,6}
 * and reports the risky services among them (SMB, RDP, telnet, FTP, databases on a
 * public address, Redis/Memcached answering without authentication) as advisory
 * detections. These functions are pure except fh_ports_check_auth(), which connects to
 * 127.0.0.1. */
#ifndef FH_PORTS_H
#define FH_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health_procs.h"

#define FH_PORTS_MAX_RISKY 64        /* entries of the risky list */
#define FH_PORTS_NAME_MAX 32         /* a service name with its NUL */
#define FH_PORTS_MAX_LISTENERS 512   /* listening sockets looked at in one round */
#define FH_PORTS_MAX_REPLY 512       /* bytes of a service's reply read by the auth check */

struct fh_ports_risky {
    uint32_t port;
    char name[FH_PORTS_NAME_MAX];
};

/* Parse "445=smb,3389=rdp" (spaces around items allowed) into out[0..max): each port
 * 1..65535 once, each name 1..FH_PORTS_NAME_MAX-1 bytes of [A-Za-z0-9_.-]. Returns 0,
 * or FH_ECONFIG with *why saying what is wrong (a static string). "" gives none. */
int fh_ports_parse_risky(const char *text, struct fh_ports_risky *out, size_t max, size_t *n,
                         const char **why);

/* Parse "3306,5432" into out[0..max), each 1..65535. Returns 0 or FH_ECONFIG. */
int fh_ports_parse_list(const char *text, uint32_t *out, size_t max, size_t *n);

/* True for an address only this host can reach: 127.0.0.0/8, ::1, ::ffff:127.x.y.z. */
bool fh_ports_is_loopback(const char *address);

/* The services whose lack of authentication the probe checks. */
enum fh_ports_service { FH_PORTS_OTHER, FH_PORTS_REDIS, FH_PORTS_MEMCACHED };
enum fh_ports_service fh_ports_service_of(const char *name);

/* Ask the service on 127.0.0.1:port a harmless question ("PING" for Redis, "stats" for
 * Memcached) and wait at most timeout_ms in all. Returns 1 when it answered without
 * asking for credentials (+PONG / STAT ...), 0 when it answered otherwise (-NOAUTH,
 * an error, nothing before the deadline), or FH_EIO when nothing accepts the
 * connection. */
int fh_ports_check_auth(enum fh_ports_service svc, uint32_t port, uint32_t timeout_ms);

/* True when reply (len bytes, not NUL-terminated) means the service answered the
 * check's question without authentication. */
bool fh_ports_reply_open(enum fh_ports_service svc, const char *reply, size_t len);

#endif
