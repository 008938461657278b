/*
 * The languages users are spoken to in, spelled once: an enum indexing
 * every ru/en message table (job statuses and errors, API errors, quality
 * reasons, scene descriptions).
 */
#ifndef PRIMERKA_LANG_H
#define PRIMERKA_LANG_H

enum lang {
	LANG_EN = 0,
	LANG_RU,
	LANG__MAX
};

/*
 * A Telegram language_code or an Accept-Language tag: "ru", "ru-RU" and
 * "ru_RU" -> LANG_RU; anything else, NULL included -> LANG_EN.
 */
enum lang	 lang_parse(const char *);

/* "en" or "ru"; "en" out of range. */
const char	*lang_name(enum lang);

#endif /* PRIMERKA_LANG_H */
