/*
 * The language vocabulary (lib/lang.h).
 */
#include <stddef.h>

#include "lang.h"

static const char *const lang_names[LANG__MAX] = {
	[LANG_EN] = "en",
	[LANG_RU] = "ru",
};

enum lang
lang_parse(const char *s)
{
	if (s != NULL && s[0] == 'r' && s[1] == 'u' &&
	    (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
		return LANG_RU;
	return LANG_EN;
}

const char *
lang_name(enum lang l)
{
	if ((unsigned)l >= LANG__MAX)
		l = LANG_EN;
	return lang_names[l];
}
