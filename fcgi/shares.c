/*
 * Sharing a result: POST /tryons/{id}/share and /animations/{id}/share
 * give the Mini App what it needs to share a finished job to a story
 * (shareToStory), to a chat (shareMessage with a message the bot
 * prepared) or as a link; and visits from shared links are counted for
 * the shop (db/017_shares.sql).
 *
 * The answer:
 *   {"code": share code, "startapp": "o<outfit>-s<shop>-r<code>",
 *    "link": the t.me link (or the Mini App URL) with startapp | null,
 *    "story": {"media_url", "text", "widget_link": {"url", "name"}},
 *    "prepared_message_id": for shareMessage | null,
 *    "prepared_expires_at": Unix seconds | null}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "deeplink.h"
#include "log.h"
#include "telegram.h"

/* How long the story's media URL lives: Telegram fetches it at once. */
#define STORY_URL_TTL	600

const struct db_stmt shares_statements[] = {
	{ "share_job",
	  "SELECT j.status, coalesce(j.result_key, ''), "
	  "coalesce(j.thumb_key, ''), o.id, o.shop_id, o.title "
	  "FROM jobs j LEFT JOIN jobs src ON src.id = j.source_job_id "
	  "JOIN outfits o ON o.id = coalesce(j.outfit_id, src.outfit_id) "
	  "WHERE j.id = $1 AND j.user_id = $2 AND j.kind = $3", 3 },
	{ "share_upsert",
	  "INSERT INTO shares (code, user_id, job_id, outfit_id, shop_id) "
	  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, user_id) "
	  "DO UPDATE SET job_id = EXCLUDED.job_id RETURNING code", 5 },
	{ "share_visit",
	  "SELECT share_visit($1, $2, $3, $4)", 4 },
	{ "share_stats",
	  "SELECT count(*) FILTER (WHERE kind = 'open'), "
	  "count(*) FILTER (WHERE kind = 'tryon') FROM share_visits "
	  "WHERE shop_id = $1 AND created_at >= $2::date "
	  "AND created_at < $3::date + 1", 3 },
	{ NULL, NULL, 0 }
};

static const char *const visit_names[SHARE_VISIT__MAX] = { "open", "tryon" };

/* What a shared result says, by enum lang. */
static const char *const txt_story[LANG__MAX] = {
	"My try-on in primerka", "Моя примерка в primerka"
};
static const char *const txt_try[LANG__MAX] = { "Try it on", "Примерить" };

void
shares_record(struct req *r, enum share_visit kind, int64_t outfit_id)
{
	struct deeplink	 d;
	char		 uid[24], oid[24];
	const char	*p[4] = { NULL, uid, visit_names[kind], oid };

	if (deeplink_parse(r->user.start_param, &d) == -1 || d.code[0] == '\0')
		return;
	p[0] = d.code;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(oid, sizeof(oid), "%lld", (long long)outfit_id);
	if (db_run(r->app->db, "share_visit", 4, p, PGRES_TUPLES_OK,
	    NULL) == -1)
		log_warnx("share visit not recorded: %s", db_error(r->app->db));
}

json_object *
shares_shop_stats(struct req *r, const char *shop, const char *from,
    const char *to)
{
	const char	*p[3] = { shop, from, to };
	PGresult	*res;
	json_object	*o;

	if (db_run(r->app->db, "share_stats", 3, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "opens",
	    json_object_new_int64(db_get_i64(res, 0, 0)));
	json_object_object_add(o, "tryons",
	    json_object_new_int64(db_get_i64(res, 0, 1)));
	PQclear(res);
	return o;
}

/* base with "startapp=sp" appended to its query, into out; 0 or -1. */
static int
with_startapp(const char *base, const char *sp, char *out, size_t outlen)
{
	int	 w;

	w = snprintf(out, outlen, "%s%sstartapp=%s", base,
	    strchr(base, '?') != NULL ? "&" : "?", sp);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/*
 * Ask the bot to prepare the message the user shares to a chat: the
 * result with a "Try it on" button to link.  On success *id (malloc'd)
 * and *expires are set; a failure is logged and leaves *id NULL (the app
 * then offers the link instead).
 */
static void
prepare_message(struct req *r, int tryon, const char *media,
    const char *thumb, const char *caption, const char *link,
    const char *code, char **id, int64_t *expires)
{
	struct tg_config	 tc;
	struct tg_message	 m;
	char			 rid[32], err[256];

	*id = NULL;
	*expires = 0;
	if (r->app->tg_bot_token[0] == '\0' || link == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.media = tryon ? TG_MEDIA_PHOTO : TG_MEDIA_VIDEO;
	m.chat_id = r->user.id;
	m.media_url = media;
	m.thumb_url = thumb;
	m.title = caption;
	m.text = caption;
	m.button_text = txt_try[r->lang];
	m.button_url = link;
	snprintf(rid, sizeof(rid), "share-%s", code);
	tc.api_base = r->app->tg_api_base;
	tc.bot_token = r->app->tg_bot_token;
	tc.timeout_ms = 8000;
	if (tg_save_prepared_message(&tc, &m, rid, id, expires, err,
	    sizeof(err)) == -1)
		log_warnx("share %s: no prepared message: %s", code, err);
}

/* The share code of this job for this user, made once: 0 or -1 (503). */
static int
share_code(struct req *r, const char *jid, const PGresult *job, char *code)
{
	unsigned char	 rnd[DEEPLINK_CODE_LEN / 2];
	char		 uid[24];
	const char	*p[5];
	PGresult	*res;
	size_t		 i;

	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(code + 2 * i, 3, "%02x", rnd[i]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = code;
	p[1] = uid;
	p[2] = jid;
	p[3] = PQgetvalue(job, 0, 3);
	p[4] = PQgetvalue(job, 0, 4);
	if (db_run(r->app->db, "share_upsert", 5, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return -1;
	}
	snprintf(code, DEEPLINK_CODE_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static void
job_share(struct req *r, const char *kind)
{
	struct app	*a = r->app;
	int		 tryon = strcmp(kind, "tryon") == 0;
	enum bucket	 b = tryon ? BUCKET_RESULTS : BUCKET_VIDEOS;
	char		 jid[24], uid[24], code[DEEPLINK_CODE_LEN + 1];
	char		 sp[DEEPLINK_MAX + 1], link[2048], caption[512];
	char		*story = NULL, *media = NULL, *thumb = NULL, *pid = NULL;
	const char	*p[3] = { jid, uid, kind }, *base;
	struct deeplink	 d;
	PGresult	*res;
	json_object	*o, *st, *wl;
	int64_t		 expires;
	time_t		 now = time(NULL);
	int		 has_link;

	if (users_touch(r) == -1)
		return;
	snprintf(jid, sizeof(jid), "%lld", (long long)r->path_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(a->db, "share_job", 3, p, PGRES_TUPLES_OK, &res) == -1) {
		api_db_down(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		resp_error(r, API_ERR_NOT_FOUND, tryon ? "no such try-on" :
		    "no such animation");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "COMPLETED") != 0 ||
	    PQgetvalue(res, 0, 1)[0] == '\0') {
		PQclear(res);
		resp_error(r, API_ERR_NOT_COMPLETED,
		    "only a finished result can be shared");
		return;
	}
	if (share_code(r, jid, res, code) == -1) {
		PQclear(res);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.outfit_id = db_get_i64(res, 0, 3);
	d.shop_id = db_get_i64(res, 0, 4);
	memcpy(d.code, code, sizeof(d.code));
	(void)deeplink_format(&d, sp, sizeof(sp));
	base = a->tg_app_link[0] != '\0' ? a->tg_app_link : a->tg_webapp_url;
	has_link = base[0] != '\0' &&
	    with_startapp(base, sp, link, sizeof(link)) == 0;
	snprintf(caption, sizeof(caption), "%s: %s", txt_story[r->lang],
	    PQgetvalue(res, 0, 5));
	story = s3_presign_get(a->s3, a->bucket[b], PQgetvalue(res, 0, 1),
	    STORY_URL_TTL, now);
	media = s3_presign_get(a->s3, a->bucket[b], PQgetvalue(res, 0, 1),
	    (int)a->presign_ttl, now);
	if (PQgetvalue(res, 0, 2)[0] != '\0')
		thumb = s3_presign_get(a->s3, a->bucket[b],
		    PQgetvalue(res, 0, 2), (int)a->presign_ttl, now);
	PQclear(res);
	if (story == NULL || media == NULL) {
		resp_error(r, API_ERR_STORAGE_UNAVAILABLE,
		    "the result cannot be reached now; try again");
		goto done;
	}
	prepare_message(r, tryon, media, thumb, caption,
	    has_link ? link : NULL, code, &pid, &expires);

	o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "startapp", json_object_new_string(sp));
	json_object_object_add(o, "link",
	    has_link ? json_object_new_string(link) : NULL);
	st = json_object_new_object();
	json_object_object_add(st, "media_url", json_object_new_string(story));
	json_object_object_add(st, "text", json_object_new_string(caption));
	wl = NULL;
	if (has_link) {
		wl = json_object_new_object();
		json_object_object_add(wl, "url", json_object_new_string(link));
		json_object_object_add(wl, "name",
		    json_object_new_string(txt_try[r->lang]));
	}
	json_object_object_add(st, "widget_link", wl);
	json_object_object_add(o, "story", st);
	json_object_object_add(o, "prepared_message_id",
	    pid ? json_object_new_string(pid) : NULL);
	json_object_object_add(o, "prepared_expires_at",
	    pid && expires > 0 ? json_object_new_int64(expires) : NULL);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
done:
	free(story);
	free(media);
	free(thumb);
	free(pid);
}

void h_tryons_share(struct req *r) { job_share(r, "tryon"); }
void h_animations_share(struct req *r) { job_share(r, "animation"); }
