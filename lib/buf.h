/*
 * A growable byte string, always NUL-terminated once allocated.  err
 * latches the first allocation failure, so a sequence of appends needs
 * one check at the end (buf_take() returns NULL then).
 */
#ifndef PRIMERKA_BUF_H
#define PRIMERKA_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

/* Append n bytes (may contain NULs); on failure set err, keep contents. */
void	 buf_add(struct buf *, const void *s, size_t n);
void	 buf_adds(struct buf *, const char *s);
void	 buf_addc(struct buf *, char c);

/*
 * Hand over the string (caller frees; "" for an empty buffer) and reset
 * b; NULL, with b freed, if an append failed.
 */
char	*buf_take(struct buf *);

void	 buf_free(struct buf *);

/*
 * Append len bytes at p to *body, a malloc'd NUL-terminated string of
 * *blen bytes (or NULL and 0), unless that would pass max bytes: 0
 * appended, 1 too big (nothing appended), -1 out of memory.  For the
 * write callbacks of libcurl transfers with a size cap.
 */
int	 buf_append_capped(char **body, size_t *blen, size_t max,
	    const char *p, size_t len);

#endif /* PRIMERKA_BUF_H */
