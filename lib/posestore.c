/*
 * posestore: a person's pose in the form stored with a photo (see
 * posestore.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "posestore.h"

void
pose_stored_free(struct pose_stored *s)
{
	if (s == NULL)
		return;
	free(s->mask_png);
	memset(s, 0, sizeof(*s));
}

/* The mask of p (mw x mh) as a PNG at most POSE_STORE_MASK_SIDE. */
static int
mask_png(const struct pose_person *p, struct pose_stored *s)
{
	struct image	 full, small = { 0 };
	size_t		 i, n;
	int		 rc = -1;

	if (image_new(p->mask_w, p->mask_h, &full) != IMAGE_OK)
		return -1;
	n = (size_t)p->mask_w * p->mask_h;
	for (i = 0; i < n; i++) {
		full.px[4 * i] = full.px[4 * i + 1] = full.px[4 * i + 2] =
		    p->mask[i];
		full.px[4 * i + 3] = 255;
	}
	if (image_fit(&full, POSE_STORE_MASK_SIDE, &small) == IMAGE_OK &&
	    image_encode_png(&small, &s->mask_png, &s->mask_len) == IMAGE_OK)
		rc = 0;
	image_free(&full);
	image_free(&small);
	return rc;
}

int
pose_stored_set(struct pose_stored *s, const struct pose_person *p, int w,
    int h)
{
	int	 k;

	memset(s, 0, sizeof(*s));
	if (!pose_person_has_landmarks(p) || w <= 0 || h <= 0)
		return -1;
	for (k = 0; k < POSE_LM__MAX; k++) {
		s->lm[k][0] = p->lm[k].x / w;
		s->lm[k][1] = p->lm[k].y / h;
		s->lm[k][2] = p->lm[k].z / w;
		s->lm[k][3] = p->lm[k].visibility;
		s->lm[k][4] = p->lm[k].presence;
	}
	if (mask_png(p, s) == -1) {
		pose_stored_free(s);
		return -1;
	}
	s->done = 1;
	return 0;
}

int
pose_stored_lm_text(const struct pose_stored *s, char *buf, size_t len)
{
	size_t	 off = 0;
	int	 k, j, n;

	for (k = 0; k < POSE_LM__MAX; k++)
		for (j = 0; j < 5; j++) {
			if (off >= len)
				return -1;
			n = snprintf(buf + off, len - off, "%c%.5g",
			    k + j == 0 ? '{' : ',', (double)s->lm[k][j]);
			if (n < 0 || (size_t)n >= len - off)
				return -1;
			off += (size_t)n;
		}
	if (off + 2 > len)
		return -1;
	buf[off] = '}';
	buf[off + 1] = '\0';
	return 0;
}

int
pose_stored_lm_parse(struct pose_stored *s, const char *text)
{
	float		 lm[POSE_LM__MAX][5];
	const char	*p = text;
	char		*end;
	double		 v;
	int		 i;

	s->done = 0;
	if (p == NULL || *p++ != '{')
		return -1;
	for (i = 0; i < POSE_STORE_NFLOATS; i++) {
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(v) ||
		    fabs(v) > 1e6)
			return -1;
		lm[i / 5][i % 5] = (float)v;
		p = end;
		if (*p != (i + 1 == POSE_STORE_NFLOATS ? '}' : ','))
			return -1;
		p++;
	}
	if (*p != '\0')
		return -1;
	memcpy(s->lm, lm, sizeof(lm));
	s->done = 1;
	return 0;
}

int
pose_stored_person(const struct pose_stored *s, struct pose_person *p)
{
	struct image	 m = { 0 };
	size_t		 i, n;
	float		 x0, y0, x1 = 0, y1 = 0;
	int		 k, w, h;

	memset(p, 0, sizeof(*p));
	if (!s->done || s->mask_png == NULL)
		return -1;
	if (image_decode(s->mask_png, s->mask_len, NULL, &m) != IMAGE_OK)
		return -1;
	w = m.w;
	h = m.h;
	x0 = (float)w;
	y0 = (float)h;
	n = (size_t)m.w * m.h;
	p->mask = malloc(n);
	if (p->mask == NULL) {
		image_free(&m);
		return -1;
	}
	for (i = 0; i < n; i++)
		p->mask[i] = m.px[4 * i];
	p->mask_w = m.w;
	p->mask_h = m.h;
	image_free(&m);
	for (k = 0; k < POSE_LM__MAX; k++) {
		p->lm[k].x = s->lm[k][0] * w;
		p->lm[k].y = s->lm[k][1] * h;
		p->lm[k].z = s->lm[k][2] * w;
		p->lm[k].visibility = s->lm[k][3];
		p->lm[k].presence = s->lm[k][4];
		x0 = fminf(x0, p->lm[k].x);
		y0 = fminf(y0, p->lm[k].y);
		x1 = fmaxf(x1, p->lm[k].x);
		y1 = fmaxf(y1, p->lm[k].y);
	}
	/* The detector's box is not stored: the landmarks' stands in. */
	p->score = 1.0f;
	p->box[0] = x0;
	p->box[1] = y0;
	p->box[2] = x1;
	p->box[3] = y1;
	return 0;
}
