/*
 * compose.c: offline try-on compositor for the `local` provider.
 *
 * Pipeline (all integer arithmetic, hence bit-exact and deterministic):
 *
 *  1. Cutout (compose_cutout): the outfit is shrunk to max_side, then
 *     its background is modelled from the *visible border*: the first
 *     opaque pixels met when walking in from each edge of every row and
 *     column (so a product PNG with a transparent margin is sampled
 *     where its picture starts).  Those colours are binned (4 bits per
 *     channel) and the most common bins that together cover 90% of the
 *     samples form a palette, which copes with gradients and mild
 *     textures as well as flat backdrops; a garment touching the border
 *     over less than ~10% of it does not pollute the palette.  A
 *     flood fill from the image border then eats every connected pixel
 *     within bg_tolerance of a palette colour (and every transparent
 *     pixel).  Foreground specks smaller than 1/50 of the largest
 *     region are dropped, the remaining alpha edge is feathered inwards
 *     by a chamfer distance ramp of feather_px (inwards so no halo of
 *     the old background survives), and the bounding box is reported.
 *     Background enclosed by the garment (between an arm and the body)
 *     is not reachable from the border and stays: an honest limit of a
 *     colour flood fill.
 *
 *  2. Placement: there is no person or pose detector.  The garment is
 *     scaled to torso_width_pm of the person photo's width (aspect
 *     kept), centred horizontally, its top at torso_top_pm of the
 *     height.  That matches a centred half-body portrait; on other
 *     framings it lands wherever those fractions say.  Garments taller
 *     than the photo are clipped at the bottom like a real body would.
 *
 *  3. Location: the output canvas is the location, cover-scaled
 *     (centre crop) to the output size.  Without person segmentation
 *     the person photo is shown as a centred portrait card, bottom
 *     aligned, under a soft arch mask (half ellipse on top, straight
 *     sides, feathered), with the garment already on it.
 *
 * Output: the person image's size capped to max_side (never enlarged),
 * opaque (any remaining transparency is flattened onto white).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"

#define ALPHA_SOLID	128	/* below: counts as transparent */
#define BORDER_SKIP	4	/* opaque rim pixels not sampled */
#define BORDER_TAKE	2	/* samples per walk from an edge */
#define PAL_BINS	4096	/* 4 bits per channel */
#define PAL_MAX		64
#define PAL_COVER_PM	900	/* palette covers 90% of border samples */
#define SPECK_DIV	50	/* regions < largest / 50 are specks */
#define MIN_GARMENT_DIV	400	/* garment must be >= 1/400 of the image */
#define LUT_CELLS	(32 * 32 * 32)
#define ROUGH_MAX	510
#define ROUGH_FLOOR	6	/* backdrop p10 roughness below: plain */
#define Q		4096	/* fixed point one for the card mask */

/*
 * Human text for an enum compose_err value; static, never NULL.
 */
const char *
compose_strerror(int err)
{
	switch (err) {
	case COMPOSE_OK:
		return "ok";
	case COMPOSE_E_INVAL:
		return "invalid compose input";
	case COMPOSE_E_NOMEM:
		return "out of memory";
	case COMPOSE_E_NO_GARMENT:
		return "no garment found on the outfit image";
	default:
		return "unknown compose error";
	}
}

/*
 * Fill *p with the defaults documented in compose.h.
 */
void
compose_params_default(struct compose_params *p)
{
	if (p == NULL)
		return;
	p->max_side = 1024;
	p->bg_tolerance = 40;
	p->feather_px = 3;
	p->torso_top_pm = 520;
	p->torso_width_pm = 620;
	p->card_height_pm = 880;
	p->card_feather_pm = 160;
}

/* Defaults overridden by the caller's meaningful fields. */
static void
params_fill(const struct compose_params *in, struct compose_params *p)
{
	compose_params_default(p);
	if (in == NULL)
		return;
	if (in->max_side > 0)
		p->max_side = in->max_side;
	if (in->bg_tolerance > 0)
		p->bg_tolerance = in->bg_tolerance;
	if (in->feather_px >= 0)
		p->feather_px = in->feather_px > 64 ? 64 : in->feather_px;
	if (in->torso_top_pm > 0)
		p->torso_top_pm = in->torso_top_pm;
	if (in->torso_width_pm > 0)
		p->torso_width_pm = in->torso_width_pm;
	if (in->card_height_pm > 0)
		p->card_height_pm = in->card_height_pm > 1000 ? 1000 :
		    in->card_height_pm;
	if (in->card_feather_pm > 0)
		p->card_feather_pm = in->card_feather_pm > 1000 ? 1000 :
		    in->card_feather_pm;
}

static int
ierr(int rc)
{
	if (rc == IMAGE_OK)
		return COMPOSE_OK;
	return rc == IMAGE_E_NOMEM ? COMPOSE_E_NOMEM : COMPOSE_E_INVAL;
}

static int
valid(const struct image *im)
{
	return im != NULL && im->px != NULL && im->w > 0 && im->h > 0 &&
	    im->w <= IMAGE_HARD_MAX_SIDE && im->h <= IMAGE_HARD_MAX_SIDE &&
	    (uint64_t)im->w * im->h <= IMAGE_HARD_MAX_PIXELS;
}

struct palhist {
	uint32_t	count[PAL_BINS];
	uint32_t	sum[PAL_BINS][3];
	int		order[PAL_BINS];
	uint32_t	rough[ROUGH_MAX + 1];	/* roughness histogram */
};

/*
 * Roughness: 5x5 box mean of |dL/dx| + |dL/dy| on integer luma, 0..510.
 * Returns a malloc'd w * h array (caller frees) or NULL.
 */
static uint16_t *
roughness(const struct image *im)
{
	uint16_t	*g, *t;
	const unsigned char *p;
	int		 x, y, k, l, lx, ly, w = im->w, h = im->h;
	uint32_t	 acc;

	g = malloc((size_t)w * h * sizeof(*g));
	t = malloc((size_t)w * h * sizeof(*t));
	if (g == NULL || t == NULL) {
		free(g);
		free(t);
		return NULL;
	}
#define LUMA(pp)	((77 * (pp)[0] + 150 * (pp)[1] + 29 * (pp)[2]) >> 8)
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			p = im->px + ((size_t)y * w + x) * 4;
			l = LUMA(p);
			lx = x + 1 < w ? LUMA(p + 4) : l;
			ly = y + 1 < h ? LUMA(p + (size_t)w * 4) : l;
			g[(size_t)y * w + x] = (uint16_t)(abs(lx - l) +
			    abs(ly - l));
		}
	}
#undef LUMA
	/* Separable box sums, clamped at the edges; 25 * 510 fits. */
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			acc = 0;
			for (k = -2; k <= 2; k++) {
				l = x + k < 0 ? 0 : x + k >= w ? w - 1 : x + k;
				acc += g[(size_t)y * w + l];
			}
			t[(size_t)y * w + x] = (uint16_t)acc;
		}
	}
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			acc = 0;
			for (k = -2; k <= 2; k++) {
				l = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
				acc += t[(size_t)l * w + x];
			}
			g[(size_t)y * w + x] = (uint16_t)((acc + 12) / 25);
		}
	}
	free(t);
	return g;
}

static void
hist_add(struct palhist *ph, const unsigned char *p, int rough,
    uint32_t *total)
{
	int	bin = (p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4);

	ph->rough[rough > ROUGH_MAX ? ROUGH_MAX : rough]++;
	ph->count[bin]++;
	ph->sum[bin][0] += p[0];
	ph->sum[bin][1] += p[1];
	ph->sum[bin][2] += p[2];
	(*total)++;
}

/*
 * Sample the background walking in from (x,y): skip the first
 * BORDER_SKIP opaque pixels (an anti-aliased or "torn paper" rim around
 * a cut-out picture is not its backdrop), then take BORDER_TAKE.
 */
static void
walk_in(const struct image *im, const uint16_t *rough, int x, int y, int dx,
    int dy, struct palhist *ph, uint32_t *total)
{
	const unsigned char	*p;
	int			 seen = 0;

	while (x >= 0 && y >= 0 && x < im->w && y < im->h &&
	    seen < BORDER_SKIP + BORDER_TAKE) {
		p = im->px + ((size_t)y * im->w + x) * 4;
		if (p[3] >= ALPHA_SOLID) {
			if (seen >= BORDER_SKIP)
				hist_add(ph, p, rough[(size_t)y * im->w + x],
				    total);
			seen++;
		}
		x += dx;
		y += dy;
	}
}

/*
 * Build the background model: lut gets a bit per 5-bit RGB cell (1 =
 * within tol of a palette colour) and *rough_min the least roughness a
 * pixel needs to be flooded (0 for a plain backdrop, half the
 * backdrop's 10th percentile for a textured one, so that smooth
 * regions in the garment's colours stop the fill).  Returns 0, or
 * COMPOSE_E_NOMEM.
 */
static int
bg_model(const struct image *im, const uint16_t *rough, int tol,
    unsigned char *lut, int *rough_min)
{
	struct palhist	*ph;
	uint32_t	 total = 0, cum = 0;
	int		 pal[PAL_MAX][3], npal = 0, i, j, k, n, x, y, t;
	int		 r, g, b, dr, dg, db;
	int64_t		 tol2 = (int64_t)tol * tol;

	ph = calloc(1, sizeof(*ph));
	if (ph == NULL)
		return COMPOSE_E_NOMEM;
	for (y = 0; y < im->h; y++) {
		walk_in(im, rough, 0, y, 1, 0, ph, &total);
		walk_in(im, rough, im->w - 1, y, -1, 0, ph, &total);
	}
	for (x = 0; x < im->w; x++) {
		walk_in(im, rough, x, 0, 0, 1, ph, &total);
		walk_in(im, rough, x, im->h - 1, 0, -1, ph, &total);
	}
	*rough_min = 0;
	cum = 0;
	for (i = 0; i <= ROUGH_MAX; i++) {
		cum += ph->rough[i];
		if ((uint64_t)cum * 10 >= total)
			break;
	}
	if (total > 0 && i >= ROUGH_FLOOR)
		*rough_min = i / 2;
	cum = 0;
	/* Bins by count, descending (insertion into a short list). */
	n = 0;
	for (i = 0; i < PAL_BINS; i++) {
		if (ph->count[i] == 0)
			continue;
		for (j = n; j > 0 && ph->count[ph->order[j - 1]] <
		    ph->count[i]; j--)
			ph->order[j] = ph->order[j - 1];
		ph->order[j] = i;
		n++;
	}
	for (i = 0; i < n && npal < PAL_MAX; i++) {
		k = ph->order[i];
		for (t = 0; t < 3; t++)
			pal[npal][t] = (int)((ph->sum[k][t] + ph->count[k] / 2) /
			    ph->count[k]);
		npal++;
		cum += ph->count[k];
		if ((uint64_t)cum * 1000 >= (uint64_t)total * PAL_COVER_PM)
			break;
	}
	free(ph);

	memset(lut, 0, LUT_CELLS / 8);
	for (i = 0; i < LUT_CELLS; i++) {
		r = (i >> 10) * 8 + 4;
		g = ((i >> 5) & 31) * 8 + 4;
		b = (i & 31) * 8 + 4;
		for (k = 0; k < npal; k++) {
			dr = r - pal[k][0];
			dg = g - pal[k][1];
			db = b - pal[k][2];
			if ((int64_t)dr * dr + dg * dg + db * db <= tol2) {
				lut[i >> 3] |= (unsigned char)(1 << (i & 7));
				break;
			}
		}
	}
	return 0;
}

struct bgmodel {
	unsigned char	 lut[LUT_CELLS / 8];
	const uint16_t	*rough;
	int		 rough_min;
};

static int
is_bgish(const struct image *im, size_t i, const struct bgmodel *bm)
{
	const unsigned char	*p = im->px + i * 4;
	int			 c;

	if (p[3] < ALPHA_SOLID)
		return 1;
	if (bm->rough[i] < bm->rough_min)
		return 0;
	c = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);
	return (bm->lut[c >> 3] >> (c & 7)) & 1;
}

struct matte {
	unsigned char	*bg;	/* 1 = background */
	int32_t		*q;	/* BFS queue, then labels, then distance */
	int32_t		*area;
	int		 narea, carea;
};

static void
matte_free(struct matte *m)
{
	free(m->bg);
	free(m->q);
	free(m->area);
}

/* Flood the background in from the border. */
static void
flood_bg(const struct image *im, const struct bgmodel *bm, struct matte *m)
{
	size_t	head = 0, tail = 0, i, n = (size_t)im->w * im->h;
	int	x, y, k, nx, ny;
	static const int dx[4] = { 1, -1, 0, 0 }, dy[4] = { 0, 0, 1, -1 };

	for (y = 0; y < im->h; y++) {
		for (x = 0; x < im->w; x++) {
			if (y != 0 && y != im->h - 1 && x != 0 &&
			    x != im->w - 1)
				continue;
			i = (size_t)y * im->w + x;
			if (!m->bg[i] && is_bgish(im, i, bm)) {
				m->bg[i] = 1;
				m->q[tail++] = (int32_t)i;
			}
		}
	}
	while (head < tail) {
		i = (size_t)m->q[head++];
		x = (int)(i % (size_t)im->w);
		y = (int)(i / (size_t)im->w);
		for (k = 0; k < 4; k++) {
			nx = x + dx[k];
			ny = y + dy[k];
			if (nx < 0 || ny < 0 || nx >= im->w || ny >= im->h)
				continue;
			i = (size_t)ny * im->w + nx;
			if (!m->bg[i] && is_bgish(im, i, bm)) {
				m->bg[i] = 1;
				m->q[tail++] = (int32_t)i;
			}
		}
	}
	/* Transparent holes are background wherever they are. */
	for (i = 0; i < n; i++)
		if (im->px[i * 4 + 3] < ALPHA_SOLID)
			m->bg[i] = 1;
}

/*
 * Label the 4-connected foreground regions into lab (m->q is the BFS
 * queue), turn regions smaller than the largest / SPECK_DIV into
 * background and set *box to the bounding box of what is left.
 * Returns the kept pixel count, or -1 when out of memory.
 */
static int64_t
drop_specks(const struct image *im, struct matte *m, int32_t *lab,
    struct compose_box *box)
{
	size_t		 n = (size_t)im->w * im->h, i, j, head, tail;
	int32_t		 largest = 0, id, *na;
	int64_t		 kept = 0;
	int		 x, y, k, nx, ny, x0, y0, x1, y1;
	static const int dx[4] = { 1, -1, 0, 0 }, dy[4] = { 0, 0, 1, -1 };

	memset(lab, 0, n * sizeof(*lab));
	m->narea = 0;
	for (j = 0; j < n; j++) {
		if (m->bg[j] || lab[j] != 0)
			continue;
		if (m->narea == m->carea) {
			m->carea = m->carea ? m->carea * 2 : 64;
			na = realloc(m->area, (size_t)m->carea * sizeof(*na));
			if (na == NULL)
				return -1;
			m->area = na;
		}
		id = ++m->narea;
		m->area[id - 1] = 0;
		head = tail = 0;
		lab[j] = id;
		m->q[tail++] = (int32_t)j;
		while (head < tail) {
			i = (size_t)m->q[head++];
			m->area[id - 1]++;
			x = (int)(i % (size_t)im->w);
			y = (int)(i / (size_t)im->w);
			for (k = 0; k < 4; k++) {
				nx = x + dx[k];
				ny = y + dy[k];
				if (nx < 0 || ny < 0 || nx >= im->w ||
				    ny >= im->h)
					continue;
				i = (size_t)ny * im->w + nx;
				if (!m->bg[i] && lab[i] == 0) {
					lab[i] = id;
					m->q[tail++] = (int32_t)i;
				}
			}
		}
		if (m->area[id - 1] > largest)
			largest = m->area[id - 1];
	}
	x0 = im->w;
	y0 = im->h;
	x1 = y1 = -1;
	for (i = 0; i < n; i++) {
		if (m->bg[i])
			continue;
		if (m->area[lab[i] - 1] < largest / SPECK_DIV) {
			m->bg[i] = 1;
			continue;
		}
		kept++;
		x = (int)(i % (size_t)im->w);
		y = (int)(i / (size_t)im->w);
		if (x < x0)
			x0 = x;
		if (x > x1)
			x1 = x;
		if (y < y0)
			y0 = y;
		if (y > y1)
			y1 = y;
	}
	if (kept > 0) {
		box->x = x0;
		box->y = y0;
		box->w = x1 - x0 + 1;
		box->h = y1 - y0 + 1;
	}
	return kept;
}

/*
 * Chamfer (3-4) distance of every pixel to the nearest background
 * pixel (outside the image is not background), then alpha ramps from 0
 * at the background to 255 at feather + 1 pixels in.
 */
static void
feather_alpha(struct image *im, const unsigned char *bg, int32_t *d,
    int feather)
{
	const int32_t	 inf = INT32_MAX / 2;
	int32_t		 v, ramp = 3 * (feather + 1);
	size_t		 i;
	int		 x, y, w = im->w, h = im->h;
	unsigned char	*a;

	for (i = 0; i < (size_t)w * h; i++)
		d[i] = bg[i] ? 0 : inf;
#define D(xx, yy)	d[(size_t)(yy) * w + (xx)]
#define RELAX(xx, yy, c) do {						\
	if ((xx) >= 0 && (yy) >= 0 && (xx) < w && (yy) < h &&		\
	    D(xx, yy) + (c) < v)					\
		v = D(xx, yy) + (c);					\
} while (0)
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			v = D(x, y);
			if (v == 0)
				continue;
			RELAX(x - 1, y, 3);
			RELAX(x, y - 1, 3);
			RELAX(x - 1, y - 1, 4);
			RELAX(x + 1, y - 1, 4);
			D(x, y) = v;
		}
	}
	for (y = h - 1; y >= 0; y--) {
		for (x = w - 1; x >= 0; x--) {
			v = D(x, y);
			if (v == 0)
				continue;
			RELAX(x + 1, y, 3);
			RELAX(x, y + 1, 3);
			RELAX(x + 1, y + 1, 4);
			RELAX(x - 1, y + 1, 4);
			D(x, y) = v;
		}
	}
#undef RELAX
#undef D
	for (i = 0; i < (size_t)w * h; i++) {
		a = im->px + i * 4 + 3;
		v = d[i] >= ramp ? 255 : d[i] * 255 / ramp;
		*a = (unsigned char)((v * *a + 127) / 255);
	}
}

/*
 * Cut the garment out of an outfit photo: *out is the outfit shrunk to
 * fit p->max_side (NULL p: defaults) with alpha 0 on the background and
 * a feathered edge; *box is the garment's bounding box in *out.
 * Returns COMPOSE_OK, COMPOSE_E_INVAL, COMPOSE_E_NOMEM or
 * COMPOSE_E_NO_GARMENT (nothing but background).  On success the
 * caller frees *out with image_free(); on error *out is empty.
 */
int
compose_cutout(const struct image *outfit, const struct compose_params *pin,
    struct image *out, struct compose_box *box)
{
	struct compose_params	 p;
	struct matte		 m;
	struct bgmodel		*bm = NULL;
	uint16_t		*rough = NULL;
	int32_t			*lab = NULL;
	size_t			 n;
	int64_t			 kept;
	int			 rc;

	if (out == NULL || box == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	memset(box, 0, sizeof(*box));
	memset(&m, 0, sizeof(m));
	if (!valid(outfit))
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);
	rc = ierr(image_fit(outfit, p.max_side, out));
	if (rc != COMPOSE_OK)
		return rc;
	n = (size_t)out->w * out->h;
	rc = COMPOSE_E_NOMEM;
	bm = calloc(1, sizeof(*bm));
	m.bg = calloc(n, 1);
	m.q = malloc(n * sizeof(*m.q));
	lab = malloc(n * sizeof(*lab));
	rough = roughness(out);
	if (bm == NULL || m.bg == NULL || m.q == NULL || lab == NULL ||
	    rough == NULL)
		goto fail;
	bm->rough = rough;
	if (bg_model(out, rough, p.bg_tolerance, bm->lut, &bm->rough_min) != 0)
		goto fail;
	flood_bg(out, bm, &m);
	kept = drop_specks(out, &m, lab, box);
	if (kept < 0)
		goto fail;
	if (kept == 0 || kept < (int64_t)(n / MIN_GARMENT_DIV)) {
		rc = COMPOSE_E_NO_GARMENT;
		goto fail;
	}
	/* lab is free again: it holds the distance map now. */
	feather_alpha(out, m.bg, lab, p.feather_px);
	rc = COMPOSE_OK;
fail:
	free(bm);
	free(rough);
	free(lab);
	matte_free(&m);
	if (rc != COMPOSE_OK) {
		image_free(out);
		memset(box, 0, sizeof(*box));
	}
	return rc;
}

/* Source-over blend of src onto dst at (ox, oy), clipped. */
static void
blend_over(struct image *dst, const struct image *src, int ox, int oy)
{
	const unsigned char	*s;
	unsigned char		*d;
	unsigned int		 a, ia;
	int			 x, y, c, x0, x1;

	x0 = ox < 0 ? -ox : 0;
	x1 = ox + src->w > dst->w ? dst->w - ox : src->w;
	for (y = 0; y < src->h; y++) {
		if (oy + y < 0 || oy + y >= dst->h)
			continue;
		for (x = x0; x < x1; x++) {
			s = src->px + ((size_t)y * src->w + x) * 4;
			d = dst->px + ((size_t)(oy + y) * dst->w + ox + x) * 4;
			a = s[3];
			if (a == 0)
				continue;
			ia = 255 - a;
			for (c = 0; c < 3; c++)
				d[c] = (unsigned char)((s[c] * a + d[c] * ia +
				    127) / 255);
			d[3] = (unsigned char)(a + (d[3] * ia + 127) / 255);
		}
	}
}

/* Opaque result: flatten any transparency onto white. */
static void
flatten_white(struct image *im)
{
	size_t		 i, n = (size_t)im->w * im->h;
	unsigned char	*p;
	unsigned int	 a;
	int		 c;

	for (i = 0; i < n; i++) {
		p = im->px + i * 4;
		a = p[3];
		if (a == 255)
			continue;
		for (c = 0; c < 3; c++)
			p[c] = (unsigned char)((p[c] * a + 255 * (255 - a) +
			    127) / 255);
		p[3] = 255;
	}
}

/* Put the garment on the torso box of a person image (see top). */
static int
dress(struct image *person, const struct image *garment,
    const struct compose_params *p)
{
	struct image	g;
	int64_t		gw, gh;
	int		rc;

	gw = (int64_t)person->w * p->torso_width_pm / 1000;
	if (gw < 1)
		gw = 1;
	gh = (gw * garment->h + garment->w / 2) / garment->w;
	if (gh > 2 * (int64_t)person->h) {
		/* Far below the frame anyway: keep the allocation sane. */
		gh = 2 * (int64_t)person->h;
		gw = (gh * garment->w + garment->h / 2) / garment->h;
	}
	if (gh < 1)
		gh = 1;
	if (gw < 1)
		gw = 1;
	rc = ierr(image_resize(garment, (int)gw, (int)gh, &g));
	if (rc != COMPOSE_OK)
		return rc;
	blend_over(person, &g, (int)((person->w - gw) / 2),
	    (int)((int64_t)person->h * p->torso_top_pm / 1000));
	image_free(&g);
	return COMPOSE_OK;
}

/* Location cover-scaled (centre crop, then resample) to w x h. */
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
	if (cw < 1)
		cw = 1;
	if (ch < 1)
		ch = 1;
	if (cw > loc->w)
		cw = loc->w;
	if (ch > loc->h)
		ch = loc->h;
	rc = ierr(image_crop(loc, (int)((loc->w - cw) / 2),
	    (int)((loc->h - ch) / 2), (int)cw, (int)ch, &c));
	if (rc != COMPOSE_OK)
		return rc;
	rc = ierr(image_resize(&c, w, h, out));
	image_free(&c);
	return rc;
}

static uint32_t
isqrt64(uint64_t v)
{
	uint64_t	r = 0, bit = (uint64_t)1 << 62;

	while (bit > v)
		bit >>= 2;
	while (bit != 0) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else
			r >>= 1;
		bit >>= 2;
	}
	return (uint32_t)r;
}

/*
 * Multiply the card's alpha by an arch mask: half ellipse over the top
 * half, straight sides below, smoothstep ramp of feather_pm of the
 * radius, no fade at the bottom (the card stands on the canvas edge).
 */
static void
arch_mask(struct image *card, int feather_pm)
{
	int64_t		 nx, ny, r, t, s, f;
	unsigned char	*a;
	int		 x, y, w = card->w, h = card->h;

	f = (int64_t)Q * feather_pm / 1000;
	if (f < 1)
		f = 1;
	for (y = 0; y < h; y++) {
		ny = ((int64_t)(2 * y + 1) - h) * Q / h;
		for (x = 0; x < w; x++) {
			nx = ((int64_t)(2 * x + 1) - w) * Q / w;
			if (ny < 0)
				r = isqrt64((uint64_t)(nx * nx + ny * ny));
			else
				r = nx < 0 ? -nx : nx;
			if (r >= Q)
				s = 0;
			else if (r <= Q - f)
				s = Q;
			else {
				t = (Q - r) * Q / f;		/* 0..Q */
				s = t * t / Q * (3 * Q - 2 * t) / Q;
				s = s > Q ? Q : s;
			}
			a = card->px + ((size_t)y * w + x) * 4 + 3;
			*a = (unsigned char)((*a * s + Q / 2) / Q);
		}
	}
}

/*
 * sized (a person, garment dressed on first when not NULL) as a card on
 * location cover-scaled to sized's frame, into *out.  COMPOSE_OK or an
 * error (then *out may hold the background: the caller frees it).
 */
static int
on_location(const struct image *sized, const struct image *location,
    const struct image *garment, const struct compose_params *p,
    struct image *out)
{
	struct image	card;
	int64_t		cw, ch;
	int		rc;

	memset(&card, 0, sizeof(card));
	rc = cover(location, sized->w, sized->h, out);
	if (rc != COMPOSE_OK)
		return rc;
	ch = (int64_t)sized->h * p->card_height_pm / 1000;
	cw = (ch * sized->w + sized->h / 2) / sized->h;
	if (cw > (int64_t)sized->w * 9 / 10) {
		cw = (int64_t)sized->w * 9 / 10;
		ch = (cw * sized->h + sized->w / 2) / sized->w;
	}
	if (cw < 1)
		cw = 1;
	if (ch < 1)
		ch = 1;
	rc = ierr(image_resize(sized, (int)cw, (int)ch, &card));
	if (rc == COMPOSE_OK && garment != NULL)
		rc = dress(&card, garment, p);
	if (rc == COMPOSE_OK) {
		arch_mask(&card, p->card_feather_pm);
		blend_over(out, &card, (int)((sized->w - cw) / 2),
		    (int)(sized->h - ch));
	}
	image_free(&card);
	return rc;
}

/*
 * The `local` try-on: person wearing the outfit's garment, in front of
 * location when it is not NULL (see the top of this file for what it
 * does and does not do).  p may be NULL (defaults).  Output is opaque
 * RGBA, the person's size capped to p->max_side.  Deterministic: same
 * inputs, same bytes.  Returns COMPOSE_OK or an enum compose_err; on
 * success the caller frees *out with image_free(), else *out is empty.
 */
int
compose_tryon(const struct image *person, const struct image *outfit,
    const struct image *location, const struct compose_params *pin,
    struct image *out)
{
	struct compose_params	p;
	struct compose_box	box;
	struct image		cut, garment, sized;
	int			rc;

	memset(&cut, 0, sizeof(cut));
	memset(&garment, 0, sizeof(garment));
	memset(&sized, 0, sizeof(sized));
	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(person) || !valid(outfit) ||
	    (location != NULL && !valid(location)))
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);

	rc = compose_cutout(outfit, &p, &cut, &box);
	if (rc != COMPOSE_OK)
		goto fail;
	rc = ierr(image_crop(&cut, box.x, box.y, box.w, box.h, &garment));
	if (rc != COMPOSE_OK)
		goto fail;
	rc = ierr(image_fit(person, p.max_side, &sized));
	if (rc != COMPOSE_OK)
		goto fail;

	if (location == NULL) {
		rc = dress(&sized, &garment, &p);
		if (rc != COMPOSE_OK)
			goto fail;
		*out = sized;
		memset(&sized, 0, sizeof(sized));
	} else {
		rc = on_location(&sized, location, &garment, &p, out);
		if (rc != COMPOSE_OK)
			goto fail;
	}
	flatten_white(out);
	rc = COMPOSE_OK;
fail:
	image_free(&cut);
	image_free(&garment);
	image_free(&sized);
	if (rc != COMPOSE_OK)
		image_free(out);
	return rc;
}

/*
 * A finished try-on (a person already dressed, by a hosted provider that
 * cannot take a location) placed on location the way compose_tryon()
 * places its own: the location cover-scaled to the person's frame and
 * the person as an arch-masked card standing on its lower edge.  p may
 * be NULL (defaults).  COMPOSE_OK or an enum compose_err; on success the
 * caller frees *out (opaque RGBA), else *out is empty.
 */
int
compose_place(const struct image *person, const struct image *location,
    const struct compose_params *pin, struct image *out)
{
	struct compose_params	p;
	struct image		sized;
	int			rc;

	memset(&sized, 0, sizeof(sized));
	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(person) || !valid(location))
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);
	rc = ierr(image_fit(person, p.max_side, &sized));
	if (rc == COMPOSE_OK)
		rc = on_location(&sized, location, NULL, &p, out);
	if (rc == COMPOSE_OK)
		flatten_white(out);
	image_free(&sized);
	if (rc != COMPOSE_OK)
		image_free(out);
	return rc;
}

/*
 * Thumbnail: img fitted into max_side x max_side (area average, never
 * enlarged), flattened onto white so it can be shipped as JPEG.
 * Returns COMPOSE_OK, COMPOSE_E_INVAL or COMPOSE_E_NOMEM; on success
 * the caller frees *out.
 */
int
compose_thumbnail(const struct image *img, int max_side, struct image *out)
{
	int	rc;

	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(img) || max_side <= 0)
		return COMPOSE_E_INVAL;
	rc = ierr(image_fit(img, max_side, out));
	if (rc == COMPOSE_OK)
		flatten_white(out);
	return rc;
}
