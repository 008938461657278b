/*
 * Vendor webhooks (POST /api/v1/hooks/{provider}/{token}): the per-job
 * token the worker puts into the URL it gives the vendor, its hash (the
 * only form stored), and Replicate's signature check.  A webhook never
 * carries a result: it only makes the job due, and the worker asks the
 * vendor itself (batch/running.c), so nothing here trusts a body.
 */
#ifndef PRIMERKA_HOOKS_H
#define PRIMERKA_HOOKS_H

#include <stddef.h>
#include <time.h>

#define HOOK_TOKEN_LEN	43	/* base64url of 32 random bytes */
#define HOOK_HASH_LEN	64	/* hex SHA-256 */
#define HOOK_TOLERANCE	300	/* seconds a signed webhook may be off */

/* A new token (HOOK_TOKEN_LEN characters of [A-Za-z0-9_-]) into buf
 * (len > HOOK_TOKEN_LEN); 0, or -1 when no randomness is to be had. */
int	hook_token_new(char *buf, size_t len);

/* Is s a token as hook_token_new() makes them?  1 or 0. */
int	hook_token_valid(const char *s);

/* The hex SHA-256 of token into hex (HOOK_HASH_LEN + 1 bytes). */
void	hook_token_hash(const char *token, char hex[HOOK_HASH_LEN + 1]);

enum hook_sig {
	HOOK_SIG_OK = 0,
	HOOK_SIG_MISSING,	/* a header is absent */
	HOOK_SIG_STALE,		/* the timestamp is too far from now */
	HOOK_SIG_BAD,		/* no signature matches */
	HOOK_SIG_SECRET,	/* the configured secret is not whsec_BASE64 */
	HOOK_SIG__MAX
};

/*
 * Replicate's signed webhook, as Replicate documents it: the signed
 * content is "{webhook-id}.{webhook-timestamp}.{body}", the key the
 * base64 part of the "whsec_..." secret, and webhook-signature a space
 * separated list of "v1,BASE64(HMAC-SHA256)"; one match is enough.  The
 * timestamp must be within HOOK_TOLERANCE seconds of now.
 */
enum hook_sig hook_replicate_verify(const char *secret, const char *id,
		    const char *timestamp, const char *signature,
		    const char *body, size_t bodylen, time_t now);

#endif /* PRIMERKA_HOOKS_H */
