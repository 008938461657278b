/*
 * The bot's outbox: the message a user gets when their try-on or
 * animation finishes (db/016_bot_delivery.sql).  Rows are written by
 * the database in the transaction that finishes the job; the worker
 * sends them after the commit with the Bot API (sendPhoto, sendVideo,
 * sendMessage), at most once per job:
 *
 * a row is claimed (state sending) and committed before the request, so
 * a worker that dies mid-send leaves it in sending, where it is never
 * sent again; a failure that surely did not deliver (no connection,
 * 429, 5xx) puts it back with backoff; a 403 (the user blocked the bot)
 * is recorded on the user and not retried.
 */
#ifndef PRIMERKA_OUTBOX_H
#define PRIMERKA_OUTBOX_H

#include <stdint.h>

#include "app.h"
#include "db.h"

/* Seconds after which a row still in sending is taken as lost: well
 * past the longest a send may take (its request times out at 15 s). */
#define OUTBOX_SEND_LEASE	60

/* Attempts before a row that keeps failing is given up (failed). */
#define OUTBOX_MAX_ATTEMPTS	8

extern const struct db_stmt outbox_statements[];

/*
 * Send one due message: job_id's when job_id > 0, else the oldest due
 * one.  worker names the sender (claimed_by).  Returns 1 when a row was
 * handled (whatever Telegram said), 0 when none was due or the bot is
 * not configured, -1 when the database failed.
 */
int	outbox_send_one(struct app *, const char *worker, int64_t job_id);

/*
 * Mark rows claimed more than age seconds ago and still in sending
 * (their worker died mid-send) unknown: they may have arrived, so they
 * are not sent again.  Returns how many, or -1.
 */
int	outbox_abandon(struct app *, int age);

#endif /* PRIMERKA_OUTBOX_H */
