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

/* How a request ended, for callers that must tell a retry from a refusal. */
struct tg_outcome {
	int		 answered;	/* an HTTP answer came back */
	int		 not_sent;	/* no connection: it never left */
	long		 http_status;
	int64_t		 error_code;	/* Telegram's, else the HTTP status */
	int64_t		 retry_after;	/* seconds, from a 429; 0 none */
};

/* What a bot message carries besides its text. */
enum tg_media {
	TG_MEDIA_TEXT = 0,	/* sendMessage */
	TG_MEDIA_PHOTO,		/* sendPhoto */
	TG_MEDIA_VIDEO,		/* sendVideo */
	TG_MEDIA__MAX
};

/*
 * How a send ended.  RETRY: surely not delivered (no connection, 429,
 * 5xx), try later.  BLOCKED: 403, the user blocked the bot (or never
 * started it): do not try again.  REJECTED: Telegram refused the request
 * (400) or it was malformed here.  UNKNOWN: no answer (a timeout after
 * sending): it may have arrived, so a sender that delivers at most once
 * must not send it again.
 */
enum tg_send {
	TG_SEND_OK = 0,
	TG_SEND_RETRY,
	TG_SEND_BLOCKED,
	TG_SEND_REJECTED,
	TG_SEND_UNKNOWN,
	TG_SEND__MAX
};
extern const char *const tg_send_names[TG_SEND__MAX];

/*
 * A message to one user: text (sendMessage, 1-4096 characters) or a
 * photo or video Telegram fetches from media_url (http(s)), with a
 * caption of 0-1024 characters in text.  button_text and button_url
 * (https) together add one inline button: a web_app button that opens
 * the Mini App at that URL (tg_send), or a url button (prepared
 * messages, which may go to any chat).  thumb_url and title are for
 * prepared messages only (the inline result's thumbnail; a video's
 * title).
 */
struct tg_message {
	enum tg_media	 media;
	int64_t		 chat_id;	/* the user's id (private chat) */
	const char	*media_url;
	const char	*thumb_url;
	const char	*title;
	const char	*text;
	const char	*button_text;
	const char	*button_url;
};

/*
 * Send m with sendMessage, sendPhoto or sendVideo.  *message_id is the
 * sent message's id on TG_SEND_OK; *retry_after Telegram's wait in
 * seconds on a 429 (else 0).  Anything but TG_SEND_OK puts a reason in
 * err.
 */
enum tg_send	tg_send(const struct tg_config *, const struct tg_message *,
		    int64_t *message_id, int64_t *retry_after, char *err,
		    size_t errlen);

/*
 * savePreparedInlineMessage: store m (a photo or video, with a url
 * button) as an inline result with id result_id (1-64 bytes of
 * printable ASCII) that the user m->chat_id may send to private and
 * group chats from the Mini App (WebApp.shareMessage).  On success
 * *prepared_id is the prepared message's id (malloc'd, caller frees),
 * *expires its expiration_date (Unix seconds, 0 when not given) and 0
 * is returned; -1 with a reason in err otherwise.
 */
int	tg_save_prepared_message(const struct tg_config *,
	    const struct tg_message *, const char *result_id,
	    char **prepared_id, int64_t *expires, char *err, size_t errlen);
#endif
