/*
 * The Mini App's deep links: the startapp parameter of a t.me link (and
 * of the Mini App URL behind a bot's web_app button).  One grammar for
 * the server, the bot and web/js/deeplink.js: parts joined by '-', each
 * a letter and a value,
 *
 *   o<id>     open this outfit
 *   s<id>     in this shop
 *   t<id>     open this try-on (the user's own)
 *   a<id>     open this animation (the user's own)
 *   r<code>   shared by someone: the share code, 16 hex digits
 *
 * e.g. "o12-s3-r0123456789abcdef".  Telegram allows 1-512 characters
 * of A-Z a-z 0-9 _ - in startapp.
 */
#ifndef PRIMERKA_DEEPLINK_H
#define PRIMERKA_DEEPLINK_H

#include <stddef.h>
#include <stdint.h>

#define DEEPLINK_CODE_LEN	16
#define DEEPLINK_MAX		512

struct deeplink {
	int64_t		 outfit_id;	/* 0: none */
	int64_t		 shop_id;
	int64_t		 tryon_id;
	int64_t		 animation_id;
	char		 code[DEEPLINK_CODE_LEN + 1];	/* "": none */
};

/*
 * Parse s (NULL or "" is an empty link).  Unknown letters are skipped
 * (a newer app's link still opens what it can); a known part with a bad
 * value, a repeated part, or characters Telegram would not pass make
 * the whole link invalid.  0 with *d filled, or -1 with *d zeroed.
 */
int	deeplink_parse(const char *s, struct deeplink *d);

/*
 * Write d as a startapp parameter into out (outlen bytes): the parts
 * that are set, in the order o s t a r.  0, or -1 when it does not fit.
 */
int	deeplink_format(const struct deeplink *d, char *out, size_t outlen);

#endif /* PRIMERKA_DEEPLINK_H */
