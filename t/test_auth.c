/*
 * Unit tests for lib/auth.c (Telegram Mini App initData).
 *
 * Test initData is built by make_initdata() below, which signs with
 * OpenSSL directly (its own sorting, HMAC, Ed25519, base64url and
 * percent-encoding) so the library is checked against an independent
 * implementation, not against itself.  Published vectors anchor both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"

#define T0		((time_t)1700000000)
#define TOKEN		"123456789:AAtest-token_for-primerka"
#define BOT_ID		INT64_C(123456789)
#define USER_JSON	"{\"id\":279058397,\"first_name\":\"Vladislav\"," \
			"\"last_name\":\"Kibenko\",\"username\":\"vdkfrost\"," \
			"\"language_code\":\"ru\",\"is_premium\":true}"
#define BIG		8192

struct kv {
	const char	*k;
	const char	*v;	/* decoded value */
};

/* The usual Mini App launch fields (decoded). */
static const struct kv base_fields[] = {
	{ "query_id", "AAHdF6IQAAAAAN0XohDhrOrc" },
	{ "user", USER_JSON },
	{ "chat_instance", "-4238293468352235" },
	{ "chat_type", "sender" },
	{ "auth_date", "1700000000" },
};
#define NBASE	(sizeof(base_fields) / sizeof(base_fields[0]))

static EVP_PKEY	*test_key;	/* Ed25519 pair generated for the run */
static EVP_PKEY	*other_key;
static char	 test_pub_hex[65], other_pub_hex[65];

/* ---- independent signer ---------------------------------------------- */

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

/* Join sorted key=value lines; returns length. */
static size_t
join_dcs(const struct kv *f, size_t n, const char *prefix, char *out,
    size_t outsz)
{
	struct kv	 s[64];
	size_t		 i;
	int		 len;

	CU_ASSERT_FATAL(n <= 64);
	memcpy(s, f, n * sizeof(*f));
	qsort(s, n, sizeof(*s), kv_cmp);
	len = snprintf(out, outsz, "%s", prefix);
	for (i = 0; i < n; i++)
		len += snprintf(out + len, outsz - (size_t)len, "%s%s=%s",
		    i ? "\n" : "", s[i].k, s[i].v);
	CU_ASSERT_FATAL((size_t)len < outsz);
	return (size_t)len;
}

/* hex(HMAC-SHA256(HMAC-SHA256("WebAppData", token), msg)) */
static void
tg_hash(const char *token, const char *msg, size_t len, char hex[65])
{
	unsigned char	 secret[32], mac[32];
	unsigned int	 n;
	int		 i;

	HMAC(EVP_sha256(), "WebAppData", 10, (const unsigned char *)token,
	    strlen(token), secret, &n);
	HMAC(EVP_sha256(), secret, 32, (const unsigned char *)msg, len, mac,
	    &n);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

/* Append s as it is. */
static void
raw_append(char *out, size_t outsz, const char *s)
{
	size_t	 len = strlen(out), n = strlen(s);

	CU_ASSERT_FATAL(len + n < outsz);
	memcpy(out + len, s, n + 1);
}

/* Encode everything but [A-Za-z0-9_.~-], lower-case hex (lib uses upper). */
static void
enc_append(char *out, size_t outsz, const char *s)
{
	size_t	 len = strlen(out);

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		CU_ASSERT_FATAL(len + 4 < outsz);
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-' || c == '~')
			out[len++] = (char)c;
		else
			len += (size_t)snprintf(out + len, outsz - len,
			    "%%%02x", c);
	}
	out[len] = '\0';
}

/*
 * Build initData from the n decoded fields, in the given order.  With sk,
 * add an Ed25519 "signature" for bot_id (over the fields given); with
 * token, add a "hash" over everything (the signature included), as
 * Telegram does.  Returns the length.
 */
static size_t
make_initdata(const char *token, const struct kv *f, size_t n,
    int64_t bot_id, EVP_PKEY *sk, char *out, size_t outsz)
{
	struct kv	 all[64];
	char		 msg[BIG], prefix[64], hex[65], sig64[128];
	unsigned char	 sig[64];
	size_t		 m = n, len, siglen = sizeof(sig), i;
	EVP_MD_CTX	*md;
	int		 b;

	CU_ASSERT_FATAL(n + 2 <= 64);
	memcpy(all, f, n * sizeof(*f));
	if (sk != NULL) {
		snprintf(prefix, sizeof(prefix), "%lld:WebAppData\n",
		    (long long)bot_id);
		len = join_dcs(all, m, prefix, msg, sizeof(msg));
		md = EVP_MD_CTX_new();
		CU_ASSERT_FATAL(md != NULL);
		CU_ASSERT_FATAL(EVP_DigestSignInit(md, NULL, NULL, NULL, sk) ==
		    1);
		CU_ASSERT_FATAL(EVP_DigestSign(md, sig, &siglen,
		    (unsigned char *)msg, len) == 1 && siglen == 64);
		EVP_MD_CTX_free(md);
		/* base64 -> base64url, unpadded */
		b = EVP_EncodeBlock((unsigned char *)sig64, sig, 64);
		while (b > 0 && sig64[b - 1] == '=')
			sig64[--b] = '\0';
		for (i = 0; sig64[i] != '\0'; i++) {
			if (sig64[i] == '+')
				sig64[i] = '-';
			else if (sig64[i] == '/')
				sig64[i] = '_';
		}
		all[m].k = "signature";
		all[m++].v = sig64;
	}
	if (token != NULL) {
		len = join_dcs(all, m, "", msg, sizeof(msg));
		tg_hash(token, msg, len, hex);
		all[m].k = "hash";
		all[m++].v = hex;
	}
	out[0] = '\0';
	for (i = 0; i < m; i++) {
		if (i > 0)
			raw_append(out, outsz, "&");
		enc_append(out, outsz, all[i].k);
		raw_append(out, outsz, "=");
		enc_append(out, outsz, all[i].v);
	}
	return strlen(out);
}

/* base_fields with field `key` replaced by (or, if absent, added as) v. */
static size_t
with_field(const char *key, const char *v, struct kv *out)
{
	size_t	 i, n = 0;
	int	 done = 0;

	for (i = 0; i < NBASE; i++) {
		out[n] = base_fields[i];
		if (strcmp(base_fields[i].k, key) == 0) {
			if (v == NULL)
				continue;	/* remove */
			out[n].v = v;
			done = 1;
		}
		n++;
	}
	if (!done && v != NULL) {
		out[n].k = key;
		out[n++].v = v;
	}
	return n;
}

/* Replace the first `from` in s by `to`; asserts it was there. */
static void
replace(char *s, size_t sz, const char *from, const char *to)
{
	char	*p = strstr(s, from);
	size_t	 fl = strlen(from), tl = strlen(to);

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_FATAL(strlen(s) - fl + tl < sz);
	memmove(p + tl, p + fl, strlen(p + fl) + 1);
	memcpy(p, to, tl);
}

/* Hex of k's raw public key.  Returns 0 or -1 (called outside tests). */
static int
key_hex(EVP_PKEY *k, char hex[65])
{
	unsigned char	 raw[32];
	size_t		 n = sizeof(raw);
	int		 i;

	if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != 32)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static struct auth_config
cfg_make(const char *token, int64_t max_age, int64_t bot_id,
    const char *pub, int test_env)
{
	struct auth_config	 c;
	const char		*err = NULL;

	CU_ASSERT_FATAL(auth_config_init(&c, token, max_age, bot_id, pub,
	    test_env, &err) == 0);
	return c;
}

/* Check with the default config (hash only, max_age one day). */
static enum auth_result
chk(const char *s, time_t now, struct auth_user *u)
{
	struct auth_config	 c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	struct auth_user	 tmp;
	enum auth_result	 r;

	r = auth_check_initdata(&c, s, now, u != NULL ? u : &tmp);
	auth_config_clear(&c);
	return r;
}

/* Sign base_fields with `key` set to v (NULL removes) and check it. */
static enum auth_result
chk_field(const char *key, const char *v, struct auth_user *u)
{
	struct kv	 f[NBASE + 1];
	char		 s[BIG];
	size_t		 n;

	n = with_field(key, v, f);
	make_initdata(TOKEN, f, n, 0, NULL, s, sizeof(s));
	return chk(s, T0, u);
}

/* ---- published and hand-made vectors --------------------------------- */

/*
 * The signer above against published values: signData("abc",
 * "my-secret-token") from @telegram-apps/init-data-node's tests.
 */
static void
test_vector_hmac_scheme(void)
{
	char	 hex[65];

	tg_hash("my-secret-token", "abc", 3, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	    "6ecc2e9b51f30dde6877ce374ede54eb626c84e78a5d9a9dcac54d2d248f6bde");
}

/* A data-check-string written by hand, hashed with OpenSSL directly. */
static void
test_vector_handwritten(void)
{
	static const char dcs[] =
	    "auth_date=1700000000\n"
	    "query_id=AAHdF6IQAAAAAN0XohDhrOrc\n"
	    "user={\"id\":279058397,\"first_name\":\"Vladislav\","
	    "\"language_code\":\"ru\"}";
	struct auth_config	 c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	struct auth_user	 u;
	char			 hex[65], s[1024];

	tg_hash(TOKEN, dcs, strlen(dcs), hex);
	snprintf(s, sizeof(s), "user=%%7B%%22id%%22%%3A279058397%%2C"
	    "%%22first_name%%22%%3A%%22Vladislav%%22%%2C%%22language_code"
	    "%%22%%3A%%22ru%%22%%7D&query_id=AAHdF6IQAAAAAN0XohDhrOrc"
	    "&hash=%s&auth_date=1700000000", hex);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 5, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 279058397);
	CU_ASSERT_STRING_EQUAL(u.first_name, "Vladislav");
	CU_ASSERT_STRING_EQUAL(u.language, "ru");
	CU_ASSERT_EQUAL(u.auth_date, T0);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_HASH);
	/* The same string under another token. */
	auth_config_clear(&c);
	c = cfg_make(TOKEN "x", 86400, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 5, &u), AUTH_BAD_HASH);
	CU_ASSERT_EQUAL(u.id, 0);
	auth_config_clear(&c);
}

/* @telegram-apps/init-data-node test vector (chat, receiver, start_param). */
static void
test_vector_tmajs(void)
{
	static const char sp[] = "auth_date=1&can_send_after=10000&chat=%7B%22id%22%3A1%2C%22type%22%3A%22group%22%2C%22title%22%3A%22chat-title%22%2C%22photo_url%22%3A%22group%22%2C%22username%22%3A%22my-chat%22%7D&chat_instance=888&chat_type=sender&hash=47cfa22e72b887cba90c9cb833c5ea0f599975b6ce7193741844b5c4a4228b40&query_id=QUERY&receiver=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Atrue%2C%22first_name%22%3A%22receiver-first-name%22%2C%22id%22%3A991%2C%22is_bot%22%3Afalse%2C%22is_premium%22%3Atrue%2C%22language_code%22%3A%22ru%22%2C%22last_name%22%3A%22receiver-last-name%22%2C%22photo_url%22%3A%22receiver-photo%22%2C%22username%22%3A%22receiver-username%22%7D&start_param=debug&user=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Afalse%2C%22first_name%22%3A%22user-first-name%22%2C%22id%22%3A222%2C%22is_bot%22%3Atrue%2C%22is_premium%22%3Afalse%2C%22language_code%22%3A%22en%22%2C%22last_name%22%3A%22user-last-name%22%2C%22photo_url%22%3A%22user-photo%22%2C%22username%22%3A%22user-username%22%7D";
	static const char token[] = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
	struct auth_config	 c = cfg_make(token, 0, 0, NULL, 0);
	struct auth_user	 u;

	CU_ASSERT_EQUAL(auth_check_initdata(&c, sp, 1, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 222);
	CU_ASSERT_STRING_EQUAL(u.first_name, "user-first-name");
	CU_ASSERT_STRING_EQUAL(u.last_name, "user-last-name");
	CU_ASSERT_STRING_EQUAL(u.username, "user-username");
	CU_ASSERT_STRING_EQUAL(u.photo_url, "user-photo");
	CU_ASSERT_STRING_EQUAL(u.language, "en");
	CU_ASSERT_STRING_EQUAL(u.start_param, "debug");
	CU_ASSERT_EQUAL(u.is_premium, 0);
	CU_ASSERT_EQUAL(u.auth_date, 1);
	auth_config_clear(&c);

	c = cfg_make(token, 86400, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, sp, 1 + 86400, &u), AUTH_OK);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, sp, 1 + 86401, &u),
	    AUTH_EXPIRED);
	auth_config_clear(&c);
	c = cfg_make("5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8A", 0, 0,
	    NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, sp, 1, &u), AUTH_BAD_HASH);
	auth_config_clear(&c);
}

/*
 * initData from Telegram itself, as published in the Telegram Mini Apps
 * documentation (init-data-golang): both a hash and a production-key
 * Ed25519 signature for bot 7342037359.  The hash covers "signature".
 */
static const char tg_doc_initdata[] = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73";
#define TG_DOC_TOKEN	"7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4"
#define TG_DOC_BOT	INT64_C(7342037359)
#define TG_DOC_DATE	((time_t)1733509682)

static void
test_vector_telegram(void)
{
	struct auth_config	 c = cfg_make(TG_DOC_TOKEN, 86400, 0, NULL, 0);
	struct auth_user	 u;
	char			 s[BIG];

	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 279058397);
	CU_ASSERT_STRING_EQUAL(u.first_name, "Vladislav + - ? /");
	CU_ASSERT_STRING_EQUAL(u.last_name, "Kibenko");
	CU_ASSERT_STRING_EQUAL(u.username, "vdkfrost");
	CU_ASSERT_STRING_EQUAL(u.language_code, "ru");
	CU_ASSERT_STRING_EQUAL(u.language, "ru");
	CU_ASSERT_EQUAL(u.is_premium, 1);
	CU_ASSERT_STRING_EQUAL(u.photo_url, "https://t.me/i/userpic/320/"
	    "4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg");
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_HASH);

	snprintf(s, sizeof(s), "%s", tg_doc_initdata);
	replace(s, sizeof(s), "chat_type=private", "chat_type=sender");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, TG_DOC_DATE + 60, &u),
	    AUTH_BAD_HASH);
	auth_config_clear(&c);

	/* Third-party form with Telegram's production key, no token. */
	c = cfg_make(NULL, 86400, TG_DOC_BOT, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_SIGNATURE);
	CU_ASSERT_EQUAL(u.id, 279058397);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, TG_DOC_DATE + 60, &u),
	    AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	/* The same key given explicitly. */
	c = cfg_make(NULL, 86400, TG_DOC_BOT, AUTH_TELEGRAM_KEY_PROD, 1);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_OK);
	auth_config_clear(&c);
	/* Test-environment key, another bot id: rejected. */
	c = cfg_make(NULL, 86400, TG_DOC_BOT, NULL, 1);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	c = cfg_make(NULL, 86400, TG_DOC_BOT + 1, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	/* Wrong token but right bot id: the signature still proves it. */
	c = cfg_make(TG_DOC_TOKEN "x", 86400, TG_DOC_BOT, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, tg_doc_initdata,
	    TG_DOC_DATE + 60, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_SIGNATURE);
	auth_config_clear(&c);
}

/* ---- hash form -------------------------------------------------------- */

static void
test_valid_and_reordered(void)
{
	struct kv		 f[NBASE];
	struct auth_user	 u;
	char			 s[BIG], s2[BIG];
	size_t			 i;

	make_initdata(TOKEN, base_fields, NBASE, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL(chk(s, T0, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 279058397);
	CU_ASSERT_STRING_EQUAL(u.username, "vdkfrost");
	CU_ASSERT_EQUAL(u.is_premium, 1);

	/* Reversed order: the hash is over sorted fields, still valid. */
	for (i = 0; i < NBASE; i++)
		f[i] = base_fields[NBASE - 1 - i];
	make_initdata(TOKEN, f, NBASE, 0, NULL, s2, sizeof(s2));
	CU_ASSERT_STRING_NOT_EQUAL(s, s2);
	CU_ASSERT_EQUAL(chk(s2, T0, &u), AUTH_OK);

	/* hash first instead of last. */
	{
		char	*h = strstr(s, "&hash=");
		char	 moved[BIG];
		CU_ASSERT_FATAL(h != NULL);
		snprintf(moved, sizeof(moved), "%s&%.*s", h + 1,
		    (int)(h - s), s);
		CU_ASSERT_EQUAL(chk(moved, T0, &u), AUTH_OK);
	}

	/* Upper-case escapes and hash decode the same. */
	{
		char	 up[BIG];
		size_t	 j, hpos;
		snprintf(up, sizeof(up), "%s", s);
		hpos = (size_t)(strstr(up, "&hash=") - up) + 6;
		for (j = 0; up[j] != '\0'; j++)
			if (up[j] >= 'a' && up[j] <= 'f' && (j >= hpos ||
			    (j >= 2 && (up[j - 1] == '%' ||
			    up[j - 2] == '%'))))
				up[j] = (char)(up[j] - 'a' + 'A');
		CU_ASSERT_STRING_NOT_EQUAL(up, s);
		CU_ASSERT_EQUAL(chk(up, T0, &u), AUTH_OK);
	}
}

static void
test_tampered(void)
{
	struct kv	 f[NBASE + 1];
	char		 s[BIG / 2], t[BIG];
	char		*h;
	size_t		 n;

	make_initdata(TOKEN, base_fields, NBASE, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL_FATAL(chk(s, T0, NULL), AUTH_OK);

	/* user id */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "279058397", "279058398");
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* user name */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "Vladislav", "Vladislaw");
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* auth_date, made fresher */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "auth_date=1700000000", "auth_date=1700000100");
	CU_ASSERT_EQUAL(chk(t, T0 + 100, NULL), AUTH_BAD_HASH);
	/* hash: one digit changed */
	snprintf(t, sizeof(t), "%s", s);
	h = strstr(t, "hash=") + 5;
	*h = *h == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* hash of other data */
	snprintf(t, sizeof(t), "%s", s);
	h = strstr(t, "hash=") + 5;
	memcpy(h, "0000000000000000000000000000000000000000000000000000000000000000", 64);
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* an added field */
	snprintf(t, sizeof(t), "%s&start_param=x", s);
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* a removed field */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "chat_type=sender&", "");
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* a renamed key */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "chat_type=", "chat_typf=");
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);
	/* an empty value */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "chat_type=sender", "chat_type=");
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_BAD_HASH);

	/* The signer's own checks: the same changes, re-signed, pass. */
	n = with_field("chat_type", "private", f);
	make_initdata(TOKEN, f, n, 0, NULL, t, sizeof(t));
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_OK);
	n = with_field("chat_type", NULL, f);
	make_initdata(TOKEN, f, n, 0, NULL, t, sizeof(t));
	CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_OK);

	/*
	 * One field whose value spells two lines of the data-check-string
	 * ("chat_type=sender\nquery_id=...") would hash like two fields:
	 * control characters in values are refused.
	 */
	{
		static const struct kv two[] = {
			{ "auth_date", "1700000000" },
			{ "user", "{\"id\":5}" },
			{ "x", "1" }, { "y", "2" } };
		static const struct kv one[] = {
			{ "auth_date", "1700000000" },
			{ "user", "{\"id\":5}" },
			{ "x", "1\ny=2" } };
		char	 hx[BIG];
		char	*p;
		make_initdata(TOKEN, two, 4, 0, NULL, s, sizeof(s));
		CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_OK);
		/* graft the two-field hash onto the one-field form */
		p = strstr(s, "&hash=");
		snprintf(hx, sizeof(hx), "%s", p);
		make_initdata(NULL, one, 3, 0, NULL, t, sizeof(t));
		CU_ASSERT_FATAL(strlen(t) + strlen(hx) < sizeof(t));
		memcpy(t + strlen(t), hx, strlen(hx) + 1);
		CU_ASSERT_EQUAL(chk(t, T0, NULL), AUTH_MALFORMED);
	}
}

static void
test_wrong_token(void)
{
	char	 s[BIG];

	make_initdata(TOKEN "0", base_fields, NBASE, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_BAD_HASH);
	make_initdata("", base_fields, NBASE, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_BAD_HASH);
}

static void
test_auth_date(void)
{
	struct auth_config	 c;
	struct auth_user	 u;
	char			 s[BIG];

	make_initdata(TOKEN, base_fields, NBASE, 0, NULL, s, sizeof(s));
	/* max_age one day: inclusive bound. */
	CU_ASSERT_EQUAL(chk(s, T0 + 86400, &u), AUTH_OK);
	CU_ASSERT_EQUAL(chk(s, T0 + 86401, &u), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(u.id, 0);
	CU_ASSERT_EQUAL(chk(s, T0 + 10 * 365 * 86400, &u), AUTH_EXPIRED);
	/* Clock skew: up to AUTH_CLOCK_SKEW ahead is fine. */
	CU_ASSERT_EQUAL(chk(s, T0 - AUTH_CLOCK_SKEW, &u), AUTH_OK);
	CU_ASSERT_EQUAL(chk(s, T0 - AUTH_CLOCK_SKEW - 1, &u), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(chk(s, 0, &u), AUTH_EXPIRED);
	/* Extreme clocks do not overflow. */
	CU_ASSERT_EQUAL(chk(s, (time_t)INT64_MIN, &u), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(chk(s, (time_t)INT64_MAX, &u), AUTH_EXPIRED);

	/* max_age 0 disables the age check, not the future check. */
	c = cfg_make(TOKEN, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 10 * 365 * 86400,
	    &u), AUTH_OK);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, (time_t)INT64_MAX, &u),
	    AUTH_OK);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 - 3600, &u),
	    AUTH_EXPIRED);
	auth_config_clear(&c);

	/* A short max_age. */
	c = cfg_make(TOKEN, 60, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 60, &u), AUTH_OK);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 61, &u), AUTH_EXPIRED);
	auth_config_clear(&c);

	/* auth_date syntax (all correctly signed). */
	CU_ASSERT_EQUAL(chk_field("auth_date", NULL, NULL), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "", NULL), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "abc", NULL), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "-1700000000", NULL),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "+1700000000", NULL),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", " 1700000000", NULL),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "1700000000.5", NULL),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "0", NULL), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "99999999999999999999", NULL),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("auth_date", "01700000000", NULL), AUTH_OK);
}

/* ---- malformed input -------------------------------------------------- */

static void
test_malformed(void)
{
	struct auth_user	 u;
	char			 s[BIG / 2], t[BIG];
	char			*h;

	make_initdata(TOKEN, base_fields, NBASE, 0, NULL, s, sizeof(s));

	/* No hash (and no usable signature). */
	make_initdata(NULL, base_fields, NBASE, 0, NULL, t, sizeof(t));
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	/* Bad hex, short, long, empty hash. */
	snprintf(t, sizeof(t), "%s", s);
	h = strstr(t, "hash=") + 5;
	h[10] = 'g';
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	t[strlen(t) - 1] = '\0';
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s0", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	*strstr(t, "&hash=") = '\0';
	raw_append(t, sizeof(t), "&hash=");
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);

	/* Bad percent escapes. */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "chat_type=sender", "chat_type=se%zzder");
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=%%", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=%%4", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x%%=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	/* Escaped NUL, newline, DEL in values; odd bytes in keys. */
	snprintf(t, sizeof(t), "%s&x=a%%00b", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=a%%0ab", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=a%%7Fb", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&a%%3Db=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&a%%0Ab=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&a+b=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);

	/* Structure: empty key, no '=', empty pairs, trailing '&'. */
	snprintf(t, sizeof(t), "%s&=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&&x=1", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "&%s", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("&", T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("=", T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("hash", T0, &u), AUTH_MALFORMED);

	/* Duplicate keys, also as hash, also spelled with escapes. */
	snprintf(t, sizeof(t), "%s&chat_type=sender", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&hash=%s", s, strstr(s, "hash=") + 5);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&chat%%5ftype=sender", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	{
		static const struct kv dup[] = {
			{ "auth_date", "1700000000" },
			{ "user", "{\"id\":5}" },
			{ "user", "{\"id\":6}" } };
		make_initdata(TOKEN, dup, 3, 0, NULL, t, sizeof(t));
		CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	}

	/* Garbage bytes: control, space, 8-bit, binary. */
	snprintf(t, sizeof(t), "%s&x=a b", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=\xd0\xbf", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s&x=\t", s);
	CU_ASSERT_EQUAL(chk(t, T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("\x01\x02\xff\xfe", T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("GET / HTTP/1.1", T0, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk("{\"user\":1}", T0, &u), AUTH_MALFORMED);

	/* Nothing at all. */
	CU_ASSERT_EQUAL(chk("", T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(chk(NULL, T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(u.id, 0);
}

static void
test_bounds(void)
{
	struct kv	 f[40];
	char		 s[BIG], pad[BIG], names[40][8];
	size_t		 len0, n, i;

	/* Exactly AUTH_INITDATA_MAX bytes is accepted, one more is not. */
	n = with_field("start_param", "", f);
	len0 = make_initdata(TOKEN, f, n, 0, NULL, s, sizeof(s));
	CU_ASSERT_FATAL(len0 < AUTH_INITDATA_MAX);
	memset(pad, 'a', AUTH_INITDATA_MAX - len0);
	pad[AUTH_INITDATA_MAX - len0] = '\0';
	n = with_field("start_param", pad, f);
	CU_ASSERT_EQUAL(make_initdata(TOKEN, f, n, 0, NULL, s, sizeof(s)),
	    AUTH_INITDATA_MAX);
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_OK);
	pad[AUTH_INITDATA_MAX - len0] = 'a';
	pad[AUTH_INITDATA_MAX - len0 + 1] = '\0';
	n = with_field("start_param", pad, f);
	CU_ASSERT_EQUAL(make_initdata(TOKEN, f, n, 0, NULL, s, sizeof(s)),
	    AUTH_INITDATA_MAX + 1);
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_MALFORMED);
	/* Far larger: rejected without reading all of it. */
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	CU_ASSERT_EQUAL(chk(pad, T0, NULL), AUTH_MALFORMED);

	/* AUTH_FIELDS_MAX fields including hash: ok; one more: not. */
	f[0].k = "auth_date";
	f[0].v = "1700000000";
	f[1].k = "user";
	f[1].v = "{\"id\":7}";
	for (i = 2; i < AUTH_FIELDS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02zu", i);
		f[i].k = names[i];
		f[i].v = "v";
	}
	make_initdata(TOKEN, f, AUTH_FIELDS_MAX - 1, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_OK);
	make_initdata(TOKEN, f, AUTH_FIELDS_MAX, 0, NULL, s, sizeof(s));
	CU_ASSERT_EQUAL(chk(s, T0, NULL), AUTH_MALFORMED);
}

/* ---- the user object -------------------------------------------------- */

static void
test_user(void)
{
	struct auth_user	 u;
	char			 big[1024], json[4096];
	size_t			 i;

	CU_ASSERT_EQUAL(chk_field("user", NULL, &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "not json", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1}x", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1}{}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "[{\"id\":1}]", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "1", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"first_name\":\"A\"}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":null}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":-5}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":0}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":\"42\"}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":42.0}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":4.2e1}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":true}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":9007199254740992}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":9223372036854775807}", &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user",
	    "{\"id\":99999999999999999999999999}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user",
	    "{\"id\":-99999999999999999999999999}", &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1,\"a\":[[[[[[[[[[1]]]]]]]]]]}",
	    &u), AUTH_MALFORMED);
	/* Invalid UTF-8 inside a JSON string. */
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1,\"first_name\":\"\xff\"}",
	    &u), AUTH_MALFORMED);
	CU_ASSERT_EQUAL(u.id, 0);

	/* Limits that pass. */
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":9007199254740991}", &u),
	    AUTH_OK);
	CU_ASSERT_EQUAL(u.id, INT64_C(9007199254740991));
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":1}", &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 1);
	CU_ASSERT_STRING_EQUAL(u.first_name, "");
	CU_ASSERT_STRING_EQUAL(u.language, "en");
	CU_ASSERT_EQUAL(u.is_premium, 0);
	/* Wrong-typed optional members are ignored. */
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":2,\"first_name\":5,"
	    "\"is_premium\":\"yes\",\"language_code\":null}", &u), AUTH_OK);
	CU_ASSERT_STRING_EQUAL(u.first_name, "");
	CU_ASSERT_EQUAL(u.is_premium, 0);
	/* Escapes and UTF-8 come through decoded. */
	CU_ASSERT_EQUAL(chk_field("user", "{\"id\":3,\"first_name\":"
	    "\"\\u041f\\u0451\\u0442\\u0440 \\\"P\\\"\","
	    "\"language_code\":\"uk\"}", &u), AUTH_OK);
	CU_ASSERT_STRING_EQUAL(u.first_name,
	    "\xd0\x9f\xd1\x91\xd1\x82\xd1\x80 \"P\"");
	CU_ASSERT_STRING_EQUAL(u.language_code, "uk");
	CU_ASSERT_STRING_EQUAL(u.language, "en");

	/* A too long name is cut at a UTF-8 boundary (2-byte letters). */
	for (i = 0; i < 300; i++)
		memcpy(big + 2 * i, "\xd0\xaf", 2);	/* 600 bytes */
	big[600] = '\0';
	snprintf(json, sizeof(json), "{\"id\":4,\"first_name\":\"%s\","
	    "\"last_name\":\"x%s\"}", big, big);
	CU_ASSERT_EQUAL(chk_field("user", json, &u), AUTH_OK);
	CU_ASSERT_EQUAL(strlen(u.first_name), 254);
	CU_ASSERT_EQUAL(strlen(u.last_name), 255);
	CU_ASSERT(strncmp(u.first_name, big, 254) == 0);
	/* A too long photo_url or language_code is dropped, not cut. */
	memset(big, 'p', 600);
	big[600] = '\0';
	snprintf(json, sizeof(json), "{\"id\":5,\"photo_url\":\"https://%s\","
	    "\"language_code\":\"ru-RU-x-a-very-long-tag\"}", big);
	CU_ASSERT_EQUAL(chk_field("user", json, &u), AUTH_OK);
	CU_ASSERT_STRING_EQUAL(u.photo_url, "");
	CU_ASSERT_STRING_EQUAL(u.language_code, "");
	CU_ASSERT_STRING_EQUAL(u.language, "en");

	/* start_param is passed on; language from language_code. */
	{
		struct kv	 f[NBASE + 1];
		char		 s[BIG];
		size_t		 n = with_field("start_param", "outfit_42", f);
		make_initdata(TOKEN, f, n, 0, NULL, s, sizeof(s));
		CU_ASSERT_EQUAL(chk(s, T0, &u), AUTH_OK);
		CU_ASSERT_STRING_EQUAL(u.start_param, "outfit_42");
		CU_ASSERT_STRING_EQUAL(u.language, "ru");
		CU_ASSERT_EQUAL(u.auth_date, T0);
	}
}

/* ---- Ed25519 signature form ------------------------------------------- */

static void
test_signature(void)
{
	struct auth_config	 c;
	struct auth_user	 u;
	char			 s[BIG / 2], t[BIG], zeros[87];
	char			*p;

	memset(zeros, 'A', 86);
	zeros[86] = '\0';

	/* Signature and a hash we cannot check (other bot's token). */
	make_initdata("999:other-bot", base_fields, NBASE, BOT_ID, test_key,
	    s, sizeof(s));
	c = cfg_make(TOKEN, 86400, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_SIGNATURE);
	CU_ASSERT_EQUAL(u.id, 279058397);
	/* Tampered field. */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "279058397", "279058398");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u),
	    AUTH_BAD_SIGNATURE);
	snprintf(t, sizeof(t), "%s&start_param=x", s);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u),
	    AUTH_BAD_SIGNATURE);
	/* Signature of stale data is still stale. */
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0 + 86401, &u),
	    AUTH_EXPIRED);
	auth_config_clear(&c);

	/* Signature only, no hash at all. */
	make_initdata(NULL, base_fields, NBASE, BOT_ID, test_key, s,
	    sizeof(s));
	CU_ASSERT(strstr(s, "hash=") == NULL);
	c = cfg_make(TOKEN, 86400, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_SIGNATURE);
	auth_config_clear(&c);
	/* ... without a token configured at all. */
	c = cfg_make(NULL, 86400, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	auth_config_clear(&c);
	/* Wrong bot id, wrong key. */
	c = cfg_make(TOKEN, 86400, BOT_ID + 1, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u),
	    AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	c = cfg_make(TOKEN, 86400, BOT_ID, other_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u),
	    AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	c = cfg_make(TOKEN, 86400, BOT_ID, NULL, 0);	/* Telegram's key */
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u),
	    AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);
	/* Signature form off: a signature alone proves nothing. */
	c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_MALFORMED);
	auth_config_clear(&c);
	/* Signed by another key for the right bot. */
	make_initdata(NULL, base_fields, NBASE, BOT_ID, other_key, t,
	    sizeof(t));
	c = cfg_make(TOKEN, 86400, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u),
	    AUTH_BAD_SIGNATURE);

	/* Bad base64url: foreign characters, padding, length, bits. */
	p = strstr(s, "signature=") + 10;
	snprintf(t, sizeof(t), "%s", s);
	t[p - s + 5] = '+';
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	t[p - s + 5] = '!';
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "signature=", "signature=AAAA");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "signature=", "signature=A");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "signature=", "signature=x&y=");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	/* 64 bytes of well-formed zeros (86 'A'): decodes, does not verify. */
	snprintf(t, sizeof(t), "auth_date=1700000000&user=%%7B%%22id%%22%%3A1"
	    "%%7D&signature=%s", zeros);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u),
	    AUTH_BAD_SIGNATURE);
	auth_config_clear(&c);

	/* Both proofs valid: the hash is enough (checked first). */
	make_initdata(TOKEN, base_fields, NBASE, BOT_ID, test_key, s,
	    sizeof(s));
	c = cfg_make(TOKEN, 86400, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.proof, AUTH_PROOF_HASH);
	/* The hash covers the signature field. */
	snprintf(t, sizeof(t), "%s", s);
	replace(t, sizeof(t), "signature=", "signature=AAAA");
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_MALFORMED);
	auth_config_clear(&c);
	c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	/* Signature form off: a changed signature is just a changed field. */
	CU_ASSERT_EQUAL(auth_check_initdata(&c, t, T0, &u), AUTH_BAD_HASH);
	auth_config_clear(&c);
}

/* ---- header, helpers, config, signing --------------------------------- */

static void
test_header(void)
{
	struct auth_config	 c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	struct auth_user	 u;
	char			 s[BIG], h[BIG + 32];

	make_initdata(TOKEN, base_fields, NBASE, 0, NULL, s, sizeof(s));
	snprintf(h, sizeof(h), "tma %s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 279058397);
	snprintf(h, sizeof(h), "TMA %s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_OK);
	snprintf(h, sizeof(h), "Tma\t%s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_OK);
	snprintf(h, sizeof(h), "  tma   %s \t", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_OK);

	snprintf(h, sizeof(h), "Bearer %s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_MISSING);
	snprintf(h, sizeof(h), "tma%s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_MISSING);
	snprintf(h, sizeof(h), "tmax %s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_MISSING);
	snprintf(h, sizeof(h), "%s", s);
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, NULL, T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "", T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "   ", T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "tma", T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "tma  \t ", T0, &u),
	    AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "tm", T0, &u), AUTH_MISSING);
	CU_ASSERT_EQUAL(auth_check_header(&c, "tma garbage", T0, &u),
	    AUTH_MALFORMED);
	CU_ASSERT_EQUAL(auth_check_header(&c, "tma a=1 b=2", T0, &u),
	    AUTH_MALFORMED);
	snprintf(h, sizeof(h), "tma %s", s);
	replace(h, sizeof(h), "279058397", "279058398");
	CU_ASSERT_EQUAL(auth_check_header(&c, h, T0, &u), AUTH_BAD_HASH);
	CU_ASSERT_EQUAL(u.id, 0);
	auth_config_clear(&c);
}

static void
test_language(void)
{
	CU_ASSERT_STRING_EQUAL(auth_language("ru"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("RU"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("ru-RU"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("ru_RU"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("be"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("kk"), "ru");
	CU_ASSERT_STRING_EQUAL(auth_language("en"), "en");
	CU_ASSERT_STRING_EQUAL(auth_language("uk"), "en");
	CU_ASSERT_STRING_EQUAL(auth_language("de-RU"), "en");
	CU_ASSERT_STRING_EQUAL(auth_language("rus"), "en");
	CU_ASSERT_STRING_EQUAL(auth_language("r"), "en");
	CU_ASSERT_STRING_EQUAL(auth_language(""), "en");
	CU_ASSERT_STRING_EQUAL(auth_language(NULL), "en");
}

static void
test_strerror(void)
{
	int	 i, j;

	for (i = AUTH_OK; i <= AUTH_ERROR; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(auth_strerror(i));
		CU_ASSERT(strlen(auth_strerror(i)) > 0);
		for (j = AUTH_OK; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(auth_strerror(i),
			    auth_strerror(j));
	}
	CU_ASSERT_PTR_NOT_NULL(auth_strerror((enum auth_result)99));
}

static void
test_config(void)
{
	struct auth_config	 c;
	struct auth_user	 u;
	const char		*err;
	char			 longtok[300];

	err = NULL;
	CU_ASSERT_EQUAL(auth_config_init(&c, NULL, 0, 0, NULL, 0, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_EQUAL(auth_config_init(&c, "", 0, 0, NULL, 0, &err), -1);
	CU_ASSERT_EQUAL(auth_config_init(&c, TOKEN, -1, 0, NULL, 0, &err), -1);
	CU_ASSERT_EQUAL(auth_config_init(&c, TOKEN, 0, -1, NULL, 0, &err), -1);
	CU_ASSERT_EQUAL(auth_config_init(&c, TOKEN, 0, 1, "abcd", 0, &err),
	    -1);
	CU_ASSERT_EQUAL(auth_config_init(&c, TOKEN, 0, 1,
	    "zz00000000000000000000000000000000000000000000000000000000000000",
	    0, &err), -1);
	memset(longtok, 'a', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	CU_ASSERT_EQUAL(auth_config_init(&c, longtok, 0, 0, NULL, 0, &err),
	    -1);
	CU_ASSERT_EQUAL(auth_config_init(&c, NULL, 0, 0, NULL, 0, NULL), -1);
	/* A failed init leaves a cleared config that checks nothing. */
	CU_ASSERT_PTR_NULL(c.hmac);
	CU_ASSERT_PTR_NULL(c.pkey);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, "a=1", T0, &u), AUTH_ERROR);
	CU_ASSERT_EQUAL(auth_check_initdata(NULL, "a=1", T0, &u), AUTH_ERROR);
	auth_config_clear(&c);
	auth_config_clear(&c);
	auth_config_clear(NULL);
	/* A public key is ignored while the signature form is off. */
	CU_ASSERT_EQUAL(auth_config_init(&c, TOKEN, 0, 0, "abcd", 0, &err), 0);
	CU_ASSERT_PTR_NULL(c.pkey);
	auth_config_clear(&c);
}

static void
test_sign_initdata(void)
{
	struct auth_config	 c = cfg_make(TOKEN, 86400, 0, NULL, 0);
	struct auth_user	 u;
	char			 out[2048], again[2048], qid[64], dcs[1024];
	char			 hex[65], small[64];
	const char		*p, *q;

	CU_ASSERT_EQUAL_FATAL(auth_sign_initdata(TOKEN, 42, "Ann",
	    "ru", T0, out, sizeof(out)), 0);
	/* Its parts, checked by hand. */
	CU_ASSERT(strncmp(out, "query_id=", 9) == 0);
	p = out + 9;
	q = strchr(p, '&');
	CU_ASSERT_FATAL(q != NULL && q - p == 24);
	snprintf(qid, sizeof(qid), "%.*s", (int)(q - p), p);
	CU_ASSERT(strspn(qid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_") == 24);
	CU_ASSERT(strncmp(q, "&user=%7B%22id%22%3A42%2C%22first_name%22%3A"
	    "%22Ann%22%2C%22language_code%22%3A%22ru%22%2C%22allows_write_"
	    "to_pm%22%3Atrue%7D&auth_date=1700000000&hash=", 133) == 0);
	snprintf(dcs, sizeof(dcs), "auth_date=1700000000\nquery_id=%s\n"
	    "user={\"id\":42,\"first_name\":\"Ann\",\"language_code\":\"ru\","
	    "\"allows_write_to_pm\":true}", qid);
	tg_hash(TOKEN, dcs, strlen(dcs), hex);
	p = strstr(out, "&hash=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p + 6, hex);
	/* And the library accepts it. */
	CU_ASSERT_EQUAL(auth_check_initdata(&c, out, T0 + 1, &u), AUTH_OK);
	CU_ASSERT_EQUAL(u.id, 42);
	CU_ASSERT_STRING_EQUAL(u.first_name, "Ann");
	CU_ASSERT_STRING_EQUAL(u.language, "ru");
	/* Deterministic. */
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 42, "Ann", "ru", T0, again,
	    sizeof(again)), 0);
	CU_ASSERT_STRING_EQUAL(out, again);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 43, "Ann", "ru", T0, again,
	    sizeof(again)), 0);
	CU_ASSERT_STRING_NOT_EQUAL(out, again);

	/* Awkward names survive; no language_code means "en". */
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 7, "A & B = \"C\" / +\xd0\xaf",
	    NULL, T0, out, sizeof(out)), 0);
	CU_ASSERT(strstr(out, "language_code") == NULL);
	CU_ASSERT_EQUAL(auth_check_initdata(&c, out, T0, &u), AUTH_OK);
	CU_ASSERT_STRING_EQUAL(u.first_name, "A & B = \"C\" / +\xd0\xaf");
	CU_ASSERT_STRING_EQUAL(u.language, "en");

	/* Bad arguments and short buffers. */
	memset(small, 'Z', sizeof(small));
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 42, "Ann", "ru", T0, small,
	    sizeof(small) - 1), -1);
	CU_ASSERT_EQUAL(small[0], '\0');
	CU_ASSERT_EQUAL(small[sizeof(small) - 1], 'Z');
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 0, "Ann", "ru", T0, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, -1, "Ann", "ru", T0, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, INT64_C(9007199254740992),
	    "Ann", "ru", T0, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 42, NULL, "ru", T0, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(NULL, 42, "Ann", "ru", T0, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata("", 42, "Ann", "ru", T0, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 42, "Ann", "ru", -1, out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(auth_sign_initdata(TOKEN, 42, "Ann", "ru", T0, NULL,
	    0), -1);
	auth_config_clear(&c);
}

/*
 * Apply 20000 rounds of 1-3 random edits to the valid initData s and
 * count how many differing results cfg still accepts (*ok) or rejects
 * (*bad).  The edit alphabet leaves out hex letters, so an edit cannot be
 * a mere change of case inside an escape or the hash.
 */
static void
mutate_run(const struct auth_config *cfg, const char *s, int *ok, int *bad)
{
	struct auth_user	 u;
	char			 t[BIG];
	unsigned int		 seed = 0x5eed;
	size_t			 len, pos;
	int			 i, k, nm;
	unsigned char		 ch;

	*ok = *bad = 0;
	for (i = 0; i < 20000; i++) {
		snprintf(t, sizeof(t), "%s", s);
		nm = 1 + i % 3;
		for (k = 0; k < nm; k++) {
			len = strlen(t);
			seed = seed * 1103515245u + 12345u;
			pos = len ? (seed >> 8) % len : 0;
			do {
				seed = seed * 1103515245u + 12345u;
				ch = (unsigned char)(seed >> 16);
			} while ((ch >= 'a' && ch <= 'f') ||
			    (ch >= 'A' && ch <= 'F') || ch == 0);
			switch ((seed >> 4) % 4) {
			case 0:	/* replace */
				if (len)
					t[pos] = (char)ch;
				break;
			case 1:	/* delete */
				if (len)
					memmove(t + pos, t + pos + 1,
					    len - pos);
				break;
			case 2:	/* insert */
				memmove(t + pos + 1, t + pos, len - pos + 1);
				t[pos] = (char)ch;
				break;
			default:	/* truncate */
				t[pos] = '\0';
				break;
			}
		}
		if (strcmp(s, t) == 0)
			continue;
		if (auth_check_initdata(cfg, t, T0, &u) == AUTH_OK)
			(*ok)++;
		else
			(*bad)++;
	}
}

/*
 * Random damage never passes and never crashes.  One proof at a time:
 * with both forms on, damage confined to the hash is rightly forgiven by
 * a valid signature.
 */
static void
test_mutations(void)
{
	struct auth_config	 c;
	struct auth_user	 u;
	char			 s[BIG / 2];
	int			 ok, bad;

	/* Hash form; the signature is an ordinary (covered) field. */
	make_initdata(TOKEN, base_fields, NBASE, BOT_ID, test_key, s,
	    sizeof(s));
	c = cfg_make(TOKEN, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	mutate_run(&c, s, &ok, &bad);
	CU_ASSERT_EQUAL(ok, 0);
	CU_ASSERT(bad > 19000);
	auth_config_clear(&c);

	/* Signature form alone. */
	make_initdata(NULL, base_fields, NBASE, BOT_ID, test_key, s,
	    sizeof(s));
	c = cfg_make(NULL, 0, BOT_ID, test_pub_hex, 0);
	CU_ASSERT_EQUAL_FATAL(auth_check_initdata(&c, s, T0, &u), AUTH_OK);
	mutate_run(&c, s, &ok, &bad);
	CU_ASSERT_EQUAL(ok, 0);
	CU_ASSERT(bad > 19000);
	auth_config_clear(&c);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 failed;

	test_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	other_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (test_key == NULL || other_key == NULL ||
	    key_hex(test_key, test_pub_hex) != 0 ||
	    key_hex(other_key, other_pub_hex) != 0)
		return 2;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("auth", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "vector: HMAC scheme", test_vector_hmac_scheme) ==
	    NULL ||
	    CU_add_test(s, "vector: hand-written", test_vector_handwritten) ==
	    NULL ||
	    CU_add_test(s, "vector: tma.js", test_vector_tmajs) == NULL ||
	    CU_add_test(s, "vector: Telegram docs (hash + Ed25519)",
	    test_vector_telegram) == NULL ||
	    CU_add_test(s, "valid, reordered", test_valid_and_reordered) ==
	    NULL ||
	    CU_add_test(s, "tampered", test_tampered) == NULL ||
	    CU_add_test(s, "wrong token", test_wrong_token) == NULL ||
	    CU_add_test(s, "auth_date", test_auth_date) == NULL ||
	    CU_add_test(s, "malformed", test_malformed) == NULL ||
	    CU_add_test(s, "bounds", test_bounds) == NULL ||
	    CU_add_test(s, "user JSON", test_user) == NULL ||
	    CU_add_test(s, "Ed25519 signature", test_signature) == NULL ||
	    CU_add_test(s, "header", test_header) == NULL ||
	    CU_add_test(s, "language", test_language) == NULL ||
	    CU_add_test(s, "strerror", test_strerror) == NULL ||
	    CU_add_test(s, "config", test_config) == NULL ||
	    CU_add_test(s, "sign_initdata", test_sign_initdata) == NULL ||
	    CU_add_test(s, "mutations", test_mutations) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	EVP_PKEY_free(test_key);
	EVP_PKEY_free(other_key);
	return failed == 0 ? 0 : 1;
}
