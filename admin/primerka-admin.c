/*
 * primerka-admin: the operators' command line.  Its commands are the
 * table commands[] below (name, usage, argument counts, what each needs
 * before it runs, handler, help line); `primerka-admin help` prints it,
 * and a wrong command or argument count prints the usage lines from it.
 *
 * Reads the same configuration as the services (PRIMERKA_CONFIG and the
 * PRIMERKA_* environment).  Prints the new id on success.
 *
 * Catalogue images pass the same checks as the API's (lib/qc.c: quality,
 * the outfit's composition) and the NSFW classifier, which the API leaves
 * to the worker; a rejected image is refused with its reasons unless
 * --force.  A location also gets the automatic tags, and the generated
 * description when none is given (in --lang).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "agents.h"
#include "app.h"
#include "confcheck.h"
#include "conftab.h"
#include "image.h"
#include "ingest.h"
#include "log.h"
#include "providers/provider.h"
#include "qc.h"
#include "deletes.h"
#include "retention.h"
#include "telegram.h"
#include "util.h"

static const struct db_stmt admin_statements[] = {
	{ "admin_user_ensure",
	  "INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", 1 },
	{ "admin_grant",
	  "SELECT ledger_credit($1, 'grant', $2, $3)", 3 },
	{ "admin_set_role",
	  "UPDATE users SET role = $2, shop_id = $3 WHERE id = $1 "
	  "RETURNING id", 3 },
	{ "admin_add_shop",
	  "INSERT INTO shops (name) VALUES ($1) RETURNING id", 1 },
	{ "admin_add_outfit",
	  "INSERT INTO outfits (shop_id, title, description, category, price, "
	  "product_url, image_key, width, height, qc, nsfw_checked_at) VALUES "
	  "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, CASE WHEN "
	  "$11::boolean THEN now() END) RETURNING id", 11 },
	{ "admin_add_location",
	  "INSERT INTO locations (title, description, tags, image_key, width, "
	  "height, qc, nsfw_checked_at) VALUES ($1, CASE WHEN $2 = '' THEN $7 "
	  "ELSE $2 END, ARRAY(SELECT DISTINCT t FROM "
	  "unnest(string_to_array($3, "
	  "',') || string_to_array($8, ',')) t WHERE t <> '' ORDER BY t), $4, "
	  "$5, $6, $9::jsonb, CASE WHEN $10::boolean THEN now() END) "
	  "RETURNING id", 10 },
	{ "admin_purchases",
	  "SELECT id, status, tokens, stars, coalesce(charge_id, '-'), "
	  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
	  "coalesce(refunded_tokens::text, '-') FROM purchases "
	  "WHERE user_id = $1 ORDER BY id DESC LIMIT 100", 1 },
	{ "admin_stats",
	  "WITH d AS (SELECT generate_series(0, $1::int - 1) AS ago), "
	  "t AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, "
	  "-sum(amount) AS tokens, count(*) AS jobs FROM ledger "
	  "WHERE kind = 'debit' GROUP BY 1), "
	  "p AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, "
	  "provider, "
	  "sum(credits) AS credits, count(*) AS calls FROM job_credits "
	  "GROUP BY 1, 2), "
	  "c AS (SELECT day, string_agg(provider || '=' || credits::text || "
	  "'/' || calls, ' ' ORDER BY provider) AS credits FROM p "
	  "GROUP BY day) "
	  "SELECT to_char(x.day, 'YYYY-MM-DD'), coalesce(t.jobs, 0), "
	  "coalesce(t.tokens, 0), coalesce(c.credits, '-') FROM "
	  "(SELECT (now() AT TIME ZONE 'UTC')::date - ago AS day FROM d) x "
	  "LEFT JOIN t ON t.day = x.day LEFT JOIN c ON c.day = x.day "
	  "ORDER BY x.day DESC", 1 },
	{ "admin_refund",
	  "SELECT outcome, buyer, charge, stars, tokens, taken FROM "
	  "purchase_refund($1, $2)", 2 },
	{ NULL, NULL, 0 }
};

static const struct db_stmt *const admin_tables[] = { admin_statements,
    retention_statements, deletes_statements, agents_statements, NULL };

static struct {
	const char	*lang, *name, *note, *shop, *title, *description;
	const char	*category, *price, *url, *tags, *age;
	int		 force;
} opt = { "en", "Dev", "admin grant", NULL, NULL, "", "tops", NULL, NULL, "",
    "0", 0 };

static void	usage(void) __attribute__((noreturn));

/* Record one option (options may come before or after the command). */
static void
set_opt(int ch)
{
	switch (ch) {
	case 'l': opt.lang = optarg; break;
	case 'n': opt.name = optarg; break;
	case 'N': opt.note = optarg; break;
	case 's': opt.shop = optarg; break;
	case 't': opt.title = optarg; break;
	case 'd': opt.description = optarg; break;
	case 'c': opt.category = optarg; break;
	case 'p': opt.price = optarg; break;
	case 'u': opt.url = optarg; break;
	case 'T': opt.tags = optarg; break;
	case 'a': opt.age = optarg; break;
	case 'f': opt.force = 1; break;
	default: usage();
	}
}

static int
fail(const char *what)
{
	fprintf(stderr, "primerka-admin: %s\n", what);
	return 1;
}

/* Print the first column of a one-row result. */
static int
run_print(struct app *a, const char *stmt, int n, const char *const *p)
{
	PGresult	*res;

	if (db_run(a->db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1)
		return fail(db_error(a->db));
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fail("no such row");
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Read a file whole (at most 64 MB). */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*buf;
	long		 sz;

	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	sz = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		sz = ftell(f);
	buf = NULL;
	if (sz >= 0 && sz <= 64L * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0)
		buf = malloc((size_t)sz + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

/*
 * Check a catalogue image of kind (quality, composition, NSFW) into rep;
 * print the reasons of a rejection.  0 when it may be stored (accepted,
 * or --force), -1 otherwise.
 */
static int
check_image(struct app *a, enum qc_kind kind, const char *path,
    const unsigned char *buf, size_t len, struct qc_report *rep)
{
	char	 err[256];
	int	 i;

	if (a->nsfw == NULL && app_load_nsfw(a, err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka-admin: NSFW model: %s\n", err);
		return -1;
	}
	if (qc_check(&a->qc, a->nsfw, kind, buf, len, rep) != QC_OK) {
		fprintf(stderr, "primerka-admin: %s: the checks failed to "
		    "run (out of memory?)\n", path);
		return -1;
	}
	if (rep->accepted)
		return 0;
	for (i = 0; i < rep->nreasons; i++)
		fprintf(stderr, "primerka-admin: %s: %s: %s\n", path,
		    qc_reason_code(rep->reasons[i]),
		    qc_reason_message(rep->reasons[i], lang_parse(opt.lang)));
	if (opt.force) {
		fprintf(stderr, "primerka-admin: %s: stored anyway (--force)\n",
		    path);
		return 0;
	}
	fprintf(stderr, "primerka-admin: %s: rejected; nothing stored "
	    "(--force stores it anyway)\n", path);
	return -1;
}

/* What upload_image()'s vet hook checks with and leaves behind. */
struct upload_vet {
	struct app		*a;
	enum qc_kind		 kind;
	const char		*path;
	struct qc_report	*rep;
	json_object		*qcj;	/* the report, once checked */
};

/* check_image() as the ingest's vet hook, and the report as JSON. */
static int
upload_vet(void *arg, const unsigned char *buf, size_t len,
    const struct image_info *info)
{
	struct upload_vet	*v = arg;

	(void)info;
	if (check_image(v->a, v->kind, v->path, buf, len, v->rep) == -1)
		return -1;
	v->qcj = qc_report_to_json(v->rep);
	return v->qcj == NULL ? -1 : 0;
}

/*
 * Check an image file as a catalogue image of kind and upload it to
 * bucket under prefix.  key, w, h and rep out; the caller puts *qcj (the
 * report as JSON).  0 or -1 (the reason printed).
 */
static int
upload_image(struct app *a, enum bucket b, enum qc_kind kind,
    const char *prefix, const char *path, char *key, size_t keylen, int *w,
    int *h, struct qc_report *rep, json_object **qcj)
{
	unsigned char		*buf;
	size_t			 len;
	struct ingest_spec	 spec;
	struct ingest_result	 in;
	struct upload_vet	 v = { a, kind, path, rep, NULL };
	enum ingest_err		 rc;

	*qcj = NULL;
	buf = slurp(path, &len);
	if (buf == NULL) {
		fprintf(stderr, "primerka-admin: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	/* No limits of an upload: an operator's file, checked by qc. */
	ingest_spec_init(&spec, a->s3, a->bucket[b], prefix, 8);
	spec.vet = upload_vet;
	spec.vet_arg = &v;
	rc = ingest_image(&spec, buf, len, &in);
	free(buf);
	if (rc == INGEST_E_FORMAT)
		fprintf(stderr, "primerka-admin: %s: not a JPEG, PNG or WebP "
		    "image\n", path);
	else if (rc == INGEST_E_STORE)
		fprintf(stderr, "primerka-admin: upload failed: %ld %s %s\n",
		    in.s3err.status, in.s3err.code, in.s3err.message);
	if (rc != INGEST_OK) {
		json_object_put(v.qcj);
		return -1;
	}
	snprintf(key, keylen, "%s", in.key);
	*qcj = v.qcj;
	*w = in.info.out_width;
	*h = in.info.out_height;
	return 0;
}

/*
 * Insert the row of a stored catalogue image with stmt (n parameters);
 * on failure the image is removed again.  The exit status.
 */
static int
insert_item(struct app *a, enum bucket b, const char *key, const char *stmt,
    int n, const char *const *p)
{
	struct s3_error	 err;
	int		 rc;

	rc = run_print(a, stmt, n, p);
	if (rc != 0)
		(void)s3_delete(a->s3, a->bucket[b], key, &err);
	return rc;
}

/*
 * Refund a purchase paid in stars: in one transaction, take its tokens
 * back (purchase_refund(): never what unfinished jobs hold; when the
 * buyer spent them, only with --force, and then what is free), ask
 * Telegram to give the stars back, and commit only when it has.  A
 * charge Telegram refunded before (an earlier run whose commit was
 * lost) is recorded as refunded.  0 or 1.
 */
static int
refund(struct app *a, const char *id)
{
	const char		*p[2] = { id, opt.force ? "true" : "false" };
	const char		*out, *charge;
	PGresult		*res = NULL;
	struct tg_config	 tc;
	char			 terr[256];
	int64_t			 buyer;
	int			 rc = 1, tr;

	if (a->tg_bot_token[0] == '\0')
		return fail("set [telegram] bot_token first");
	if (db_command(a->db, "BEGIN") == -1)
		return fail(db_error(a->db));
	if (db_run(a->db, "admin_refund", 2, p, PGRES_TUPLES_OK, &res) == -1) {
		(void)fail(db_error(a->db));
		goto rollback;
	}
	out = PQgetvalue(res, 0, 0);
	if (strcmp(out, "refunded") != 0) {
		if (strcmp(out, "unknown") == 0)
			fprintf(stderr, "primerka-admin: no purchase %s\n", id);
		else if (strcmp(out, "already") == 0)
			fprintf(stderr, "primerka-admin: purchase %s was "
			    "refunded before\n", id);
		else if (strcmp(out, "unpaid") == 0)
			fprintf(stderr, "primerka-admin: purchase %s was never "
			    "paid: nothing to refund\n", id);
		else
			fprintf(stderr, "primerka-admin: purchase %s gave %s "
			    "tokens, user %s has %s free: the rest was spent. "
			    "--force refunds the stars and takes back only "
			    "the free tokens\n", id, PQgetvalue(res, 0, 4),
			    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 5));
		goto rollback;
	}
	buyer = db_get_i64(res, 0, 1);
	charge = PQgetvalue(res, 0, 2);
	tc.api_base = a->tg_api_base;
	tc.bot_token = a->tg_bot_token;
	tc.timeout_ms = 15000;
	tr = tg_refund_star_payment(&tc, buyer, charge, terr, sizeof(terr));
	if (tr == -1) {
		fprintf(stderr, "primerka-admin: Telegram did not refund "
		    "purchase %s (%s): nothing changed\n", id, terr);
		goto rollback;
	}
	if (db_command(a->db, "COMMIT") == -1) {
		fprintf(stderr, "primerka-admin: Telegram refunded the stars "
		    "of purchase %s, but the database did not record it "
		    "(%s): run this again to record it\n", id,
		    db_error(a->db));
		goto done;
	}
	printf("refunded purchase %s: %s stars to user %lld%s, %s of its %s "
	    "tokens taken back\n", id, PQgetvalue(res, 0, 3),
	    (long long)buyer, tr == 1 ? " (Telegram had refunded them "
	    "before)" : "", PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 4));
	rc = 0;
	goto done;
rollback:
	(void)db_command(a->db, "ROLLBACK");
done:
	PQclear(res);
	return rc;
}

/* A positive id (a user, a purchase, a shop), or usage(). */
static int64_t
arg_id(const char *s)
{
	int64_t	 v;

	if (util_parse_i64(s, 1, INT64_MAX, &v) == -1)
		usage();
	return v;
}

/* Ensure the user row argv[0] exists, then run stmt with p. */
static int
user_then(struct app *a, const char *stmt, const char **p)
{
	if (db_run(a->db, "admin_user_ensure", 1, p, PGRES_COMMAND_OK,
	    NULL) == -1)
		return fail(db_error(a->db));
	return run_print(a, stmt, 3, p);
}

/* A Telegram client on the configured bot. */
static void
tg_client(const struct app *a, struct tg_config *tc)
{
	tc->api_base = a->tg_api_base;
	tc->bot_token = a->tg_bot_token;
	tc->timeout_ms = 15000;
}

/* check-config: the file as the API and the worker would load it. */
static int
cmd_check_config(struct app *a, int argc, char *argv[])
{
	int	 bad;

	(void)a;
	(void)argc;
	(void)argv;
	bad = confcheck_run("primerka-admin", CONFCHECK_API |
	    CONFCHECK_WORKER, provider_check, stdout);
	if (bad > 0) {
		fprintf(stderr, "primerka-admin: check-config: %d problem%s\n",
		    bad, bad == 1 ? "" : "s");
		return 1;
	}
	printf("configuration ok\n");
	return 0;
}

static int
cmd_initdata(struct app *a, int argc, char *argv[])
{
	char	 out[4096];
	int64_t	 v, age;

	(void)argc;
	if (util_parse_i64(argv[0], 1, (INT64_C(1) << 53) - 1, &v) == -1 ||
	    util_parse_i64(opt.age, -86400, 10 * 86400, &age) == -1)
		usage();
	/* --age makes a stale (or, negative, a future) initData for tests
	 * of the auth_date check. */
	if (auth_sign_initdata(conf_get(a->cfg, CONF_TELEGRAM_BOT_TOKEN), v,
	    opt.name, opt.lang, time(NULL) - age, out, sizeof(out)) != 0)
		return fail("cannot sign (is [telegram] bot_token set?)");
	printf("%s\n", out);
	return 0;
}

static int
cmd_telegram_webhook(struct app *a, int argc, char *argv[])
{
	struct tg_config	 tc;
	char			 terr[256];

	(void)argc;
	if (a->tg_webhook_secret[0] == '\0')
		return fail("set [telegram] webhook_secret first");
	tg_client(a, &tc);
	if (tg_set_webhook(&tc, argv[0], a->tg_webhook_secret, terr,
	    sizeof(terr)) == -1)
		return fail(terr);
	printf("webhook set: %s\n", argv[0]);
	return 0;
}

static int
cmd_grant(struct app *a, int argc, char *argv[])
{
	const char	*p[3] = { argv[0], argv[1], opt.note };
	int64_t		 v;

	(void)argc;
	(void)arg_id(argv[0]);
	if (util_parse_i64(argv[1], 1, 1000000000, &v) == -1)
		usage();
	return user_then(a, "admin_grant", p);
}

static int
cmd_set_role(struct app *a, int argc, char *argv[])
{
	const char	*p[3] = { argv[0], argv[1], opt.shop };

	(void)argc;
	(void)arg_id(argv[0]);
	return user_then(a, "admin_set_role", p);
}

/* The header line, then every row of res, its columns tab-separated. */
static void
print_rows(const char *header, const PGresult *res)
{
	int	 i, j, n = PQnfields(res);

	printf("%s\n", header);
	for (i = 0; i < PQntuples(res); i++)
		for (j = 0; j < n; j++)
			printf("%s%c", PQgetvalue(res, i, j),
			    j + 1 < n ? '\t' : '\n');
}

/* Newest first, one a line, tab-separated, with a header. */
static int
cmd_purchases(struct app *a, int argc, char *argv[])
{
	const char	*p[1] = { argv[0] };
	PGresult	*res;

	(void)argc;
	(void)arg_id(argv[0]);
	if (db_run(a->db, "admin_purchases", 1, p, PGRES_TUPLES_OK,
	    &res) == -1)
		return fail(db_error(a->db));
	print_rows("id\tstatus\ttokens\tstars\tcharge\tcreated (UTC)\t"
	    "refunded tokens", res);
	PQclear(res);
	return 0;
}

/*
 * Unit economics a day (UTC), newest first: jobs charged, tokens
 * charged, and per provider credits spent / paid calls (FASHN credits,
 * Replicate seconds, fal requests).
 */
static int
cmd_stats(struct app *a, int argc, char *argv[])
{
	const char	*p[1] = { argc == 1 ? argv[0] : "30" };
	PGresult	*res;
	int64_t		 v;

	if (argc == 1 && util_parse_i64(argv[0], 1, 3660, &v) == -1)
		usage();
	if (db_run(a->db, "admin_stats", 1, p, PGRES_TUPLES_OK, &res) == -1)
		return fail(db_error(a->db));
	print_rows("day\tjobs charged\ttokens charged\tprovider credits/calls",
	    res);
	PQclear(res);
	return 0;
}

static int
cmd_refund(struct app *a, int argc, char *argv[])
{
	(void)argc;
	(void)arg_id(argv[0]);
	return refund(a, argv[0]);
}

static int
cmd_add_shop(struct app *a, int argc, char *argv[])
{
	const char	*p[1] = { argv[0] };

	(void)argc;
	return run_print(a, "admin_add_shop", 1, p);
}

static int
cmd_add_outfit(struct app *a, int argc, char *argv[])
{
	char		 key[256], ws[16], hs[16];
	const char	*p[11];
	struct qc_report rep;
	json_object	*qcj;
	int		 w, h, rc;

	(void)argc;
	if (opt.title == NULL)
		usage();
	(void)arg_id(argv[0]);
	memset(&rep, 0, sizeof(rep));
	if (upload_image(a, BUCKET_OUTFITS, QC_OUTFIT, "catalog/", argv[1],
	    key, sizeof(key), &w, &h, &rep, &qcj) == -1)
		return 1;
	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	p[0] = argv[0]; p[1] = opt.title; p[2] = opt.description;
	p[3] = opt.category; p[4] = opt.price; p[5] = opt.url;
	p[6] = key; p[7] = ws; p[8] = hs;
	p[9] = json_object_to_json_string_ext(qcj, JSON_C_TO_STRING_PLAIN);
	p[10] = rep.nsfw_done ? "true" : "false";
	rc = insert_item(a, BUCKET_OUTFITS, key, "admin_add_outfit", 11, p);
	json_object_put(qcj);
	return rc;
}

static int
cmd_add_location(struct app *a, int argc, char *argv[])
{
	char		 key[256], ws[16], hs[16], auto_tags[512];
	const char	*p[10];
	struct qc_report rep;
	json_object	*qcj;
	int		 w, h, i, rc;

	(void)argc;
	if (opt.title == NULL)
		usage();
	memset(&rep, 0, sizeof(rep));
	if (upload_image(a, BUCKET_LOCATIONS, QC_LOCATION, "catalog/",
	    argv[0], key, sizeof(key), &w, &h, &rep, &qcj) == -1)
		return 1;
	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	auto_tags[0] = '\0';
	for (i = 0; i < rep.ntags; i++) {
		size_t l = strlen(auto_tags);
		snprintf(auto_tags + l, sizeof(auto_tags) - l, "%s%s",
		    l ? "," : "", rep.tags[i]);
	}
	p[0] = opt.title; p[1] = opt.description; p[2] = opt.tags;
	p[3] = key; p[4] = ws; p[5] = hs;
	p[6] = rep.description[lang_parse(opt.lang)];
	p[7] = auto_tags;
	p[8] = json_object_to_json_string_ext(qcj, JSON_C_TO_STRING_PLAIN);
	p[9] = rep.nsfw_done ? "true" : "false";
	rc = insert_item(a, BUCKET_LOCATIONS, key, "admin_add_location", 10,
	    p);
	json_object_put(qcj);
	return rc;
}

static int
cmd_delete_user(struct app *a, int argc, char *argv[])
{
	struct retention_counts	 n;
	struct deletes_counts	 dc;
	int64_t			 v;
	int			 rc;

	(void)argc;
	v = arg_id(argv[0]);
	rc = retention_erase_user(a, v, &n);
	if (rc == -1)
		return fail(db_error(a->db));
	if (rc == 0)
		return fail("no such user");
	memset(&dc, 0, sizeof(dc));
	while (deletes_sweep(a, 100, &dc) > 0 && dc.failed == 0)
		;
	printf("deleted user %lld: %lld photos, %lld jobs, %lld events%s\n",
	    (long long)v, (long long)n.photos, (long long)n.results,
	    (long long)n.events, dc.failed ?
	    " (some objects are left to the worker's retries)" : "");
	return 0;
}

static int
cmd_retention(struct app *a, int argc, char *argv[])
{
	struct retention_counts	 n;

	(void)argc;
	(void)argv;
	if (retention_sweep(a, 100000, &n) == -1)
		return fail("retention sweep failed");
	printf("%lld photos, %lld results, %lld abandoned purchases, "
	    "%lld job events, %lld analytics events deleted, %lld "
	    "errors\n", (long long)n.photos, (long long)n.results,
	    (long long)n.purchases, (long long)n.job_events,
	    (long long)n.events, (long long)n.errors);
	return n.errors ? 1 : 0;
}

static int
cmd_sweep_deletes(struct app *a, int argc, char *argv[])
{
	struct deletes_counts	 dc;
	int			 rc;

	(void)argc;
	(void)argv;
	memset(&dc, 0, sizeof(dc));
	do
		rc = deletes_sweep(a, 100, &dc);
	while (rc > 0 && dc.failed == 0);
	if (rc == -1)
		return fail(db_error(a->db));
	printf("%lld objects deleted, %lld to retry\n",
	    (long long)dc.deleted, (long long)dc.failed);
	return dc.failed ? 1 : 0;
}

static int
cmd_reconcile(struct app *a, int argc, char *argv[])
{
	struct deletes_counts	 dc;
	int64_t			 grace;
	int			 rc;

	(void)argc;
	(void)argv;
	if (conf_get_int(a->cfg, CONF_RETENTION_ORPHAN_GRACE, &grace) == -1)
		return fail("bad [retention] orphan_grace");
	memset(&dc, 0, sizeof(dc));
	rc = deletes_reconcile(a, grace, &dc);
	printf("%lld objects listed, %lld orphans, %lld deleted, %lld "
	    "failed\n", (long long)dc.listed, (long long)dc.orphans,
	    (long long)dc.deleted, (long long)dc.failed);
	return rc == -1 ? 1 : 0;
}

/*
 * add-agent NAME: a contour-B agent and its token, printed once (only
 * its hash is kept).
 */
static int
cmd_add_agent(struct app *a, int argc, char *argv[])
{
	char	 tok[AGENT_TOKEN_LEN + 1];
	int	 rc;

	(void)argc;
	if (!agents_name_valid(argv[0]))
		return fail("agent name: 1-64 of A-Z a-z 0-9 _ . -");
	rc = agents_add(a->db, argv[0], tok, sizeof(tok));
	if (rc == -1)
		return fail(db_error(a->db));
	if (rc == 1)
		return fail("an agent of that name exists (revoked ones too: "
		    "pick another name)");
	printf("%s\n", tok);
	explicit_bzero(tok, sizeof(tok));
	return 0;
}

/* revoke-agent NAME: the agent's token is refused from now on. */
static int
cmd_revoke_agent(struct app *a, int argc, char *argv[])
{
	int	 rc;

	(void)argc;
	if (!agents_name_valid(argv[0]))
		return fail("agent name: 1-64 of A-Z a-z 0-9 _ . -");
	rc = agents_revoke(a->db, argv[0]);
	if (rc == -1)
		return fail(db_error(a->db));
	if (rc == 1)
		return fail("no such agent, or already revoked");
	printf("agent %s revoked\n", argv[0]);
	return 0;
}

static int	 cmd_help(struct app *, int, char *[]);

/* What a command needs before it runs. */
enum cmd_needs {
	CMD_NONE,	/* nothing: before app_init(), which stops at the
			 * first problem */
	CMD_APP,	/* the configuration (app_init()) */
	CMD_DB		/* the configuration and the database */
};

struct command {
	const char	*name;
	const char	*usage;		/* its arguments and options */
	int		 min_args, max_args;
	enum cmd_needs	 needs;
	int		(*run)(struct app *, int argc, char *argv[]);
	const char	*help;		/* one line: what it does */
};

/* Every command, in the order usage() and help list them. */
static const struct command commands[] = {
	{ "check-config", "", 0, 0, CMD_NONE, cmd_check_config,
	  "check the configuration as the API and the worker load it" },
	{ "initdata", "USER_ID [--lang ru|en] [--name NAME] [--age S]",
	  1, 1, CMD_APP, cmd_initdata,
	  "print a signed Telegram initData for the user (tests, curl)" },
	{ "grant", "USER_ID AMOUNT [--note TEXT]", 2, 2, CMD_DB, cmd_grant,
	  "credit the user with tokens; prints the new balance" },
	{ "set-role", "USER_ID user|shop_staff|admin [--shop ID]",
	  2, 2, CMD_DB, cmd_set_role,
	  "give the user a role (shop_staff with its shop)" },
	{ "add-shop", "NAME", 1, 1, CMD_DB, cmd_add_shop,
	  "create a shop; prints its id" },
	{ "add-outfit", "SHOP_ID IMAGE --title T [--description D]\n"
	  "                      [--category C] [--price N] [--url U] "
	  "[--force]", 2, 2, CMD_DB, cmd_add_outfit,
	  "check and store an outfit image, publish it; prints its id" },
	{ "add-location", "IMAGE --title T [--description D] [--tags a,b]\n"
	  "                      [--force]", 1, 1, CMD_DB, cmd_add_location,
	  "check and store a location image, publish it; prints its id" },
	{ "telegram-webhook", "URL", 1, 1, CMD_APP, cmd_telegram_webhook,
	  "point the bot's webhook at URL with the configured secret" },
	{ "purchases", "USER_ID", 1, 1, CMD_DB, cmd_purchases,
	  "list the user's purchases, newest first" },
	{ "refund", "PURCHASE_ID [--force]", 1, 1, CMD_DB, cmd_refund,
	  "refund a purchase's stars and take its tokens back" },
	{ "stats", "[DAYS]", 0, 1, CMD_DB, cmd_stats,
	  "jobs, tokens and provider credits a day (default 30 days)" },
	{ "delete-user", "USER_ID", 1, 1, CMD_DB, cmd_delete_user,
	  "erase a user and their objects, as DELETE /me" },
	{ "retention", "", 0, 0, CMD_DB, cmd_retention,
	  "delete what is past its retention period" },
	{ "sweep-deletes", "", 0, 0, CMD_DB, cmd_sweep_deletes,
	  "delete the objects whose rows are gone" },
	{ "reconcile", "", 0, 0, CMD_DB, cmd_reconcile,
	  "delete the objects no row names (older than orphan_grace)" },
	{ "add-agent", "NAME", 1, 1, CMD_DB, cmd_add_agent,
	  "register a contour-B agent; prints its token (once)" },
	{ "revoke-agent", "NAME", 1, 1, CMD_DB, cmd_revoke_agent,
	  "refuse the agent's token from now on" },
	{ "help", "", 0, 0, CMD_NONE, cmd_help,
	  "this list" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* One command's usage line(s), after lead. */
static void
print_usage(FILE *f, const char *lead, const struct command *c)
{
	fprintf(f, "%sprimerka-admin %s%s%s\n", lead, c->name,
	    c->usage[0] != '\0' ? " " : "", c->usage);
}

/* Every command's usage on stderr; exit 2. */
static void
usage(void)
{
	size_t	 i;

	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].run != cmd_help)
			print_usage(stderr, i == 0 ? "usage: " : "       ",
			    &commands[i]);
	exit(2);
}

/* help: every command with its usage and what it does. */
static int
cmd_help(struct app *a, int argc, char *argv[])
{
	size_t	 i;

	(void)a;
	(void)argc;
	(void)argv;
	printf("primerka-admin: the operators' command line.  Options may "
	    "come before or\nafter the arguments.\n\n");
	for (i = 0; i < NCOMMANDS; i++) {
		print_usage(stdout, "", &commands[i]);
		printf("        %s\n", commands[i].help);
	}
	return 0;
}

/* The command named name, or NULL. */
static const struct command *
command_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Run c with its arguments after what it needs; its exit status. */
static int
command_run(const struct command *c, int argc, char *argv[])
{
	struct app	 a;
	char		 err[256];
	int		 rc;

	if (argc < c->min_args || argc > c->max_args)
		usage();
	if (c->needs == CMD_NONE)
		return c->run(NULL, argc, argv);
	/* Run by root: the secrets the units get (S3 keys, the bot token). */
	confcheck_credentials();
	if (app_init(&a, "primerka-admin", err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka-admin: %s\n", err);
		return 1;
	}
	if (c->needs == CMD_DB && (app_open_db_as(&a, CONF_DATABASE_ADMIN_URL,
	    admin_tables) == -1 || !db_ready(a.db)))
		rc = fail("cannot reach the database");
	else
		rc = c->run(&a, argc, argv);
	fflush(stdout);
	app_free(&a);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "note", required_argument, NULL, 'N' },
		{ "shop", required_argument, NULL, 's' },
		{ "title", required_argument, NULL, 't' },
		{ "description", required_argument, NULL, 'd' },
		{ "category", required_argument, NULL, 'c' },
		{ "price", required_argument, NULL, 'p' },
		{ "url", required_argument, NULL, 'u' },
		{ "tags", required_argument, NULL, 'T' },
		{ "age", required_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command	*c;
	int			 ch;

	for (;;) {
		ch = getopt_long(argc, argv, "+", longopts, NULL);
		if (ch == -1)
			break;
		set_opt(ch);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	c = command_find(argv[0]);
	if (c == NULL)
		usage();
	/* Options may also follow the positional arguments; optind 0
	 * makes glibc's getopt start afresh. */
	optind = 0;
	for (;;) {
		ch = getopt_long(argc, argv, "", longopts, NULL);
		if (ch == -1)
			break;
		set_opt(ch);
	}
	argc -= optind;
	argv += optind;
	return command_run(c, argc, argv);
}
