/*
 * JSON-lines logger.  The one other piece of process-wide state besides
 * the configuration: the program name and the minimum level.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "primerka";
static enum log_level	 log_min = LOG_LVL_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };
/* syslog(3) priorities of the levels: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
static const char *const level_prefix[] = { "<7>", "<6>", "<4>", "<3>" };
static int		 log_journal = -1;	/* stderr goes to journald */

void
log_init(const char *prog, const char *level)
{
	int	 i;

	if (prog != NULL)
		log_prog = prog;
	if (level == NULL)
		return;
	for (i = 0; i < 4; i++)
		if (strcmp(level, level_names[i]) == 0)
			log_min = (enum log_level)i;
}

/* Append s to buf as JSON string contents; returns the new offset. */
static size_t
put_escaped(char *buf, size_t off, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  ch;

	for (; *s != '\0' && off + 7 < cap; s++) {
		ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			buf[off++] = '\\';
			buf[off++] = (char)ch;
		} else if (ch == '\n') {
			buf[off++] = '\\';
			buf[off++] = 'n';
		} else if (ch < 0x20) {
			buf[off++] = '\\';
			buf[off++] = 'u';
			buf[off++] = '0';
			buf[off++] = '0';
			buf[off++] = hex[ch >> 4];
			buf[off++] = hex[ch & 15];
		} else
			buf[off++] = (char)ch;
	}
	return off;
}

/*
 * Append s at buf + off, cut so that the line stays below cap; returns
 * the new length.  The line is a counted buffer, never NUL-terminated.
 */
static size_t
put_raw(char *buf, size_t off, size_t cap, const char *s)
{
	size_t	 l = strlen(s);

	assert(off < cap);
	if (off + l >= cap)
		l = cap - off - 1;
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): counted */
	memcpy(buf + off, s, l);
	return off + l;
}

static void
log_emit(enum log_level lvl, const char *msg, va_list *kv)
{
	char		 buf[4096], ts[64];
	size_t		 off = 0, cap = sizeof(buf) - 4;
	struct timeval	 tv;
	struct tm	 tm;
	const char	*k, *v;

	/* journald reads a "<N>" prefix as the line's priority, so that
	 * journalctl -p err works; systemd sets JOURNAL_STREAM then. */
	if (log_journal == -1)
		log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (log_journal)
		off = put_raw(buf, off, cap, level_prefix[lvl]);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
	off = put_raw(buf, off, cap, "{\"ts\":\"");
	off = put_raw(buf, off, cap, ts);
	off = put_raw(buf, off, cap, "\",\"level\":\"");
	off = put_raw(buf, off, cap, level_names[lvl]);
	off = put_raw(buf, off, cap, "\",\"prog\":\"");
	off = put_escaped(buf, off, cap, log_prog);
	off = put_raw(buf, off, cap, "\",\"pid\":");
	{
		char pid[24];
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		off = put_raw(buf, off, cap, pid);
	}
	off = put_raw(buf, off, cap, ",\"msg\":\"");
	off = put_escaped(buf, off, cap, msg);
	off = put_raw(buf, off, cap, "\"");
	if (kv != NULL) {
		for (;;) {
			k = va_arg(*kv, const char *);
			if (k == NULL)
				break;
			v = va_arg(*kv, const char *);
			off = put_raw(buf, off, cap, ",\"");
			off = put_escaped(buf, off, cap, k);
			off = put_raw(buf, off, cap, "\":\"");
			off = put_escaped(buf, off, cap, v ? v : "");
			off = put_raw(buf, off, cap, "\"");
		}
	}
	buf[off++] = '}';
	buf[off++] = '\n';
	/* One write(2) per line keeps lines whole across processes. */
	if (write(STDERR_FILENO, buf, off) < 0)
		return;	/* nowhere left to report it */
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(lvl, msg, NULL);
}

void
log_kv(enum log_level lvl, const char *msg, ...)
{
	va_list	 ap;

	if (lvl < log_min)
		return;
	va_start(ap, msg);
	log_emit(lvl, msg, &ap);
	va_end(ap);
}
