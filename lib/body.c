/*
 * body.c: a pose brought to the composed image (see body.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

#define MIN_TORSO_PX	4.0	/* a smaller torso is no body to dress */
#define MAX_TORSO_FRAMES 4.0	/* nor one this many frames long */

static double
dist(double x0, double y0, double x1, double y1)
{
	return hypot(x1 - x0, y1 - y0);
}

/*
 * Set m to value (if larger) inside the capsule of radius r around the
 * segment (x0, y0)-(x1, y1); m is w * h bytes.
 */
void
body_capsule(unsigned char *m, int w, int h, double x0, double y0,
    double x1, double y1, double r, int value)
{
	double	vx = x1 - x0, vy = y1 - y0, l2 = vx * vx + vy * vy, t, px, py;
	int	x, y, xa, xb, ya, yb;

	if (!(r > 0.0) || !isfinite(x0 + y0 + x1 + y1))
		return;
	xa = (int)floor(fmin(x0, x1) - r);
	xb = (int)ceil(fmax(x0, x1) + r);
	ya = (int)floor(fmin(y0, y1) - r);
	yb = (int)ceil(fmax(y0, y1) + r);
	xa = xa < 0 ? 0 : xa;
	ya = ya < 0 ? 0 : ya;
	xb = xb >= w ? w - 1 : xb;
	yb = yb >= h ? h - 1 : yb;
	for (y = ya; y <= yb; y++) {
		for (x = xa; x <= xb; x++) {
			t = l2 > 0.0 ? ((x - x0) * vx + (y - y0) * vy) / l2 : 0;
			t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
			px = x0 + t * vx - x;
			py = y0 + t * vy - y;
			if (px * px + py * py <= r * r &&
			    m[(size_t)y * w + x] < value)
				m[(size_t)y * w + x] = (unsigned char)value;
		}
	}
}

/*
 * Whether (x, y) is inside the torso quadrilateral (shoulder line to
 * hip line), grown by the fraction grow on every side.
 */
int
body_in_torso(const struct body *b, double x, double y, double grow)
{
	double	qx[4], qy[4], hs, hh, c;
	int	i, pos = 0, neg = 0;

	hs = b->sw / 2 * (1 + grow);
	hh = fmax(b->hw, 0.8 * b->sw) / 2 * (1 + grow);
	qx[0] = b->smx - b->ax * hs - b->dx * grow * b->torso;
	qy[0] = b->smy - b->ay * hs - b->dy * grow * b->torso;
	qx[1] = b->smx + b->ax * hs - b->dx * grow * b->torso;
	qy[1] = b->smy + b->ay * hs - b->dy * grow * b->torso;
	qx[2] = b->hmx + b->ax * hh + b->dx * grow * b->torso;
	qy[2] = b->hmy + b->ay * hh + b->dy * grow * b->torso;
	qx[3] = b->hmx - b->ax * hh + b->dx * grow * b->torso;
	qy[3] = b->hmy - b->ay * hh + b->dy * grow * b->torso;
	for (i = 0; i < 4; i++) {
		c = (qx[(i + 1) % 4] - qx[i]) * (y - qy[i]) -
		    (qy[(i + 1) % 4] - qy[i]) * (x - qx[i]);
		if (c > 0)
			pos++;
		else if (c < 0)
			neg++;
	}
	return pos == 0 || neg == 0;
}

/* Fill the torso quad into m. */
static void
fill_torso(struct body *b)
{
	int	x, y;

	for (y = 0; y < b->h; y++)
		for (x = 0; x < b->w; x++)
			if (body_in_torso(b, x, y, 0.12))
				b->mask[(size_t)y * b->w + x] = 255;
}

/* A body mask drawn from the landmarks: capsules along the limbs. */
static void
draw_mask(struct body *b)
{
	static const struct {
		int	a, z;
		double	r;		/* radius, of the shoulder width */
	} limb[] = {
		{ POSE_LEFT_SHOULDER, POSE_LEFT_ELBOW, 0.15 },
		{ POSE_RIGHT_SHOULDER, POSE_RIGHT_ELBOW, 0.15 },
		{ POSE_LEFT_ELBOW, POSE_LEFT_WRIST, 0.12 },
		{ POSE_RIGHT_ELBOW, POSE_RIGHT_WRIST, 0.12 },
		{ POSE_LEFT_WRIST, POSE_LEFT_INDEX, 0.10 },
		{ POSE_RIGHT_WRIST, POSE_RIGHT_INDEX, 0.10 },
		{ POSE_LEFT_HIP, POSE_LEFT_KNEE, 0.22 },
		{ POSE_RIGHT_HIP, POSE_RIGHT_KNEE, 0.22 },
		{ POSE_LEFT_KNEE, POSE_LEFT_ANKLE, 0.15 },
		{ POSE_RIGHT_KNEE, POSE_RIGHT_ANKLE, 0.15 },
		{ POSE_LEFT_ANKLE, POSE_LEFT_FOOT_INDEX, 0.10 },
		{ POSE_RIGHT_ANKLE, POSE_RIGHT_FOOT_INDEX, 0.10 },
		{ POSE_NOSE, POSE_NOSE, 0.38 },
	};
	size_t	i;

	fill_torso(b);
	body_capsule(b->mask, b->w, b->h, b->x[POSE_NOSE], b->y[POSE_NOSE],
	    b->smx, b->smy, 0.2 * b->sw, 255);
	for (i = 0; i < sizeof(limb) / sizeof(limb[0]); i++)
		body_capsule(b->mask, b->w, b->h, b->x[limb[i].a],
		    b->y[limb[i].a], b->x[limb[i].z], b->y[limb[i].z],
		    limb[i].r * b->sw, 255);
}

/*
 * Fill *b from pp, whose coordinates are pixels of a src_w x src_h image,
 * for an image of w x h (same framing).  The mask is resampled from
 * pp's (nearest) or, when pp has none, drawn from the landmarks.
 * Returns 0; -1 for bad arguments or a body too small, too large (a
 * torso longer than four times the frame's width plus height) or
 * degenerate to dress (its shoulders on its hips); -2 out of memory.  On 0 the
 * caller frees with body_free().
 */
int
body_init(struct body *b, const struct pose_person *pp, int src_w,
    int src_h, int w, int h)
{
	double	sx, sy, l;
	int	i, x, y, mx, my;

	memset(b, 0, sizeof(*b));
	if (pp == NULL || src_w <= 0 || src_h <= 0 || w <= 0 || h <= 0)
		return -1;
	b->w = w;
	b->h = h;
	sx = (double)w / src_w;
	sy = (double)h / src_h;
	for (i = 0; i < POSE_LM__MAX; i++) {
		if (!isfinite(pp->lm[i].x) || !isfinite(pp->lm[i].y) ||
		    fabs(pp->lm[i].x) > 1e6 || fabs(pp->lm[i].y) > 1e6)
			return -1;
		b->x[i] = pp->lm[i].x * sx;
		b->y[i] = pp->lm[i].y * sy;
		b->vis[i] = pp->lm[i].visibility;
	}
	if (b->x[POSE_LEFT_SHOULDER] <= b->x[POSE_RIGHT_SHOULDER]) {
		b->sl = POSE_LEFT_SHOULDER;
		b->sr = POSE_RIGHT_SHOULDER;
		b->hl = POSE_LEFT_HIP;
		b->hr = POSE_RIGHT_HIP;
	} else {
		b->sl = POSE_RIGHT_SHOULDER;
		b->sr = POSE_LEFT_SHOULDER;
		b->hl = POSE_RIGHT_HIP;
		b->hr = POSE_LEFT_HIP;
	}
	b->smx = (b->x[b->sl] + b->x[b->sr]) / 2;
	b->smy = (b->y[b->sl] + b->y[b->sr]) / 2;
	b->hmx = (b->x[b->hl] + b->x[b->hr]) / 2;
	b->hmy = (b->y[b->hl] + b->y[b->hr]) / 2;
	l = dist(b->smx, b->smy, b->hmx, b->hmy);
	if (!(l >= MIN_TORSO_PX) || l > MAX_TORSO_FRAMES * (w + h))
		return -1;
	b->torso = l;
	b->dx = (b->hmx - b->smx) / l;
	b->dy = (b->hmy - b->smy) / l;
	b->ax = b->dy;
	b->ay = -b->dx;
	/*
	 * Seen from the side the joints nearly coincide, yet the body still
	 * has a depth: never narrower than these fractions of the torso.
	 */
	b->sw = fmax(dist(b->x[b->sl], b->y[b->sl], b->x[b->sr], b->y[b->sr]),
	    0.55 * l);
	b->hw = fmax(dist(b->x[b->hl], b->y[b->hl], b->x[b->hr], b->y[b->hr]),
	    0.4 * l);
	b->mask = calloc((size_t)w * h, 1);
	if (b->mask == NULL)
		return -2;
	if (pp->mask != NULL && pp->mask_w > 0 && pp->mask_h > 0) {
		for (y = 0; y < h; y++) {
			my = (int)(((int64_t)y * 2 + 1) * pp->mask_h / (2 * h));
			for (x = 0; x < w; x++) {
				mx = (int)(((int64_t)x * 2 + 1) * pp->mask_w /
				    (2 * w));
				b->mask[(size_t)y * w + x] =
				    pp->mask[(size_t)my * pp->mask_w + mx];
			}
		}
	} else {
		b->mask_drawn = 1;
		draw_mask(b);
	}
	return 0;
}

/* Free what body_init() allocated; safe on a zeroed struct. */
void
body_free(struct body *b)
{
	if (b == NULL)
		return;
	free(b->mask);
	b->mask = NULL;
}

/*
 * Box blur of a w x h byte plane in place, radius r (a (2r+1)^2 box,
 * edges clamped).  Returns silently when out of memory (the plane is
 * then left as it was).
 */
void
plane_blur(unsigned char *m, int w, int h, int r)
{
	unsigned char	*t;
	uint32_t	 acc;
	int		 x, y, k, n = 2 * r + 1;

	if (r <= 0 || w <= 0 || h <= 0)
		return;
	if (r > w + h)
		r = w + h;	/* a wider box changes nothing more */
	t = calloc((size_t)w * h, 1);
	if (t == NULL)
		return;
	for (y = 0; y < h; y++) {
		const unsigned char *row = m + (size_t)y * w;

		acc = 0;
		for (k = -r; k <= r; k++)
			acc += row[k < 0 ? 0 : k >= w ? w - 1 : k];
		for (x = 0; x < w; x++) {
			t[(size_t)y * w + x] = (unsigned char)(acc / n);
			acc += row[x + r + 1 >= w ? w - 1 : x + r + 1];
			acc -= row[x - r < 0 ? 0 : x - r];
		}
	}
	for (x = 0; x < w; x++) {
		acc = 0;
		for (k = -r; k <= r; k++)
			acc += t[(size_t)(k < 0 ? 0 : k >= h ? h - 1 : k) * w + x];
		for (y = 0; y < h; y++) {
			m[(size_t)y * w + x] = (unsigned char)(acc / n);
			acc += t[(size_t)(y + r + 1 >= h ? h - 1 : y + r + 1) *
			    w + x];
			acc -= t[(size_t)(y - r < 0 ? 0 : y - r) * w + x];
		}
	}
	free(t);
}

/*
 * Grey dilation (max over a (2r+1)^2 square) of a w x h byte plane in
 * place.  Leaves the plane as it was when out of memory.
 */
void
plane_dilate(unsigned char *m, int w, int h, int r)
{
	unsigned char	*t, v;
	int		 x, y, k, a, z;

	if (r <= 0 || w <= 0 || h <= 0)
		return;
	if (r > w + h)
		r = w + h;	/* a wider box changes nothing more */
	t = calloc((size_t)w * h, 1);
	if (t == NULL)
		return;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			a = x - r < 0 ? 0 : x - r;
			z = x + r >= w ? w - 1 : x + r;
			v = 0;
			for (k = a; k <= z; k++)
				if (m[(size_t)y * w + k] > v)
					v = m[(size_t)y * w + k];
			t[(size_t)y * w + x] = v;
		}
	}
	for (x = 0; x < w; x++) {
		for (y = 0; y < h; y++) {
			a = y - r < 0 ? 0 : y - r;
			z = y + r >= h ? h - 1 : y + r;
			v = 0;
			for (k = a; k <= z; k++)
				if (t[(size_t)k * w + x] > v)
					v = t[(size_t)k * w + x];
			m[(size_t)y * w + x] = v;
		}
	}
	free(t);
}
