/*
 * The bot's outbox: claim a finished job's message, build it in the
 * user's language and send it once.  All SQL for it is here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deeplink.h"
#include "jobs.h"
#include "log.h"
#include "outbox.h"
#include "queue.h"
#include "telegram.h"

const struct db_stmt outbox_statements[] = {
	{ "outbox_claim",
	  "WITH c AS (SELECT job_id FROM bot_outbox WHERE state = 'pending' "
	  "AND run_after <= now() AND ($2::bigint = 0 OR job_id = $2) "
	  "ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED), "
	  "b AS (UPDATE bot_outbox b SET state = 'sending', claimed_by = $1, "
	  "claimed_at = now(), attempts = b.attempts + 1 FROM c "
	  "WHERE b.job_id = c.job_id RETURNING b.job_id, b.user_id, "
	  "b.attempts) "
	  "SELECT b.job_id, b.user_id, b.attempts, j.kind, j.status, "
	  "coalesce(j.result_key, ''), coalesce(j.thumb_key, ''), "
	  "coalesce(j.error_code, ''), coalesce(u.lang_choice, u.language), "
	  "u.bot_notify AND u.bot_blocked_at IS NULL, "
	  "coalesce(o.id, 0), coalesce(o.shop_id, 0), coalesce(o.title, '') "
	  "FROM b JOIN jobs j ON j.id = b.job_id "
	  "JOIN users u ON u.id = b.user_id "
	  "LEFT JOIN jobs src ON src.id = j.source_job_id "
	  "LEFT JOIN outfits o ON o.id = coalesce(j.outfit_id, src.outfit_id)",
	  2 },
	{ "outbox_finish",
	  "UPDATE bot_outbox SET state = $3, message_id = nullif($4, 0), "
	  "last_error = nullif(left($5, 300), ''), sent_at = CASE WHEN $3 = "
	  "'sent' THEN now() END WHERE job_id = $1 AND claimed_by = $2 "
	  "AND state = 'sending'", 5 },
	{ "outbox_retry",
	  "UPDATE bot_outbox SET state = 'pending', claimed_by = NULL, "
	  "run_after = now() + make_interval(secs => $3), "
	  "last_error = left($4, 300) WHERE job_id = $1 AND claimed_by = $2 "
	  "AND state = 'sending'", 4 },
	{ "outbox_blocked",
	  "WITH b AS (UPDATE bot_outbox SET state = 'blocked', "
	  "last_error = left($3, 300) WHERE job_id = $1 AND claimed_by = $2 "
	  "AND state = 'sending' RETURNING user_id) "
	  "UPDATE users SET bot_blocked_at = now() "
	  "WHERE id IN (SELECT user_id FROM b)", 3 },
	{ "outbox_abandon",
	  "UPDATE bot_outbox SET state = 'unknown', last_error = 'the worker "
	  "sending it was lost: it may have arrived' WHERE state = 'sending' "
	  "AND claimed_at < now() - make_interval(secs => $1) "
	  "RETURNING job_id", 1 },
	{ NULL, NULL, 0 }
};

/* The claim's columns. */
enum {
	OC_JOB, OC_USER, OC_ATTEMPTS, OC_KIND, OC_STATUS, OC_RESULT, OC_THUMB,
	OC_ERROR, OC_LANG, OC_WANTED, OC_OUTFIT, OC_SHOP, OC_TITLE
};

/* What the bot says (followed by the title or the reason), by enum
 * lang. */
static const char *const txt_tryon_ready[LANG__MAX] = {
	"Your try-on is ready: ", "Примерка готова: "
};
static const char *const txt_video_ready[LANG__MAX] = {
	"Your video is ready: ", "Видео готово: "
};
static const char *const txt_tryon_failed[LANG__MAX] = {
	"The try-on did not work out. ", "Примерка не получилась. "
};
static const char *const txt_video_failed[LANG__MAX] = {
	"The video did not work out. ", "Видео не получилось. "
};
static const char *const txt_open[LANG__MAX] = { "Open", "Открыть" };

/*
 * The Mini App URL a web_app button opens: [telegram] webapp_url with
 * startapp naming the job ("t<id>" or "a<id>").  0, or -1 when it does
 * not fit.
 */
static int
open_url(const struct app *a, enum job_kind kind, int64_t job,
    char *out, size_t outlen)
{
	struct deeplink	 d;
	char		 sp[DEEPLINK_MAX + 1];
	int		 w;

	memset(&d, 0, sizeof(d));
	if (kind == JOB_KIND_TRYON)
		d.tryon_id = job;
	else
		d.animation_id = job;
	if (deeplink_format(&d, sp, sizeof(sp)) == -1)
		return -1;
	w = snprintf(out, outlen, "%s%sstartapp=%s", a->tg_webapp_url,
	    strchr(a->tg_webapp_url, '?') != NULL ? "&" : "?", sp);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* A job's id as text, for statement parameters. */
static void
id_text(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)v);
}

/*
 * Record how sending job ended.  rc is tg_send()'s verdict; attempts
 * the attempts so far (this one included).
 */
static int
finish(struct app *a, const char *worker, int64_t job, enum tg_send rc,
    int attempts, int64_t msgid, int64_t retry_after, const char *err)
{
	char		 id[24], mid[24], delay[24];
	const char	*p[5];
	int		 d;

	id_text(job, id, sizeof(id));
	p[0] = id;
	p[1] = worker;
	if (rc == TG_SEND_RETRY && attempts < OUTBOX_MAX_ATTEMPTS) {
		d = queue_backoff(attempts, 5, 3600,
		    (double)(arc4random() % 1000) / 1000.0);
		if (retry_after > d)
			d = (int)(retry_after > 86400 ? 86400 : retry_after);
		id_text(d, delay, sizeof(delay));
		p[2] = delay;
		p[3] = err;
		return db_run(a->db, "outbox_retry", 4, p, PGRES_COMMAND_OK,
		    NULL);
	}
	if (rc == TG_SEND_BLOCKED) {
		p[2] = err;
		return db_run(a->db, "outbox_blocked", 3, p, PGRES_COMMAND_OK,
		    NULL);
	}
	id_text(msgid, mid, sizeof(mid));
	p[2] = rc == TG_SEND_OK ? "sent" : rc == TG_SEND_UNKNOWN ? "unknown" :
	    "failed";
	p[3] = mid;
	p[4] = err;
	return db_run(a->db, "outbox_finish", 5, p, PGRES_COMMAND_OK, NULL);
}

/*
 * Build the message of one claimed row (res, row 0) into m, with the
 * strings it points to in the caller's buffers; *media_url is malloc'd
 * (the presigned result) or NULL.  0, or -1 when the row cannot make a
 * message (err says why).
 */
static int
build(struct app *a, const PGresult *res, struct tg_message *m,
    char **media_url, char *text, size_t textlen, char *button,
    size_t buttonlen, char *err, size_t errlen)
{
	enum lang	 lang = lang_parse(PQgetvalue(res, 0, OC_LANG));
	int		 kind = job_kind_parse(PQgetvalue(res, 0, OC_KIND));
	int		 done = strcmp(PQgetvalue(res, 0, OC_STATUS),
	    "COMPLETED") == 0;
	const char	*title = PQgetvalue(res, 0, OC_TITLE);
	const char	*code = PQgetvalue(res, 0, OC_ERROR);
	int64_t		 job = db_get_i64(res, 0, OC_JOB);
	time_t		 now = time(NULL);

	memset(m, 0, sizeof(*m));
	*media_url = NULL;
	if (kind < 0)
		kind = JOB_KIND_TRYON;
	m->chat_id = db_get_i64(res, 0, OC_USER);
	if (done && PQgetvalue(res, 0, OC_RESULT)[0] != '\0') {
		m->media = kind == JOB_KIND_TRYON ? TG_MEDIA_PHOTO :
		    TG_MEDIA_VIDEO;
		*media_url = s3_presign_get(a->s3, a->bucket[kind ==
		    JOB_KIND_TRYON ? BUCKET_RESULTS : BUCKET_VIDEOS],
		    PQgetvalue(res, 0, OC_RESULT), (int)a->presign_ttl, now);
		if (*media_url == NULL) {
			snprintf(err, errlen, "cannot presign the result");
			return -1;
		}
		m->media_url = *media_url;
		snprintf(text, textlen, "%s%s", kind == JOB_KIND_TRYON ?
		    txt_tryon_ready[lang] : txt_video_ready[lang], title);
	} else {
		m->media = TG_MEDIA_TEXT;
		snprintf(text, textlen, "%s%s", kind == JOB_KIND_TRYON ?
		    txt_tryon_failed[lang] : txt_video_failed[lang],
		    job_error_lookup(code[0] ? code : NULL)->message[lang]);
	}
	m->text = text;
	if (a->tg_webapp_url[0] != '\0' &&
	    open_url(a, (enum job_kind)kind, job, button, buttonlen) == 0) {
		m->button_text = txt_open[lang];
		m->button_url = button;
	}
	return 0;
}

int
outbox_send_one(struct app *a, const char *worker, int64_t job_id)
{
	struct tg_config	 tc;
	struct tg_message	 m;
	PGresult		*res;
	char			 id[24], text[1200], button[1200], err[256];
	char			*media = NULL;
	const char		*p[2] = { worker, id };
	int64_t			 job, msgid = 0, retry_after = 0;
	enum tg_send		 rc;
	int			 attempts;

	if (a->tg_bot_token == NULL || a->tg_bot_token[0] == '\0')
		return 0;
	id_text(job_id, id, sizeof(id));
	if (db_run(a->db, "outbox_claim", 2, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	job = db_get_i64(res, 0, OC_JOB);
	attempts = (int)db_get_i64(res, 0, OC_ATTEMPTS);
	err[0] = '\0';
	if (strcmp(PQgetvalue(res, 0, OC_WANTED), "t") != 0) {
		/* Switched off (or blocked) after the job finished. */
		rc = TG_SEND_REJECTED;
		snprintf(err, sizeof(err), "the user switched bot messages "
		    "off");
	} else if (build(a, res, &m, &media, text, sizeof(text), button,
	    sizeof(button), err, sizeof(err)) == -1)
		rc = TG_SEND_RETRY;
	else {
		tc.api_base = a->tg_api_base;
		tc.bot_token = a->tg_bot_token;
		tc.timeout_ms = 15000;
		rc = tg_send(&tc, &m, &msgid, &retry_after, err, sizeof(err));
	}
	PQclear(res);
	free(media);
	{
		char jid[24], att[16];
		id_text(job, jid, sizeof(jid));
		snprintf(att, sizeof(att), "%d", attempts);
		log_kv(rc == TG_SEND_OK ? LOG_LVL_INFO : LOG_LVL_WARN,
		    "bot message", "job_id", jid, "outcome",
		    tg_send_names[rc], "attempt", att, "error", err,
		    (char *)NULL);
	}
	if (finish(a, worker, job, rc, attempts, msgid, retry_after,
	    err) == -1)
		return -1;
	return 1;
}

int
outbox_abandon(struct app *a, int age)
{
	char		 s[24];
	const char	*p[1] = { s };
	PGresult	*res;
	int		 n;

	id_text(age, s, sizeof(s));
	if (db_run(a->db, "outbox_abandon", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n;
}
