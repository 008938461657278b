/*
 * The service manager's notification protocol (sd_notify(3)), without
 * libsystemd: a datagram of "KEY=VALUE" lines to $NOTIFY_SOCKET.  Every
 * call is a no-op outside systemd (no NOTIFY_SOCKET).
 */
#ifndef PRIMERKA_SDNOTIFY_H
#define PRIMERKA_SDNOTIFY_H

#include <stdint.h>

/*
 * Send state (e.g. "READY=1", "RELOADING=1", "WATCHDOG=1",
 * "STOPPING=1", "STATUS=..."); returns 1 when sent, 0 when there is no
 * service manager to tell, -1 on error.  Async-signal-safe.
 */
int		 sd_notify_send(const char *state);

/*
 * The interval at which to send "WATCHDOG=1": half of $WATCHDOG_USEC
 * (in microseconds) when the watchdog is on for this process
 * ($WATCHDOG_PID unset or ours), else 0.
 */
uint64_t	 sd_notify_watchdog_usec(void);

#endif /* PRIMERKA_SDNOTIFY_H */
