/*
 * compose.c: offline try-on compositor for the `local` provider.
 *
 * Pipeline (deterministic: no threads, no randomness, a fixed order):
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
 *  2. Dressing and placing: lib/dress.c (the garment warped onto the
 *     pose's landmarks) and lib/place.c (the person on a location); this
 *     file sizes the images and brings the pose to them (lib/body.c).
 *
 * Output: the person image's size capped to max_side (never enlarged),
 * opaque (any remaining transparency is flattened onto white).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "compose.h"

#define ALPHA_SOLID	128	/* below: counts as transparent */
#define BORDER_SKIP	4	/* opaque rim pixels not sampled */
#define BORDER_TAKE	2	/* samples per walk from an edge */
#define PAL_BINS	4096	/* 4 bits per channel */
#define PAL_MAX		64
#define PAL_COVER_PM	900	/* palette covers 90% of border samples */
#define SPECK_DIV	50	/* regions < largest / 50 are specks */
#define MIN_GARMENT_DIV	400	/* garment must be >= 1/400 of the image */
#define MATTE_FILL_PCT	85	/* an own matte fills less of its box */
#define LUT_CELLS	(32 * 32 * 32)
#define ROUGH_MAX	510
#define ROUGH_FLOOR	6	/* backdrop p10 roughness below: plain */

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
	case COMPOSE_E_NO_BODY:
		return "no usable body pose";
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
	p->margin_pm = 60;
	p->shading_pm = 700;
	p->light_pm = 400;
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
	if (in->margin_pm > 0)
		p->margin_pm = in->margin_pm > 500 ? 500 : in->margin_pm;
	if (in->shading_pm > 0)
		p->shading_pm = in->shading_pm > 1000 ? 1000 : in->shading_pm;
	if (in->light_pm > 0)
		p->light_pm = in->light_pm > 1000 ? 1000 : in->light_pm;
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
 * Whether the image brings its own matte: most of its border is
 * transparent (a product PNG cut out already) and what is opaque is
 * not a rectangle (a picture with its backdrop, pasted on a transparent
 * sheet, fills its box).  Then its alpha is the garment, whatever
 * colours its edges have.
 */
static int
alpha_matted(const struct image *im)
{
	size_t	clear = 0, all = 0, solid = 0, i;
	int	x, y, x0 = im->w, y0 = im->h, x1 = -1, y1 = -1;

	for (x = 0; x < im->w; x++) {
		clear += im->px[(size_t)x * 4 + 3] < ALPHA_SOLID;
		clear += im->px[((size_t)(im->h - 1) * im->w + x) * 4 + 3] <
		    ALPHA_SOLID;
		all += 2;
	}
	for (y = 0; y < im->h; y++) {
		clear += im->px[(size_t)y * im->w * 4 + 3] < ALPHA_SOLID;
		clear += im->px[((size_t)y * im->w + im->w - 1) * 4 + 3] <
		    ALPHA_SOLID;
		all += 2;
	}
	if (clear * 2 < all)
		return 0;
	for (y = 0; y < im->h; y++) {
		for (x = 0; x < im->w; x++) {
			i = (size_t)y * im->w + x;
			if (im->px[i * 4 + 3] < ALPHA_SOLID)
				continue;
			solid++;
			x0 = x < x0 ? x : x0;
			x1 = x > x1 ? x : x1;
			y0 = y < y0 ? y : y0;
			y1 = y > y1 ? y : y1;
		}
	}
	return solid > 0 && solid * 100 < (size_t)(x1 - x0 + 1) *
	    (size_t)(y1 - y0 + 1) * MATTE_FILL_PCT;
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
	size_t			 n, i;
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
	if (alpha_matted(out)) {
		for (i = 0; i < n; i++)
			m.bg[i] = out->px[i * 4 + 3] < ALPHA_SOLID;
	} else {
		if (bg_model(out, rough, p.bg_tolerance, bm->lut,
		    &bm->rough_min) != 0)
			goto fail;
		flood_bg(out, bm, &m);
	}
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

const char *const compose_cat_names[COMPOSE_CAT__MAX] = {
	"tops",		/* COMPOSE_CAT_TOPS */
	"bottoms",	/* COMPOSE_CAT_BOTTOMS */
	"one-pieces",	/* COMPOSE_CAT_ONE_PIECES */
};

/*
 * The enum compose_cat named name (as in compose_cat_names), or -1.
 */
int
compose_cat_parse(const char *name)
{
	int	i;

	if (name == NULL)
		return -1;
	for (i = 0; i < COMPOSE_CAT__MAX; i++)
		if (strcmp(name, compose_cat_names[i]) == 0)
			return i;
	return -1;
}

/*
 * A guessed pose for a w x h photo when none is known: one person,
 * centred, framed from the head to the hips (a half-body portrait),
 * arms down; legs below the frame.  No mask (compose draws one from
 * the landmarks).  Only a fallback: a detected pose is always better.
 */
void
compose_pose_nominal(int w, int h, struct pose_person *pp)
{
	static const float	 lm[POSE_LM__MAX][3] = {
		/* x, y as fractions of w and h; visibility */
		{ .50f, .24f, 1 }, { .48f, .21f, 1 }, { .47f, .21f, 1 },
		{ .46f, .21f, 1 }, { .52f, .21f, 1 }, { .53f, .21f, 1 },
		{ .54f, .21f, 1 }, { .44f, .23f, 1 }, { .56f, .23f, 1 },
		{ .48f, .28f, 1 }, { .52f, .28f, 1 },
		{ .69f, .44f, 1 }, { .31f, .44f, 1 },	/* shoulders */
		{ .74f, .70f, 1 }, { .26f, .70f, 1 },	/* elbows */
		{ .75f, .94f, 1 }, { .25f, .94f, 1 },	/* wrists */
		{ .75f, .98f, 1 }, { .25f, .98f, 1 },
		{ .74f, .99f, 1 }, { .26f, .99f, 1 },
		{ .73f, .97f, 1 }, { .27f, .97f, 1 },
		{ .61f, .98f, 1 }, { .39f, .98f, 1 },	/* hips */
		{ .60f, 1.5f, 0 }, { .40f, 1.5f, 0 },	/* knees */
		{ .60f, 2.0f, 0 }, { .40f, 2.0f, 0 },	/* ankles */
		{ .60f, 2.05f, 0 }, { .40f, 2.05f, 0 },
		{ .62f, 2.08f, 0 }, { .38f, 2.08f, 0 },
	};
	int			 i;

	if (pp == NULL)
		return;
	memset(pp, 0, sizeof(*pp));
	pp->score = 0;
	pp->box[2] = (float)w;
	pp->box[3] = (float)h;
	for (i = 0; i < POSE_LM__MAX; i++) {
		pp->lm[i].x = lm[i][0] * w;
		pp->lm[i].y = lm[i][1] * h;
		pp->lm[i].visibility = lm[i][2];
		pp->lm[i].presence = lm[i][2];
	}
}

/*
 * The source size pp's coordinates refer to: its mask's when it has
 * one, else the image's own.
 */
static void
pose_frame(const struct pose_person *pp, const struct image *im, int *w,
    int *h)
{
	if (pp->mask != NULL && pp->mask_w > 0 && pp->mask_h > 0) {
		*w = pp->mask_w;
		*h = pp->mask_h;
	} else {
		*w = im->w;
		*h = im->h;
	}
}

/* The photo sized for output and the body brought to it. */
static int
prepare(const struct image *person, const struct pose_person *pp,
    const struct compose_params *p, struct image *sized, struct body *b)
{
	int	rc, sw, sh;

	memset(b, 0, sizeof(*b));
	rc = ierr(image_fit(person, p->max_side, sized));
	if (rc != COMPOSE_OK)
		return rc;
	pose_frame(pp, person, &sw, &sh);
	rc = body_init(b, pp, sw, sh, sized->w, sized->h);
	if (rc != 0) {
		image_free(sized);
		return rc == -2 ? COMPOSE_E_NOMEM : COMPOSE_E_NO_BODY;
	}
	return COMPOSE_OK;
}

/*
 * The person of photo `person` (pose pp: landmarks in pixels of the
 * photo, or of pp->mask_w x pp->mask_h when pp has a mask) wearing the
 * outfit's garment, as category cat says.  *out has the photo's framing
 * (its size capped to p->max_side), opaque.  p may be NULL (defaults).
 * Deterministic.  Returns COMPOSE_OK, or COMPOSE_E_INVAL,
 * COMPOSE_E_NOMEM, COMPOSE_E_NO_GARMENT (no garment found on the
 * outfit, or none of a usable shape for cat), COMPOSE_E_NO_BODY (a
 * degenerate pose); on success the caller frees *out with image_free(),
 * else *out is empty.
 */
int
compose_dress(const struct image *person, const struct pose_person *pp,
    const struct image *outfit, enum compose_cat cat,
    const struct compose_params *pin, struct image *out)
{
	struct compose_params	p;
	struct body		b;
	int			rc;

	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(person) || !valid(outfit) || pp == NULL ||
	    (unsigned)cat >= COMPOSE_CAT__MAX)
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);
	rc = prepare(person, pp, &p, out, &b);
	if (rc != COMPOSE_OK)
		return rc;
	rc = dress_sized(out, &b, outfit, cat, &p);
	body_free(&b);
	if (rc != COMPOSE_OK) {
		image_free(out);
		return rc;
	}
	flatten_white(out);
	return COMPOSE_OK;
}

/*
 * The person of `person` (pose pp, as for compose_dress(); its mask
 * outlines them, or the landmarks do when it has none) placed on
 * location: the location covers the frame, the person keeps their
 * place and size in it, their light is matched to the location's.
 * For any finished try-on (a hosted provider's result too, with the
 * pose of the photo it was made from: same framing).  *out has the
 * photo's framing, opaque.  Returns as compose_dress() (no
 * COMPOSE_E_NO_GARMENT); on success the caller frees *out.
 */
int
compose_place_person(const struct image *person, const struct pose_person *pp,
    const struct image *location, const struct compose_params *pin,
    struct image *out)
{
	struct compose_params	p;
	struct image		sized;
	struct body		b;
	int			rc;

	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(person) || !valid(location) || pp == NULL)
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);
	rc = prepare(person, pp, &p, &sized, &b);
	if (rc != COMPOSE_OK)
		return rc;
	rc = place_sized(&sized, &b, location, &p, out);
	body_free(&b);
	image_free(&sized);
	if (rc == COMPOSE_OK)
		flatten_white(out);
	return rc;
}

/*
 * compose_place_person() for a finished try-on whose pose is not known
 * (a hosted provider's result): the person pm finds in it (the main
 * one; their mask cuts them out), or compose_pose_nominal()'s guess when
 * pm is NULL or finds nobody.  *found (if not NULL) is 1 for a person
 * found, 0 for the guess.  Returns as compose_place_person().
 */
int
compose_place_found(struct pose_model *pm, const struct image *person,
    const struct image *location, const struct compose_params *p,
    struct image *out, int *found)
{
	struct pose_person	*ps = NULL, guess;
	char			 err[128];
	int			 n = 0, rc;

	if (found != NULL)
		*found = 0;
	if (!valid(person)) {
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return COMPOSE_E_INVAL;
	}
	if (pm != NULL && pose_detect(pm, person, &ps, &n, err,
	    sizeof(err)) != 0) {
		ps = NULL;
		n = 0;
	}
	if (n > 0 && pose_person_has_landmarks(&ps[0])) {
		if (found != NULL)
			*found = 1;
		rc = compose_place_person(person, &ps[0], location, p, out);
	} else {
		compose_pose_nominal(person->w, person->h, &guess);
		rc = compose_place_person(person, &guess, location, p, out);
	}
	pose_persons_free(ps, n);
	return rc;
}

/*
 * A try-on placed on location (by compose_tryon() or
 * compose_place_person(), with pose pp) taken apart again into two
 * layers, for an animation that moves the person and what is behind
 * them differently (lib/video.h): *alpha (result->w * result->h bytes,
 * malloc'd) is opaque over the person as the placement cut them out and
 * a pixel beyond, softened; *bg (result's size, opaque) is result where
 * the person is not and, behind them, the location as the placement
 * scaled it.  result may be of any size of the photo's framing.
 * Returns COMPOSE_OK, COMPOSE_E_INVAL, COMPOSE_E_NOMEM or
 * COMPOSE_E_NO_BODY; on success the caller frees *bg with image_free()
 * and *alpha with free(), else both are empty.
 */
int
compose_layers(const struct image *result, const struct pose_person *pp,
    const struct image *location, struct image *bg, unsigned char **alpha)
{
	struct body	b;
	int		rc, sw, sh;

	if (bg != NULL)
		memset(bg, 0, sizeof(*bg));
	if (alpha != NULL)
		*alpha = NULL;
	if (bg == NULL || alpha == NULL || !valid(result) ||
	    !valid(location) || pp == NULL)
		return COMPOSE_E_INVAL;
	pose_frame(pp, result, &sw, &sh);
	rc = body_init(&b, pp, sw, sh, result->w, result->h);
	if (rc != 0)
		return rc == -2 ? COMPOSE_E_NOMEM : COMPOSE_E_NO_BODY;
	rc = layers_sized(result, &b, location, bg, alpha);
	body_free(&b);
	return rc;
}

/*
 * The `local` try-on: compose_dress(), then compose_place_person() on
 * location when it is not NULL.  pp NULL means no pose is known:
 * compose_pose_nominal() guesses one.  Returns as compose_dress(); on
 * success the caller frees *out with image_free(), else *out is empty.
 */
int
compose_tryon(const struct image *person, const struct pose_person *pp,
    const struct image *outfit, enum compose_cat cat,
    const struct image *location, const struct compose_params *pin,
    struct image *out)
{
	struct compose_params	p;
	struct pose_person	guess;
	struct image		dressed;
	struct body		b;
	int			rc;

	if (out == NULL)
		return COMPOSE_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!valid(person) || !valid(outfit) ||
	    (location != NULL && !valid(location)) ||
	    (unsigned)cat >= COMPOSE_CAT__MAX)
		return COMPOSE_E_INVAL;
	params_fill(pin, &p);
	if (pp == NULL) {
		compose_pose_nominal(person->w, person->h, &guess);
		pp = &guess;
	}
	rc = prepare(person, pp, &p, &dressed, &b);
	if (rc != COMPOSE_OK)
		return rc;
	rc = dress_sized(&dressed, &b, outfit, cat, &p);
	if (rc == COMPOSE_OK && location != NULL)
		rc = place_sized(&dressed, &b, location, &p, out);
	body_free(&b);
	if (rc != COMPOSE_OK) {
		image_free(&dressed);
		image_free(out);
		return rc;
	}
	if (location == NULL)
		*out = dressed;
	else
		image_free(&dressed);
	flatten_white(out);
	return COMPOSE_OK;
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
