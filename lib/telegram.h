/*
 * A minimal Telegram Bot API client for payments in Telegram Stars:
 * invoice links, pre-checkout answers, refunds and the webhook secret
 * check.
 *
 * Requests are POST {api_base}/bot{token}/{method} with a JSON body, made
 * with a libcurl easy handle of their own (the caller runs
 * curl_global_init() once at start-up).  Every argument is checked before
 * any request.  The bot token is a secret: it is never put into an error
 * string.  Errors are 0 / -1 with a short reason in err (errlen bytes;
 * err may be NULL when errlen is 0).
 */
#ifndef PRIMERKA_TELEGRAM_H
#define PRIMERKA_TELEGRAM_H
#include <stddef.h>
#include <stdint.h>

/*
 * api_base is e.g. "https://api.telegram.org" (a trailing slash is
 * tolerated).  timeout_ms bounds the whole request; 0 means 10000.
 */
struct tg_config {
	const char	*api_base;
	const char	*bot_token;	/* "123456:ABC..." */
	long		 timeout_ms;
};

/*
 * createInvoiceLink for a payment in Telegram Stars (currency "XTR", no
 * provider token, exactly one price): title (1-32 chars), description
 * (1-255), payload (1-128 bytes), one price with label and amount in stars
 * (>= 1).  On success *link is the invoice URL (malloc'd, caller frees)
 * and 0 is returned; -1 with a short reason in err otherwise.
 * Strings must be well-formed UTF-8; chars are code points.  Our own
 * caps: label 1-255 chars, stars <= INT32_MAX.  The link returned is
 * http(s), at most 2048 bytes, without spaces or control bytes.
 */
int	tg_create_invoice_link(const struct tg_config *, const char *title,
	    const char *description, const char *payload, const char *label,
	    int64_t stars, char **link, char *err, size_t errlen);

/*
 * answerPreCheckoutQuery: ok = 1 accepts, ok = 0 refuses with
 * error_message (shown to the user; required when refusing, 1-255
 * chars of UTF-8; not sent when accepting).  query_id is 1-256 bytes of
 * printable ASCII.  0 or -1.
 */
int	tg_answer_pre_checkout(const struct tg_config *,
	    const char *query_id, int ok, const char *error_message,
	    char *err, size_t errlen);

/*
 * refundStarPayment: give the stars of the payment charge_id (the
 * successful payment's telegram_payment_charge_id, 1-256 bytes of
 * printable ASCII) back to user_id (1..2^53-1).  0 when refunded now,
 * 1 when Telegram says the charge was refunded before, -1 otherwise.
 */
int	tg_refund_star_payment(const struct tg_config *, int64_t user_id,
	    const char *charge_id, char *err, size_t errlen);

/*
 * Whether s is a webhook secret Telegram accepts: 1-256 characters of
 * A-Z, a-z, 0-9, _ and -.  1 or 0.
 */
int	tg_secret_valid(const char *s);

/*
 * setWebhook: Telegram will POST the bot's updates to url (https) with
 * secret (tg_secret_valid) in X-Telegram-Bot-Api-Secret-Token; only the
 * update kinds payments need (pre_checkout_query, message).  0 or -1.
 */
int	tg_set_webhook(const struct tg_config *, const char *url,
	    const char *secret, char *err, size_t errlen);

/*
 * Whether got (NUL-terminated; the X-Telegram-Bot-Api-Secret-Token
 * header) equals the expected webhook secret, in constant time over the
 * secret's length; a NULL or empty expected secret never matches.
 * 1 or 0.
 */
int	tg_secret_matches(const char *expected, const char *got);
#endif
