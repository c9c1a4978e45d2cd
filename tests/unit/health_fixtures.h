/* health_fixtures.h - /proc texts for the health probe's tests.
 *
 * Real layouts of the kernel's files with numbers chosen so the expected values are easy
 * to check by hand. Static: each test file that includes this gets its own copy. */
#ifndef FH_HEALTH_FIXTURES_H
#define FH_HEALTH_FIXTURES_H

static const char MEMINFO[] =
    "MemTotal:       16318480 kB\n"
    "MemFree:         1234567 kB\n"
    "MemAvailable:   12000000 kB\n"
    "Buffers:          100000 kB\n"
    "SwapCached:            7 kB\n"
    "SwapTotal:       2097148 kB\n"
    "SwapFree:        2000000 kB\n";

/* busy 200 of 1000 ticks (guest 50 is inside user and not counted twice) */
static const char STAT1[] =
    "cpu  100 0 100 700 100 0 0 0 50 0\n"
    "cpu0 50 0 50 350 50 0 0 0 25 0\n"
    "cpu1 50 0 50 350 50 0 0 0 25 0\n"
    "intr 12345 0 0\nctxt 999\nbtime 1700000000\nprocesses 1234\n";
/* then busy 600 of 2000: 400 of the 1000 ticks between the two */
static const char STAT2[] =
    "cpu  400 0 200 1200 200 0 0 0 50 0\n"
    "cpu0 200 0 100 600 100 0 0 0 25 0\n"
    "cpu1 200 0 100 600 100 0 0 0 25 0\n";

static const char LOADAVG[] = "0.52 0.58 1.59 2/345 6789\n";
static const char UPTIME[] = "12345.67 54321.00\n";

static const char NETDEV[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
    "errs drop fifo colls carrier compressed\n"
    "    lo:    3267      29    0    0    0     0          0         0     3267      29"
    "    0    0    0     0       0          0\n"
    "  eth0: 28200893     768    1    0    0     0          0         0    37329     413"
    "    2    0    0     0       0          0\n"
    "wlp2s0: 1000 10 0 0 0 0 0 0 2000 20 3 0 0 0 0 0\n";

static const char MOUNTS[] =
    "proc /proc proc rw,relatime 0 0\n"
    "sysfs /sys sysfs rw,nosuid 0 0\n"
    "/dev/sda1 / ext4 rw,relatime 0 0\n"
    "tmpfs /run tmpfs rw,nosuid 0 0\n"
    "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
    "/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n"
    "overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\n"
    "devpts /dev/pts devpts rw 0 0\n"
    "/dev/sda1 / ext4 rw,relatime 0 0\n";

static const char OS_RELEASE[] =
    "NAME=\"Debian GNU/Linux\"\n"
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
    "ID=debian\n";

#endif
