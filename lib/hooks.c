/*
 * Webhook tokens and Replicate's webhook signatures (see hooks.h).
 */
#include <sys/random.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "hooks.h"
#include "util.h"

#define HOOK_MAX_KEY	256	/* decoded secret bytes */
#define HOOK_MAX_ID	256	/* webhook-id characters */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
hook_token_new(char *buf, size_t len)
{
	unsigned char	 raw[32];
	size_t		 i, o = 0;
	uint32_t	 v;

	if (len <= HOOK_TOKEN_LEN ||
	    getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	/* 32 bytes: ten groups of three, then two. */
	for (i = 0; i + 3 <= sizeof(raw); i += 3) {
		v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 |
		    raw[i + 2];
		buf[o++] = b64url[v >> 18 & 63];
		buf[o++] = b64url[v >> 12 & 63];
		buf[o++] = b64url[v >> 6 & 63];
		buf[o++] = b64url[v & 63];
	}
	v = (uint32_t)raw[30] << 16 | (uint32_t)raw[31] << 8;
	buf[o++] = b64url[v >> 18 & 63];
	buf[o++] = b64url[v >> 12 & 63];
	buf[o++] = b64url[v >> 6 & 63];
	buf[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
hook_token_valid(const char *s)
{
	size_t	 n;

	if (s == NULL)
		return 0;
	n = strspn(s, b64url);
	return n == HOOK_TOKEN_LEN && s[n] == '\0';
}

void
hook_token_hash(const char *token, char hex[HOOK_HASH_LEN + 1])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	size_t		 i;

	SHA256((const unsigned char *)token, strlen(token), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[HOOK_HASH_LEN] = '\0';
}

/* Standard base64 s decoded into out; its length, or -1. */
static int
b64_decode(const char *s, unsigned char *out, size_t outlen)
{
	size_t	 n = strlen(s);
	int	 k;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > outlen)
		return -1;
	k = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (k < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as bytes. */
	if (n >= 1 && s[n - 1] == '=')
		k--;
	if (n >= 2 && s[n - 2] == '=')
		k--;
	return k;
}

enum hook_sig
hook_replicate_verify(const char *secret, const char *id,
    const char *timestamp, const char *signature, const char *body,
    size_t bodylen, time_t now)
{
	unsigned char	 key[HOOK_MAX_KEY], mac[EVP_MAX_MD_SIZE];
	char		 b64[128];
	const char	*p;
	size_t		 maclen = 0, n;
	int64_t		 ts;
	EVP_MAC		*m = NULL;
	EVP_MAC_CTX	*h = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";
	int		 klen, wlen, rc = HOOK_SIG_BAD;

	if (secret == NULL || strncmp(secret, "whsec_", 6) != 0)
		return HOOK_SIG_SECRET;
	klen = b64_decode(secret + 6, key, sizeof(key));
	if (klen <= 0) {
		explicit_bzero(key, sizeof(key));
		return HOOK_SIG_SECRET;
	}
	if (id == NULL || timestamp == NULL || signature == NULL ||
	    id[0] == '\0' || strlen(id) > HOOK_MAX_ID ||
	    strchr(id, '.') != NULL) {
		rc = HOOK_SIG_MISSING;
		goto done;
	}
	if (util_parse_i64(timestamp, 0, INT64_MAX / 2, &ts) == -1 ||
	    ts < (int64_t)now - HOOK_TOLERANCE ||
	    ts > (int64_t)now + HOOK_TOLERANCE) {
		rc = HOOK_SIG_STALE;
		goto done;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h = m == NULL ? NULL : EVP_MAC_CTX_new(m);
	if (h == NULL || EVP_MAC_init(h, key, (size_t)klen, params) != 1 ||
	    EVP_MAC_update(h, (const unsigned char *)id, strlen(id)) != 1 ||
	    EVP_MAC_update(h, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(h, (const unsigned char *)timestamp,
	    strlen(timestamp)) != 1 ||
	    EVP_MAC_update(h, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(h, (const unsigned char *)body, bodylen) != 1 ||
	    EVP_MAC_final(h, mac, &maclen, sizeof(mac)) != 1)
		goto done;
	/*
	 * "v1,SIG v1,SIG ...": any one of them, compared as text with the
	 * MAC's base64, as Replicate's own libraries do.  (Decoding SIG
	 * instead would also take the spellings whose unused low bits
	 * before the "=" differ.)
	 */
	wlen = EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
	for (p = signature; wlen > 0 && *p != '\0'; p += n) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (n != (size_t)wlen + 3 || strncmp(p, "v1,", 3) != 0)
			continue;
		if (CRYPTO_memcmp(p + 3, b64, (size_t)wlen) == 0) {
			rc = HOOK_SIG_OK;
			break;
		}
	}
done:
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(m);
	explicit_bzero(key, sizeof(key));
	return rc;
}
