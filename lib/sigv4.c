/*
 * AWS Signature Version 4 (see sigv4.h).  SHA-256 and HMAC-SHA256 come
 * from OpenSSL 3 libcrypto (EVP_Digest, EVP_Q_mac); everything else is
 * string handling with explicit lengths and checked allocations.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "buf.h"
#include "sigv4.h"

/* A header in canonical form: lower-case name, trimmed value. */
struct canon_hdr {
	char	*name;
	char	*value;
	size_t	 order;		/* input position, keeps duplicates stable */
};

static const char hexdig[] = "0123456789abcdef";
static const char hexdig_upper[] = "0123456789ABCDEF";

/* Write n bytes as lower-case hex into out (2n+1 bytes). */
static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* HMAC-SHA256 of data under key into out.  Returns 0 or SIGV4_ECRYPTO. */
static int
hmac_sha256(const unsigned char *key, size_t keylen, const void *data,
    size_t len, unsigned char out[32])
{
	size_t	 outlen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    data, len, out, 32, &outlen) == NULL || outlen != 32)
		return SIGV4_ECRYPTO;
	return SIGV4_OK;
}

/*
 * SHA-256 of len bytes as 64 lower-case hex digits.  Returns 0 or a
 * negative sigv4_result.
 */
int
sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_HEX_SIZE])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	static const unsigned char empty = 0;

	if (hex == NULL || (data == NULL && len > 0))
		return SIGV4_EINVAL;
	if (data == NULL)
		data = &empty;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return SIGV4_ECRYPTO;
	hex_encode(md, 32, hex);
	return SIGV4_OK;
}

/*
 * Format now (UTC) as the x-amz-date and the scope date.  Years outside
 * 0..9999 cannot be written in the 8-digit form and are refused.
 */
int
sigv4_format_time(time_t now, char amz_date[SIGV4_AMZ_DATE_SIZE],
    char date[SIGV4_DATE_SIZE])
{
	struct tm	 tm;

	if (gmtime_r(&now, &tm) == NULL)
		return SIGV4_EINVAL;
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return SIGV4_EINVAL;
	if (amz_date != NULL &&
	    strftime(amz_date, SIGV4_AMZ_DATE_SIZE, "%Y%m%dT%H%M%SZ", &tm) !=
	    SIGV4_AMZ_DATE_SIZE - 1)
		return SIGV4_EINVAL;
	if (date != NULL &&
	    strftime(date, SIGV4_DATE_SIZE, "%Y%m%d", &tm) !=
	    SIGV4_DATE_SIZE - 1)
		return SIGV4_EINVAL;
	return SIGV4_OK;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Append the URI encoding of len bytes of s to b (see sigv4_uri_encode). */
static void
uri_encode_into(struct buf *b, const char *s, size_t len, int keep_slash)
{
	size_t		 i, run;
	unsigned char	 c;
	char		 pct[3];

	for (i = 0; i < len; ) {
		/* Copy runs of safe bytes in one go. */
		for (run = i; run < len; run++) {
			c = (unsigned char)s[run];
			if (!is_unreserved(c) && !(keep_slash && c == '/'))
				break;
		}
		if (run > i) {
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		c = (unsigned char)s[i++];
		pct[0] = '%';
		pct[1] = hexdig_upper[c >> 4];
		pct[2] = hexdig_upper[c & 0x0f];
		buf_add(b, pct, 3);
	}
}

/*
 * URI-encode len bytes of s (S3 rules, see sigv4.h).  Returns an allocated
 * string or NULL on allocation failure or a NULL s.
 */
char *
sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
	struct buf	 b = { 0 };

	if (s == NULL)
		return NULL;
	uri_encode_into(&b, s, len, keep_slash);
	return buf_take(&b);
}

/* An encoded query pair, for sorting. */
struct enc_pair {
	char	*name;
	char	*value;
};

static int
enc_pair_cmp(const void *a, const void *b)
{
	const struct enc_pair	*x = a, *y = b;
	int			 c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return strcmp(x->value, y->value);
}

/*
 * Append the canonical form of params (and of extra, which may be NULL)
 * to b: encoded, sorted, '&'-joined.  Returns 0 or a negative result.
 */
static int
canonical_query_into(struct buf *b, const struct sigv4_param *params,
    size_t n, const struct sigv4_param *extra, size_t nextra)
{
	struct enc_pair	*pairs;
	const struct sigv4_param *p;
	size_t		 i, total;
	int		 rc = SIGV4_OK;

	if ((n > 0 && params == NULL) || (nextra > 0 && extra == NULL))
		return SIGV4_EINVAL;
	if (n > SIZE_MAX / 2 - nextra)
		return SIGV4_EINVAL;
	total = n + nextra;
	if (total == 0)
		return SIGV4_OK;
	pairs = calloc(total, sizeof(*pairs));
	if (pairs == NULL)
		return SIGV4_ENOMEM;
	for (i = 0; i < total; i++) {
		p = i < n ? &params[i] : &extra[i - n];
		if (p->name == NULL || p->name[0] == '\0') {
			rc = SIGV4_EINVAL;
			goto fail;
		}
		pairs[i].name = sigv4_uri_encode(p->name, strlen(p->name), 0);
		pairs[i].value = sigv4_uri_encode(p->value ? p->value : "",
		    p->value ? strlen(p->value) : 0, 0);
		if (pairs[i].name == NULL || pairs[i].value == NULL) {
			rc = SIGV4_ENOMEM;
			goto fail;
		}
	}
	qsort(pairs, total, sizeof(*pairs), enc_pair_cmp);
	for (i = 0; i < total; i++) {
		if (i > 0)
			buf_addc(b, '&');
		buf_adds(b, pairs[i].name);
		buf_addc(b, '=');
		buf_adds(b, pairs[i].value);
	}
	if (b->err)
		rc = SIGV4_ENOMEM;
fail:
	for (i = 0; i < total; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

/* Canonical query string for n params; "" when there are none. */
char *
sigv4_canonical_query(const struct sigv4_param *params, size_t n)
{
	struct buf	 b = { 0 };

	if (canonical_query_into(&b, params, n, NULL, 0) != SIGV4_OK) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* An RFC 7230 token character (header names). */
static int
is_tchar(unsigned char c)
{
	if (isalnum(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Trimall: drop leading and trailing whitespace and squeeze inner runs to
 * one space.  CR, LF and NUL are not allowed in a value at all (they would
 * let a caller inject headers); returns NULL for them or on ENOMEM (the
 * caller tells the two apart through *bad).
 */
static char *
trim_value(const char *v, int *bad)
{
	struct buf	 b = { 0 };
	const char	*s;
	int		 space = 0;

	for (s = v; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			*bad = 1;
			return NULL;
		}
	}
	for (s = v; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		buf_addc(&b, *s);
	}
	return buf_take(&b);
}

static int
canon_hdr_cmp(const void *a, const void *b)
{
	const struct canon_hdr	*x = a, *y = b;
	int			 c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Canonicalise the caller's headers plus the fixed ones the signer adds.
 * Appends "name:value\n" lines to canon and "a;b;c" to names.  A caller
 * header that repeats a fixed one is refused.  Returns 0 or a negative
 * sigv4_result.
 */
static int
canonical_headers_into(struct buf *canon, struct buf *names,
    const struct sigv4_header *hdrs, size_t n,
    const struct sigv4_header *fixed, size_t nfixed)
{
	struct canon_hdr	*h;
	const struct sigv4_header *src;
	size_t			 i, j, total;
	const char		*s;
	int			 rc = SIGV4_OK, bad;

	if (n > 0 && hdrs == NULL)
		return SIGV4_EINVAL;
	if (n > SIZE_MAX / sizeof(*h) - nfixed)
		return SIGV4_EINVAL;
	total = n + nfixed;
	h = calloc(total, sizeof(*h));
	if (h == NULL)
		return SIGV4_ENOMEM;
	for (i = 0; i < total; i++) {
		src = i < n ? &hdrs[i] : &fixed[i - n];
		if (src->name == NULL || src->name[0] == '\0' ||
		    src->value == NULL) {
			rc = SIGV4_EINVAL;
			goto fail;
		}
		for (s = src->name; *s != '\0'; s++) {
			if (!is_tchar((unsigned char)*s)) {
				rc = SIGV4_EINVAL;
				goto fail;
			}
		}
		if (i < n) {
			for (j = 0; j < nfixed; j++) {
				if (strcasecmp(src->name, fixed[j].name) == 0) {
					rc = SIGV4_EINVAL;
					goto fail;
				}
			}
		}
		h[i].name = strdup(src->name);
		if (h[i].name == NULL) {
			rc = SIGV4_ENOMEM;
			goto fail;
		}
		for (j = 0; h[i].name[j] != '\0'; j++)
			h[i].name[j] = (char)tolower((unsigned char)h[i].name[j]);
		bad = 0;
		h[i].value = trim_value(src->value, &bad);
		if (h[i].value == NULL) {
			rc = bad ? SIGV4_EINVAL : SIGV4_ENOMEM;
			goto fail;
		}
		h[i].order = i;
	}
	qsort(h, total, sizeof(*h), canon_hdr_cmp);
	for (i = 0; i < total; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			/* Repeated header: values joined with ','. */
			if (!canon->err)
				canon->len--;	/* drop the '\n' just written */
			buf_addc(canon, ',');
			buf_adds(canon, h[i].value);
			buf_addc(canon, '\n');
			continue;
		}
		if (i > 0)
			buf_addc(names, ';');
		buf_adds(names, h[i].name);
		buf_adds(canon, h[i].name);
		buf_addc(canon, ':');
		buf_adds(canon, h[i].value);
		buf_addc(canon, '\n');
	}
	if (canon->err || names->err)
		rc = SIGV4_ENOMEM;
fail:
	for (i = 0; i < total; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	return rc;
}

/* An upper-case method token such as "GET". */
static int
valid_method(const char *m)
{
	if (m == NULL || *m == '\0')
		return 0;
	for (; *m != '\0'; m++)
		if (*m < 'A' || *m > 'Z')
			return 0;
	return 1;
}

/* A Host header value: printable, no spaces, no '/', '?', '#', '@'. */
static int
valid_host(const char *h)
{
	if (h == NULL || *h == '\0')
		return 0;
	for (; *h != '\0'; h++) {
		if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f ||
		    strchr("/?#@\\", *h) != NULL)
			return 0;
	}
	return 1;
}

/* An encoded absolute path: starts with '/', printable, no '?' or '#'. */
static int
valid_path(const char *p)
{
	if (p == NULL || *p != '/')
		return 0;
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '?' || *p == '#')
			return 0;
	}
	return 1;
}

static int
valid_payload_hash(const char *h)
{
	size_t	 i;

	if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
		return 1;
	for (i = 0; i < 64; i++)
		if (h[i] == '\0' || strchr(hexdig, h[i]) == NULL)
			return 0;
	return h[64] == '\0';
}

/* A scope component (date, region, service): non-empty, no '/' or CR/LF. */
static int
valid_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '/')
			return 0;
	return 1;
}

static int
valid_creds(const struct sigv4_creds *c)
{
	return c != NULL && valid_scope_part(c->access_key) &&
	    c->secret_key != NULL && valid_scope_part(c->region) &&
	    valid_scope_part(c->service);
}

/*
 * Assemble a canonical request from its parts into an allocated string.
 * query is the canonical query string already built.
 */
static char *
assemble_canonical(const char *method, const char *path, const char *query,
    const char *canon_headers, const char *signed_names,
    const char *payload_hash)
{
	struct buf	 b = { 0 };

	buf_adds(&b, method);
	buf_addc(&b, '\n');
	buf_adds(&b, path);
	buf_addc(&b, '\n');
	buf_adds(&b, query);
	buf_addc(&b, '\n');
	buf_adds(&b, canon_headers);
	buf_addc(&b, '\n');
	buf_adds(&b, signed_names);
	buf_addc(&b, '\n');
	buf_adds(&b, payload_hash);
	return buf_take(&b);
}

/*
 * Build the canonical request for header signing into *crp and the signed
 * header names into *namesp (both allocated).  Returns 0 or a negative
 * sigv4_result; on failure both are NULL.
 */
static int
build_canonical_request(const struct sigv4_request *req, const char *amz_date,
    char **crp, char **namesp)
{
	struct buf		 canon = { 0 }, names = { 0 }, query = { 0 };
	struct sigv4_header	 fixed[3];
	const char		*payload;
	int			 rc;

	*crp = *namesp = NULL;
	rc = SIGV4_EINVAL;
	if (req == NULL || amz_date == NULL ||
	    strlen(amz_date) != SIGV4_AMZ_DATE_SIZE - 1 ||
	    !valid_method(req->method) || !valid_host(req->host) ||
	    !valid_path(req->path))
		goto fail;
	payload = req->payload_hash ? req->payload_hash : SIGV4_EMPTY_SHA256;
	if (!valid_payload_hash(payload))
		goto fail;

	fixed[0].name = "host";
	fixed[0].value = req->host;
	fixed[1].name = "x-amz-content-sha256";
	fixed[1].value = payload;
	fixed[2].name = "x-amz-date";
	fixed[2].value = amz_date;

	rc = canonical_query_into(&query, req->query, req->nquery, NULL, 0);
	if (rc != SIGV4_OK)
		goto fail;
	rc = canonical_headers_into(&canon, &names, req->headers,
	    req->nheaders, fixed, 3);
	if (rc != SIGV4_OK)
		goto fail;
	rc = SIGV4_ENOMEM;
	if (query.p == NULL)
		buf_add(&query, "", 0);
	if (query.err)
		goto fail;
	*crp = assemble_canonical(req->method, req->path, query.p, canon.p,
	    names.p, payload);
	if (*crp == NULL)
		goto fail;
	*namesp = buf_take(&names);
	if (*namesp == NULL) {
		free(*crp);
		*crp = NULL;
		goto fail;
	}
	rc = SIGV4_OK;
fail:
	buf_free(&canon);
	buf_free(&names);
	buf_free(&query);
	return rc;
}

/*
 * The canonical request for header signing (see sigv4.h).  Returns an
 * allocated string, or NULL on bad input or ENOMEM.
 */
char *
sigv4_canonical_request(const struct sigv4_request *req, const char *amz_date,
    char **signed_headers)
{
	char	*cr, *names;

	if (signed_headers != NULL)
		*signed_headers = NULL;
	if (build_canonical_request(req, amz_date, &cr, &names) != SIGV4_OK)
		return NULL;
	if (signed_headers != NULL)
		*signed_headers = names;
	else
		free(names);
	return cr;
}

/*
 * The string to sign for canonical_request at amz_date.  Returns an
 * allocated string or NULL.
 */
char *
sigv4_string_to_sign(const struct sigv4_creds *creds, const char *amz_date,
    const char *canonical_request)
{
	struct buf	 b = { 0 };
	char		 hash[SIGV4_HEX_SIZE];

	if (!valid_creds(creds) || amz_date == NULL ||
	    strlen(amz_date) != SIGV4_AMZ_DATE_SIZE - 1 ||
	    canonical_request == NULL)
		return NULL;
	if (sigv4_sha256_hex(canonical_request, strlen(canonical_request),
	    hash) != SIGV4_OK)
		return NULL;
	buf_adds(&b, SIGV4_ALGORITHM "\n");
	buf_adds(&b, amz_date);
	buf_addc(&b, '\n');
	buf_add(&b, amz_date, 8);
	buf_addc(&b, '/');
	buf_adds(&b, creds->region);
	buf_addc(&b, '/');
	buf_adds(&b, creds->service);
	buf_adds(&b, "/aws4_request\n");
	buf_adds(&b, hash);
	return buf_take(&b);
}

/*
 * Derive the signing key: HMAC("AWS4"+secret, date) -> region -> service
 * -> "aws4_request".  Returns 0 or a negative sigv4_result.
 */
int
sigv4_signing_key(const char *secret_key, const char *date,
    const char *region, const char *service, unsigned char key[32])
{
	struct buf	 k = { 0 };
	unsigned char	 a[32], b[32];
	int		 rc;

	if (secret_key == NULL || !valid_scope_part(date) ||
	    !valid_scope_part(region) || !valid_scope_part(service) ||
	    key == NULL)
		return SIGV4_EINVAL;
	buf_adds(&k, "AWS4");
	buf_adds(&k, secret_key);
	if (k.err) {
		buf_free(&k);
		return SIGV4_ENOMEM;
	}
	rc = hmac_sha256((unsigned char *)k.p, k.len, date, strlen(date), a);
	if (rc == SIGV4_OK)
		rc = hmac_sha256(a, 32, region, strlen(region), b);
	if (rc == SIGV4_OK)
		rc = hmac_sha256(b, 32, service, strlen(service), a);
	if (rc == SIGV4_OK)
		rc = hmac_sha256(a, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k.p, k.len);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	buf_free(&k);
	return rc;
}

/* (Re)key the cache's HMAC context with its key.  0 or -1. */
static int
cache_mac(struct sigv4_key_cache *kc)
{
	OSSL_PARAM	 params[2];
	EVP_MAC		*m;

	if (kc->mac == NULL) {
		m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (m == NULL)
			return -1;
		kc->mac = EVP_MAC_CTX_new(m);
		EVP_MAC_free(m);
		if (kc->mac == NULL)
			return -1;
	}
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	return EVP_MAC_init(kc->mac, kc->key, sizeof(kc->key), params) == 1 ?
	    0 : -1;
}

void
sigv4_key_cache_clear(struct sigv4_key_cache *kc)
{
	if (kc == NULL)
		return;
	EVP_MAC_CTX_free(kc->mac);
	OPENSSL_cleanse(kc, sizeof(*kc));
}

/* Hex signature of string_to_sign for the scope of date.  0 or < 0. */
int
sigv4_signature(const struct sigv4_creds *creds, const char *date,
    const char *string_to_sign, char hex[SIGV4_HEX_SIZE])
{
	unsigned char	 key[32], sig[32];
	int		 rc;

	if (!valid_creds(creds) || string_to_sign == NULL || hex == NULL)
		return SIGV4_EINVAL;
	if (creds->cache != NULL && strlen(date) == 8) {
		/* The day's key, and an HMAC context keyed with it. */
		struct sigv4_key_cache *kc = creds->cache;
		size_t outlen = 0;

		rc = SIGV4_OK;
		if (strcmp(kc->date, date) != 0) {
			kc->date[0] = '\0';
			rc = sigv4_signing_key(creds->secret_key, date,
			    creds->region, creds->service, kc->key);
			if (rc == SIGV4_OK && cache_mac(kc) == -1)
				rc = SIGV4_ECRYPTO;
			if (rc == SIGV4_OK)
				memcpy(kc->date, date, 9);
		}
		if (rc == SIGV4_OK && (EVP_MAC_init(kc->mac, NULL, 0,
		    NULL) != 1 || EVP_MAC_update(kc->mac,
		    (const unsigned char *)string_to_sign,
		    strlen(string_to_sign)) != 1 || EVP_MAC_final(kc->mac,
		    sig, &outlen, sizeof(sig)) != 1 || outlen != 32)) {
			kc->date[0] = '\0';
			rc = SIGV4_ECRYPTO;
		}
		if (rc == SIGV4_OK)
			hex_encode(sig, 32, hex);
		return rc;
	}
	rc = sigv4_signing_key(creds->secret_key, date, creds->region,
	    creds->service, key);
	if (rc == SIGV4_OK)
		rc = hmac_sha256(key, 32, string_to_sign,
		    strlen(string_to_sign), sig);
	if (rc == SIGV4_OK)
		hex_encode(sig, 32, hex);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* Sign req with an Authorization header (see sigv4.h). */
int
sigv4_sign_headers(const struct sigv4_creds *creds,
    const struct sigv4_request *req, time_t now, struct sigv4_signed *out)
{
	struct buf	 auth = { 0 };
	char		 date[SIGV4_DATE_SIZE];
	char		*cr = NULL, *sts = NULL, *names = NULL;
	const char	*payload;
	int		 rc;

	if (out == NULL)
		return SIGV4_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!valid_creds(creds) || req == NULL)
		return SIGV4_EINVAL;
	rc = sigv4_format_time(now, out->amz_date, date);
	if (rc != SIGV4_OK)
		goto fail;
	rc = build_canonical_request(req, out->amz_date, &cr, &names);
	if (rc != SIGV4_OK)
		goto fail;
	payload = req->payload_hash ? req->payload_hash : SIGV4_EMPTY_SHA256;
	sts = sigv4_string_to_sign(creds, out->amz_date, cr);
	if (sts == NULL) {
		rc = SIGV4_ENOMEM;
		goto fail;
	}
	rc = sigv4_signature(creds, date, sts, out->signature);
	if (rc != SIGV4_OK)
		goto fail;
	buf_adds(&auth, SIGV4_ALGORITHM " Credential=");
	buf_adds(&auth, creds->access_key);
	buf_addc(&auth, '/');
	buf_adds(&auth, date);
	buf_addc(&auth, '/');
	buf_adds(&auth, creds->region);
	buf_addc(&auth, '/');
	buf_adds(&auth, creds->service);
	buf_adds(&auth, "/aws4_request, SignedHeaders=");
	buf_adds(&auth, names);
	buf_adds(&auth, ", Signature=");
	buf_adds(&auth, out->signature);
	out->authorization = buf_take(&auth);
	if (out->authorization == NULL) {
		rc = SIGV4_ENOMEM;
		goto fail;
	}
	/* Fits: build_canonical_request() checked the form. */
	(void)snprintf(out->content_sha256, sizeof(out->content_sha256), "%s",
	    payload);
	rc = SIGV4_OK;
fail:
	if (rc != SIGV4_OK) {
		buf_free(&auth);
		memset(out, 0, sizeof(*out));
	}
	free(cr);
	free(sts);
	free(names);
	return rc;
}

void
sigv4_signed_free(struct sigv4_signed *s)
{
	if (s == NULL)
		return;
	free(s->authorization);
	memset(s, 0, sizeof(*s));
}

/* Presign req (see sigv4.h). */
char *
sigv4_presign_url(const struct sigv4_creds *creds,
    const struct sigv4_presign *req, time_t now, int *errp)
{
	struct buf		 canon = { 0 }, names = { 0 }, query = { 0 };
	struct buf		 extra = { 0 }, url = { 0 }, cred = { 0 };
	struct sigv4_param	 auth[5];
	struct sigv4_header	 fixed[1];
	char			 amz_date[SIGV4_AMZ_DATE_SIZE];
	char			 date[SIGV4_DATE_SIZE], expires[24];
	char			 sig[SIGV4_HEX_SIZE];
	char			*cr = NULL, *sts = NULL, *out = NULL;
	char			*authq = NULL;
	size_t			 i;
	int			 rc;

	rc = SIGV4_EINVAL;
	if (!valid_creds(creds) || req == NULL ||
	    !valid_method(req->method) || !valid_host(req->host) ||
	    !valid_path(req->path) || req->scheme == NULL ||
	    (strcmp(req->scheme, "http") != 0 &&
	    strcmp(req->scheme, "https") != 0) ||
	    req->expires < 1 || req->expires > SIGV4_MAX_EXPIRES ||
	    (req->nquery > 0 && req->query == NULL))
		goto fail;
	for (i = 0; i < req->nquery; i++) {
		if (req->query[i].name == NULL ||
		    strncasecmp(req->query[i].name, "X-Amz-", 6) == 0)
			goto fail;
	}
	rc = sigv4_format_time(now, amz_date, date);
	if (rc != SIGV4_OK)
		goto fail;
	rc = snprintf(expires, sizeof(expires), "%ld", req->expires);
	if (rc < 0 || (size_t)rc >= sizeof(expires)) {
		rc = SIGV4_EINVAL;
		goto fail;
	}

	fixed[0].name = "host";
	fixed[0].value = req->host;
	rc = canonical_headers_into(&canon, &names, req->headers,
	    req->nheaders, fixed, 1);
	if (rc != SIGV4_OK)
		goto fail;

	buf_adds(&cred, creds->access_key);
	buf_addc(&cred, '/');
	buf_adds(&cred, date);
	buf_addc(&cred, '/');
	buf_adds(&cred, creds->region);
	buf_addc(&cred, '/');
	buf_adds(&cred, creds->service);
	buf_adds(&cred, "/aws4_request");
	rc = SIGV4_ENOMEM;
	if (cred.err || names.err)
		goto fail;

	/* Already in sorted order. */
	auth[0].name = "X-Amz-Algorithm";
	auth[0].value = SIGV4_ALGORITHM;
	auth[1].name = "X-Amz-Credential";
	auth[1].value = cred.p;
	auth[2].name = "X-Amz-Date";
	auth[2].value = amz_date;
	auth[3].name = "X-Amz-Expires";
	auth[3].value = expires;
	auth[4].name = "X-Amz-SignedHeaders";
	auth[4].value = names.p;

	rc = canonical_query_into(&query, req->query, req->nquery, auth, 5);
	if (rc != SIGV4_OK)
		goto fail;
	rc = canonical_query_into(&extra, req->query, req->nquery, NULL, 0);
	if (rc != SIGV4_OK)
		goto fail;
	authq = sigv4_canonical_query(auth, 5);
	rc = SIGV4_ENOMEM;
	if (authq == NULL || query.err)
		goto fail;

	cr = assemble_canonical(req->method, req->path, query.p, canon.p,
	    names.p, SIGV4_UNSIGNED_PAYLOAD);
	if (cr == NULL)
		goto fail;
	sts = sigv4_string_to_sign(creds, amz_date, cr);
	if (sts == NULL)
		goto fail;
	rc = sigv4_signature(creds, date, sts, sig);
	if (rc != SIGV4_OK)
		goto fail;

	/* The caller's parameters first, then ours, the signature last. */
	buf_adds(&url, req->scheme);
	buf_adds(&url, "://");
	buf_adds(&url, req->host);
	buf_adds(&url, req->path);
	buf_addc(&url, '?');
	if (extra.len > 0) {
		buf_add(&url, extra.p, extra.len);
		buf_addc(&url, '&');
	}
	buf_adds(&url, authq);
	buf_adds(&url, "&X-Amz-Signature=");
	buf_adds(&url, sig);
	out = buf_take(&url);
	rc = out == NULL ? SIGV4_ENOMEM : SIGV4_OK;
fail:
	if (errp != NULL)
		*errp = rc;
	buf_free(&canon);
	buf_free(&names);
	buf_free(&query);
	buf_free(&extra);
	buf_free(&url);
	buf_free(&cred);
	free(authq);
	free(cr);
	free(sts);
	return out;
}

const char *
sigv4_strerror(int rc)
{
	switch (rc) {
	case SIGV4_OK:
		return "success";
	case SIGV4_EINVAL:
		return "invalid argument";
	case SIGV4_ENOMEM:
		return "out of memory";
	case SIGV4_ECRYPTO:
		return "libcrypto failure";
	default:
		return "unknown error";
	}
}
