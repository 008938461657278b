/*
 * Structured logging: one JSON object per line on stderr, for journald.
 * Under systemd (JOURNAL_STREAM set) each line starts with its syslog
 * priority, "<3>" for errors ... "<7>" for debug, which journald strips
 * and records (journalctl -p err).
 *
 * Never log secrets, initData or presigned URLs.  Fields are passed as
 * key/value pairs; log_kv() takes a NULL-terminated list of alternating
 * const char * keys and values.
 */
#ifndef PRIMERKA_LOG_H
#define PRIMERKA_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* Set the program name and the minimum level ("debug", "info", ...). */
void	log_init(const char *prog, const char *level);

/* printf-style message at a level. */
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Message with extra string fields: log_kv(LOG_LVL_INFO, "job done",
 * "job_id", "42", "status", "COMPLETED", (char *)NULL).  The list ends
 * with a null pointer (the compiler checks that it is there).
 */
void	log_kv(enum log_level, const char *msg, ...)
	    __attribute__((sentinel));

#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_errx(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* PRIMERKA_LOG_H */
