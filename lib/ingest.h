/*
 * Image ingest: the one path an uploaded or imported image takes into
 * storage.  probe (the format from the bytes, the size from the header)
 * -> limits (from the header, before any pixel memory) -> decode (a
 * complete decode at the smallest scale, so a truncated or corrupt file
 * is refused now, not at try-on time) -> vet (the caller's own checks,
 * e.g. quality and NSFW) -> key (prefix + random hex + extension) ->
 * s3_put.  Used by the API's photo upload (fcgi/photos.c), the staff
 * catalogue image routes (fcgi/staff.c) and primerka-admin's add-outfit
 * and add-location.
 */
#ifndef PRIMERKA_INGEST_H
#define PRIMERKA_INGEST_H

#include <stddef.h>

#include "image.h"
#include "s3.h"

struct app;

enum ingest_err {
	INGEST_OK = 0,
	INGEST_E_FORMAT,	/* not a JPEG, PNG or WebP the probe can read */
	INGEST_E_TOO_LARGE,	/* over the limits (bytes, sides, pixels) */
	INGEST_E_TOO_SMALL,	/* under the limits' smallest side */
	INGEST_E_CORRUPT,	/* the header is fine, the pixels are not */
	INGEST_E_VETO,		/* the vet hook refused (and said why) */
	INGEST_E_KEY,		/* no random bytes for the key */
	INGEST_E_STORE,		/* s3_put failed: see s3err */
	INGEST__MAX
};

/* The caller's check between decode and store: 0 to store, -1 not to
 * (the hook has reported why). */
typedef int (*ingest_vet_fn)(void *arg, const unsigned char *buf,
    size_t len, const struct image_info *info);

struct ingest_spec {
	struct s3_client		*s3;
	const char			*bucket;
	const char			*prefix;	/* of the key */
	size_t				 nrand;		/* 1..16 random bytes */
	const struct image_limits	*lim;	/* NULL: no limits, no decode */
	ingest_vet_fn			 vet;		/* or NULL */
	void				*vet_arg;
};

struct ingest_result {
	struct image_info	 info;		/* of the probe */
	const char		*mime;		/* of the stored object */
	char			 key[256];	/* where it was stored */
	int			 image_err;	/* image_err of a refusal */
	struct s3_error		 s3err;		/* of INGEST_E_STORE */
};

/*
 * A spec that stores in bucket of s3 under prefix with nrand random
 * bytes; no limits, no decode, no vet hook (set lim and vet after).
 */
void		 ingest_spec_init(struct ingest_spec *spec,
		    struct s3_client *s3, const char *bucket,
		    const char *prefix, size_t nrand);

/*
 * Take the image buf (len bytes) through every step of spec: probe,
 * then with spec->lim the limits and a decode at 1/8 scale, then
 * spec->vet, then store it in spec->bucket under spec->prefix followed
 * by 2 * nrand hex digits, a dot and the format's extension (jpg, png,
 * webp).  Fills *res (res->key only once stored; res->image_err with the
 * image library's code when the image was refused).  Returns INGEST_OK
 * or the step that refused; nothing is stored unless INGEST_OK.
 */
enum ingest_err	 ingest_image(const struct ingest_spec *spec,
		    const unsigned char *buf, size_t len,
		    struct ingest_result *res);

/*
 * The limits of an upload from the [limits] photo_* settings of a
 * (bytes, pixels, longest side); no smallest side (the caller sets
 * min_width and min_height when it has one).
 */
void		 ingest_upload_limits(const struct app *a,
		    struct image_limits *lim);

/* The extension of a format's objects: "jpg", "png", "webp"; NULL for
 * an unknown format. */
const char	*ingest_format_ext(enum image_format);

#endif /* PRIMERKA_INGEST_H */
