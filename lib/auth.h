/*
 * Telegram Mini App authentication: checks the initData string that the
 * Mini App sends as "Authorization: tma <initData>" and returns who the
 * user is.
 *
 * initData is a URL-encoded query string (query_id, user, auth_date,
 * hash, signature, chat_instance, ...).  It is accepted when either proof
 * holds (Telegram, "Validating data received via the Mini App"):
 *
 *  - hash: data-check-string = every field except "hash", as key=value
 *    with the value percent-decoded, sorted by key (bytewise), joined by
 *    "\n"; secret = HMAC-SHA256(key "WebAppData", bot token); valid when
 *    hash == hex(HMAC-SHA256(secret, data-check-string)).  "signature",
 *    when present, is an ordinary field here.
 *  - signature (third-party form, only when a bot id is configured):
 *    "signature" is the unpadded base64url of an Ed25519 signature by
 *    Telegram's key over "<bot_id>:WebAppData\n" followed by the
 *    data-check-string of every field except "hash" and "signature".
 *
 * Precise rule: AUTH_OK when (a bot token is configured and the hash is
 * valid) OR (a bot id is configured and the signature is valid); then
 * auth_date must be fresh and "user" must hold a positive id.  The hash
 * is tried first (cheap); the signature only when the hash is absent or
 * wrong.  If both are tried and both fail the result is
 * AUTH_BAD_SIGNATURE.  A hash that is present but not 64 hex digits, or a
 * signature that is needed but not 64 bytes of canonical base64url, is
 * AUTH_MALFORMED.
 *
 * Everything is checked before "user" is parsed: the JSON parser never
 * sees unauthenticated input.
 */
#ifndef PRIMERKA_AUTH_H
#define PRIMERKA_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define AUTH_INITDATA_MAX	4096	/* bytes of raw initData */
#define AUTH_FIELDS_MAX		32	/* key=value pairs */
#define AUTH_CLOCK_SKEW		300	/* seconds auth_date may lie ahead */

/* Telegram's Ed25519 keys for the third-party (signature) form. */
#define AUTH_TELEGRAM_KEY_PROD \
	"e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
#define AUTH_TELEGRAM_KEY_TEST \
	"40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"

enum auth_result {
	AUTH_OK = 0,
	AUTH_MISSING,		/* no credentials, or not the "tma" scheme */
	AUTH_MALFORMED,		/* not a well-formed initData string */
	AUTH_BAD_HASH,		/* hash does not match */
	AUTH_BAD_SIGNATURE,	/* Ed25519 signature does not verify */
	AUTH_EXPIRED,		/* auth_date too old or too far ahead */
	AUTH_ERROR		/* internal (OpenSSL / out of memory) */
};

/* Which proof was accepted. */
enum auth_proof {
	AUTH_PROOF_NONE = 0,
	AUTH_PROOF_HASH,
	AUTH_PROOF_SIGNATURE
};

struct evp_mac_ctx_st;
struct evp_pkey_st;

/*
 * Built once per process by auth_config_init() and read-only afterwards,
 * so auth_check_*() may share it between threads.  Members are private.
 */
struct auth_config {
	struct evp_mac_ctx_st	*hmac;		/* keyed with the secret key */
	struct evp_pkey_st	*pkey;		/* Ed25519 public key */
	int64_t			 max_age;	/* seconds, 0 = no age check */
	int64_t			 bot_id;	/* 0 = signature form off */
};

/*
 * Telegram user as proven by initData.  Strings are NUL-terminated
 * UTF-8 as Telegram sent them (names cut at a character boundary if
 * longer than the buffer; language_code, photo_url and start_param are
 * left empty rather than cut).  Absent optional fields are "".
 */
struct auth_user {
	int64_t		 id;		/* > 0, at most 2^53 - 1 */
	char		 first_name[256];
	char		 last_name[256];
	char		 username[64];
	char		 language_code[16];	/* as sent, e.g. "ru-RU" */
	char		 language[8];	/* "ru" or "en", see auth_language() */
	int		 is_premium;
	int		 allows_write_to_pm;	/* the bot may message the user */
	char		 photo_url[512];
	char		 start_param[513];	/* startapp deep-link parameter */
	time_t		 auth_date;
	enum auth_proof	 proof;
};

/*
 * Prepare cfg (caller-owned storage; release with auth_config_clear()).
 * bot_token: enables the hash form; NULL or "" disables it.
 * max_age: seconds an initData stays valid after auth_date, 0 = forever.
 * bot_id: > 0 enables the signature form, 0 disables it.
 * ed25519_pub_hex: 64 hex digits of the Ed25519 public key, or NULL for
 * Telegram's production key (or its test-environment key when
 * use_test_key is set; use_test_key is ignored when a key is given).
 * The key arguments are ignored while bot_id is 0.
 * At least one form must be enabled.  The secret key is derived here,
 * once.  Returns 0, or -1 with *errstr (may be NULL) set to a static
 * message; cfg is then left cleared.
 */
int		 auth_config_init(struct auth_config *cfg, const char *bot_token,
		    int64_t max_age, int64_t bot_id, const char *ed25519_pub_hex,
		    int use_test_key, const char **errstr);

/* Free what auth_config_init() allocated; safe on a cleared cfg. */
void		 auth_config_clear(struct auth_config *cfg);

/*
 * Check the NUL-terminated initData string at time now (Unix seconds).
 * On AUTH_OK *user is filled; on any other result *user is zeroed.
 * Never allocates except inside OpenSSL and json-c.  Returns an
 * enum auth_result.
 */
enum auth_result auth_check_initdata(const struct auth_config *cfg,
		    const char *initdata, time_t now, struct auth_user *user);

/*
 * Whether initData dated auth_date (Unix seconds) is still fresh at now,
 * as auth_check_*() judge it: AUTH_OK, or AUTH_EXPIRED when it is older
 * than max_age or more than AUTH_CLOCK_SKEW seconds ahead.
 */
enum auth_result auth_fresh(const struct auth_config *cfg, int64_t auth_date,
		    time_t now);

/*
 * Check an Authorization header value: "tma <initData>", the scheme in
 * any case, one or more spaces or tabs after it; white space around the
 * value is ignored.  NULL, blank, "tma" alone or another scheme is
 * AUTH_MISSING.  Otherwise as auth_check_initdata().
 */
enum auth_result auth_check_header(const struct auth_config *cfg,
		    const char *header_value, time_t now, struct auth_user *user);

/* Short English message for r (static; for the API's 401 JSON error). */
const char	*auth_strerror(enum auth_result r);

/*
 * Map a Telegram language_code to the interface language: "ru" when the
 * primary subtag is ru, be or kk (Russian, Belarusian, Kazakh: audiences
 * that read Russian), in any case; "en" for everything else, including
 * NULL and "".  Returns a static string.
 */
const char	*auth_language(const char *language_code);

/*
 * Produce an initData string as a Telegram client receives it, for dev
 * tools and tests: query_id (derived from the inputs, so the output is
 * deterministic), user (JSON: id, first_name, language_code when not
 * NULL or "", allows_write_to_pm), auth_date and a valid hash, each value
 * percent-encoded.  user_id must be in [1, 2^53 - 1]; first_name must not
 * be NULL.  Returns 0, or -1 on bad arguments or when out (outlen bytes)
 * is too small.
 */
int		 auth_sign_initdata(const char *bot_token, int64_t user_id,
		    const char *first_name, const char *language_code,
		    time_t auth_date, char *out, size_t outlen);

#endif /* PRIMERKA_AUTH_H */
