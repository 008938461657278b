/*
 * Telegram Mini App initData authentication (see auth.h for the rules).
 *
 * The raw string is copied into a stack buffer, split into at most
 * AUTH_FIELDS_MAX fields and percent-decoded in place; the proof is
 * checked over the decoded fields, and only then are auth_date and the
 * "user" JSON looked at.  The only heap use is inside OpenSSL (one HMAC
 * context copy per call, the Ed25519 verifier when the signature form is
 * tried) and json-c (the user object).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "jsonv.h"
#include "util.h"

#define AUTH_HASH_LEN		32			/* SHA-256 */
#define AUTH_HASH_HEXLEN	((size_t)2 * AUTH_HASH_LEN)
#define AUTH_SIG_LEN		64			/* Ed25519 */
#define AUTH_PUBKEY_LEN		32
#define AUTH_PUBKEY_HEXLEN	((size_t)2 * AUTH_PUBKEY_LEN)
#define AUTH_TOKEN_MAX		256
#define AUTH_USER_ID_MAX	INT64_C(9007199254740991)	/* 2^53 - 1 */
#define AUTH_DATE_MAX		INT64_C(253402300799)	/* 9999-12-31 */
#define AUTH_JSON_DEPTH		8
/* Decoded fields joined by '=' and '\n', plus "<bot_id>:WebAppData\n". */
#define AUTH_DCS_MAX		(AUTH_INITDATA_MAX + 2 * AUTH_FIELDS_MAX + 64)

static const char webappdata[] = "WebAppData";

struct auth_field {
	const char	*key;	/* NUL-terminated, [A-Za-z0-9_.-]+ */
	const char	*val;	/* NUL-terminated, no control characters */
	size_t		 vlen;
};

/* One parsed initData: the decoded bytes and fields sorted by key. */
struct auth_parsed {
	char			 buf[AUTH_INITDATA_MAX + 1];
	struct auth_field	 f[AUTH_FIELDS_MAX];
	size_t			 n;
	const struct auth_field	*hash;
	const struct auth_field	*signature;
	const struct auth_field	*auth_date;
	const struct auth_field	*user;
	const struct auth_field	*start_param;
};

static int
valid_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * Split and decode len bytes of raw initData into p.  Keys are limited to
 * [A-Za-z0-9_.-] and values may not hold control characters (so neither
 * can contain '=' or '\n' ambiguously and the data-check-string has one
 * reading).  Returns AUTH_OK, AUTH_MISSING (empty) or AUTH_MALFORMED.
 */
static enum auth_result
auth_parse(const char *raw, size_t len, struct auth_parsed *p)
{
	char			*s, *end, *eq, *amp;
	size_t			 i, j, klen, vlen;

	p->n = 0;
	p->hash = p->signature = p->auth_date = p->user = NULL;
	p->start_param = NULL;
	if (len == 0)
		return AUTH_MISSING;
	if (len > AUTH_INITDATA_MAX)
		return AUTH_MALFORMED;
	for (i = 0; i < len; i++) {
		/* A query string is printable ASCII; the rest is escaped. */
		if ((unsigned char)raw[i] <= 0x20 ||
		    (unsigned char)raw[i] >= 0x7f)
			return AUTH_MALFORMED;
	}
	memcpy(p->buf, raw, len);
	p->buf[len] = '\0';

	s = p->buf;
	end = p->buf + len;
	for (;;) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		if (amp == s || p->n == AUTH_FIELDS_MAX)
			return AUTH_MALFORMED;	/* empty pair / too many */
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL || eq == s)
			return AUTH_MALFORMED;	/* no '=' / empty key */
		/* In place: the separators after key and value become NULs. */
		if (util_pct_decode(s, (size_t)(eq - s), UTIL_PCT_PLUS, s,
		    (size_t)(eq - s) + 1, &klen) != UTIL_OK || klen == 0)
			return AUTH_MALFORMED;
		for (i = 0; i < klen; i++)
			if (!valid_key_char((unsigned char)s[i]))
				return AUTH_MALFORMED;
		if (util_pct_decode(eq + 1, (size_t)(amp - eq - 1),
		    UTIL_PCT_PLUS, eq + 1, (size_t)(amp - eq), &vlen) !=
		    UTIL_OK)
			return AUTH_MALFORMED;
		for (i = 0; i < vlen; i++)
			if ((unsigned char)eq[1 + i] < 0x20 ||
			    (unsigned char)eq[1 + i] == 0x7f)
				return AUTH_MALFORMED;
		p->f[p->n].key = s;
		p->f[p->n].val = eq + 1;
		p->f[p->n].vlen = vlen;
		p->n++;
		if (amp == end)
			break;
		s = amp + 1;
		if (s == end)
			return AUTH_MALFORMED;	/* trailing '&' */
	}

	/* Insertion sort (n <= 32); duplicates end up adjacent. */
	for (i = 1; i < p->n; i++) {
		struct auth_field tmp = p->f[i];
		for (j = i; j > 0 && strcmp(p->f[j - 1].key, tmp.key) > 0;
		    j--)
			p->f[j] = p->f[j - 1];
		p->f[j] = tmp;
	}
	for (i = 0; i < p->n; i++) {
		if (i > 0 && strcmp(p->f[i - 1].key, p->f[i].key) == 0)
			return AUTH_MALFORMED;
		if (strcmp(p->f[i].key, "hash") == 0)
			p->hash = &p->f[i];
		else if (strcmp(p->f[i].key, "signature") == 0)
			p->signature = &p->f[i];
		else if (strcmp(p->f[i].key, "auth_date") == 0)
			p->auth_date = &p->f[i];
		else if (strcmp(p->f[i].key, "user") == 0)
			p->user = &p->f[i];
		else if (strcmp(p->f[i].key, "start_param") == 0)
			p->start_param = &p->f[i];
	}
	return AUTH_OK;
}

/*
 * Write prefix (may be NULL) and the data-check-string of p into out:
 * sorted key=value lines joined by '\n', without "hash" and, when
 * skip_signature is set, without "signature".  Returns the length, or -1
 * if out is too small (cannot happen with AUTH_DCS_MAX).
 */
static long
auth_dcs(const struct auth_parsed *p, const char *prefix, int skip_signature,
    char *out, size_t outsz)
{
	size_t	 i, len = 0, klen, plen;
	int	 first = 1;

	plen = prefix == NULL ? 0 : strlen(prefix);
	if (plen >= outsz)
		return -1;
	memcpy(out, prefix == NULL ? "" : prefix, plen);
	len = plen;
	for (i = 0; i < p->n; i++) {
		if (&p->f[i] == p->hash ||
		    (skip_signature && &p->f[i] == p->signature))
			continue;
		klen = strlen(p->f[i].key);
		if (outsz - len < klen + p->f[i].vlen + 3)
			return -1;
		if (!first)
			out[len++] = '\n';
		first = 0;
		memcpy(out + len, p->f[i].key, klen);
		len += klen;
		out[len++] = '=';
		memcpy(out + len, p->f[i].val, p->f[i].vlen);
		len += p->f[i].vlen;
	}
	out[len] = '\0';
	return (long)len;
}

/* HMAC-SHA256 with the pre-keyed template.  Returns 0 or -1. */
static int
auth_hmac(const struct auth_config *cfg, const char *msg, size_t len,
    uint8_t out[AUTH_HASH_LEN])
{
	EVP_MAC_CTX	*ctx;
	size_t		 outlen = 0;
	int		 rc = -1;

	ctx = EVP_MAC_CTX_dup(cfg->hmac);
	if (ctx == NULL)
		goto fail;
	if (EVP_MAC_update(ctx, (const unsigned char *)msg, len) != 1)
		goto fail;
	if (EVP_MAC_final(ctx, out, &outlen, AUTH_HASH_LEN) != 1 ||
	    outlen != AUTH_HASH_LEN)
		goto fail;
	rc = 0;
fail:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/*
 * Verify the Ed25519 signature over msg.  Returns 1 valid, 0 invalid,
 * -1 on an internal error.  Leaves no errors on OpenSSL's queue (other
 * users of the queue, such as libpq's TLS, must not see ours).
 */
static int
auth_ed25519_verify(const struct auth_config *cfg, const uint8_t *sig,
    const char *msg, size_t len)
{
	EVP_MD_CTX	*md;
	int		 rc = -1;

	md = EVP_MD_CTX_new();
	if (md == NULL)
		goto fail;
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, cfg->pkey) != 1)
		goto fail;
	rc = EVP_DigestVerify(md, sig, AUTH_SIG_LEN,
	    (const unsigned char *)msg, len) == 1 ? 1 : 0;
fail:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}

/*
 * Copy a JSON string member into dst, cutting at a UTF-8 character
 * boundary when it does not fit; with whole_only, a value that does not
 * fit is dropped instead.  Non-string members are ignored.
 */
static void
copy_json_str(struct json_object *obj, const char *name, char *dst,
    size_t dstsz, int whole_only)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	dst[0] = '\0';
	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	s = json_object_get_string(v);
	n = strlen(s);	/* stops at an embedded "\u0000" */
	if (n >= dstsz) {
		if (whole_only)
			return;
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Parse the (authenticated) "user" JSON into u.  AUTH_OK/MALFORMED. */
static enum auth_result
auth_parse_user(const struct auth_field *f, struct auth_user *u)
{
	struct json_tokener	*tok;
	struct json_object	*obj = NULL, *v;
	enum auth_result	 r = AUTH_MALFORMED;
	int64_t			 id;

	/* json-c's strict mode still takes single quotes, NaN and more. */
	if (!jsonv_check(f->val, f->vlen, AUTH_JSON_DEPTH))
		return AUTH_MALFORMED;
	tok = json_tokener_new_ex(AUTH_JSON_DEPTH);
	if (tok == NULL)
		return AUTH_ERROR;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	if (f->vlen > 0)
		obj = json_tokener_parse_ex(tok, f->val, (int)f->vlen);
	if (obj == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != f->vlen ||
	    !json_object_is_type(obj, json_type_object))
		goto fail;

	if (!json_object_object_get_ex(obj, "id", &v) ||
	    !json_object_is_type(v, json_type_int))
		goto fail;
	/* Out-of-range numbers come back clamped, and are rejected too. */
	id = json_object_get_int64(v);
	if (id <= 0 || id > AUTH_USER_ID_MAX)
		goto fail;
	u->id = id;
	copy_json_str(obj, "first_name", u->first_name,
	    sizeof(u->first_name), 0);
	copy_json_str(obj, "last_name", u->last_name, sizeof(u->last_name), 0);
	copy_json_str(obj, "username", u->username, sizeof(u->username), 0);
	copy_json_str(obj, "language_code", u->language_code,
	    sizeof(u->language_code), 1);
	copy_json_str(obj, "photo_url", u->photo_url, sizeof(u->photo_url), 1);
	util_strlcpy(u->language, auth_language(u->language_code),
	    sizeof(u->language));
	if (json_object_object_get_ex(obj, "is_premium", &v) &&
	    json_object_is_type(v, json_type_boolean))
		u->is_premium = json_object_get_boolean(v) ? 1 : 0;
	if (json_object_object_get_ex(obj, "allows_write_to_pm", &v) &&
	    json_object_is_type(v, json_type_boolean))
		u->allows_write_to_pm = json_object_get_boolean(v) ? 1 : 0;
	r = AUTH_OK;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}

/* The check proper over len bytes of raw initData. */
static enum auth_result
auth_check(const struct auth_config *cfg, const char *raw, size_t len,
    time_t now, struct auth_user *user)
{
	struct auth_parsed	 p;
	char			 dcs[AUTH_DCS_MAX];
	char			 prefix[64];
	uint8_t			 want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
	uint8_t			 sig[AUTH_SIG_LEN];
	size_t			 siglen;
	long			 dlen;
	int64_t			 date;
	int			 hash_ok = 0, use_hash, use_sig, rc;
	enum auth_result	 r;

	memset(user, 0, sizeof(*user));
	if (cfg == NULL || (cfg->hmac == NULL && cfg->pkey == NULL))
		return AUTH_ERROR;
	r = auth_parse(raw, len, &p);
	if (r != AUTH_OK)
		return r;

	/* A hash, when present, must look like one. */
	if (p.hash != NULL && (p.hash->vlen != AUTH_HASH_HEXLEN ||
	    util_hex_decode(p.hash->val, p.hash->vlen, want, sizeof(want),
	    NULL) != UTIL_OK))
		return AUTH_MALFORMED;
	use_hash = cfg->hmac != NULL && p.hash != NULL;
	use_sig = cfg->pkey != NULL && cfg->bot_id > 0 && p.signature != NULL;
	if (!use_hash && !use_sig)
		return AUTH_MALFORMED;	/* no proof this server can check */

	if (use_hash) {
		dlen = auth_dcs(&p, NULL, 0, dcs, sizeof(dcs));
		if (dlen < 0)
			return AUTH_MALFORMED;
		if (auth_hmac(cfg, dcs, (size_t)dlen, got) != 0) {
			ERR_clear_error();
			return AUTH_ERROR;
		}
		hash_ok = util_ct_equal(want, got, sizeof(got));
		OPENSSL_cleanse(got, sizeof(got));
	}
	if (hash_ok)
		user->proof = AUTH_PROOF_HASH;
	else if (use_sig) {
		if (util_b64url_decode(p.signature->val, p.signature->vlen,
		    sig, sizeof(sig), &siglen) != UTIL_OK ||
		    siglen != AUTH_SIG_LEN)
			return AUTH_MALFORMED;
		rc = snprintf(prefix, sizeof(prefix), "%lld:%s\n",
		    (long long)cfg->bot_id, webappdata);
		if (rc < 0 || (size_t)rc >= sizeof(prefix))
			return AUTH_ERROR;
		dlen = auth_dcs(&p, prefix, 1, dcs, sizeof(dcs));
		if (dlen < 0)
			return AUTH_MALFORMED;
		rc = auth_ed25519_verify(cfg, sig, dcs, (size_t)dlen);
		if (rc < 0)
			return AUTH_ERROR;
		if (rc == 0)
			return AUTH_BAD_SIGNATURE;
		user->proof = AUTH_PROOF_SIGNATURE;
	} else
		return AUTH_BAD_HASH;

	/* Authentic from here on; now the content. */
	r = AUTH_MALFORMED;
	if (p.auth_date == NULL || p.auth_date->val[0] < '0' ||
	    p.auth_date->val[0] > '9' ||
	    util_parse_i64(p.auth_date->val, 1, AUTH_DATE_MAX, &date) != 0)
		goto fail;
	r = auth_fresh(cfg, date, now);
	if (r != AUTH_OK)
		goto fail;
	if (p.user == NULL) {
		r = AUTH_MALFORMED;
		goto fail;
	}
	r = auth_parse_user(p.user, user);
	if (r != AUTH_OK)
		goto fail;
	user->auth_date = (time_t)date;
	if (p.start_param != NULL &&
	    p.start_param->vlen < sizeof(user->start_param))
		memcpy(user->start_param, p.start_param->val,
		    p.start_param->vlen + 1);
	return AUTH_OK;
fail:
	memset(user, 0, sizeof(*user));
	return r;
}

enum auth_result
auth_fresh(const struct auth_config *cfg, int64_t auth_date, time_t now)
{
	int64_t	 diff;

	if (__builtin_sub_overflow((int64_t)now, auth_date, &diff))
		return AUTH_EXPIRED;
	if (diff < -AUTH_CLOCK_SKEW)
		return AUTH_EXPIRED;	/* from the future: a clock is wrong */
	if (cfg->max_age > 0 && diff > cfg->max_age)
		return AUTH_EXPIRED;
	return AUTH_OK;
}

enum auth_result
auth_check_initdata(const struct auth_config *cfg, const char *initdata,
    time_t now, struct auth_user *user)
{
	if (initdata == NULL) {
		memset(user, 0, sizeof(*user));
		return AUTH_MISSING;
	}
	/* Bounded scan: one byte past the limit is enough to reject. */
	return auth_check(cfg, initdata, strnlen(initdata,
	    AUTH_INITDATA_MAX + 1), now, user);
}

enum auth_result
auth_check_header(const struct auth_config *cfg, const char *hv,
    time_t now, struct auth_user *user)
{
	const char	*s, *e;

	memset(user, 0, sizeof(*user));
	if (hv == NULL)
		return AUTH_MISSING;
	s = hv;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "tma", 3) != 0 || (s[3] != ' ' && s[3] != '\t'))
		return AUTH_MISSING;	/* blank, "tma" alone, other scheme */
	s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strnlen(s, AUTH_INITDATA_MAX + 64);
	if (*e != '\0')
		return AUTH_MALFORMED;	/* longer than the scan: too long */
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == s)
		return AUTH_MISSING;
	return auth_check(cfg, s, (size_t)(e - s), now, user);
}

const char *
auth_strerror(enum auth_result r)
{
	switch (r) {
	case AUTH_OK:
		return "ok";
	case AUTH_MISSING:
		return "missing Authorization: tma <initData>";
	case AUTH_MALFORMED:
		return "malformed initData";
	case AUTH_BAD_HASH:
		return "initData hash mismatch";
	case AUTH_BAD_SIGNATURE:
		return "initData signature invalid";
	case AUTH_EXPIRED:
		return "initData expired, reopen the app";
	case AUTH_ERROR:
		return "authentication unavailable";
	}
	return "unknown authentication error";
}

const char *
auth_language(const char *code)
{
	static const char *const ru[] = { "ru", "be", "kk" };
	size_t	 i, n = 0;

	if (code == NULL)
		return "en";
	while (code[n] != '\0' && code[n] != '-' && code[n] != '_')
		n++;
	for (i = 0; i < sizeof(ru) / sizeof(ru[0]); i++)
		if (n == 2 && strncasecmp(code, ru[i], 2) == 0)
			return "ru";
	return "en";
}

int
auth_config_init(struct auth_config *cfg, const char *bot_token,
    int64_t max_age, int64_t bot_id, const char *pub_hex, int use_test_key,
    const char **errstr)
{
	EVP_MAC		*mac = NULL;
	OSSL_PARAM	 params[2];
	uint8_t		 secret[AUTH_HASH_LEN], pub[AUTH_PUBKEY_LEN];
	unsigned int	 slen = 0;
	size_t		 tlen, plen;
	const char	*err = NULL;

	memset(cfg, 0, sizeof(*cfg));
	if (max_age < 0) {
		err = "auth max_age must not be negative";
		goto fail;
	}
	if (bot_id < 0) {
		err = "telegram bot_id must not be negative";
		goto fail;
	}
	cfg->max_age = max_age;
	cfg->bot_id = bot_id;

	tlen = bot_token == NULL ? 0 : strnlen(bot_token, AUTH_TOKEN_MAX + 1);
	if (tlen > AUTH_TOKEN_MAX) {
		err = "telegram bot_token too long";
		goto fail;
	}
	if (tlen > 0) {
		/* secret_key = HMAC-SHA256(key "WebAppData", bot_token) */
		if (HMAC(EVP_sha256(), webappdata, sizeof(webappdata) - 1,
		    (const unsigned char *)bot_token, tlen, secret,
		    &slen) == NULL || slen != AUTH_HASH_LEN) {
			err = "HMAC-SHA256 unavailable";
			goto fail;
		}
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (mac != NULL)
			cfg->hmac = EVP_MAC_CTX_new(mac);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (cfg->hmac == NULL || EVP_MAC_init(cfg->hmac, secret,
		    sizeof(secret), params) != 1) {
			err = "HMAC-SHA256 unavailable";
			goto fail;
		}
	}

	if (bot_id > 0) {
		if (pub_hex == NULL)
			pub_hex = use_test_key ? AUTH_TELEGRAM_KEY_TEST :
			    AUTH_TELEGRAM_KEY_PROD;
		plen = strnlen(pub_hex, AUTH_PUBKEY_HEXLEN + 1);
		if (plen != AUTH_PUBKEY_HEXLEN || util_hex_decode(pub_hex,
		    plen, pub, sizeof(pub), NULL) != UTIL_OK) {
			err = "Ed25519 public key must be 64 hex digits";
			goto fail;
		}
		cfg->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
		    NULL, pub, sizeof(pub));
		if (cfg->pkey == NULL) {
			err = "Ed25519 public key rejected";
			goto fail;
		}
	}
	if (cfg->hmac == NULL && cfg->pkey == NULL) {
		err = "neither telegram bot_token nor bot_id configured";
		goto fail;
	}
	EVP_MAC_free(mac);
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
fail:
	EVP_MAC_free(mac);
	OPENSSL_cleanse(secret, sizeof(secret));
	auth_config_clear(cfg);
	ERR_clear_error();
	if (errstr != NULL)
		*errstr = err;
	return -1;
}

void
auth_config_clear(struct auth_config *cfg)
{
	if (cfg == NULL)
		return;
	EVP_MAC_CTX_free(cfg->hmac);
	EVP_PKEY_free(cfg->pkey);
	memset(cfg, 0, sizeof(*cfg));
}

/* Bounded string builder for auth_sign_initdata(). */
struct sbuf {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void
sbuf_add(struct sbuf *b, const char *s)
{
	size_t	 n = strlen(s);

	if (b->err || b->cap - b->len <= n) {
		b->err = 1;
		return;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void
sbuf_add_enc(struct sbuf *b, const char *s)
{
	size_t	 n;

	if (b->err || util_pct_encode(s, strlen(s), b->p + b->len,
	    b->cap - b->len, &n) != UTIL_OK) {
		b->err = 1;
		return;
	}
	b->len += n;
}

int
auth_sign_initdata(const char *bot_token, int64_t user_id,
    const char *first_name, const char *language_code, time_t auth_date,
    char *out, size_t outlen)
{
	struct json_object	*u = NULL;
	struct sbuf		 b, d;
	const char		*ujson;
	uint8_t			 secret[AUTH_HASH_LEN], mac[AUTH_HASH_LEN];
	char			 date[24], seed[64], qid[32], hex[65];
	char			 dcs[AUTH_DCS_MAX];
	unsigned int		 mlen;
	int			 rc = -1, n;

	if (out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	if (bot_token == NULL || *bot_token == '\0' ||
	    strlen(bot_token) > AUTH_TOKEN_MAX || first_name == NULL ||
	    user_id <= 0 || user_id > AUTH_USER_ID_MAX || auth_date < 0 ||
	    (int64_t)auth_date > AUTH_DATE_MAX)
		return -1;

	if (HMAC(EVP_sha256(), webappdata, sizeof(webappdata) - 1,
	    (const unsigned char *)bot_token, strlen(bot_token), secret,
	    &mlen) == NULL)
		goto fail;

	n = snprintf(date, sizeof(date), "%lld", (long long)auth_date);
	if (n < 0 || (size_t)n >= sizeof(date))
		goto fail;
	/* Deterministic query_id: 18 MAC bytes, 24 base64url characters. */
	n = snprintf(seed, sizeof(seed), "query_id:%lld:%s",
	    (long long)user_id, date);
	if (n < 0 || (size_t)n >= sizeof(seed))
		goto fail;
	if (HMAC(EVP_sha256(), secret, sizeof(secret),
	    (const unsigned char *)seed, (size_t)n, mac, &mlen) == NULL ||
	    util_b64url_encode(mac, 18, qid, sizeof(qid), NULL) != UTIL_OK)
		goto fail;

	/* json-c keeps insertion order and escapes '/' as Telegram does. */
	u = json_object_new_object();
	if (u == NULL ||
	    jsonv_add(u, "id", json_object_new_int64(user_id)) != 0 ||
	    jsonv_add(u, "first_name", json_object_new_string(first_name)) != 0)
		goto fail;
	if (language_code != NULL && *language_code != '\0' &&
	    jsonv_add(u, "language_code",
	    json_object_new_string(language_code)) != 0)
		goto fail;
	if (jsonv_add(u, "allows_write_to_pm", json_object_new_boolean(1)) != 0)
		goto fail;
	ujson = json_object_to_json_string_ext(u, JSON_C_TO_STRING_PLAIN);
	if (ujson == NULL)
		goto fail;

	/* Sorted: auth_date < query_id < user. */
	d.p = dcs;
	d.len = 0;
	d.cap = sizeof(dcs);
	d.err = 0;
	sbuf_add(&d, "auth_date=");
	sbuf_add(&d, date);
	sbuf_add(&d, "\nquery_id=");
	sbuf_add(&d, qid);
	sbuf_add(&d, "\nuser=");
	sbuf_add(&d, ujson);
	if (d.err)
		goto fail;
	if (HMAC(EVP_sha256(), secret, sizeof(secret),
	    (const unsigned char *)dcs, d.len, mac, &mlen) == NULL ||
	    util_hex_encode(mac, sizeof(mac), hex, sizeof(hex)) != UTIL_OK)
		goto fail;

	b.p = out;
	b.len = 0;
	b.cap = outlen;
	b.err = 0;
	sbuf_add(&b, "query_id=");
	sbuf_add_enc(&b, qid);
	sbuf_add(&b, "&user=");
	sbuf_add_enc(&b, ujson);
	sbuf_add(&b, "&auth_date=");
	sbuf_add(&b, date);
	sbuf_add(&b, "&hash=");
	sbuf_add(&b, hex);
	if (b.err)
		goto fail;
	rc = 0;
fail:
	if (rc != 0)
		out[0] = '\0';
	json_object_put(u);
	OPENSSL_cleanse(secret, sizeof(secret));
	ERR_clear_error();
	return rc;
}
