/*
 * place.c: a person placed on a location (compose_place_person()).
 *
 * The output keeps the photo's framing: the location is scaled to cover
 * it (centre crop), and the person stays where and as large as they
 * were in the photo, cut out along the person mask (softened; a mask
 * drawn from the landmarks, when the pose has no model mask, is
 * softened more).  Their light is matched to the location's: each
 * colour channel's mean under the mask is moved light_pm of the way
 * (in log space) toward the location's mean over the frame, within
 * bounds, so a person from a sunny beach does not glow in a dim room.
 * Feet inside the frame get a soft contact shadow.  Whatever else the
 * photo held, other people included, is replaced by the location.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "compose.h"

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Location cover-scaled (centre crop, then resampled) to w x h. */
static int
cover(const struct image *loc, int w, int h, struct image *out)
{
	struct image	c;
	int64_t		cw, ch;
	int		rc;

	if ((int64_t)loc->w * h > (int64_t)loc->h * w) {
		ch = loc->h;
		cw = ((int64_t)loc->h * w + h / 2) / h;
	} else {
		cw = loc->w;
		ch = ((int64_t)loc->w * h + w / 2) / w;
	}
	cw = cw < 1 ? 1 : cw > loc->w ? loc->w : cw;
	ch = ch < 1 ? 1 : ch > loc->h ? loc->h : ch;
	rc = image_crop(loc, (int)((loc->w - cw) / 2), (int)((loc->h - ch) / 2),
	    (int)cw, (int)ch, &c);
	if (rc != IMAGE_OK)
		return rc;
	rc = image_resize(&c, w, h, out);
	image_free(&c);
	return rc;
}

/* Darken out under the feet: a soft ellipse, strength 0..1. */
static void
contact_shadow(struct image *out, const struct body *b)
{
	static const int feet[] = { POSE_LEFT_HEEL, POSE_RIGHT_HEEL,
	    POSE_LEFT_FOOT_INDEX, POSE_RIGHT_FOOT_INDEX };
	double	cx = 0, cy = 0, rx, ry, dx, dy, r2, f;
	size_t	i;
	int	x, y, c, n = 0;
	unsigned char *p;

	for (i = 0; i < sizeof(feet) / sizeof(feet[0]); i++) {
		if (b->vis[feet[i]] < 0.5 || b->y[feet[i]] >= b->h ||
		    b->y[feet[i]] < 0)
			continue;
		cx += b->x[feet[i]];
		cy = fmax(cy, b->y[feet[i]]);
		n++;
	}
	if (n < 2)
		return;
	cx /= n;
	rx = 0.9 * b->sw;
	ry = 0.12 * b->sw;
	for (y = (int)fmax(0, cy - ry); y < b->h && y <= cy + ry; y++) {
		for (x = (int)fmax(0, cx - rx); x < b->w && x <= cx + rx; x++) {
			dx = (x - cx) / rx;
			dy = (y - cy) / ry;
			r2 = dx * dx + dy * dy;
			if (r2 >= 1.0)
				continue;
			f = 1.0 - 0.35 * (1.0 - r2) * (1.0 - r2);
			p = out->px + ((size_t)y * out->w + x) * 4;
			for (c = 0; c < 3; c++)
				p[c] = (unsigned char)lrint(p[c] * f);
		}
	}
}

/*
 * The person's cut-out alpha (b->w * b->h bytes into a): the mask
 * through a smoothstep over 80..200, eroded by a pixel and softened (more
 * for a mask drawn from the landmarks).
 */
static void
cut_alpha(const struct body *b, unsigned char *a)
{
	size_t	i, n = (size_t)b->w * b->h;
	double	t;

	for (i = 0; i < n; i++) {
		t = clampd((b->mask[i] - 80) / 120.0, 0, 1);
		a[i] = (unsigned char)lrint(255 * t * t * (3 - 2 * t));
	}
	for (i = 0; i < n; i++)
		a[i] = (unsigned char)(255 - a[i]);
	plane_dilate(a, b->w, b->h, 1);
	for (i = 0; i < n; i++)
		a[i] = (unsigned char)(255 - a[i]);
	plane_blur(a, b->w, b->h, b->mask_drawn ?
	    (int)fmax(2, 0.06 * b->sw) : 1);
}

/*
 * Internal (body.h): person (already sized to the output) with body b
 * onto location; *out is person's size.  Returns an enum compose_err.
 */
int
place_sized(const struct image *person, const struct body *b,
    const struct image *location, const struct compose_params *p,
    struct image *out)
{
	unsigned char	*a;
	double		 ps[3] = { 0 }, ls[3] = { 0 }, pn = 0, ln = 0, g[3];
	double		 t;
	size_t		 i, n = (size_t)person->w * person->h;
	int		 x, y, c, rc;
	unsigned char	*d;
	const unsigned char *s;

	memset(out, 0, sizeof(*out));
	rc = cover(location, person->w, person->h, out);
	if (rc != IMAGE_OK)
		return rc == IMAGE_E_NOMEM ? COMPOSE_E_NOMEM : COMPOSE_E_INVAL;
	a = malloc(n);
	if (a == NULL) {
		image_free(out);
		return COMPOSE_E_NOMEM;
	}
	cut_alpha(b, a);

	/*
	 * Light: grey world.  The photo's mean colour stands for the light
	 * the person was lit by, the location's for the light they go
	 * into (the person's own clothes say nothing about the light).
	 */
	for (y = 0; y < person->h; y++) {
		for (x = 0; x < person->w; x++) {
			i = (size_t)y * person->w + x;
			s = person->px + i * 4;
			d = out->px + i * 4;
			for (c = 0; c < 3; c++) {
				ps[c] += s[c];
				ls[c] += d[c];
			}
			pn++;
			ln++;
		}
	}
	t = p->light_pm / 1000.0;
	for (c = 0; c < 3; c++)
		g[c] = pn > 0 && ln > 0 ? clampd(pow((ls[c] / ln + 4) /
		    (ps[c] / pn + 4), t), 0.7, 1.35) : 1.0;

	contact_shadow(out, b);
	for (i = 0; i < n; i++) {
		if (a[i] == 0)
			continue;
		s = person->px + i * 4;
		d = out->px + i * 4;
		for (c = 0; c < 3; c++)
			d[c] = (unsigned char)lrint((clampd(s[c] * g[c], 0, 255) *
			    a[i] + d[c] * (255 - a[i])) / 255.0);
		d[3] = 255;
	}
	free(a);
	return COMPOSE_OK;
}

/*
 * Internal (body.h): the layers of result, a try-on placed as
 * place_sized() places it (body b brought to result's size), for
 * compose_layers().  Returns an enum compose_err.
 */
int
layers_sized(const struct image *result, const struct body *b,
    const struct image *location, struct image *bg, unsigned char **alpha)
{
	unsigned char	*a;
	size_t		 i, n = (size_t)result->w * result->h;
	int		 rc;

	*alpha = NULL;
	rc = cover(location, result->w, result->h, bg);
	if (rc != IMAGE_OK)
		return rc == IMAGE_E_NOMEM ? COMPOSE_E_NOMEM : COMPOSE_E_INVAL;
	a = malloc(n);
	if (a == NULL) {
		image_free(bg);
		return COMPOSE_E_NOMEM;
	}
	/*
	 * Opaque wherever the placement let any of the person show, and a
	 * pixel beyond, softened: the layer then carries the person's whole
	 * blend with the location, and nothing of them stays behind.
	 */
	cut_alpha(b, a);
	for (i = 0; i < n; i++)
		a[i] = a[i] > 0 ? 255 : 0;
	plane_dilate(a, result->w, result->h, 1);
	plane_blur(a, result->w, result->h, 1);
	for (i = 0; i < n; i++) {
		if (a[i] == 0)
			memcpy(bg->px + i * 4, result->px + i * 4, 4);
		bg->px[i * 4 + 3] = 255;
	}
	*alpha = a;
	return COMPOSE_OK;
}
