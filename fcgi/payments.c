/*
 * Buying tokens with Telegram Stars.
 *
 *   GET  /api/v1/packs                 the packs on sale ([payments] packs)
 *   POST /api/v1/purchases             {"pack_id": N} -> an invoice link
 *   GET  /api/v1/purchases/{id}        one of the user's purchases
 *   POST /api/v1/telegram/webhook      the bot's updates, from Telegram
 *
 * The Mini App opens the invoice link (Telegram.WebApp.openInvoice);
 * Telegram then sends the bot a pre-checkout query, answered here from
 * the purchase row within its 10 s, and after the payment a message with
 * successful_payment, which credits the tokens once (purchase_paid() in
 * db/006_purchases.sql).  A message with refunded_payment (a refund made
 * by primerka-admin refund or elsewhere) takes the purchase's tokens back
 * once (purchase_refunded() in db/007_refunds.sql).  The webhook is
 * authenticated by the secret token given to setWebhook ([telegram]
 * webhook_secret), which Telegram sends in
 * X-Telegram-Bot-Api-Secret-Token; without one configured the route
 * does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "telegram.h"
#include "util.h"
#include "validate.h"

#define PAYLOAD_PREFIX	"purchase:"
#define WEBHOOK_MAX	(64 * 1024)

const struct db_stmt payments_statements[] = {
	{ "purchase_insert",
	  "INSERT INTO purchases (user_id, tokens, stars) VALUES ($1, $2, $3) "
	  "RETURNING id", 3 },
	{ "purchase_drop",
	  "DELETE FROM purchases WHERE id = $1 AND status = 'pending'", 1 },
	{ "purchase_get",
	  "SELECT id, tokens, stars, status FROM purchases "
	  "WHERE id = $1 AND user_id = $2", 2 },
	{ "purchase_payable",
	  "SELECT purchase_payable($1, $2, $3)", 3 },
	{ "purchase_paid",
	  "SELECT purchase_paid($1, $2, $3, $4)", 4 },
	{ "purchase_refunded",
	  "SELECT outcome, taken FROM purchase_refunded($1, $2, $3)", 3 },
	{ NULL, NULL, 0 }
};

static const char *const purchase_fields[] = { "pack_id", NULL };

/* The Bot API settings of this process. */
static void
tg_settings(const struct app *a, struct tg_config *tc)
{
	tc->api_base = a->tg_api_base;
	tc->bot_token = a->tg_bot_token;
	tc->timeout_ms = 8000;	/* a pre-checkout answer is due in 10 s */
}

/*
 * Whether purchases can be made: packs on sale, a bot to sell them and
 * its webhook to hear of the payments.
 */
static int
payments_on(const struct app *a)
{
	return a->npacks > 0 && a->tg_bot_token[0] != '\0' &&
	    a->tg_webhook_secret[0] != '\0';
}

/* A purchase row (purchase_get columns) as JSON. */
static json_object *
purchase_to_json(struct req *r, const PGresult *res, int row)
{
	json_object	*o = json_object_new_object();

	(void)r;
	json_object_object_add(o, "id",
	    json_object_new_int64(db_get_i64(res, row, 0)));
	json_object_object_add(o, "tokens",
	    json_object_new_int64(db_get_i64(res, row, 1)));
	json_object_object_add(o, "stars",
	    json_object_new_int64(db_get_i64(res, row, 2)));
	json_object_object_add(o, "status",
	    json_object_new_string(PQgetvalue(res, row, 3)));
	return o;
}

void
h_packs_list(struct req *r)
{
	const struct app	*a = r->app;
	json_object		*o, *items, *it;
	int			 i;

	o = json_object_new_object();
	items = json_object_new_array();
	for (i = 0; payments_on(a) && i < a->npacks; i++) {
		it = json_object_new_object();
		json_object_object_add(it, "id", json_object_new_int(i + 1));
		json_object_object_add(it, "tokens",
		    json_object_new_int64(a->packs[i].tokens));
		json_object_object_add(it, "stars",
		    json_object_new_int64(a->packs[i].stars));
		json_object_array_add(items, it);
	}
	json_object_object_add(o, "currency", json_object_new_string("XTR"));
	json_object_object_add(o, "items", items);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/* Ask Telegram for the invoice of purchase id; *link or NULL. */
static char *
invoice_link(struct req *r, const char *id, const struct app_pack *pk)
{
	struct tg_config	 tc;
	char			 title[64], desc[160], label[64], payload[48];
	char			 err[256], *link = NULL;
	int			 ru = r->lang == LANG_RU;

	tg_settings(r->app, &tc);
	snprintf(title, sizeof(title), ru ? "%lld токенов primerka" :
	    "%lld primerka tokens", (long long)pk->tokens);
	snprintf(desc, sizeof(desc), ru ? "%lld токенов для примерок и "
	    "анимаций в primerka." : "%lld tokens for try-ons and animations "
	    "in primerka.", (long long)pk->tokens);
	snprintf(label, sizeof(label), ru ? "%lld токенов" : "%lld tokens",
	    (long long)pk->tokens);
	snprintf(payload, sizeof(payload), PAYLOAD_PREFIX "%s", id);
	if (tg_create_invoice_link(&tc, title, desc, payload, label,
	    pk->stars, &link, err, sizeof(err)) == -1) {
		log_warnx("purchase %s: no invoice: %s", id, err);
		return NULL;
	}
	return link;
}

void
h_purchases_create(struct req *r)
{
	struct app		*a = r->app;
	json_object		*b, *o;
	int64_t			 pack;
	char			 uid[24], tok[24], stars[24], hdr[96], *link;
	const char		*p[3] = { uid, tok, stars };
	const struct app_pack	*pk;
	PGresult		*res;
	char			 id[24];
	int64_t			 pid;

	if (!payments_on(a)) {
		resp_error(r, API_ERR_PAYMENTS_UNAVAILABLE, NULL);
		return;
	}
	if (users_touch(r) == -1)
		return;
	b = req_read_json(r, 4096);
	if (b == NULL)
		return;
	if (v_only(r, b, purchase_fields) == -1 ||
	    v_int(r, b, "pack_id", 1, 1, a->npacks, &pack) == -1)
		goto done;
	pk = &a->packs[pack - 1];
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(tok, sizeof(tok), "%lld", (long long)pk->tokens);
	snprintf(stars, sizeof(stars), "%lld", (long long)pk->stars);
	if (db_run(a->db, "purchase_insert", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		goto done;
	}
	pid = db_get_i64(res, 0, 0);
	PQclear(res);
	snprintf(id, sizeof(id), "%lld", (long long)pid);
	link = invoice_link(r, id, pk);
	if (link == NULL) {
		p[0] = id;
		(void)db_run(a->db, "purchase_drop", 1, p, PGRES_COMMAND_OK,
		    NULL);
		resp_error(r, API_ERR_PAYMENTS_UNAVAILABLE,
		    "Telegram did not make the invoice, try again shortly");
		goto done;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(pid));
	json_object_object_add(o, "pack_id", json_object_new_int64(pack));
	json_object_object_add(o, "tokens", json_object_new_int64(pk->tokens));
	json_object_object_add(o, "stars", json_object_new_int64(pk->stars));
	json_object_object_add(o, "status", json_object_new_string("pending"));
	json_object_object_add(o, "invoice_url", json_object_new_string(link));
	free(link);
	snprintf(hdr, sizeof(hdr), "Location: /api/v1/purchases/%s\r\n", id);
	resp_json(r, 201, o, hdr);
	json_object_put(o);
done:
	json_object_put(b);
}

void
h_purchases_get(struct req *r)
{
	get_answer(r, "purchase_get", 1, purchase_to_json, "no such purchase");
}

/* ---- the webhook --------------------------------------------------- */

/* The field name of o as a string, or NULL. */
static const char *
jstr(json_object *o, const char *name)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The integer field name of o into *out; 0 or -1. */
static int
jint(json_object *o, const char *name, int64_t *out)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

/* The object field name of o, or NULL. */
static json_object *
jobj(json_object *o, const char *name)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/*
 * The facts of a payment update: the purchase id from our payload, the
 * payer (from's id; 0 when from is NULL), the amount in stars.  0, or -1
 * when the update is not one of our Stars invoices.
 */
struct payment {
	int64_t		 purchase;
	int64_t		 user;
	int64_t		 stars;
	char		 purchase_s[24], user_s[24], stars_s[24];
};

static int
payment_facts(json_object *o, json_object *from, struct payment *pm)
{
	const char	*cur, *payload;

	cur = jstr(o, "currency");
	payload = jstr(o, "invoice_payload");
	if (cur == NULL || strcmp(cur, "XTR") != 0 || payload == NULL ||
	    strncmp(payload, PAYLOAD_PREFIX, strlen(PAYLOAD_PREFIX)) != 0 ||
	    util_parse_i64(payload + strlen(PAYLOAD_PREFIX), 1, INT64_MAX,
	    &pm->purchase) == -1 || jint(o, "total_amount", &pm->stars) == -1)
		return -1;
	/* A refund's service message need not come from the payer. */
	if (from == NULL)
		pm->user = 0;
	else if (jint(from, "id", &pm->user) == -1)
		return -1;
	snprintf(pm->purchase_s, sizeof(pm->purchase_s), "%lld",
	    (long long)pm->purchase);
	snprintf(pm->user_s, sizeof(pm->user_s), "%lld", (long long)pm->user);
	snprintf(pm->stars_s, sizeof(pm->stars_s), "%lld",
	    (long long)pm->stars);
	return 0;
}

/*
 * Answer a pre-checkout query: go ahead when the purchase is the payer's,
 * pending and of this amount.  0, or -1 after a 503 (Telegram retries).
 */
static int
pre_checkout(struct req *r, json_object *q)
{
	struct payment	 pm;
	struct tg_config tc;
	const char	*qid, *lang, *p[3];
	char		 err[256];
	int		 ok = 0;
	PGresult	*res;

	qid = jstr(q, "id");
	if (qid == NULL)
		return 0;	/* nothing to answer */
	if (payment_facts(q, jobj(q, "from"), &pm) == 0) {
		p[0] = pm.purchase_s;
		p[1] = pm.user_s;
		p[2] = pm.stars_s;
		if (db_run(r->app->db, "purchase_payable", 3, p,
		    PGRES_TUPLES_OK, &res) == -1) {
			api_db_down(r);
			return -1;
		}
		ok = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
	}
	lang = jstr(jobj(q, "from"), "language_code");
	tg_settings(r->app, &tc);
	if (tg_answer_pre_checkout(&tc, qid, ok, ok ? NULL :
	    lang_parse(lang) == LANG_RU ?
	    "Эта покупка уже недействительна. Начните покупку заново." :
	    "This purchase is no longer valid. Please start it again.", err,
	    sizeof(err)) == -1) {
		log_warnx("pre-checkout of purchase %s: %s",
		    ok ? pm.purchase_s : "?", err);
		resp_error(r, API_ERR_PAYMENTS_UNAVAILABLE,
		    "could not answer the pre-checkout query");
		return -1;
	}
	log_kv(LOG_LVL_INFO, "pre-checkout answered", "purchase_id",
	    ok ? pm.purchase_s : "", "ok", ok ? "true" : "false",
	    (char *)NULL);
	return 0;
}

/*
 * A successful payment: credit the purchase once.  0, or -1 after a 503
 * (Telegram retries the update; a repeat is harmless).
 */
static int
paid(struct req *r, json_object *msg, json_object *sp)
{
	struct payment	 pm;
	const char	*charge, *p[4], *out;
	PGresult	*res;

	charge = jstr(sp, "telegram_payment_charge_id");
	if (charge == NULL || jobj(msg, "from") == NULL ||
	    payment_facts(sp, jobj(msg, "from"), &pm) == -1) {
		log_errx("a successful payment that is not one of ours "
		    "(charge %.64s): refund it by hand", charge ? charge : "?");
		return 0;
	}
	p[0] = pm.purchase_s;
	p[1] = pm.user_s;
	p[2] = pm.stars_s;
	p[3] = charge;
	if (db_run(r->app->db, "purchase_paid", 4, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return -1;
	}
	out = PQgetvalue(res, 0, 0);
	if (strcmp(out, "mismatch") == 0)
		log_errx("purchase %s: paid %s stars by user %s, which does "
		    "not match it (charge %.64s): nothing credited, refund it "
		    "by hand", pm.purchase_s, pm.stars_s, pm.user_s, charge);
	else
		log_kv(LOG_LVL_INFO, strcmp(out, "paid") == 0 ?
		    "purchase paid, tokens credited" :
		    "purchase paid before (a repeated update)", "purchase_id",
		    pm.purchase_s, "user_id", pm.user_s, (char *)NULL);
	PQclear(res);
	return 0;
}

/*
 * A refund Telegram reports (message.refunded_payment: one that
 * primerka-admin refund asked for, or one made elsewhere): take the
 * purchase's tokens back once, as many as are free.  0, or -1 after a
 * 503 (Telegram retries the update; a repeat is harmless).
 */
static int
refunded(struct req *r, json_object *rp)
{
	struct payment	 pm;
	const char	*charge, *p[3], *out;
	PGresult	*res;

	charge = jstr(rp, "telegram_payment_charge_id");
	if (charge == NULL || payment_facts(rp, NULL, &pm) == -1) {
		log_errx("a refunded payment that is not one of ours "
		    "(charge %.64s)", charge ? charge : "?");
		return 0;
	}
	p[0] = pm.purchase_s;
	p[1] = charge;
	p[2] = pm.stars_s;
	if (db_run(r->app->db, "purchase_refunded", 3, p, PGRES_TUPLES_OK,
	    &res) == -1) {
		api_db_down(r);
		return -1;
	}
	out = PQgetvalue(res, 0, 0);
	if (strcmp(out, "mismatch") == 0)
		log_errx("purchase %s: a refund of %s stars (charge %.64s) "
		    "that matches no paid purchase: nothing taken back",
		    pm.purchase_s, pm.stars_s, charge);
	else
		log_kv(LOG_LVL_INFO, strcmp(out, "refunded") == 0 ?
		    "purchase refunded, tokens taken back" :
		    "purchase refunded before (a repeated update)",
		    "purchase_id", pm.purchase_s, "tokens_taken",
		    PQgetvalue(res, 0, 1), (char *)NULL);
	PQclear(res);
	return 0;
}

/*
 * A /start in the bot's private chat: the user lets the bot write to
 * them (again, after a block).  0, or -1 after a 503 (Telegram retries).
 */
static int
started(struct req *r, json_object *msg)
{
	json_object	*from = jobj(msg, "from"), *id;
	const char	*text = jstr(msg, "text");

	if (text == NULL || strncmp(text, "/start", 6) != 0 ||
	    (text[6] != '\0' && text[6] != ' ') || from == NULL ||
	    !json_object_object_get_ex(from, "id", &id) ||
	    !json_object_is_type(id, json_type_int) ||
	    json_object_get_int64(id) <= 0)
		return 0;
	if (users_bot_allowed(r, json_object_get_int64(id), 1) == -1) {
		api_db_down(r);
		return -1;
	}
	return 0;
}

void
h_telegram_webhook(struct req *r)
{
	const char	*secret = r->app->tg_webhook_secret;
	json_object	*u, *q, *msg, *sp, *rp, *o;
	int		 rc = 0;

	if (secret[0] == '\0') {
		resp_error(r, API_ERR_NOT_FOUND, NULL);
		return;
	}
	if (!tg_secret_matches(secret,
	    req_param(r, "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"))) {
		/* Not the initData scheme: no WWW-Authenticate. */
		resp_error_h(r, API_ERR_UNAUTHORIZED, "wrong webhook secret", "");
		return;
	}
	u = req_read_json(r, WEBHOOK_MAX);
	if (u == NULL)
		return;
	q = jobj(u, "pre_checkout_query");
	msg = jobj(u, "message");
	sp = jobj(msg, "successful_payment");
	rp = jobj(msg, "refunded_payment");
	if (q != NULL)
		rc = pre_checkout(r, q);
	else if (sp != NULL)
		rc = paid(r, msg, sp);
	else if (rp != NULL)
		rc = refunded(r, rp);
	else if (msg != NULL)
		rc = started(r, msg);
	/* Anything else the bot receives is not ours to handle. */
	if (rc == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		resp_json(r, 200, o, NULL);
		json_object_put(o);
	}
	json_object_put(u);
}
