/*
 * libFuzzer target for the vendor webhook path without FastCGI or a
 * database: fcgi/hooks.c's own h_hooks() (the {provider}/{token} path
 * segments, the body limit, Replicate's signature headers) and
 * lib/hooks.c's hook_replicate_verify(), hook_token_valid() and
 * hook_token_hash().
 *
 * An input is a flags byte, then newline-separated fields: provider,
 * token, secret, webhook-id, webhook-timestamp, webhook-signature; the
 * rest is the body.  Flags: bit 0 signs the request (the timestamp
 * becomes now and a correct "v1,..." is appended to the fuzzed
 * signature list, under a fixed secret), bit 1 flips a byte of that
 * correct signature, bits 2-3 choose what job_hook_wake() answers
 * ("woken", "finished", "unknown"), bit 4 leaves the secret unset.
 *
 * Checked, against an HMAC computed here with OpenSSL's one-shot HMAC():
 * the handler sends exactly one response; an unknown provider or a
 * malformed token is 404 before the body is read; a Replicate webhook
 * under a secret reaches the database only when its signature verifies,
 * and is 401 otherwise; a signed request with a well-formed id always
 * verifies and one with its signature flipped never does; what reaches
 * the database is the provider and the token's lowercase hex SHA-256.
 * hook_replicate_verify() on the raw fields says HOOK_SIG_OK only when
 * one "v1," entry is the HMAC of "id.timestamp.body".
 *
 * fuzz-sources: fcgi/hooks.c fcgi/errors.c lib/hooks.c lib/util.c lib/jobs.c
 * fuzz-pkgs: json-c libpq libcrypto
 * fuzz-includes: fcgi
 * fuzz-corpus: fuzz/corpus/hooks
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "api.h"
#include "hooks.h"
#include "log.h"

#define FUZZ_FAIL()	fuzz_fail(__LINE__)
#define FUZZ_FIELDS	6
#define FUZZ_BODY_LIMIT	(256 * 1024)	/* fcgi/hooks.c HOOK_BODY_MAX */

/* 24 bytes, base64: the secret a signed input is made under. */
static const char fixed_secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct fuzz_req {
	struct req	 r;		/* first member */
	struct app	 app;
	const char	*secret;	/* [replicate] webhook_secret */
	const char	*hdr[3];	/* id, timestamp, signature */
	const char	*body;
	size_t		 len;
	const char	*answer;	/* job_hook_wake()'s */
	int		 nsent, status, db_calls, body_reads;
	char		 db_args[2][128];
};

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_req	*cur;

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_hooks.c:%d: invariant broken\n", line);
	abort();
}

/* ------------------------------------------------ link-time shims */

static void
record(struct req *r, int status)
{
	if (status < 200 || status > 599)
		FUZZ_FAIL();
	cur->nsent++;
	cur->status = status;
	r->status = status;
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
resp_error_h(struct req *r, enum api_err code, const char *message,
    const char *extra_headers)
{
	int	 status = api_error_status(code);

	(void)extra_headers;
	if (message == NULL)
		message = api_error_message(code, LANG_EN);
	if ((unsigned)code >= API_ERR__MAX || message == NULL ||
	    strlen(message) > 200 || status < 400)
		FUZZ_FAIL();
	record(r, status);
}

void
resp_error(struct req *r, enum api_err code, const char *message)
{
	resp_error_h(r, code, message, "");
}

void
api_db_down(struct req *r)
{
	resp_error(r, API_ERR_UNAVAILABLE, NULL);
}

const char *
req_param(struct req *r, const char *name)
{
	(void)r;
	if (strcmp(name, "HTTP_WEBHOOK_ID") == 0)
		return cur->hdr[0];
	if (strcmp(name, "HTTP_WEBHOOK_TIMESTAMP") == 0)
		return cur->hdr[1];
	if (strcmp(name, "HTTP_WEBHOOK_SIGNATURE") == 0)
		return cur->hdr[2];
	FUZZ_FAIL();
}

/* fcgi/http.c's contract: over max is a 413, else a NUL-ended copy. */
int
req_read_body(struct req *r, size_t max, unsigned char **body, size_t *len)
{
	cur->body_reads++;
	if (cur->len > max) {
		resp_error(r, API_ERR_TOO_LARGE, NULL);
		return -1;
	}
	*body = malloc(cur->len + 1);
	if (*body == NULL)
		FUZZ_FAIL();
	memcpy(*body, cur->body, cur->len);
	(*body)[cur->len] = '\0';
	*len = cur->len;
	return 0;
}

const char *
conf_get(const struct config *cfg, enum conf_key k)
{
	(void)cfg;
	if (k != CONF_REPLICATE_WEBHOOK_SECRET)
		FUZZ_FAIL();
	return cur->secret;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	(void)lvl;
	(void)fmt;
}

/* job_hook_wake(provider, hash): one row, the harness's answer. */
int
db_run(struct db *db, const char *name, int nparams,
    const char *const *params, ExecStatusType want, PGresult **out)
{
	PGresAttDesc	 att;

	(void)db;
	cur->db_calls++;
	if (strcmp(name, "hook_wake") != 0 || nparams != 2 ||
	    want != PGRES_TUPLES_OK || out == NULL ||
	    strlen(params[0]) >= sizeof(cur->db_args[0]) ||
	    strlen(params[1]) >= sizeof(cur->db_args[1]))
		FUZZ_FAIL();
	snprintf(cur->db_args[0], sizeof(cur->db_args[0]), "%s", params[0]);
	snprintf(cur->db_args[1], sizeof(cur->db_args[1]), "%s", params[1]);
	memset(&att, 0, sizeof(att));
	att.name = (char *)"job_hook_wake";
	att.typid = 25;
	att.typlen = -1;
	att.atttypmod = -1;
	*out = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	if (*out == NULL || !PQsetResultAttrs(*out, 1, &att) ||
	    !PQsetvalue(*out, 0, 0, (char *)cur->answer,
	    (int)strlen(cur->answer)))
		FUZZ_FAIL();
	return 0;
}

/* ------------------------------------------------ the oracle */

/* base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes). */
static void
b64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* The HMAC-SHA256 of "id.ts.body" under the secret's key; its length,
 * 0 when the secret is not whsec_ with whole base64. */
static unsigned
mac_of(const char *secret, const char *id, const char *ts,
    const char *body, size_t len, unsigned char *mac)
{
	unsigned char	 key[512];
	char		*msg;
	size_t		 n, k, mlen;
	unsigned	 maclen = 0;
	int		 dk;

	if (strncmp(secret, "whsec_", 6) != 0)
		return 0;
	n = strlen(secret + 6);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(key))
		return 0;
	dk = EVP_DecodeBlock(key, (const unsigned char *)secret + 6, (int)n);
	if (dk <= 0)
		return 0;
	k = (size_t)dk;
	if (secret[6 + n - 1] == '=')
		k--;
	if (secret[6 + n - 2] == '=')
		k--;
	mlen = strlen(id) + strlen(ts) + 2 + len;
	msg = malloc(mlen + 1);
	if (msg == NULL)
		FUZZ_FAIL();
	n = (size_t)snprintf(msg, mlen + 1, "%s.%s.", id, ts);
	memcpy(msg + n, body, len);
	if (HMAC(EVP_sha256(), key, (int)k, (unsigned char *)msg, mlen, mac,
	    &maclen) == NULL)
		maclen = 0;
	free(msg);
	return maclen;
}

/* Does one "v1,B64" entry of sig (space separated) encode mac? */
static int
sig_lists(const char *sig, const unsigned char *mac, unsigned maclen)
{
	char	 want[64];
	size_t	 n, w;

	b64(mac, maclen, want);
	w = strlen(want);
	for (; *sig != '\0'; sig += n) {
		sig += strspn(sig, " ");
		n = strcspn(sig, " ");
		if (n == w + 3 && strncmp(sig, "v1,", 3) == 0 &&
		    strncmp(sig + 3, want, w) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------ one input */

static int
provider_known(const char *p)
{
	return strcmp(p, "fashn") == 0 || strcmp(p, "fal") == 0 ||
	    strcmp(p, "replicate") == 0;
}

/* fcgi/routes.c's {name} segment: 1..64 of [A-Za-z0-9_-]. */
static int
segment(const char *s, size_t n)
{
	return n > 0 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") >= n;
}

static void
check_verify(char *f[FUZZ_FIELDS], const char *body, size_t len)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned	 maclen;
	enum hook_sig	 v;
	int64_t		 ts;
	char		*end;

	/* The fuzzed timestamp as now: the signature is what is tested. */
	ts = (int64_t)strtoll(f[4], &end, 10);
	if (ts < 0 || ts > (int64_t)1 << 40)
		ts = 0;	/* a clock, not an overflow test */
	v = hook_replicate_verify(f[2], f[3], f[4], f[5], body, len,
	    (time_t)ts);
	if ((unsigned)v >= HOOK_SIG__MAX)
		FUZZ_FAIL();
	if (v != HOOK_SIG_OK)
		return;
	maclen = mac_of(f[2], f[3], f[4], body, len, mac);
	if (maclen != 32 || !sig_lists(f[5], mac, maclen) ||
	    strchr(f[3], '.') != NULL || f[3][0] == '\0')
		FUZZ_FAIL();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 fr;
	char		*copy, *f[FUZZ_FIELDS], *p, *nl, *sig = NULL;
	char		 ts[24], good[64], hex[HOOK_HASH_LEN + 1];
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned	 maclen, flags;
	size_t		 i, slen;
	int		 signed_ok, replicate, secured;

	if (size < 1)
		return 0;
	flags = data[0];
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	p = copy;
	for (i = 0; i < FUZZ_FIELDS; i++) {
		nl = memchr(p, '\n', (size_t)(copy + size - 1 - p));
		f[i] = p;
		if (nl == NULL) {
			for (i++; i < FUZZ_FIELDS; i++)
				f[i] = copy + size - 1;
			p = copy + size - 1;
			break;
		}
		*nl = '\0';
		p = nl + 1;
	}
	memset(&fr, 0, sizeof(fr));
	cur = &fr;
	fr.r.app = &fr.app;
	fr.body = p;
	fr.len = (size_t)(copy + size - 1 - p);
	check_verify(f, fr.body, fr.len);

	/* Fields with a NUL inside are cut there, as CGI strings would be. */
	if (!segment(f[0], strlen(f[0])) || !segment(f[1], strlen(f[1])))
		goto out;
	memcpy(fr.r.path_args[0], f[0], strlen(f[0]) + 1);
	memcpy(fr.r.path_args[1], f[1], strlen(f[1]) + 1);
	fr.secret = (flags & 16) ? NULL : f[2];
	fr.hdr[0] = f[3][0] != '\0' ? f[3] : NULL;
	fr.hdr[1] = f[4][0] != '\0' ? f[4] : NULL;
	fr.hdr[2] = f[5][0] != '\0' ? f[5] : NULL;
	fr.answer = (flags >> 2 & 3) == 0 ? "woken" :
	    (flags >> 2 & 3) == 1 ? "finished" : "unknown";
	signed_ok = 0;
	if (flags & 1) {
		/* Signed now under the fixed secret. */
		fr.secret = fixed_secret;
		snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
		fr.hdr[1] = ts;
		maclen = mac_of(fixed_secret, f[3], ts, fr.body, fr.len, mac);
		if (maclen != 32)
			FUZZ_FAIL();
		b64(mac, maclen, good);
		if (flags & 2)
			good[5] = good[5] == 'A' ? 'B' : 'A';
		slen = strlen(f[5]) + strlen(good) + 5;
		sig = malloc(slen);
		if (sig == NULL)
			FUZZ_FAIL();
		snprintf(sig, slen, "%s%sv1,%s", f[5], f[5][0] ? " " : "",
		    good);
		fr.hdr[2] = sig;
		signed_ok = !(flags & 2) && f[3][0] != '\0' &&
		    strlen(f[3]) <= 256 && strchr(f[3], '.') == NULL;
	}

	h_hooks(&fr.r);

	if (fr.nsent != 1)
		FUZZ_FAIL();
	if (!provider_known(f[0]) || !hook_token_valid(f[1])) {
		if (fr.status != 404 || fr.body_reads != 0 || fr.db_calls != 0)
			FUZZ_FAIL();
		goto out;
	}
	if (fr.len > FUZZ_BODY_LIMIT) {
		if (fr.status != 413 || fr.db_calls != 0)
			FUZZ_FAIL();
		goto out;
	}
	replicate = strcmp(f[0], "replicate") == 0;
	secured = replicate && fr.secret != NULL && fr.secret[0] != '\0';
	if (secured && fr.db_calls == 0 && fr.status != 401)
		FUZZ_FAIL();
	if (secured && (flags & 1) && (flags & 2) && fr.db_calls != 0 &&
	    !sig_lists(f[5], mac, 32))
		FUZZ_FAIL();	/* a flipped signature let through */
	if (replicate && signed_ok && fr.db_calls != 1)
		FUZZ_FAIL();	/* a good signature refused */
	if (!secured && fr.db_calls != 1)
		FUZZ_FAIL();
	if (fr.db_calls == 1) {
		hook_token_hash(f[1], hex);
		if (strcmp(fr.db_args[0], f[0]) != 0 ||
		    strcmp(fr.db_args[1], hex) != 0 ||
		    strspn(hex, "0123456789abcdef") != HOOK_HASH_LEN)
			FUZZ_FAIL();
		if (fr.status != (strcmp(fr.answer, "unknown") == 0 ? 404 :
		    200))
			FUZZ_FAIL();
	}
out:
	free(sig);
	free(copy);
	cur = NULL;
	return 0;
}
