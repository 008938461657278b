/*
 * libFuzzer target for the API's request-body path without FastCGI: the
 * strict json-c parse of fcgi/http.c req_read_json() and then the field
 * validators of fcgi/validate.c over every endpoint's field set.
 *
 * Each input is one request body.  It is parsed once, exactly as
 * req_read_json() does (json_tokener_new_ex(16), JSON_TOKENER_STRICT |
 * JSON_TOKENER_VALIDATE_UTF8, no bytes after the value, an object only),
 * then handed to, in turn:
 *
 *   POST /tryons          user_photo_id, outfit_id, location_id (v_id)
 *   POST /animations      tryon_id (v_id)
 *   POST /outfits         shop_id and staff_fields.c's outfit fields, as
 *                         admin (shop_id required) and as staff
 *   PATCH /outfits/#      the same, shop_id refused
 *   POST /locations       title, description, tags (v_only, v_str, v_tags)
 *   PATCH /locations/#    the same, title optional
 *   POST /events          fcgi/events.c's own h_events_create(), one event
 *                         or a batch, linked as is
 *
 * with each endpoint's body limit (4096, 16384, 65536 bytes).  The
 * catalogue bodies go through staff_fields.c's own readers and tables
 * (outfit_fields_read(), location_fields_read()), and then field by
 * field through the same tables to check each validator's contract;
 * jobs_api.c's sequence is copied (its json_id_field() is static, v_id()
 * stands in for it).  Responses go to link-time shims of
 * resp_error(), resp_json() and resp_raw() that record the status, so
 * fcgi/http.c and libfcgi are not linked; req_read_json(), users_touch(),
 * quota_take(), api_db_down() and db_run() are shims too (db_run() checks
 * the lists h_events_create() would send to PostgreSQL and answers with
 * an empty libpq result).
 *
 * Checked: a validator returns -1 exactly when it sent one response and
 * 1 only with a value that obeys its contract; a handler sends exactly
 * one response; the events lists match the body.
 *
 * fuzz-sources: fcgi/validate.c fcgi/staff_fields.c fcgi/events.c
 * fuzz-sources: fcgi/errors.c lib/jobs.c lib/jsonv.c
 * fuzz-pkgs: json-c libpq
 * fuzz-includes: fcgi
 * fuzz-corpus: fuzz/corpus/json_request
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "jsonv.h"
#include "quota.h"
#include "staff_fields.h"
#include "validate.h"

#define FUZZ_BODY_MAX	65536	/* the largest endpoint limit (events) */

/* A broken promise: say where, then abort (libFuzzer saves the input). */
#define FUZZ_FAIL()	fuzz_fail(__LINE__)

/* One request: handlers see &fr->r; the shims find the rest from it. */
struct fuzz_req {
	struct req	 r;		/* first member */
	struct app	 app;
	const char	*body;		/* NUL-terminated copy of the input */
	size_t		 len;
	json_object	*obj;		/* the parsed object, or NULL */
	int		 parse_ok;	/* an object was parsed */
	int		 nsent;		/* responses sent */
	int		 status;	/* the last status sent */
	int		 db_calls;
	size_t		 want_events;	/* events h_events_create must send */
};

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_json_request.c:%d: invariant broken\n", line);
	abort();
}

static struct fuzz_req *
fuzz_req_of(struct req *r)
{
	return (struct fuzz_req *)(void *)r;
}

/* ------------------------------------------------ link-time shims */

static void
record(struct req *r, int status)
{
	struct fuzz_req	*fr = fuzz_req_of(r);

	if (status < 200 || status > 599)
		FUZZ_FAIL();
	fr->nsent++;
	fr->status = status;
	r->status = status;
}

void
resp_raw(struct req *r, int status, const char *ctype, const char *body,
    size_t len, const char *extra_headers)
{
	(void)ctype;
	(void)extra_headers;
	if (len > 0 && body == NULL)
		FUZZ_FAIL();
	record(r, status);
}

void
resp_json(struct req *r, int status, json_object *body,
    const char *extra_headers)
{
	(void)extra_headers;
	if (body == NULL)
		FUZZ_FAIL();
	(void)json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	record(r, status);
}

void
resp_error(struct req *r, enum api_err code, const char *message)
{
	int	 status = api_error_status(code);

	if (message == NULL)
		message = api_error_message(code, LANG_EN);
	if ((unsigned)code >= API_ERR__MAX || message == NULL ||
	    strlen(message) > 200 || status < 400)
		FUZZ_FAIL();
	record(r, status);
}

/*
 * The parse of fcgi/http.c req_read_json() after its body was read: the
 * same tokener depth, flags and checks.  Sets fr->obj and fr->parse_ok.
 */
static void
fuzz_parse(struct fuzz_req *fr)
{
	json_tokener		*tok;
	json_object		*o;
	enum json_tokener_error	 jerr;

	fr->obj = NULL;
	fr->parse_ok = 0;
	/* As req_read_json(): the strict syntax check comes first. */
	if (!jsonv_check(fr->body, fr->len, 16))
		return;
	tok = json_tokener_new_ex(16);
	if (tok == NULL)
		return;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, fr->body, (int)fr->len);
	jerr = json_tokener_get_error(tok);
	if (o != NULL && jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) != fr->len) {
		json_object_put(o);
		o = NULL;
		jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		return;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return;
	}
	fr->obj = o;
	fr->parse_ok = 1;
}

/* req_read_json() as the handlers see it: the parsed body or a 4xx. */
json_object *
req_read_json(struct req *r, size_t max)
{
	struct fuzz_req	*fr = fuzz_req_of(r);

	if (fr->len > max) {
		resp_error(r, API_ERR_TOO_LARGE, NULL);
		return NULL;
	}
	if (!fr->parse_ok) {
		resp_error(r, API_ERR_MALFORMED_JSON, NULL);
		return NULL;
	}
	return json_object_get(fr->obj);
}

int
users_touch(struct req *r)
{
	(void)r;
	return 0;
}

/* Within every quota (fcgi/quota.c needs the database). */
int
quota_take(struct req *r, enum quota q, int n)
{
	(void)r;
	(void)q;
	if (n < 1 || n > 100)
		FUZZ_FAIL();	/* h_events_create() counts what it sends */
	return 0;
}

void
api_db_down(struct req *r)
{
	resp_error(r, API_ERR_UNAVAILABLE, "the database is unavailable");
}

/* Count the items of a ','-separated list, checking each with ok(). */
static size_t
list_items(const char *s, int (*ok)(const char *, size_t))
{
	const char	*c;
	size_t		 n = 0;

	if (*s == '\0')
		FUZZ_FAIL();
	for (;;) {
		c = strchr(s, ',');
		if (!ok(s, c != NULL ? (size_t)(c - s) : strlen(s)))
			FUZZ_FAIL();
		n++;
		if (c == NULL)
			return n;
		s = c + 1;
	}
}

static int
kind_ok(const char *s, size_t n)
{
	/* "tryon" events are the server's: never taken from a body. */
	return (n == 4 && memcmp(s, "view", 4) == 0) ||
	    (n == 5 && memcmp(s, "click", 5) == 0);
}

/* A positive id below INT64_MAX, in canonical decimal. */
static int
id_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 19 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n < 19 || memcmp(s, "9223372036854775807", 19) < 0;
}

int
db_run(struct db *db, const char *name, int nparams,
    const char *const *params, ExecStatusType want, PGresult **out)
{
	/* The harness set app.db to the fuzz_req itself. */
	struct fuzz_req	*fr = (struct fuzz_req *)(void *)db;

	fr->db_calls++;
	if (strcmp(name, "events_insert") != 0 || nparams != 3 ||
	    want != PGRES_COMMAND_OK || params == NULL)
		FUZZ_FAIL();
	if (strcmp(params[0], "0") != 0 ||
	    list_items(params[1], kind_ok) != fr->want_events ||
	    list_items(params[2], id_ok) != fr->want_events)
		FUZZ_FAIL();
	if (out != NULL) {
		*out = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		if (*out == NULL)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------ validator checks */

/* Reset the response record before one validator call. */
static void
before(struct fuzz_req *fr)
{
	fr->nsent = 0;
	fr->status = 0;
}

/* A validator's result: -1 with exactly one 400 sent, else nothing sent. */
static int
after(struct fuzz_req *fr, int rc, int lo, int hi)
{
	if (rc < lo || rc > hi)
		FUZZ_FAIL();
	if (rc == -1 ? (fr->nsent != 1 || fr->status != 400) : fr->nsent != 0)
		FUZZ_FAIL();
	return rc;
}

static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
c_id(struct fuzz_req *fr, const char *name, int required)
{
	int64_t	 v = 0;
	int	 rc;

	before(fr);
	rc = after(fr, v_id(&fr->r, fr->obj, name, required, &v), -1, 1);
	if (rc == 1 && (v < 1 || v == INT64_MAX))
		FUZZ_FAIL();
	if (rc == 0 && required)
		FUZZ_FAIL();
	return rc;
}

static int
c_int(struct fuzz_req *fr, const char *name, int64_t min, int64_t max)
{
	int64_t	 v = 0;
	int	 rc;

	before(fr);
	rc = after(fr, v_int(&fr->r, fr->obj, name, 0, min, max, &v), -1, 1);
	if (rc == 1 && (v < min || v > max))
		FUZZ_FAIL();
	return rc;
}

static int
c_str(struct fuzz_req *fr, const char *name, int required, size_t min,
    size_t max, const char **out)
{
	const char	*s = NULL;
	size_t		 i, chars;
	int		 rc;

	before(fr);
	rc = after(fr, v_str(&fr->r, fr->obj, name, required, min, max, &s),
	    -1, 1);
	if (rc == 0 && required)
		FUZZ_FAIL();
	if (rc != 1)
		return rc;
	if (s == NULL)
		FUZZ_FAIL();
	/* No control characters but \n and \t, so no NUL inside either. */
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			FUZZ_FAIL();
	chars = utf8_chars(s);
	if (chars < min || chars > max)
		FUZZ_FAIL();
	if (out != NULL)
		*out = s;
	return rc;
}

static int
c_enum(struct fuzz_req *fr, const char *name, const char *const *choices)
{
	const char		*s = NULL;
	const char *const	*c;
	int			 rc;

	before(fr);
	rc = after(fr, v_enum(&fr->r, fr->obj, name, 0, choices, &s), -1, 1);
	if (rc != 1)
		return rc;
	for (c = choices; *c != NULL; c++)
		if (*c == s)
			return rc;
	FUZZ_FAIL();
}

static int
c_url(struct fuzz_req *fr, const char *name)
{
	const char	*s = NULL;
	size_t		 i, n;
	int		 rc;

	before(fr);
	rc = after(fr, v_url(&fr->r, fr->obj, name, 0, &s), -1, 1);
	if (rc != 1)
		return rc;
	n = strlen(s);
	if (n < 8 || n > 4 * 2000 || (strncmp(s, "https://", 8) != 0 &&
	    strncmp(s, "http://", 7) != 0))
		FUZZ_FAIL();
	for (i = 0; i < n; i++)
		if (isspace((unsigned char)s[i]) || s[i] == '"' ||
		    s[i] == '<' || s[i] == '>')
			FUZZ_FAIL();
	return rc;
}

/* v_tags into a buffer exactly as large as staff.c's (ASan bounds it). */
static int
c_tags(struct fuzz_req *fr, const char *name, size_t maxn, size_t buflen)
{
	char	*buf;
	size_t	 i, run = 0, ntags = 0, n;
	int	 rc;

	buf = malloc(buflen);
	if (buf == NULL)
		return -1;
	before(fr);
	rc = after(fr, v_tags(&fr->r, fr->obj, name, 0, maxn, buf, buflen),
	    -1, 1);
	if (rc == 1) {
		/* "" or tag(,tag)*, tag = [a-z0-9-]{1,40} */
		n = strlen(buf);
		if (n >= buflen)
			FUZZ_FAIL();
		for (i = 0; i <= n; i++) {
			if (buf[i] == ',' || buf[i] == '\0') {
				if (run < 1 ? n > 0 : run > 40)
					FUZZ_FAIL();
				ntags += run > 0;
				run = 0;
			} else if ((buf[i] >= 'a' && buf[i] <= 'z') ||
			    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-')
				run++;
			else
				FUZZ_FAIL();
		}
		if (ntags > maxn)
			FUZZ_FAIL();
	}
	free(buf);
	return rc;
}

static int
c_only(struct fuzz_req *fr, const char *const *allowed)
{
	const char *const	*a;
	int			 rc;

	before(fr);
	rc = after(fr, v_only(&fr->r, fr->obj, allowed), -1, 0);
	if (rc == 0) {
		json_object_object_foreach(fr->obj, key, val) {
			(void)val;
			for (a = allowed; *a != NULL; a++)
				if (strcmp(*a, key) == 0)
					break;
			if (*a == NULL)
				FUZZ_FAIL();
		}
	}
	return rc;
}

/* ------------------------------------------------- the endpoints */

/* jobs_api.c h_tryons_create() and h_animations_create(): 4096 bytes. */
static void
ep_jobs(struct fuzz_req *fr)
{
	if (fr->len > 4096)
		return;
	if (c_id(fr, "user_photo_id", 1) != -1 &&
	    c_id(fr, "outfit_id", 1) != -1)
		(void)c_id(fr, "location_id", 0);
	(void)c_id(fr, "tryon_id", 1);
}

/*
 * staff_fields.c outfit_fields_read() itself: -1 with exactly one 400,
 * else nothing sent and the title present when creating; then the same
 * fields one by one, each validator against its contract.
 */
static int
c_outfit_fields(struct fuzz_req *fr, int creating)
{
	const char	*cur = NULL, *p[7] = { NULL };
	char		 price[24];
	int		 rc;

	before(fr);
	rc = after(fr, outfit_fields_read(&fr->r, fr->obj, creating, p, price,
	    sizeof(price)), -1, 0);
	if (rc == 0 && creating && p[1] == NULL)
		FUZZ_FAIL();
	if (c_only(fr, staff_outfit_fields) == -1 ||
	    c_str(fr, "title", creating, 1, 200, NULL) == -1 ||
	    c_str(fr, "description", 0, 0, 2000, NULL) == -1 ||
	    c_enum(fr, "category", staff_categories) == -1 ||
	    c_url(fr, "product_url") == -1 ||
	    c_int(fr, "price", 0, INT64_C(1000000000000)) == -1)
		return -1;
	rc = c_str(fr, "currency", 0, 3, 3, &cur);
	if (rc == -1)
		return -1;
	/* Three characters: staff.c indexes cur[0..2] as bytes. */
	if (rc == 1 && (cur[0] == '\0' || cur[1] == '\0' || cur[2] == '\0'))
		FUZZ_FAIL();
	return 0;
}

/* staff.c h_outfits_create() (admin and staff) and h_outfits_update(). */
static void
ep_outfits(struct fuzz_req *fr)
{
	if (fr->len > 16384)
		return;
	if (c_id(fr, "shop_id", 1) != -1)		/* admin */
		(void)c_outfit_fields(fr, 1);
	if (c_id(fr, "shop_id", 0) != -1)		/* staff */
		(void)c_outfit_fields(fr, 1);
	if (!json_object_object_get_ex(fr->obj, "shop_id", NULL))
		(void)c_outfit_fields(fr, 0);		/* update */
}

/* staff.c h_locations_create() and h_locations_update(). */
static void
ep_locations(struct fuzz_req *fr)
{
	int	 creating;

	if (fr->len > 16384)
		return;
	for (creating = 1; creating >= 0; creating--) {
		const char	*p[3] = { NULL };
		char		 tags[STAFF_TAGS_LEN];

		/* staff_fields.c location_fields_read() itself. */
		before(fr);
		if (after(fr, location_fields_read(&fr->r, fr->obj, creating,
		    p, tags, sizeof(tags)), -1, 0) == 0 && creating &&
		    p[0] == NULL)
			FUZZ_FAIL();
		if (c_only(fr, staff_location_fields) == -1 ||
		    c_str(fr, "title", creating, 1, 200, NULL) == -1 ||
		    c_str(fr, "description", 0, 0, 2000, NULL) == -1)
			continue;
		(void)c_tags(fr, "tags", 20, STAFF_TAGS_LEN);
	}
}

/* The events h_events_create() must send for this body, or 0. */
static size_t
events_expected(json_object *b)
{
	json_object	*list;

	if (!json_object_object_get_ex(b, "events", &list))
		return 1;
	if (!json_object_is_type(list, json_type_array))
		return 0;
	return json_object_array_length(list);
}

/* fcgi/events.c itself. */
static void
ep_events(struct fuzz_req *fr)
{
	fr->want_events = fr->parse_ok ? events_expected(fr->obj) : 0;
	fr->db_calls = 0;
	before(fr);
	h_events_create(&fr->r);
	if (fr->nsent != 1)
		FUZZ_FAIL();
	if (fr->db_calls > 0 ? fr->status != 202 || fr->db_calls != 1 :
	    fr->status < 400)
		FUZZ_FAIL();
	if (!fr->parse_ok && fr->status != 400)
		FUZZ_FAIL();
}

/* v_is_date() on every string member: 1 only for YYYY-MM-DD. */
static void
dates(json_object *o)
{
	const char	*s;

	json_object_object_foreach(o, key, val) {
		(void)key;
		if (!json_object_is_type(val, json_type_string))
			continue;
		s = json_object_get_string(val);
		if (v_is_date(s) && (strlen(s) != 10 || s[0] != '2'))
			FUZZ_FAIL();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 fr;
	char		*body;

	if (size > FUZZ_BODY_MAX + 1)
		return 0;
	body = malloc(size + 1);
	if (body == NULL)
		return 0;
	/* req_read_body() hands over a NUL-terminated copy. */
	memcpy(body, data, size);
	body[size] = '\0';
	memset(&fr, 0, sizeof(fr));
	fr.r.app = &fr.app;
	fr.app.db = (struct db *)(void *)&fr;	/* db_run() finds fr */
	fr.body = body;
	fr.len = size;
	fuzz_parse(&fr);

	ep_events(&fr);		/* also when the body is malformed */
	if (fr.parse_ok) {
		ep_jobs(&fr);
		ep_outfits(&fr);
		ep_locations(&fr);
		dates(fr.obj);
	}
	json_object_put(fr.obj);
	free(body);
	return 0;
}
