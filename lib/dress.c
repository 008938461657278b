/*
 * dress.c: put a catalogue garment on a person (compose_dress()).
 *
 *  1. The garment is cut from its catalogue image (compose_cutout():
 *     its alpha, or its plain background removed) and cropped to it.
 *  2. Key points from its silhouette (rows' extents and runs, columns'
 *     tops), by category:
 *       tops        collar centre, shoulder points (the body's edges
 *                   measured low on the garment, carried up to its top
 *                   contour), sleeve tips, hem corners;
 *       bottoms     waistband corners and centre, crotch, each leg's
 *                   knee and hem corners (one hem for a skirt);
 *       one-pieces  top centre (straps or neck tie), bust and waist
 *                   (the narrowest row) edges, hem corners.
 *  3. Their places on the body, from the landmarks (lib/body.c): the
 *     shoulder line, the hip joints, knees and ankles, and the body's
 *     proportions (a garment keeps its own length, within bounds).
 *  4. A thin-plate spline through those pairs maps each output pixel
 *     back into the garment (evaluated on a 4 px grid, interpolated).
 *  5. Each garment pixel's alpha is multiplied by the person mask
 *     (dilated by margin_pm of the shoulder width, softened), and by
 *     "not an arm in front": forearms and hands everywhere for bottoms
 *     and one-pieces, and any part of an arm where it lies over the
 *     torso, for every category.
 *  6. Shading: the photo's luminance over its own blur (the folds and
 *     light of what the person wore) multiplies the garment's colour,
 *     shading_pm strong, with the frame's overall exposure.
 *
 * Everything outside the warped garment is the photo, untouched: other
 * people included.  A classical warp: it bends a flat picture, it does
 * not know cloth.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "compose.h"
#include "tps.h"

#define GRID		4	/* spline evaluated every GRID px */
#define MAX_KEYS	16
#define SOLID		128	/* garment alpha counted as cloth */

struct garment {
	struct image	 im;	/* cut out and cropped, straight alpha */
	int		 w, h;
};

struct keys {
	int	n;
	double	gx[MAX_KEYS], gy[MAX_KEYS];	/* in the garment */
	double	tx[MAX_KEYS], ty[MAX_KEYS];	/* on the person */
};

struct run {
	int	l, r;
};

static void
key_add(struct keys *k, double gx, double gy, double tx, double ty)
{
	if (k->n >= MAX_KEYS || !isfinite(gx + gy + tx + ty))
		return;
	k->gx[k->n] = gx;
	k->gy[k->n] = gy;
	k->tx[k->n] = tx;
	k->ty[k->n] = ty;
	k->n++;
}

static int
solid(const struct garment *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return 0;
	return g->im.px[((size_t)y * g->w + x) * 4 + 3] >= SOLID;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The runs of cloth along row y, gaps narrower than 1% of the width
 * bridged and runs shorter than 2% dropped.  Returns their count (at
 * most max).
 */
static int
row_runs(const struct garment *g, int y, struct run *rs, int max)
{
	int	x, i, j, n = 0, gap = g->w / 100 + 1, minw = g->w / 50 + 1;

	y = clampi(y, 0, g->h - 1);
	for (x = 0; x < g->w; x++) {
		if (!solid(g, x, y))
			continue;
		if (n > 0 && x - rs[n - 1].r <= gap) {
			rs[n - 1].r = x;
			continue;
		}
		if (n == max)
			break;
		rs[n].l = rs[n].r = x;
		n++;
	}
	/* Drop slivers, keeping the order. */
	for (i = j = 0; i < n; i++)
		if (rs[i].r - rs[i].l + 1 >= minw)
			rs[j++] = rs[i];
	return j;
}

/* The row's outer extent; 0, or -1 when the row is empty. */
static int
row_ext(const struct garment *g, int y, int *l, int *r)
{
	struct run	rs[32];
	int		n;

	n = row_runs(g, y, rs, 32);
	if (n == 0)
		return -1;
	*l = rs[0].l;
	*r = rs[n - 1].r;
	return 0;
}

/* The first row with cloth, plus skip; h - 1 when none. */
static int
first_row(const struct garment *g, int skip)
{
	struct run	rs[32];
	int		y;

	for (y = 0; y < g->h; y++)
		if (row_runs(g, y, rs, 32) > 0)
			return y + skip < g->h ? y + skip : g->h - 1;
	return g->h - 1;
}

/* The first row with cloth in column x (+-1); h - 1 when none. */
static int
col_top(const struct garment *g, int x)
{
	int	y;

	x = clampi(x, 1, g->w - 2 < 1 ? 1 : g->w - 2);
	for (y = 0; y < g->h; y++)
		if (solid(g, x - 1, y) || solid(g, x, y) || solid(g, x + 1, y))
			return y;
	return g->h - 1;
}

/* The run of row y that holds x, or the nearest one; -1 if none. */
static int
run_at(const struct garment *g, int y, int x, struct run *out)
{
	struct run	rs[32];
	int		i, n, best = -1, bd = INT32_MAX, d;

	n = row_runs(g, y, rs, 32);
	for (i = 0; i < n; i++) {
		d = x < rs[i].l ? rs[i].l - x : x > rs[i].r ? x - rs[i].r : 0;
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	if (best < 0)
		return -1;
	*out = rs[best];
	return 0;
}

/* Point p = o + u * a + v * d (across, down) on the body's frame. */
#define FX(b, ox, u, v)	((ox) + (u) * (b)->ax + (v) * (b)->dx)
#define FY(b, oy, u, v)	((oy) + (u) * (b)->ay + (v) * (b)->dy)

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * A sleeve tip (the garment's outermost point on side, -1 left or +1
 * right, in its upper part) onto the arm of that side: along the upper
 * arm from the shoulder point, as far as the garment's sleeve is long.
 */
static void
key_sleeve(struct keys *k, const struct garment *g, const struct body *b,
    int side, double gsx, double gsy, double tsx, double tsy, double s,
    int ylo, int yhi)
{
	int	y, l, r, bx = -1, by = -1, sh, el;
	double	len, ux, uy, n;

	for (y = ylo; y <= yhi; y++) {
		if (row_ext(g, y, &l, &r) != 0)
			continue;
		if (side < 0 && (bx < 0 || l < bx)) {
			bx = l;
			by = y;
		} else if (side > 0 && (bx < 0 || r > bx)) {
			bx = r;
			by = y;
		}
	}
	sh = side < 0 ? b->sl : b->sr;
	el = sh == POSE_LEFT_SHOULDER ? POSE_LEFT_ELBOW : POSE_RIGHT_ELBOW;
	if (bx < 0 || b->vis[el] < 0.3)
		return;
	len = hypot(bx - gsx, by - gsy) * s;
	ux = b->x[el] - b->x[sh];
	uy = b->y[el] - b->y[sh];
	n = hypot(ux, uy);
	if (!(n > 1.0) || !(len > 1.0))
		return;
	len = fmin(len, 1.2 * n);
	key_add(k, bx, by, tsx + ux / n * len + side * 0.1 * b->sw * fabs(uy) /
	    n, tsy + uy / n * len);
}

/* Tops (jackets included): shoulders on shoulders, hem near the hips. */
static int
keys_top(const struct garment *g, const struct body *b, struct keys *k)
{
	struct run	body, hem;
	int		y, l, r, maxw = 0, down, yl, yr, yn;
	double		gsw, cx, s, ext, lg, dh, half, tlx, tly, trx, try_;

	for (y = 0; y < g->h; y++)
		if (row_ext(g, y, &l, &r) == 0 && r - l > maxw)
			maxw = r - l;
	if (run_at(g, g->h * 8 / 10, g->w / 2, &body) != 0 || maxw <= 0)
		return -1;
	cx = (body.l + body.r) / 2.0;
	gsw = body.r - body.l;
	/* Sleeves hanging alongside the body make the low rows full width. */
	down = gsw >= 0.85 * maxw;
	if (down)
		gsw *= 0.66;
	if (gsw < 4)
		return -1;
	yl = col_top(g, (int)(cx - gsw / 2));
	yr = col_top(g, (int)(cx + gsw / 2));
	yn = col_top(g, (int)cx);
	if (yn > g->h / 4)
		yn = 0;
	if (run_at(g, g->h * 97 / 100, (int)cx, &hem) != 0)
		hem = body;
	half = (hem.r - hem.l) / 2.0 * (down ? 0.66 : 1.0);

	ext = 1.18 * b->sw;
	s = ext / gsw;
	tlx = FX(b, b->smx, -ext / 2, -0.06 * b->sw);
	tly = FY(b, b->smy, -ext / 2, -0.06 * b->sw);
	trx = FX(b, b->smx, ext / 2, -0.06 * b->sw);
	try_ = FY(b, b->smy, ext / 2, -0.06 * b->sw);
	key_add(k, cx, yn, FX(b, b->smx, 0, -0.16 * b->sw),
	    FY(b, b->smy, 0, -0.16 * b->sw));
	key_add(k, cx - gsw / 2, yl, tlx, tly);
	key_add(k, cx + gsw / 2, yr, trx, try_);
	lg = (g->h - 1) - (yl + yr) / 2.0;
	dh = clampd(lg * s, 0.95 * b->torso, 1.7 * b->torso) - 0.06 * b->sw;
	half = fmax(half * s, 0.8 * b->hw);
	key_add(k, cx - (hem.r - hem.l) / 2.0 * (down ? 0.66 : 1.0), g->h - 1,
	    FX(b, b->smx, -half, dh), FY(b, b->smy, -half, dh));
	key_add(k, cx + (hem.r - hem.l) / 2.0 * (down ? 0.66 : 1.0), g->h - 1,
	    FX(b, b->smx, half, dh), FY(b, b->smy, half, dh));
	if (!down) {
		key_sleeve(k, g, b, -1, cx - gsw / 2, yl, tlx, tly, s, 0,
		    g->h * 6 / 10);
		key_sleeve(k, g, b, 1, cx + gsw / 2, yr, trx, try_, s, 0,
		    g->h * 6 / 10);
	}
	return 0;
}

/* Bottoms: waistband above the hip joints, legs on the legs. */
static int
keys_bottom(const struct garment *g, const struct body *b, struct keys *k)
{
	struct run	rs[32], leg, hem[2];
	int		n, l, r, i, y, yc, cxg, kn, an, hip;
	double		s, wx, wy, r_knee, dl, ux, uy, hx, hy, sk;
	double		half[2], hemx[2], hemy[2], hu[2], hv[2];

	if (row_ext(g, first_row(g, g->h / 50), &l, &r) != 0 || r - l < 4)
		return -1;
	s = 1.6 * b->hw / (r - l);
	wx = FX(b, b->hmx, 0, -0.22 * b->torso);
	wy = FY(b, b->hmy, 0, -0.22 * b->torso);
	key_add(k, l, 0, wx - b->ax * 0.8 * b->hw, wy - b->ay * 0.8 * b->hw);
	key_add(k, r, 0, wx + b->ax * 0.8 * b->hw, wy + b->ay * 0.8 * b->hw);
	key_add(k, (l + r) / 2.0, 0, wx, wy);
	n = row_runs(g, g->h * 93 / 100, rs, 32);
	if (n == 0)
		return -1;
	if (n == 1) {
		/* A skirt: its own length, within bounds. */
		y = g->h * 97 / 100;
		if (run_at(g, y, (rs[0].l + rs[0].r) / 2, &leg) != 0)
			leg = rs[0];
		dl = clampd((g->h - 1) * s, 0.3 * b->torso, 2.4 * b->torso);
		sk = fmax((leg.r - leg.l) * s / 2, 0.9 * b->hw);
		key_add(k, leg.l, g->h - 1, wx - b->ax * sk + b->dx * dl,
		    wy - b->ay * sk + b->dy * dl);
		key_add(k, leg.r, g->h - 1, wx + b->ax * sk + b->dx * dl,
		    wy + b->ay * sk + b->dy * dl);
		return 0;
	}
	rs[1] = rs[n - 1];
	cxg = (rs[0].r + rs[1].l) / 2;
	for (yc = g->h - 1; yc > 0 && !solid(g, cxg, yc); yc--)
		;
	key_add(k, cxg, yc, FX(b, b->hmx, 0, 0.12 * b->torso),
	    FY(b, b->hmy, 0, 0.12 * b->torso));
	for (i = 0; i < 2; i++) {
		hip = i == 0 ? b->hl : b->hr;
		kn = hip == POSE_LEFT_HIP ? POSE_LEFT_KNEE : POSE_RIGHT_KNEE;
		an = hip == POSE_LEFT_HIP ? POSE_LEFT_ANKLE : POSE_RIGHT_ANKLE;
		hx = b->x[an] - b->x[kn];
		hy = b->y[an] - b->y[kn];
		dl = hypot(hx, hy);
		r_knee = hypot(b->x[kn] - b->x[hip], b->y[kn] - b->y[hip]);
		if (!(dl > 1.0) || !(r_knee > 1.0))
			return -1;
		ux = hx / dl;
		uy = hy / dl;
		/* The knee, as far down the garment as down the leg. */
		y = (int)(yc + (g->h - 1 - yc) * r_knee / (r_knee + dl) * 0.9);
		if (run_at(g, y, (rs[i].l + rs[i].r) / 2, &leg) == 0)
			key_add(k, (leg.l + leg.r) / 2.0, y, b->x[kn],
			    b->y[kn]);
		y = g->h * 97 / 100;
		if (run_at(g, y, (rs[i].l + rs[i].r) / 2, &leg) != 0)
			leg = rs[i];
		hem[i] = leg;
		half[i] = fmax((leg.r - leg.l) * s / 2, 0.15 * b->hw);
		hemx[i] = b->x[an] + ux * 0.05 * b->torso;
		hemy[i] = b->y[an] + uy * 0.05 * b->torso;
		hu[i] = ux;
		hv[i] = uy;
	}
	/*
	 * Feet close together (a side view, legs crossed): part the hems so
	 * they do not overlap, or the spline folds; the mask trims the rest.
	 */
	dl = (hemx[1] - hemx[0]) * b->ax + (hemy[1] - hemy[0]) * b->ay;
	if (dl < half[0] + half[1] + 2) {
		r_knee = (half[0] + half[1] + 2 - dl) / 2;
		hemx[0] -= b->ax * r_knee;
		hemy[0] -= b->ay * r_knee;
		hemx[1] += b->ax * r_knee;
		hemy[1] += b->ay * r_knee;
	}
	for (i = 0; i < 2; i++) {
		key_add(k, hem[i].l, g->h - 1, hemx[i] - hv[i] * half[i],
		    hemy[i] + hu[i] * half[i]);
		key_add(k, hem[i].r, g->h - 1, hemx[i] + hv[i] * half[i],
		    hemy[i] - hu[i] * half[i]);
	}
	return 0;
}

/* One-pieces: top at the shoulder line, waist at the waist, own length. */
static int
keys_onepiece(const struct garment *g, const struct body *b,
    struct keys *k)
{
	int	y, yw = -1, minw = INT32_MAX, l, r, lw = 0, rw = 0, lb, rb, yb;
	int	lh, rh, yh;
	double	half_w, s, dh, half, cx;

	if (row_ext(g, first_row(g, g->h / 100), &l, &r) != 0)
		return -1;
	cx = (l + r) / 2.0;
	for (y = g->h / 5; y <= g->h * 55 / 100; y++) {
		if (row_ext(g, y, &l, &r) != 0 || r - l < g->w / 20)
			continue;
		if (r - l < minw) {
			minw = r - l;
			yw = y;
			lw = l;
			rw = r;
		}
	}
	if (yw < 0)
		return -1;
	yb = yw / 2;
	yh = g->h * 97 / 100;
	if (row_ext(g, yb, &lb, &rb) != 0 || row_ext(g, yh, &lh, &rh) != 0)
		return -1;
	half_w = fmax(0.65 * b->hw, 0.38 * b->sw);
	s = 2 * half_w / (rw - lw);
	key_add(k, cx, 0, FX(b, b->smx, 0, -0.08 * b->sw),
	    FY(b, b->smy, 0, -0.08 * b->sw));
	key_add(k, lb, yb, FX(b, b->smx, -0.52 * b->sw, 0.3 * b->torso),
	    FY(b, b->smy, -0.52 * b->sw, 0.3 * b->torso));
	key_add(k, rb, yb, FX(b, b->smx, 0.52 * b->sw, 0.3 * b->torso),
	    FY(b, b->smy, 0.52 * b->sw, 0.3 * b->torso));
	key_add(k, lw, yw, FX(b, b->smx, -half_w, 0.62 * b->torso),
	    FY(b, b->smy, -half_w, 0.62 * b->torso));
	key_add(k, rw, yw, FX(b, b->smx, half_w, 0.62 * b->torso),
	    FY(b, b->smy, half_w, 0.62 * b->torso));
	dh = 0.62 * b->torso + clampd((yh - yw) * s, 0.45 * b->torso,
	    2.6 * b->torso);
	half = fmax((rh - lh) * s / 2, 0.85 * b->hw);
	key_add(k, lh, yh, FX(b, b->smx, -half, dh), FY(b, b->smy, -half, dh));
	key_add(k, rh, yh, FX(b, b->smx, half, dh), FY(b, b->smy, half, dh));
	return 0;
}

/* Bilinear, premultiplied sample of the garment at (u, v); p[4] 0..255. */
static void
sample(const struct garment *g, double u, double v, double *p)
{
	const unsigned char	*q;
	double			 fx, fy, wgt, a;
	int			 x0, y0, i, j, c, x, y;

	p[0] = p[1] = p[2] = p[3] = 0;
	if (!(u > -1.0 && v > -1.0 && u < g->w && v < g->h))
		return;
	x0 = (int)floor(u);
	y0 = (int)floor(v);
	fx = u - x0;
	fy = v - y0;
	for (j = 0; j < 2; j++) {
		for (i = 0; i < 2; i++) {
			x = x0 + i;
			y = y0 + j;
			if (x < 0 || y < 0 || x >= g->w || y >= g->h)
				continue;
			wgt = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
			q = g->im.px + ((size_t)y * g->w + x) * 4;
			a = q[3] * wgt;
			for (c = 0; c < 3; c++)
				p[c] += q[c] * a / 255.0;
			p[3] += a;
		}
	}
}

/* Which arm segments stay in front, by category (see the top). */
static void
arms_mask(const struct body *b, enum compose_cat cat, unsigned char *m,
    unsigned char *upper)
{
	static const int seg[][2] = {
		{ POSE_LEFT_ELBOW, POSE_LEFT_WRIST },
		{ POSE_RIGHT_ELBOW, POSE_RIGHT_WRIST },
		{ POSE_LEFT_WRIST, POSE_LEFT_INDEX },
		{ POSE_RIGHT_WRIST, POSE_RIGHT_INDEX },
		{ POSE_LEFT_WRIST, POSE_LEFT_PINKY },
		{ POSE_RIGHT_WRIST, POSE_RIGHT_PINKY },
	};
	size_t	i;
	int	a, z;

	(void)cat;
	for (i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		a = seg[i][0];
		z = seg[i][1];
		if (b->vis[a] < 0.5 || b->vis[z] < 0.5)
			continue;
		body_capsule(m, b->w, b->h, b->x[a], b->y[a], b->x[z],
		    b->y[z], (i < 2 ? 0.11 : 0.09) * b->sw, 255);
	}
	if (b->vis[POSE_LEFT_ELBOW] >= 0.5)
		body_capsule(upper, b->w, b->h, b->x[POSE_LEFT_SHOULDER],
		    b->y[POSE_LEFT_SHOULDER], b->x[POSE_LEFT_ELBOW],
		    b->y[POSE_LEFT_ELBOW], 0.13 * b->sw, 255);
	if (b->vis[POSE_RIGHT_ELBOW] >= 0.5)
		body_capsule(upper, b->w, b->h, b->x[POSE_RIGHT_SHOULDER],
		    b->y[POSE_RIGHT_SHOULDER], b->x[POSE_RIGHT_ELBOW],
		    b->y[POSE_RIGHT_ELBOW], 0.13 * b->sw, 255);
	plane_blur(m, b->w, b->h, 1);
	plane_blur(upper, b->w, b->h, 1);
}

/* Luma plane (0..255) of an RGBA image. */
static void
luma(const struct image *im, unsigned char *l)
{
	size_t			 i, n = (size_t)im->w * im->h;
	const unsigned char	*p;

	for (i = 0; i < n; i++) {
		p = im->px + i * 4;
		l[i] = (unsigned char)((77 * p[0] + 150 * p[1] + 29 * p[2]) >>
		    8);
	}
}

struct planes {
	unsigned char	*clip;	/* dilated, softened person mask */
	unsigned char	*arm;	/* forearms and hands */
	unsigned char	*upper;	/* upper arms */
	unsigned char	*lum;	/* photo luma */
	unsigned char	*blur;	/* its low-pass (folds) */
	unsigned char	*light;	/* its broad low-pass (light) */
	double		*mx, *my;	/* the spline on the grid */
};

static void
planes_free(struct planes *pl)
{
	free(pl->clip);
	free(pl->arm);
	free(pl->upper);
	free(pl->lum);
	free(pl->blur);
	free(pl->light);
	free(pl->mx);
	free(pl->my);
}

/*
 * Warp the garment onto out (the sized photo) through t (person ->
 * garment) over the box x0..x1, y0..y1, with the planes' clip, arms
 * and shading.
 */
static void
paint(struct image *out, const struct garment *g, const struct body *b,
    enum compose_cat cat, const struct planes *pl, int x0, int y0, int x1,
    int y1, int gw, double shading, double expo, double light)
{
	unsigned char	*d;
	double		 p[4], u, v, fx, fy, a, s, c;
	size_t		 i, gi;
	int		 x, y, k, gxn, gyn, arm;

	for (y = y0; y <= y1; y++) {
		gyn = (y - y0) / GRID;
		fy = (double)((y - y0) % GRID) / GRID;
		for (x = x0; x <= x1; x++) {
			gxn = (x - x0) / GRID;
			fx = (double)((x - x0) % GRID) / GRID;
			gi = (size_t)gyn * gw + gxn;
			u = (pl->mx[gi] * (1 - fx) + pl->mx[gi + 1] * fx) *
			    (1 - fy) + (pl->mx[gi + gw] * (1 - fx) +
			    pl->mx[gi + gw + 1] * fx) * fy;
			v = (pl->my[gi] * (1 - fx) + pl->my[gi + 1] * fx) *
			    (1 - fy) + (pl->my[gi + gw] * (1 - fx) +
			    pl->my[gi + gw + 1] * fx) * fy;
			sample(g, u, v, p);
			if (p[3] < 1.0)
				continue;
			i = (size_t)y * out->w + x;
			a = p[3] / 255.0 * pl->clip[i] / 255.0;
			arm = 0;
			if (pl->arm[i] != 0 && (cat != COMPOSE_CAT_TOPS ||
			    body_in_torso(b, x, y, 0.05)))
				arm = pl->arm[i];
			if (pl->upper[i] > arm && body_in_torso(b, x, y, -0.05))
				arm = pl->upper[i];
			a *= 1.0 - arm / 255.0;
			if (a <= 0.0)
				continue;
			/*
			 * Folds: the photo's luma over its local mean, in a
			 * narrow band (a hard edge between a white shirt and
			 * a dark jacket is a pattern, not a fold).  Light:
			 * the broad mean over the garment's own mean.
			 */
			s = clampd((pl->lum[i] + 8.0) / (pl->blur[i] + 8.0),
			    0.9, 1.08);
			s *= clampd((pl->light[i] + 8.0) / (light + 8.0),
			    0.8, 1.12);
			s = 1.0 + shading * (s - 1.0);
			d = out->px + i * 4;
			for (k = 0; k < 3; k++) {
				c = p[k] * 255.0 / p[3];
				c = c * s * expo + 24.0 * (s - 1.0);
				c = clampd(c, 0, 255);
				d[k] = (unsigned char)lrint(c * a + d[k] *
				    (1 - a));
			}
		}
	}
}

/* Garment scaled so that it is at most ~1.5x its size on the body. */
static int
garment_fit(struct garment *g, struct keys *k)
{
	struct image	 r;
	double		 gx0, gx1, gy0, gy1, tx0, tx1, ty0, ty1, f;
	int		 i, nw, nh;

	gx0 = gy0 = tx0 = ty0 = INFINITY;
	gx1 = gy1 = tx1 = ty1 = -INFINITY;
	for (i = 0; i < k->n; i++) {
		gx0 = fmin(gx0, k->gx[i]);
		gx1 = fmax(gx1, k->gx[i]);
		gy0 = fmin(gy0, k->gy[i]);
		gy1 = fmax(gy1, k->gy[i]);
		tx0 = fmin(tx0, k->tx[i]);
		tx1 = fmax(tx1, k->tx[i]);
		ty0 = fmin(ty0, k->ty[i]);
		ty1 = fmax(ty1, k->ty[i]);
	}
	f = 1.5 * hypot(tx1 - tx0, ty1 - ty0) /
	    fmax(hypot(gx1 - gx0, gy1 - gy0), 1.0);
	if (!(f < 0.9) || !(f > 0.0))
		return 0;
	nw = (int)lrint(g->w * f);
	nh = (int)lrint(g->h * f);
	if (nw < 8 || nh < 8)
		return 0;
	if (image_resize(&g->im, nw, nh, &r) != IMAGE_OK)
		return -1;
	image_free(&g->im);
	g->im = r;
	for (i = 0; i < k->n; i++) {
		k->gx[i] *= (double)nw / g->w;
		k->gy[i] *= (double)nh / g->h;
	}
	g->w = nw;
	g->h = nh;
	return 0;
}

/*
 * Dress the already sized photo out (in place) for body b.
 */
static int
dress_body(struct image *out, const struct body *b, struct garment *g,
    enum compose_cat cat, const struct compose_params *p)
{
	struct planes	 pl;
	struct keys	 k;
	struct tps	 t;
	double		 x0, y0, x1, y1, pad, sum = 0, expo, lsum = 0, lt;
	long		 ln = 0;
	size_t		 i, n = (size_t)out->w * out->h;
	int		 rc, gx, gy, gw, gh, ix0, iy0, ix1, iy1, r;

	memset(&pl, 0, sizeof(pl));
	memset(&k, 0, sizeof(k));
	if (cat == COMPOSE_CAT_TOPS)
		rc = keys_top(g, b, &k);
	else if (cat == COMPOSE_CAT_BOTTOMS)
		rc = keys_bottom(g, b, &k);
	else
		rc = keys_onepiece(g, b, &k);
	if (rc != 0 || k.n < 3)
		return COMPOSE_E_NO_GARMENT;
	if (garment_fit(g, &k) != 0)
		return COMPOSE_E_NOMEM;
	if (tps_fit(&t, k.n, k.tx, k.ty, k.gx, k.gy, 0.0) != 0)
		return COMPOSE_E_NO_BODY;

	x0 = y0 = INFINITY;
	x1 = y1 = -INFINITY;
	for (r = 0; r < k.n; r++) {
		x0 = fmin(x0, k.tx[r]);
		x1 = fmax(x1, k.tx[r]);
		y0 = fmin(y0, k.ty[r]);
		y1 = fmax(y1, k.ty[r]);
	}
	pad = 0.45 * fmax(b->sw, b->torso);
	ix0 = (int)clampd(floor(x0 - pad), 0, out->w - 1);
	iy0 = (int)clampd(floor(y0 - pad), 0, out->h - 1);
	ix1 = (int)clampd(ceil(x1 + pad), 0, out->w - 1);
	iy1 = (int)clampd(ceil(y1 + pad), 0, out->h - 1);
	if (ix1 <= ix0 || iy1 <= iy0)
		return COMPOSE_OK;	/* the garment is out of the frame */

	gw = (ix1 - ix0) / GRID + 2;
	gh = (iy1 - iy0) / GRID + 2;
	pl.clip = calloc(n, 1);
	pl.arm = calloc(n, 1);
	pl.upper = calloc(n, 1);
	pl.lum = calloc(n, 1);
	pl.blur = calloc(n, 1);
	pl.light = calloc(n, 1);
	pl.mx = calloc((size_t)gw * gh, sizeof(double));
	pl.my = calloc((size_t)gw * gh, sizeof(double));
	if (pl.clip == NULL || pl.arm == NULL || pl.upper == NULL ||
	    pl.lum == NULL || pl.blur == NULL || pl.light == NULL ||
	    pl.mx == NULL ||
	    pl.my == NULL) {
		planes_free(&pl);
		return COMPOSE_E_NOMEM;
	}
	for (gy = 0; gy < gh; gy++)
		for (gx = 0; gx < gw; gx++)
			tps_map(&t, ix0 + gx * GRID, iy0 + gy * GRID,
			    &pl.mx[(size_t)gy * gw + gx],
			    &pl.my[(size_t)gy * gw + gx]);

	/*
	 * The mask's probability through a smoothstep over 64..160.  A mask
	 * drawn from guessed landmarks is no outline: the garment keeps its
	 * own silhouette then.
	 */
	for (i = 0; i < n; i++) {
		lt = b->mask_drawn ? 1.0 : clampd((b->mask[i] - 64) / 96.0, 0,
		    1);
		pl.clip[i] = (unsigned char)lrint(255 * lt * lt * (3 - 2 * lt));
	}
	plane_dilate(pl.clip, out->w, out->h,
	    (int)lrint(fmax(1.0, b->sw * p->margin_pm / 1000.0)));
	plane_blur(pl.clip, out->w, out->h, 1);
	arms_mask(b, cat, pl.arm, pl.upper);
	luma(out, pl.lum);
	memcpy(pl.blur, pl.lum, n);
	r = (int)fmax(3.0, 0.12 * b->sw);
	plane_blur(pl.blur, out->w, out->h, r);
	plane_blur(pl.blur, out->w, out->h, r);
	memcpy(pl.light, pl.lum, n);
	r = (int)fmax(6.0, 0.5 * b->sw);
	plane_blur(pl.light, out->w, out->h, r);
	plane_blur(pl.light, out->w, out->h, r);
	for (gy = 0; gy < out->h; gy++) {
		for (gx = 0; gx < out->w; gx++) {
			i = (size_t)gy * out->w + gx;
			sum += pl.lum[i];
			if (pl.clip[i] >= 128 && body_in_torso(b, gx, gy, 0.0)) {
				lsum += pl.light[i];
				ln++;
			}
		}
	}
	expo = clampd(sqrt(sum / n / 120.0), 0.8, 1.05);
	lt = ln > 0 ? lsum / ln : 128.0;

	paint(out, g, b, cat, &pl, ix0, iy0, ix1, iy1, gw,
	    p->shading_pm / 1000.0, expo, lt);
	planes_free(&pl);
	return COMPOSE_OK;
}

/* Cut the garment out of the outfit image and crop it to its box. */
static int
garment_cut(const struct image *outfit, const struct compose_params *p,
    struct garment *g)
{
	struct compose_box	box;
	struct image		cut;
	int			rc;

	memset(g, 0, sizeof(*g));
	rc = compose_cutout(outfit, p, &cut, &box);
	if (rc != COMPOSE_OK)
		return rc;
	rc = image_crop(&cut, box.x, box.y, box.w, box.h, &g->im);
	image_free(&cut);
	if (rc != IMAGE_OK)
		return rc == IMAGE_E_NOMEM ? COMPOSE_E_NOMEM : COMPOSE_E_INVAL;
	g->w = g->im.w;
	g->h = g->im.h;
	return COMPOSE_OK;
}

/*
 * Internal to lib/compose.c: dress out (the sized photo, in place) for
 * b with the garment of outfit in category cat.  Returns an enum
 * compose_err.
 */
int
dress_sized(struct image *out, const struct body *b,
    const struct image *outfit, enum compose_cat cat,
    const struct compose_params *p)
{
	struct garment	g;
	int		rc;

	if ((unsigned)cat >= COMPOSE_CAT__MAX)
		return COMPOSE_E_INVAL;
	rc = garment_cut(outfit, p, &g);
	if (rc != COMPOSE_OK)
		return rc;
	rc = dress_body(out, b, &g, cat, p);
	image_free(&g.im);
	return rc;
}
