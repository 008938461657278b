/*
 * Growable strings for building requests, canonical forms and XML.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_add(struct buf *b, const void *s, size_t n)
{
	size_t	 need, ncap;
	char	*np;

	if (b->err)
		return;
	if (n > SIZE_MAX - b->len - 1) {
		b->err = 1;
		return;
	}
	need = b->len + n + 1;
	if (b->p == NULL || need > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < need)
			ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

char *
buf_take(struct buf *b)
{
	char	*s;

	if (!b->err && b->p == NULL)
		buf_add(b, "", 0);
	if (b->err) {
		free(b->p);
		memset(b, 0, sizeof(*b));
		return NULL;
	}
	s = b->p;
	memset(b, 0, sizeof(*b));
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
buf_append_capped(char **body, size_t *blen, size_t max, const char *p,
    size_t len)
{
	char	*nb;

	if (len > max || *blen > max - len)
		return 1;
	nb = realloc(*body, *blen + len + 1);
	if (nb == NULL)
		return -1;
	*body = nb;
	memcpy(nb + *blen, p, len);
	*blen += len;
	nb[*blen] = '\0';
	return 0;
}
