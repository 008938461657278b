/*
 * Image ingest: probe -> limits -> decode -> vet -> key -> s3_put, each
 * step a small helper; see ingest.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "app.h"
#include "ingest.h"

/* The side a decode is scaled down to: enough to prove the pixels. */
#define INGEST_DECODE_SIDE	64
/* The most random bytes a key takes. */
#define INGEST_RAND_MAX		16

const char *
ingest_format_ext(enum image_format f)
{
	switch (f) {
	case IMAGE_FMT_JPEG:
		return "jpg";
	case IMAGE_FMT_PNG:
		return "png";
	case IMAGE_FMT_WEBP:
		return "webp";
	default:
		return NULL;
	}
}

void
ingest_spec_init(struct ingest_spec *spec, struct s3_client *s3,
    const char *bucket, const char *prefix, size_t nrand)
{
	memset(spec, 0, sizeof(*spec));
	spec->s3 = s3;
	spec->bucket = bucket;
	spec->prefix = prefix;
	spec->nrand = nrand;
}

void
ingest_upload_limits(const struct app *a, struct image_limits *lim)
{
	image_limits_default(lim);
	lim->max_bytes = (size_t)a->photo_max_bytes;
	lim->max_pixels = (uint64_t)a->photo_max_pixels;
	lim->max_width = lim->max_height = (int)a->photo_max_side;
}

/* The format from the bytes and the size from the header. */
static enum ingest_err
ingest_probe(const unsigned char *buf, size_t len, struct ingest_result *res)
{
	res->image_err = image_probe(buf, len, &res->info);
	if (res->image_err != IMAGE_OK ||
	    ingest_format_ext(res->info.format) == NULL) {
		if (res->image_err == IMAGE_OK)
			res->image_err = IMAGE_E_FORMAT;
		return INGEST_E_FORMAT;
	}
	res->mime = image_format_mime(res->info.format);
	return INGEST_OK;
}

/* The limits from the header, then a complete decode at a tiny scale. */
static enum ingest_err
ingest_decode(const unsigned char *buf, size_t len,
    const struct image_limits *lim, struct ingest_result *res)
{
	struct image	 tiny = { 0 };
	int		 rc;

	rc = image_check_limits(&res->info, len, lim);
	if (rc == IMAGE_OK) {
		rc = image_decode_scaled(buf, len, lim, INGEST_DECODE_SIDE,
		    &tiny);
		image_free(&tiny);
	}
	res->image_err = rc;
	switch (rc) {
	case IMAGE_OK:
		return INGEST_OK;
	case IMAGE_E_TOO_LARGE:
		return INGEST_E_TOO_LARGE;
	case IMAGE_E_TOO_SMALL:
		return INGEST_E_TOO_SMALL;
	default:
		return INGEST_E_CORRUPT;
	}
}

/* prefix, 2 * nrand random hex digits, the extension. */
static enum ingest_err
ingest_key(const struct ingest_spec *spec, struct ingest_result *res)
{
	unsigned char	 rnd[INGEST_RAND_MAX];
	char		 hex[2 * INGEST_RAND_MAX + 1];
	size_t		 i;
	int		 n;

	if (spec->nrand < 1 || spec->nrand > sizeof(rnd) ||
	    RAND_bytes(rnd, (int)spec->nrand) != 1)
		return INGEST_E_KEY;
	for (i = 0; i < spec->nrand; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	n = snprintf(res->key, sizeof(res->key), "%s%s.%s", spec->prefix,
	    hex, ingest_format_ext(res->info.format));
	if (n < 0 || (size_t)n >= sizeof(res->key)) {
		res->key[0] = '\0';
		return INGEST_E_KEY;
	}
	return INGEST_OK;
}

enum ingest_err
ingest_image(const struct ingest_spec *spec, const unsigned char *buf,
    size_t len, struct ingest_result *res)
{
	enum ingest_err	 rc;

	memset(res, 0, sizeof(*res));
	rc = ingest_probe(buf, len, res);
	if (rc == INGEST_OK && spec->lim != NULL)
		rc = ingest_decode(buf, len, spec->lim, res);
	if (rc == INGEST_OK && spec->vet != NULL &&
	    spec->vet(spec->vet_arg, buf, len, &res->info) == -1)
		rc = INGEST_E_VETO;
	if (rc == INGEST_OK)
		rc = ingest_key(spec, res);
	if (rc == INGEST_OK && s3_put(spec->s3, spec->bucket, res->key, buf,
	    len, res->mime, &res->s3err) != 0)
		rc = INGEST_E_STORE;
	if (rc != INGEST_OK)
		res->key[0] = '\0';
	return rc;
}
